"""Rate-limits the Kafka client libraries' repeated log lines during an outage.

With the broker down, aiokafka, kafka-python and Faust log the same failure many times a second
(470,000 ERROR lines in 3 minutes were measured). :class:`RepeatLimiter` lets the first line of a
kind through (the state change), drops the repeats, and lets one line per kind through per interval
with the count of what it dropped (the periodic summary).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

NOISY_LOGGERS = ("aiokafka", "kafka", "faust", "mode")
"""Client libraries whose lines are limited; our own (``iprx``) lines always pass."""

_DIGITS = re.compile(r"\d+")


@dataclass
class _Kind:
    window_start: float
    suppressed: int = 0


class RepeatLimiter(logging.Filter):
    """Per kind of line (logger, level, message with digits blanked): the first, then one per interval."""

    def __init__(
        self,
        interval_s: float = 60.0,
        prefixes: Iterable[str] = NOISY_LOGGERS,
        clock: Callable[[], float] = time.monotonic,
        max_kinds: int = 1000,
    ) -> None:
        super().__init__()
        self.interval_s = interval_s
        self.prefixes = tuple(prefixes)
        self.clock = clock
        self.max_kinds = max_kinds
        self._kinds: OrderedDict[tuple[str, int, str], _Kind] = OrderedDict()
        self._lock = threading.Lock()  # kafka-python logs from its heartbeat thread too

    def _limited(self, name: str) -> bool:
        return any(name == p or name.startswith(p + ".") for p in self.prefixes)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._limited(record.name):
            return True
        # The template, not the formatted line: node ids, ports and errno vary between repeats.
        key = (record.name, record.levelno, _DIGITS.sub("#", str(record.msg))[:300])
        now = self.clock()
        with self._lock:
            kind = self._kinds.get(key)
            if kind is None:
                self._kinds[key] = _Kind(now)
                if len(self._kinds) > self.max_kinds:
                    self._kinds.popitem(last=False)
                return True
            if now - kind.window_start < self.interval_s:
                kind.suppressed += 1
                return False
            suppressed, elapsed = kind.suppressed, now - kind.window_start
            kind.window_start, kind.suppressed = now, 0
            self._kinds.move_to_end(key)
        if suppressed:
            # The record is shared by every handler; format it once here with the summary appended.
            summary = f"[{suppressed} similar message(s) suppressed in the last {elapsed:.0f} s]"
            record.msg = f"{record.getMessage()} {summary}"
            record.args = ()  # not None: Faust's formatter would turn None into (None,) and fail on it
        return True


def install(interval_s: float = 60.0, handlers: Iterable[logging.Handler] | None = None) -> RepeatLimiter:
    """Attach one limiter to ``handlers`` (default: the root logger's), where propagated records pass.

    A filter on a logger would see only records logged on that very logger, not its children's.
    """
    limiter = RepeatLimiter(interval_s)
    for handler in logging.getLogger().handlers if handlers is None else handlers:
        for old in [f for f in handler.filters if isinstance(f, RepeatLimiter)]:
            handler.removeFilter(old)
        handler.addFilter(limiter)
    return limiter
