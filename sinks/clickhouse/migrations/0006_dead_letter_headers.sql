-- DeadLetter v2: the sha256 of the whole rejected payload (the payload column keeps an excerpt of at
-- most 64 KiB) and the source record's Kafka headers. Rows from before have neither.
ALTER TABLE {db}.dead_letters ADD COLUMN IF NOT EXISTS payload_sha256 Nullable(String) AFTER payload_size;
ALTER TABLE {db}.dead_letters ADD COLUMN IF NOT EXISTS headers Array(Tuple(key String, value Nullable(String))) DEFAULT [] AFTER payload_sha256;
