-- The sink's record of each batch, per Kafka partition: its offset range and whether its inserts
-- are all done. A batch writes state 'before' (first_offset..last_offset), then its rows into every
-- table with insert deduplication tokens made of the table and that range, then state 'after'.
-- After a crash the next owner of the partition reads the latest row: 'after' means resume at
-- last_offset + 1; 'before' means the batch may be partly in, so it replays exactly that range
-- under the same tokens, which ClickHouse turns into no-ops for the tables that already have it.
-- version = 2 * last_offset + (1 if 'after'): batches move forward through the partition, so the
-- latest state is the highest version, whatever the insert order (argMax; ReplacingMergeTree keeps
-- the table small).
CREATE TABLE IF NOT EXISTS {db}.sink_progress
(
    topic String,
    partition Int32,
    first_offset Int64,
    last_offset Int64,
    state Enum8('before' = 1, 'after' = 2),
    version UInt64,
    written_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (topic, partition);
