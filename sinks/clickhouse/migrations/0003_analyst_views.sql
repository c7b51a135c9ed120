-- The views analysts ask for first (DESIGN.md §5). All three are plain VIEWs over FINAL, not
-- materialized views, on purpose:
--
-- * A materialized view fires once per insert block into its source, before any merge. The
--   ReplacingMergeTree source drops a duplicate event_id only when parts merge (or under FINAL),
--   so a SummingMergeTree / AggregatingMergeTree target would add a duplicate event's numbers
--   once more and keep them forever: merges of the target sum, they never deduplicate.
--   The sink's insert deduplication token stops a replayed batch from reaching the view, but not
--   an event published twice (a publisher retrying after a crash lands it at a new offset, with a
--   new token). The only exact aggregate state would be a set of event ids, i.e. the table again.
-- * These figures go into reports to the joint conference and into enforcement decisions: a
--   double-counted seizure or inspection is worse than a slower query. FINAL deduplicates by
--   event_id at read time, so the views are exact whatever duplicates are waiting for a merge.
-- * The volumes are modest (inspections and cases: thousands a year; seizures: tens of
--   thousands), and FINAL over a table ordered by the deduplication key is cheap at that size.
--   If seizures ever outgrow it, the upgrade is a materialized view into AggregatingMergeTree
--   with uniqExactState(event_id) for counts (a set: exact under duplicates) and sums documented
--   as "may over-count re-published events until OPTIMIZE ... FINAL and a rebuild".

-- Legitimate-software rate: copies with proof of licence / installed copies found by inspections,
-- per jurisdiction of the inspected subject and month of the inspection. LEFT ARRAY JOIN keeps
-- inspections without findings in the inspection count (they add no copies). rate is NULL when
-- nothing was found installed.
CREATE VIEW IF NOT EXISTS {db}.legitimate_software_rate AS
SELECT
    subject_jurisdiction AS jurisdiction,
    toStartOfMonth(inspected_at) AS month,
    uniqExact(event_id) AS inspections,
    sum(findings.installed_copies) AS installed_copies,
    sum(findings.licensed_copies) AS licensed_copies,
    if(installed_copies = 0, NULL, licensed_copies / installed_copies) AS rate
FROM {db}.inspections FINAL
LEFT ARRAY JOIN findings
GROUP BY jurisdiction, month;

-- Seizures per month of seizure, customs office, HS chapter and route (direction, transport mode,
-- destination country; NULL destination is its own group).
CREATE VIEW IF NOT EXISTS {db}.seizures_by_office_and_route AS
SELECT
    toStartOfMonth(seized_at) AS month,
    customs_office_code,
    hs_chapter,
    direction,
    transport_mode,
    destination_country,
    count() AS seizures,
    sum(quantity) AS quantity,
    sum(estimated_value_cny) AS estimated_value_cny
FROM {db}.seizures FINAL
GROUP BY month, customs_office_code, hs_chapter, direction, transport_mode, destination_country;

-- Open cases not (yet) referred to public security: opened, neither referred nor closed. Whether a
-- case met the criminal threshold, and whether its referral is overdue, is what the rules
-- referral.threshold_met and referral.overdue decide from the versioned rule set; the view reads
-- their signals (subject_type CASE, subject_id = case_id) instead of copying thresholds into SQL.
-- Until those signals exist for a case, threshold_met and overdue are false.
-- If a case was opened by more than one event, the latest one's subject and metrics win.
CREATE VIEW IF NOT EXISTS {db}.open_referrals AS
SELECT
    o.case_id AS case_id,
    o.jurisdiction AS jurisdiction,
    o.subject_type AS subject_type,
    o.subject_id AS subject_id,
    o.subject_name AS subject_name,
    o.opened_at AS opened_at,
    dateDiff('day', o.opened_at, now64(3, 'UTC'), 'UTC') AS age_days,
    o.illegal_business_volume_cny AS illegal_business_volume_cny,
    o.illegal_gains_cny AS illegal_gains_cny,
    o.infringing_copies AS infringing_copies,
    s.threshold_signals > 0 AS threshold_met,
    if(threshold_met, s.threshold_met_at, NULL) AS threshold_met_at,
    s.overdue_signals > 0 AS overdue
FROM
(
    SELECT
        case_id,
        argMax(jurisdiction, occurred_at) AS jurisdiction,
        argMax(subject_type, occurred_at) AS subject_type,
        argMax(subject_id, occurred_at) AS subject_id,
        argMax(subject_name, occurred_at) AS subject_name,
        min(opened_at) AS opened_at,
        argMax(illegal_business_volume_cny, occurred_at) AS illegal_business_volume_cny,
        argMax(illegal_gains_cny, occurred_at) AS illegal_gains_cny,
        argMax(infringing_copies, occurred_at) AS infringing_copies
    FROM {db}.cases FINAL
    WHERE case_event = 'opened'
      AND case_id NOT IN (SELECT case_id FROM {db}.cases WHERE case_event IN ('referred', 'closed'))
    GROUP BY case_id
) AS o
LEFT JOIN
(
    SELECT
        subject_id AS case_id,
        countIf(rule_id = 'referral.threshold_met') AS threshold_signals,
        minIf(occurred_at, rule_id = 'referral.threshold_met') AS threshold_met_at,
        countIf(rule_id = 'referral.overdue') AS overdue_signals
    FROM {db}.signals
    WHERE subject_type = 'CASE' AND rule_id IN ('referral.threshold_met', 'referral.overdue')
    GROUP BY subject_id
) AS s ON s.case_id = o.case_id;
