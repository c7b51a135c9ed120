-- Typed tables for the remaining event families, and the v2 schema fields of seizures and signals.
-- Same conventions as 0001: the event header as plain columns, parties and subjects flattened into
-- <role>_<field> columns, Kafka position columns on every table (the sink resumes from
-- max(_offset) over them), ReplacingMergeTree keyed by event_id, monthly partitions.
-- Arrays of records (procurement items, inspection findings) are Nested columns: one Array column
-- per field, so `ARRAY JOIN items` (or `findings`) turns them into one row per element.

-- One row per OCDS release. unit_price / total_value / licence terms are absent on many releases,
-- hence Nullable; software_* is set for software items, hardware_* for computers.
CREATE TABLE IF NOT EXISTS {db}.procurement_releases
(
    event_id UUID,
    event_type LowCardinality(String),
    occurred_at DateTime64(3, 'UTC'),
    published_at DateTime64(3, 'UTC'),
    publisher LowCardinality(String),
    jurisdiction LowCardinality(String),
    causation_id Nullable(String),
    correlation_id Nullable(String),
    ocid String,
    release_id String,
    tags Array(LowCardinality(String)),
    released_at DateTime64(3, 'UTC'),
    buyer_id String,
    buyer_name String,
    buyer_level LowCardinality(String),
    buyer_jurisdiction LowCardinality(String),
    supplier_id Nullable(String),
    supplier_name Nullable(String),
    supplier_country Nullable(String),
    supplier_natural_person Bool,
    award_id Nullable(String),
    contract_id Nullable(String),
    date_signed Nullable(DateTime64(3, 'UTC')),
    total_value_amount Nullable(Decimal(18, 2)),
    total_value_currency LowCardinality(Nullable(String)),
    items Nested
    (
        item_id String,
        description String,
        classification_scheme LowCardinality(String),
        classification_code String,
        classification_description Nullable(String),
        additional_classifications Array(Tuple(scheme String, code String, description Nullable(String))),
        quantity Int64,
        unit String,
        unit_price_amount Nullable(Decimal(18, 2)),
        unit_price_currency LowCardinality(Nullable(String)),
        software_vendor Nullable(String),
        software_product Nullable(String),
        software_edition Nullable(String),
        software_metric LowCardinality(Nullable(String)),
        software_term_start Nullable(DateTime64(3, 'UTC')),
        software_term_end Nullable(DateTime64(3, 'UTC')),
        software_operating_system Nullable(Bool),
        hardware_category LowCardinality(Nullable(String)),
        hardware_os_preloaded Nullable(Bool),
        hardware_preloaded_os Nullable(String)
    ),
    _topic LowCardinality(String),
    _partition Int32,
    _offset Int64,
    _ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY event_id
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {db}.inspections
(
    event_id UUID,
    event_type LowCardinality(String),
    occurred_at DateTime64(3, 'UTC'),
    published_at DateTime64(3, 'UTC'),
    publisher LowCardinality(String),
    jurisdiction LowCardinality(String),
    causation_id Nullable(String),
    correlation_id Nullable(String),
    inspection_id String,
    inspector_id Nullable(String),
    inspector_name Nullable(String),
    inspector_country Nullable(String),
    inspector_natural_person Bool,
    inspector_kind LowCardinality(String),
    subject_type LowCardinality(String),
    subject_id Nullable(String),
    subject_name String,
    subject_jurisdiction LowCardinality(String),
    subject_level LowCardinality(Nullable(String)),
    inspected_at DateTime64(3, 'UTC'),
    devices_inspected Int32,
    findings Nested
    (
        vendor String,
        product String,
        edition Nullable(String),
        operating_system Bool,
        installed_copies Int64,
        licensed_copies Int64
    ),
    outcome LowCardinality(String),
    rectification_due Nullable(DateTime64(3, 'UTC')),
    _topic LowCardinality(String),
    _partition Int32,
    _offset Int64,
    _ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY event_id
SETTINGS non_replicated_deduplication_window = 10000;

-- All four case events in one table, one row per event, case_event saying which
-- (opened | referred | referral_decided | closed; taken from the schema, not from the free-text
-- header.event_type). One table because every question about cases follows a case through its
-- life (open and not yet referred, referred and not decided, time to referral): with one table that
-- is a GROUP BY case_id instead of a four-way join. The event types share most of what they carry
-- (case id, a party, CaseMetrics); the rest are Nullable columns that only one event type fills.
-- The metric columns hold CaseOpened.metrics, CaseReferred.metrics or CaseClosed.final_metrics:
-- the quantities as known at that event.
CREATE TABLE IF NOT EXISTS {db}.cases
(
    event_id UUID,
    event_type LowCardinality(String),
    occurred_at DateTime64(3, 'UTC'),
    published_at DateTime64(3, 'UTC'),
    publisher LowCardinality(String),
    jurisdiction LowCardinality(String),
    causation_id Nullable(String),
    correlation_id Nullable(String),
    case_event LowCardinality(String),
    case_id String,
    -- case.opened
    authority_id Nullable(String),
    authority_name Nullable(String),
    authority_country Nullable(String),
    authority_natural_person Bool,
    subject_type LowCardinality(Nullable(String)),
    subject_id Nullable(String),
    subject_name Nullable(String),
    subject_jurisdiction LowCardinality(Nullable(String)),
    subject_level LowCardinality(Nullable(String)),
    opened_at Nullable(DateTime64(3, 'UTC')),
    inspection_id Nullable(String),
    summary Nullable(String),
    -- case.referred
    referred_at Nullable(DateTime64(3, 'UTC')),
    referred_to_id Nullable(String),
    referred_to_name Nullable(String),
    referred_to_country Nullable(String),
    referred_to_natural_person Bool,
    legal_basis Nullable(String),
    -- case.accepted / case.declined
    decided_at Nullable(DateTime64(3, 'UTC')),
    decision LowCardinality(Nullable(String)),
    police_case_no Nullable(String),
    reason Nullable(String),
    -- case.closed
    closed_at Nullable(DateTime64(3, 'UTC')),
    outcome LowCardinality(Nullable(String)),
    fine_cny Nullable(Decimal(18, 2)),
    confiscated_copies Nullable(Int64),
    -- CaseMetrics of opened / referred / closed (final_metrics); NULL when the event has none
    illegal_business_volume_cny Nullable(Decimal(18, 2)),
    illegal_gains_cny Nullable(Decimal(18, 2)),
    infringing_copies Nullable(Int64),
    works Nullable(Int64),
    online_clicks Nullable(Int64),
    registered_members Nullable(Int64),
    online Nullable(Bool),
    _topic LowCardinality(String),
    _partition Int32,
    _offset Int64,
    _ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY event_id
SETTINGS non_replicated_deduplication_window = 10000;

-- Inbound and outbound notices are separate tables: they come from different topics and carry
-- different fields (sender and reply link vs recipients, signal and redactions). The shared
-- seizure is flattened into seizure_* columns, all Nullable (only SEIZURE_NOTICEs carry one).
CREATE TABLE IF NOT EXISTS {db}.partner_notices_received
(
    event_id UUID,
    event_type LowCardinality(String),
    occurred_at DateTime64(3, 'UTC'),
    published_at DateTime64(3, 'UTC'),
    publisher LowCardinality(String),
    jurisdiction LowCardinality(String),
    causation_id Nullable(String),
    correlation_id Nullable(String),
    partner_agency LowCardinality(String),
    notice_id String,
    kind LowCardinality(String),
    handling LowCardinality(String),
    sent_at DateTime64(3, 'UTC'),
    in_reply_to Nullable(String),
    seizure_id Nullable(String),
    seizure_office Nullable(String),
    seizure_seized_at Nullable(DateTime64(3, 'UTC')),
    seizure_direction LowCardinality(Nullable(String)),
    seizure_transport_mode LowCardinality(Nullable(String)),
    seizure_bill_of_lading Nullable(String),
    seizure_container_no Nullable(String),
    seizure_hs_code Nullable(String),
    seizure_hs_chapter LowCardinality(Nullable(String)) MATERIALIZED substring(seizure_hs_code, 1, 2),
    seizure_goods_description Nullable(String),
    seizure_ipr_type LowCardinality(Nullable(String)),
    seizure_right_holder Nullable(String),
    seizure_brand Nullable(String),
    seizure_quantity Nullable(Int64),
    seizure_unit Nullable(String),
    seizure_estimated_value_amount Nullable(Decimal(18, 2)),
    seizure_estimated_value_currency LowCardinality(Nullable(String)),
    seizure_exporter_id Nullable(String),
    seizure_exporter_name Nullable(String),
    seizure_exporter_country Nullable(String),
    seizure_exporter_natural_person Bool,
    seizure_consignee_id Nullable(String),
    seizure_consignee_name Nullable(String),
    seizure_consignee_country Nullable(String),
    seizure_consignee_natural_person Bool,
    seizure_origin_country Nullable(String),
    seizure_destination_country Nullable(String),
    seizure_route Array(String),
    text Nullable(String),
    _topic LowCardinality(String),
    _partition Int32,
    _offset Int64,
    _ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY event_id
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {db}.partner_notices_sent
(
    event_id UUID,
    event_type LowCardinality(String),
    occurred_at DateTime64(3, 'UTC'),
    published_at DateTime64(3, 'UTC'),
    publisher LowCardinality(String),
    jurisdiction LowCardinality(String),
    causation_id Nullable(String),
    correlation_id Nullable(String),
    notice_id String,
    recipients Array(String),
    kind LowCardinality(String),
    handling LowCardinality(String),
    signal_id Nullable(String),
    seizure_id Nullable(String),
    seizure_office Nullable(String),
    seizure_seized_at Nullable(DateTime64(3, 'UTC')),
    seizure_direction LowCardinality(Nullable(String)),
    seizure_transport_mode LowCardinality(Nullable(String)),
    seizure_bill_of_lading Nullable(String),
    seizure_container_no Nullable(String),
    seizure_hs_code Nullable(String),
    seizure_hs_chapter LowCardinality(Nullable(String)) MATERIALIZED substring(seizure_hs_code, 1, 2),
    seizure_goods_description Nullable(String),
    seizure_ipr_type LowCardinality(Nullable(String)),
    seizure_right_holder Nullable(String),
    seizure_brand Nullable(String),
    seizure_quantity Nullable(Int64),
    seizure_unit Nullable(String),
    seizure_estimated_value_amount Nullable(Decimal(18, 2)),
    seizure_estimated_value_currency LowCardinality(Nullable(String)),
    seizure_exporter_id Nullable(String),
    seizure_exporter_name Nullable(String),
    seizure_exporter_country Nullable(String),
    seizure_exporter_natural_person Bool,
    seizure_consignee_id Nullable(String),
    seizure_consignee_name Nullable(String),
    seizure_consignee_country Nullable(String),
    seizure_consignee_natural_person Bool,
    seizure_origin_country Nullable(String),
    seizure_destination_country Nullable(String),
    seizure_route Array(String),
    redacted_fields Array(String),
    _topic LowCardinality(String),
    _partition Int32,
    _offset Int64,
    _ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY event_id
SETTINGS non_replicated_deduplication_window = 10000;

-- Version 2 of SeizureRecorded and Signal. Rows landed before read NULL.
ALTER TABLE {db}.seizures ADD COLUMN IF NOT EXISTS recordation_no Nullable(String) AFTER disposition;
ALTER TABLE {db}.signals ADD COLUMN IF NOT EXISTS subject_name Nullable(String) AFTER subject_id;
-- 0001 dropped three header fields of signals; land them so every Avro field has a column.
-- header.event_id equals signal_id and header.event_type is signal.raised by contract, which is
-- what rows landed before this migration read.
ALTER TABLE {db}.signals ADD COLUMN IF NOT EXISTS event_id UUID DEFAULT signal_id AFTER signal_id;
ALTER TABLE {db}.signals ADD COLUMN IF NOT EXISTS event_type LowCardinality(String) DEFAULT 'signal.raised' AFTER event_id;
ALTER TABLE {db}.signals ADD COLUMN IF NOT EXISTS correlation_id Nullable(String) AFTER causation_id;
-- Signal.rule_version is an Avro int: a UInt16 column dead-lettered valid signals (negative or
-- above 65535). Widening is a cheap mutation on a table of signals.
ALTER TABLE {db}.signals MODIFY COLUMN rule_version Int32;
