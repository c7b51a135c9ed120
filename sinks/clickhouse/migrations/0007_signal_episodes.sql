-- Signal v3: a signal is an episode of (rule, subject); its revisions share the signal_id and count up
-- `revision`, and every revision carries the episode's opening time as occurred_at, so all of them sit in
-- one month partition of `signals`, where ReplacingMergeTree keeps the last one inserted: the sink lands a
-- partition's records in offset order, and the worker sends an episode's revisions in order (a replay
-- after a crash sends them again, in order, up to the same latest one). Rows from before are revision 0.
-- Int32, as rule_version: the Avro field is an int.
ALTER TABLE {db}.signals ADD COLUMN IF NOT EXISTS revision Int32 DEFAULT 0 AFTER evidence;

-- Every revision, for the history of an episode: fed by each insert into `signals`, one row per
-- (signal_id, revision) once merged (a sink replay may insert a revision twice).
CREATE TABLE IF NOT EXISTS {db}.signal_revisions
(
    signal_id UUID,
    event_id UUID,
    event_type LowCardinality(String),
    occurred_at DateTime64(3, 'UTC'),
    published_at DateTime64(3, 'UTC'),
    publisher LowCardinality(String),
    jurisdiction LowCardinality(String),
    causation_id Nullable(String),
    correlation_id Nullable(String),
    rule_id LowCardinality(String),
    rule_version Int32,
    ruleset_version LowCardinality(String),
    category LowCardinality(String),
    severity LowCardinality(String),
    subject_type LowCardinality(String),
    subject_id String,
    subject_name Nullable(String),
    score Float64,
    metrics Map(String, Float64),
    reason String,
    evidence Array(Tuple(event_id String, topic String, partition Int32, offset Int64)),
    revision Int32,
    _topic LowCardinality(String),
    _partition Int32,
    _offset Int64,
    _ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (signal_id, revision);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.signal_revisions_mv TO {db}.signal_revisions AS
SELECT signal_id, event_id, event_type, occurred_at, published_at, publisher, jurisdiction, causation_id,
       correlation_id, rule_id, rule_version, ruleset_version, category, severity, subject_type, subject_id,
       subject_name, score, metrics, reason, evidence, revision, _topic, _partition, _offset, _ingested_at
FROM {db}.signals
