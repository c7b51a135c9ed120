"""Loaded into a test's worker through PYTHONPATH: widens and reports Faust's seek to committed offsets.

Each seek is held back ``IPRX_TEST_SEEK_DELAY_S`` seconds (a slow broker round trip, as on a busy
machine), and the worker logs how many events its streams received while it was under way. Events
delivered then are rewound under the agents' feet (see ``stream_processors.rebalance``); with the
flow held until the seek is done, there are none. As the seek starts, the probe also writes a
wall-clock tick to a re-key partition: a fetch completes, so a fetch that was waiting when the flow
stopped wakes up inside the seek, as the worker's own sweep makes it happen now and then.
"""

import asyncio
import json
import logging
import os
from datetime import UTC, datetime

from faust.transport.consumer import Consumer

_perform_seek = Consumer.perform_seek
_delay_s = float(os.environ.get("IPRX_TEST_SEEK_DELAY_S", "1"))
_log = logging.getLogger("iprx.test.seek_probe")


async def _probed_perform_seek(self: Consumer) -> None:
    before = self.app.monitor.events_total
    rekey = sorted(tp for tp in self.assignment() if tp.topic.endswith("-rekey"))
    if rekey:
        tick = json.dumps({"tick": datetime.now(UTC).isoformat()}).encode()
        await self.app.producer.send_and_wait(rekey[0].topic, None, tick, rekey[0].partition, None, None)
    await asyncio.sleep(_delay_s)
    await _perform_seek(self)
    _log.warning("seek probe: %d stream events received during the seek", self.app.monitor.events_total - before)


Consumer.perform_seek = _probed_perform_seek
