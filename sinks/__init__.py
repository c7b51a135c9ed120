"""Sinks: land Kafka records in ClickHouse exactly once (kafka-python consumer + clickhouse-connect)."""
