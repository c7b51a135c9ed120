"""Which adapter reads which `iprx produce FORMAT`."""

from __future__ import annotations

from iprx.kernel.config import Settings
from iprx.producers.adapters import event_lines
from iprx.producers.adapters.base import Adapter
from iprx.producers.adapters.ocds import OcdsProcurement
from iprx.producers.adapters.seizure_csv import SeizureCsv


def adapter_for(fmt: str, settings: Settings) -> Adapter:
    publisher_id = settings.publisher.publisher_id
    adapters = {
        "seizures": lambda: SeizureCsv(publisher_id),
        "inspections": lambda: event_lines.inspections(publisher_id),
        "cooperation": lambda: event_lines.cooperation(publisher_id),
        "procurement": lambda: OcdsProcurement(publisher_id),
    }
    return adapters[fmt]()
