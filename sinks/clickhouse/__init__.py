"""The ClickHouse target: connection, DDL migrations, row mapping and the sink itself."""
