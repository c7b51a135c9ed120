"""The one vocabulary of dead-letter reasons, shared by publisher, worker and sink.

A dead letter's ``error_type`` is always one of these codes, so the same input rejected by two stages
gets the same code (and, since its id comes from its position, one row). The ``decode.*`` codes are
raised by the schema layer (``iprx.schemas``), which sits below the kernel and spells them as strings;
a unit test keeps the two lists in step.
"""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    # Bytes that are not a message of a known schema (raised by iprx.schemas).
    TOMBSTONE = "decode.tombstone"
    TRUNCATED = "decode.truncated"
    BAD_MAGIC = "decode.bad_magic"
    UNKNOWN_FINGERPRINT = "decode.unknown_fingerprint"
    RETIRED_SCHEMA = "decode.retired_schema"
    UNKNOWN_SCHEMA_ID = "decode.unknown_schema_id"
    BAD_WRITER_SCHEMA = "decode.bad_writer_schema"
    UNKNOWN_SCHEMA = "decode.unknown_schema"
    UNRESOLVABLE = "decode.unresolvable"
    MALFORMED = "decode.malformed"
    TRAILING_BYTES = "decode.trailing_bytes"
    UNEXPECTED_SCHEMA = "decode.unexpected_schema"
    # The consumer could not read the record batch holding the offset (a bad CRC, corrupt bytes).
    UNREADABLE_BATCH = "decode.unreadable_batch"
    # A valid message of a schema the topic does not carry (the topic catalogue says which it does).
    WRONG_TOPIC = "schema.wrong_topic"
    # Domain checks (iprx.kernel.checks): the record decodes but is not a valid event.
    CHECK_FUTURE = "check.future_time"
    CHECK_NEGATIVE = "check.negative"
    CHECK_RANGE = "check.out_of_range"
    CHECK_CODE = "check.code"
    CHECK_USCC = "check.uscc"
    CHECK_FORMAT = "check.format"
    CHECK_REQUIRED = "check.required"
    CHECK_CONSISTENCY = "check.consistency"
    CHECK_INVALID = "check.invalid"
    # The member registry (iprx.kernel.members): who may publish which family.
    NOT_A_MEMBER = "publisher.not_member"
    FAMILY_NOT_ALLOWED = "publisher.family_not_allowed"
    # Signatures (iprx.kernel.signatures): the member's event must carry a valid one.
    SIGNATURE_MISSING = "signature.missing"
    SIGNATURE_UNKNOWN_KEY = "signature.unknown_key"
    SIGNATURE_INVALID = "signature.invalid"
    # Writing a record or its dead letter.
    ENCODE = "encode.invalid"
    TOO_LARGE = "publish.too_large"
    SEND_FAILED = "publish.failed"
    INSERT_REJECTED = "insert.rejected"
    # A bug: an exception nobody anticipated, kept with its type in the reason text.
    UNEXPECTED = "internal.unexpected"


def reason_of(error: BaseException) -> Reason:
    """The vocabulary code of ``error``: its own ``code`` if it has one from the vocabulary, else unexpected."""
    code = getattr(error, "code", None)
    try:
        return Reason(code)
    except ValueError:
        return Reason.UNEXPECTED


class Rejected(ValueError):
    """A record some stage will not accept, with its vocabulary code, precise reason and field."""

    def __init__(self, code: Reason, reason: str, field: str | None = None) -> None:
        super().__init__(f"{reason} (field {field})" if field else reason)
        self.code = code
        self.reason = reason
        self.field = field
