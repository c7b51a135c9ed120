"""Sorting ClickHouse failures into "retry the batch later" and "these rows are bad"."""

from __future__ import annotations

import logging
import re

from clickhouse_connect.driver.exceptions import DataError, OperationalError
from iprx.kernel.reasons import Reason


class ClickHouseUnavailable(RuntimeError):
    """ClickHouse could not take the batch now (down, disk full, overloaded); retry, do not commit."""


class RowsRejected(ValueError):
    """ClickHouse, or the client's conversion to ClickHouse types, refused the rows themselves."""

    code = Reason.INSERT_REJECTED

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


class _ColumnOfLastConversionError(logging.Filter):
    # clickhouse-connect logs (but does not raise) which column it could not serialise; keep it
    # for the dead letter's `field` instead of a traceback in the log.
    def __init__(self) -> None:
        super().__init__()
        self.column: tuple[str, str] | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith("Error serializing column") and len(record.args or ()) == 2:
            self.column = record.args  # type: ignore[assignment]
            return False
        return True


_conversion = _ColumnOfLastConversionError()
logging.getLogger("clickhouse_connect.driver.transform").addFilter(_conversion)


def forget_conversion_error() -> None:
    """Call before an insert so that a later error is not blamed on an earlier column."""
    _conversion.column = None


# Server error codes that mean "this data cannot be stored", whatever the server's health.
# Anything else (NOT_ENOUGH_SPACE, TOO_MANY_PARTS, MEMORY_LIMIT_EXCEEDED, timeouts, unknown
# tables before a migration, ...) is treated as an outage: retrying is safe, dead-lettering is not.
DATA_ERROR_CODES = frozenset(
    {
        6,  # CANNOT_PARSE_TEXT
        27,  # CANNOT_PARSE_INPUT_ASSERTION_FAILED
        38,  # CANNOT_PARSE_DATE
        41,  # CANNOT_PARSE_DATETIME
        53,  # TYPE_MISMATCH
        69,  # ARGUMENT_OUT_OF_BOUND
        70,  # CANNOT_CONVERT_TYPE
        72,  # CANNOT_PARSE_NUMBER
        117,  # INCORRECT_DATA
        321,  # VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
        349,  # CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
        407,  # DECIMAL_OVERFLOW
        691,  # UNKNOWN_ELEMENT_OF_ENUM
    }
)
_CODE = re.compile(r"Code: (\d+)")


def classify(exc: Exception) -> ClickHouseUnavailable | RowsRejected:
    """The error to raise for ``exc``, raised by clickhouse-connect during a query or insert."""
    if isinstance(exc, OperationalError):
        return ClickHouseUnavailable(str(exc))
    match = _CODE.search(str(exc))
    if match:
        return RowsRejected(str(exc)) if int(match[1]) in DATA_ERROR_CODES else ClickHouseUnavailable(str(exc))
    if isinstance(exc, DataError | TypeError | ValueError) or _conversion.column:
        # The client could not convert a value (it re-raises the conversion's own error, whatever
        # its type): nothing was sent.
        if _conversion.column:
            column, ch_type = _conversion.column
            return RowsRejected(f"column {column} ({ch_type}): {exc}", field=column)
        return RowsRejected(str(exc))
    return ClickHouseUnavailable(str(exc))
