"""ClickHouseSink: decodes a batch, lands good rows in their table and bad ones as dead letters."""

from __future__ import annotations

import logging
import os
import signal
from collections import defaultdict
from datetime import timedelta
from typing import Any

from clickhouse_connect.driver.exceptions import ClickHouseError
from iprx.kernel import dead_letters, topics
from iprx.kernel.admission import admit, reference_time
from iprx.kernel.checks import CLOCK_SKEW
from iprx.kernel.members import MemberRegistry
from iprx.kernel.reasons import Reason, Rejected
from iprx.kernel.topics import DEAD_LETTER_TABLE
from iprx.schemas import DecodeError, Serializer, SingleObjectCodec
from iprx.sinks import metrics
from iprx.sinks.base import Batch, Progress, Sink, SourceRecord
from iprx.sinks.clickhouse.errors import ClickHouseUnavailable, RowsRejected, classify, forget_conversion_error
from iprx.sinks.clickhouse.rows import MAPPINGS, Position, dead_letter_row
from iprx.sinks.clickhouse.store import Store

log = logging.getLogger(__name__)


PROGRESS_TABLE = "sink_progress"


class ClickHouseSink(Sink):
    """Lands what :func:`~iprx.kernel.admission.admit` accepts (as the worker does), the rest as dead letters.

    A batch lands atomically per partition: progress 'before', every table, progress 'after'. Each
    table's insert carries a deduplication token made of the table and the batch's offset range, so
    replaying a partly landed batch with the same range adds nothing to the tables that have it.
    """

    def __init__(
        self,
        store: Store,
        codec: Serializer | None = None,
        clock_skew: timedelta = CLOCK_SKEW,
        members: MemberRegistry | None = None,
        signed: bool = False,
    ) -> None:
        """``members``: refuse family events of publishers the registry does not allow (as the worker does),
        and with ``signed`` events without their member's valid signature."""
        self.store = store
        self.client = store.client
        self.database = store.database
        self._insert_settings: dict[str, Any] = {"insert_deduplicate": 1}
        if store.cluster:
            # Insert through the Distributed table synchronously: "accepted" must mean "on the shard".
            self._insert_settings["distributed_foreground_insert"] = 1
        self.codec = codec or SingleObjectCodec()
        self.clock_skew = clock_skew
        self.members = members
        self.signed = signed
        # Crash-test hook: SIGKILL this process after its Nth successful insert (progress rows count),
        # so that a test can stop the sink between any two inserts of a batch.
        self._kill_after_inserts = int(os.environ.get("IPRX_SINK_KILL_AFTER_INSERTS", "0"))
        self._inserts = 0

    def write(self, batch: Batch) -> None:
        tables = self._rows(batch)
        self._record_progress(batch, "before")
        for table in sorted(tables):  # any order: the 'after' row, not the tables, says the batch is in
            rows = tables[table]
            try:
                self._insert(table, [row for row, _ in rows], f"{batch.dedup_token()}:{table}")
            except RowsRejected as exc:
                log.warning("ClickHouse rejected a batch of %s (%s); landing it row by row", table, exc)
                self._insert_one_by_one(table, rows, batch)
        self._record_progress(batch, "after")

    def _rows(self, batch: Batch) -> dict[str, list[tuple[dict[str, Any], SourceRecord]]]:
        """The batch's records as rows per table; what cannot be decoded or mapped as dead-letter rows."""
        tables: dict[str, list[tuple[dict[str, Any], SourceRecord]]] = defaultdict(list)
        spec = topics.spec_for(batch.topic)
        for rec in batch.records:
            pos = Position(batch.topic, batch.partition, rec.offset)
            try:
                if rec.unreadable is not None:
                    reason = f"the consumer could not read the record batch: {rec.unreadable}"
                    raise Rejected(Reason.UNREADABLE_BATCH, reason)
                now = reference_time(rec.timestamp_ms)
                schema_name, record = admit(
                    self.codec, spec, rec.value, now, self.clock_skew, self.members, self.signed, rec.headers
                )
                mapping = MAPPINGS.get(schema_name)
                if mapping is None:
                    raise Rejected(Reason.UNEXPECTED_SCHEMA, f"no table lands {schema_name} records")
                tables[mapping.table].append((mapping.to_row(record) | pos.columns(), rec))
            except (DecodeError, AttributeError, KeyError, TypeError, ValueError) as exc:
                tables[DEAD_LETTER_TABLE].append((self._dead_letter("sink.decode", exc, batch, rec), rec))
        return tables

    def _record_progress(self, batch: Batch, state: str) -> None:
        # The version orders a partition's states: later batches end later, and 'after' beats 'before'.
        version = 2 * batch.last_offset + (state == "after")
        row = {
            "topic": batch.topic,
            "partition": batch.partition,
            "first_offset": batch.first_offset,
            "last_offset": batch.last_offset,
            "state": state,
            "version": version,
        }
        self._insert(PROGRESS_TABLE, [row], None)

    def _insert_one_by_one(self, table: str, rows: list[tuple[dict[str, Any], SourceRecord]], batch: Batch) -> None:
        rejected = []
        for row, rec in rows:
            try:
                self._insert(table, [row], f"{batch.topic}:{batch.partition}:{rec.offset}:{table}")
            except RowsRejected as exc:
                # A refused record of the dead-letter topic is replaced too: the sink's own dead letter
                # holds its raw bytes in values the table always takes.
                rejected.append(self._dead_letter("sink.insert", exc, batch, rec))
        if rejected:  # if even these are refused, the error stops the sink rather than lose them
            self._insert(DEAD_LETTER_TABLE, rejected, f"{batch.dedup_token()}:{table}:rejected")

    @staticmethod
    def _dead_letter(stage: str, exc: Exception, batch: Batch, rec: SourceRecord) -> dict[str, Any]:
        log.warning("dead letter from %s at %s:%s@%s: %s", stage, batch.topic, batch.partition, rec.offset, exc)
        record = dead_letters.from_kafka(
            stage, exc, rec.value, batch.topic, batch.partition, rec.offset, headers=rec.headers
        )
        return dead_letter_row(record) | Position(batch.topic, batch.partition, rec.offset).columns()

    def _insert(self, table: str, rows: list[dict[str, Any]], token: str | None) -> None:
        columns = list(rows[0])
        # Column by column: clickhouse-connect sends columns, so it need not transpose rows itself.
        data = [[row[c] for row in rows] for c in columns]
        forget_conversion_error()
        try:
            self.client.insert(
                f"{self.database}.{table}",
                data,
                column_names=columns,
                column_oriented=True,
                settings=self._insert_settings | ({"insert_deduplication_token": token} if token else {}),
            )
        except Exception as exc:  # the client re-raises whatever a column's conversion raised, of any type
            raise classify(exc) from exc
        if table != PROGRESS_TABLE:
            metrics.ROWS_INSERTED.labels(table).inc(len(rows))
        self._inserts += 1
        if self._inserts == self._kill_after_inserts:
            log.warning("IPRX_SINK_KILL_AFTER_INSERTS=%d reached: SIGKILL after %s", self._inserts, table)
            os.kill(os.getpid(), signal.SIGKILL)

    def progress(self, topic: str, partition: int) -> Progress | None:
        """The partition's latest batch state in ``sink_progress`` (None if it never had a batch)."""
        try:
            result = self.client.query(
                f"SELECT argMax((first_offset, last_offset, state), version), count() "
                f"FROM {self.database}.{PROGRESS_TABLE} WHERE topic = {{t:String}} AND partition = {{p:Int32}}",
                parameters={"t": topic, "p": partition},
            )
        except ClickHouseError as exc:
            raise ClickHouseUnavailable(str(exc)) from exc
        (first, last, state), count = result.result_rows[0]
        return Progress(int(first), int(last), complete=state == "after") if count else None

    def close(self) -> None:
        self.store.close()
