"""What every reader of an input topic does with a record before using it: the same on every side.

The worker (before its rules) and the sink (before landing) both call :func:`admit`, so they agree on
what is invalid and reject it with the same reason code: a null value, bytes that are not a known
message, a schema the topic does not carry (topic catalogue), or a record failing the domain checks.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from iprx.kernel.checks import CLOCK_SKEW
from iprx.kernel.dead_letters import DEAD_LETTER_SCHEMA
from iprx.kernel.members import MemberRegistry, authorize
from iprx.kernel.reasons import Reason, Rejected
from iprx.kernel.record_checks import check_record
from iprx.kernel.signatures import Headers, verify
from iprx.kernel.topics import TopicSpec
from iprx.schemas import DecodeError, Serializer

Record = dict[str, Any]


def reference_time(timestamp_ms: float | None) -> datetime:
    """The "now" event times are checked against: the record's Kafka timestamp, if it has one in the past.

    Worker and sink read the record at different moments; measuring against its timestamp makes them
    give the same verdict, also when they replay old records. A missing or future timestamp (a
    producer's create time may lie) falls back to the wall clock.
    """
    now = datetime.now(UTC)
    if not timestamp_ms or timestamp_ms <= 0:
        return now
    return min(now, datetime.fromtimestamp(timestamp_ms / 1000, UTC))


def admit(
    codec: Serializer,
    topic: TopicSpec | None,
    value: bytes | None,
    now: datetime,
    skew: timedelta = CLOCK_SKEW,
    members: MemberRegistry | None = None,
    signed: bool = False,
    headers: Headers = (),
) -> tuple[str, Record]:
    """Decode and check one record read from ``topic`` (``None``: a topic the catalogue does not know).

    With ``members``, an event of a publisher family must also come from a member allowed that family,
    and with ``signed`` carry that member's valid signature in ``headers`` (the record's Kafka headers).

    Returns its schema name and record; raises :class:`~iprx.kernel.reasons.Rejected` or the schema
    layer's ``DecodeError``, both carrying a code of :class:`~iprx.kernel.reasons.Reason`.
    """
    if value is None:
        raise Rejected(Reason.TOMBSTONE, "record has no value (tombstone or null payload)")
    try:
        # The schema is known from the message header: a wrong one is refused before its body is read.
        name, record = codec.decode(value, expect=None if topic is None else topic.schemas)
    except DecodeError as exc:
        if topic is not None and exc.code == Reason.UNEXPECTED_SCHEMA:
            raise Rejected(Reason.WRONG_TOPIC, f"topic {topic.name}: {exc.reason}") from None
        raise
    errors = check_record(name, record, now, skew)
    if errors:
        raise Rejected(errors[0].code, "; ".join(str(e) for e in errors), errors[0].field)
    if members is not None:
        header = record.get("header") or {}
        publisher = header.get("publisher")
        refused = authorize(members, name, publisher)
        if refused is None and signed and name != DEAD_LETTER_SCHEMA:
            # Members' events and the exchange's own signals and notices alike (dead letters are written
            # by every stage, and say so themselves).
            member = members.get(publisher)
            if member is None:
                reason = f"signer {publisher!r} is not a member of the exchange (registry {members.version})"
                refused = Rejected(Reason.NOT_A_MEMBER, reason, "header.publisher")
            else:
                refused = verify(member, value, headers, header["published_at"])
        if refused is not None:
            raise refused
    return name, record
