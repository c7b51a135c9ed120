-- Initial tables: one per landed topic. Every row carries its Kafka position (_topic, _partition,
-- _offset): the sink resumes from it after a crash and analysts cite it as evidence.
-- ReplacingMergeTree keyed by the event's idempotency key is the second line of deduplication;
-- non_replicated_deduplication_window enables insert deduplication tokens (the first line).

CREATE TABLE IF NOT EXISTS {db}.seizures
(
    event_id UUID,
    event_type LowCardinality(String),
    occurred_at DateTime64(3, 'UTC'),
    published_at DateTime64(3, 'UTC'),
    publisher LowCardinality(String),
    jurisdiction LowCardinality(String),
    causation_id Nullable(String),
    correlation_id Nullable(String),
    seizure_id String,
    customs_office_code LowCardinality(String),
    seized_at DateTime64(3, 'UTC'),
    direction LowCardinality(String),
    transport_mode LowCardinality(String),
    declaration_no Nullable(String),
    bill_of_lading Nullable(String),
    container_no Nullable(String),
    hs_code String,
    hs_chapter LowCardinality(String) MATERIALIZED substring(hs_code, 1, 2),
    goods_description String,
    ipr_type LowCardinality(String),
    right_holder Nullable(String),
    brand Nullable(String),
    quantity Int64,
    unit LowCardinality(String),
    estimated_value_cny Decimal(18, 2),
    exporter_id Nullable(String),
    exporter_name Nullable(String),
    exporter_country Nullable(String),
    exporter_natural_person Bool,
    consignee_id Nullable(String),
    consignee_name Nullable(String),
    consignee_country Nullable(String),
    consignee_natural_person Bool,
    declarant_id Nullable(String),
    declarant_name Nullable(String),
    declarant_country Nullable(String),
    declarant_natural_person Bool,
    origin_country Nullable(String),
    destination_country Nullable(String),
    route Array(String),
    concealment Nullable(String),
    disposition Nullable(String),
    _topic LowCardinality(String),
    _partition Int32,
    _offset Int64,
    _ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY event_id
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {db}.signals
(
    signal_id UUID,
    occurred_at DateTime64(3, 'UTC'),
    published_at DateTime64(3, 'UTC'),
    publisher LowCardinality(String),
    jurisdiction LowCardinality(String),
    causation_id Nullable(String),
    rule_id LowCardinality(String),
    rule_version UInt16,
    ruleset_version LowCardinality(String),
    category LowCardinality(String),
    severity LowCardinality(String),
    subject_type LowCardinality(String),
    subject_id String,
    score Float64,
    metrics Map(String, Float64),
    reason String,
    evidence Array(Tuple(event_id String, topic String, partition Int32, offset Int64)),
    _topic LowCardinality(String),
    _partition Int32,
    _offset Int64,
    _ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY signal_id
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {db}.dead_letters
(
    dead_letter_id UUID,
    failed_at DateTime64(3, 'UTC'),
    stage LowCardinality(String),
    error_type LowCardinality(String),
    reason String,
    field Nullable(String),
    source_topic Nullable(String),
    source_partition Nullable(Int32),
    source_offset Nullable(Int64),
    source_file Nullable(String),
    source_line Nullable(Int64),
    publisher Nullable(String),
    payload String,
    payload_size Int64,
    _topic LowCardinality(String),
    _partition Int32,
    _offset Int64,
    _ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(failed_at)
ORDER BY dead_letter_id
SETTINGS non_replicated_deduplication_window = 10000;
