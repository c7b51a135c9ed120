"""Size limits every stage agrees on."""

from __future__ import annotations

# The largest encoded event the pipeline accepts: Kafka's default max.message.bytes is 1 MiB
# (1,048,588 bytes), so an event of at most 1,000,000 bytes plus its key and headers always fits.
MAX_EVENT_BYTES = 1_000_000
