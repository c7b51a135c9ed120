import pytest
from clickhouse_connect.driver.exceptions import DatabaseError, DataError, OperationalError
from iprx.sinks.clickhouse.errors import ClickHouseUnavailable, RowsRejected, classify


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (OperationalError("Error HTTPConnectionPool: connection refused"), ClickHouseUnavailable),
        (
            DatabaseError("Code: 243. DB::Exception: Cannot reserve 1.00 MiB, not enough space. (NOT_ENOUGH_SPACE)"),
            ClickHouseUnavailable,
        ),
        (DatabaseError("Code: 252. DB::Exception: Too many parts (300). (TOO_MANY_PARTS)"), ClickHouseUnavailable),
        (
            DatabaseError("Code: 60. DB::Exception: Table iprx.seizures does not exist. (UNKNOWN_TABLE)"),
            ClickHouseUnavailable,
        ),
        (DatabaseError("Code: 407. DB::Exception: Decimal math overflow. (DECIMAL_OVERFLOW)"), RowsRejected),
        (
            DatabaseError("Code: 53. DB::Exception: Type mismatch in IN or VALUES section. (TYPE_MISMATCH)"),
            RowsRejected,
        ),
        (DataError("Invalid UUID value"), RowsRejected),
        (TypeError("unsupported operand type(s) for -: 'str' and 'datetime.date'"), RowsRejected),
        (DatabaseError("HTTP driver received an unexpected response"), ClickHouseUnavailable),
    ],
)
def test_outages_are_retried_and_bad_rows_are_rejected(exc, kind):
    assert isinstance(classify(exc), kind)
