-- ProcurementRelease v2: unresolved_parties lists the roles a release named without an id or
-- identifier (BUYER: the buyer's id column is then ''). Such releases land instead of being
-- rejected (docs/input-formats.md, procurement); rows landed before this migration resolved every
-- party, hence the empty default.
ALTER TABLE {db}.procurement_releases ADD COLUMN IF NOT EXISTS unresolved_parties Array(LowCardinality(String)) DEFAULT [] AFTER buyer_jurisdiction;
