"""ClickHouseSink: decodes a batch, lands good rows in their table and bad ones as dead letters."""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

from clickhouse_connect.driver.exceptions import ClickHouseError
from iprx.kernel import dead_letters
from iprx.kernel.topics import DEAD_LETTER_TABLE
from iprx.schemas import DecodeError, Serializer, SingleObjectCodec
from iprx.sinks import metrics
from iprx.sinks.base import Batch, Sink, SourceRecord
from iprx.sinks.clickhouse.errors import ClickHouseUnavailable, RowsRejected, classify, forget_conversion_error
from iprx.sinks.clickhouse.rows import MAPPINGS, Position
from iprx.sinks.clickhouse.store import Store

log = logging.getLogger(__name__)


class ClickHouseSink(Sink):
    def __init__(self, store: Store, codec: Serializer | None = None) -> None:
        self.store = store
        self.client = store.client
        self.database = store.database
        self._insert_settings: dict[str, Any] = {"insert_deduplicate": 1}
        if store.cluster:
            # Insert through the Distributed table synchronously: "accepted" must mean "on the shard".
            self._insert_settings["distributed_foreground_insert"] = 1
        self.codec = codec or SingleObjectCodec()

    def write(self, batch: Batch) -> None:
        tables: dict[str, list[tuple[dict[str, Any], SourceRecord]]] = defaultdict(list)
        for rec in batch.records:
            pos = Position(batch.topic, batch.partition, rec.offset)
            try:
                if rec.unreadable is not None:
                    reason = f"the consumer could not read the record batch: {rec.unreadable}"
                    raise DecodeError("decode.unreadable_batch", reason)
                if rec.value is None:
                    raise DecodeError("decode.empty", "record has no value (tombstone or null payload)")
                schema_name, record = self.codec.decode(rec.value)
                mapping = MAPPINGS.get(schema_name)
                if mapping is None:
                    raise DecodeError("decode.unexpected_schema", f"no table lands {schema_name} records")
                tables[mapping.table].append((mapping.to_row(record) | pos.columns(), rec))
            except (DecodeError, KeyError, TypeError, ValueError) as exc:
                tables[DEAD_LETTER_TABLE].append((self._dead_letter("sink.decode", exc, batch, rec), rec))
        # Dead letters first: once a family table holds an offset, everything up to it has landed.
        for table in sorted(tables, key=lambda t: t != DEAD_LETTER_TABLE):
            rows = tables[table]
            try:
                self._insert(table, [row for row, _ in rows], f"{batch.dedup_token()}:{table}")
            except RowsRejected as exc:
                log.warning("ClickHouse rejected a batch of %s (%s); landing it row by row", table, exc)
                self._insert_one_by_one(table, rows, batch)

    def _insert_one_by_one(self, table: str, rows: list[tuple[dict[str, Any], SourceRecord]], batch: Batch) -> None:
        rejected = []
        for row, rec in rows:
            try:
                self._insert(table, [row], f"{batch.topic}:{batch.partition}:{rec.offset}:{table}")
            except RowsRejected as exc:
                if table == DEAD_LETTER_TABLE:
                    raise  # nowhere left to put it: stop rather than lose it
                rejected.append(self._dead_letter("sink.insert", exc, batch, rec))
        if rejected:
            self._insert(DEAD_LETTER_TABLE, rejected, f"{batch.dedup_token()}:{table}:rejected")

    @staticmethod
    def _dead_letter(stage: str, exc: Exception, batch: Batch, rec: SourceRecord) -> dict[str, Any]:
        log.warning("dead letter from %s at %s:%s@%s: %s", stage, batch.topic, batch.partition, rec.offset, exc)
        row = dead_letters.from_kafka(stage, exc, rec.value, batch.topic, batch.partition, rec.offset)
        return row | Position(batch.topic, batch.partition, rec.offset).columns()

    def _insert(self, table: str, rows: list[dict[str, Any]], token: str) -> None:
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
                settings=self._insert_settings | {"insert_deduplication_token": token},
            )
        except (ClickHouseError, TypeError, ValueError) as exc:
            raise classify(exc) from exc
        metrics.ROWS_INSERTED.labels(table).inc(len(rows))

    def landed_offset(self, topic: str, partition: int) -> int | None:
        """Highest offset of ``topic``/``partition`` present in any table (``None`` if none)."""
        best: int | None = None
        for table in sorted({m.table for m in MAPPINGS.values()}):
            try:
                result = self.client.query(
                    f"SELECT max(_offset), count() FROM {self.database}.{table} "
                    "WHERE _topic = {t:String} AND _partition = {p:Int32}",
                    parameters={"t": topic, "p": partition},
                )
            except ClickHouseError as exc:
                raise ClickHouseUnavailable(str(exc)) from exc
            top, count = result.result_rows[0]
            if count and (best is None or top > best):
                best = int(top)
        return best

    def close(self) -> None:
        self.store.close()
