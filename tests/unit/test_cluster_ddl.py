"""Cluster rendering of the migrations (the single-node DDL itself runs on chDB in the integration tests)."""

import re

import pytest
from iprx.sinks.clickhouse.cluster import UnsupportedStatement, to_cluster
from iprx.sinks.clickhouse.migrations import load_migrations, plan


def test_every_migration_statement_renders_for_a_cluster():
    single = plan("iprx")
    clustered = plan("iprx", "analytics")
    assert len(clustered) > len(single)
    assert all("ON CLUSTER 'analytics'" in s for s in clustered)


def test_each_table_becomes_replicated_local_plus_distributed_sharded_by_its_key():
    clustered = plan("iprx", "analytics")
    creates = [s for s in plan("iprx") if s.startswith("CREATE TABLE")]
    for statement in creates:
        table = re.match(r"CREATE TABLE IF NOT EXISTS iprx\.(\w+)", statement)[1]
        key = re.search(r"ORDER BY\s+(\(.*?\)|\w+)", statement)[1].strip("()")  # one column or a tuple
        [local] = [s for s in clustered if s.startswith(f"CREATE TABLE IF NOT EXISTS iprx.{table}_local ")]
        assert "ENGINE = Replicated" in local
        assert f"'/clickhouse/tables/{{shard}}/iprx/{table}_local', '{{replica}}'" in local
        assert "non_replicated_deduplication_window" not in local
        [dist] = [s for s in clustered if s.startswith(f"CREATE TABLE IF NOT EXISTS iprx.{table} ON CLUSTER")]
        assert dist.endswith(f"ENGINE = Distributed('analytics', iprx, {table}_local, cityHash64({key}))")


def test_alter_reaches_local_and_distributed_tables():
    assert to_cluster("ALTER TABLE iprx.signals ADD COLUMN IF NOT EXISTS x String", "c") == [
        "ALTER TABLE iprx.signals_local ON CLUSTER 'c' ADD COLUMN IF NOT EXISTS x String",
        "ALTER TABLE iprx.signals ON CLUSTER 'c' ADD COLUMN IF NOT EXISTS x String",
    ]


def test_materialized_view_reads_and_writes_local_tables():
    [mv] = to_cluster(
        "CREATE MATERIALIZED VIEW IF NOT EXISTS iprx.v TO iprx.agg AS SELECT a, count() AS n FROM iprx.src GROUP BY a",
        "c",
    )
    assert mv == (
        "CREATE MATERIALIZED VIEW IF NOT EXISTS iprx.v ON CLUSTER 'c' TO iprx.agg_local "
        "AS SELECT a, count() AS n FROM iprx.src_local GROUP BY a"
    )


def test_unknown_statement_forms_are_refused():
    with pytest.raises(UnsupportedStatement):
        to_cluster("DROP TABLE iprx.seizures", "c")


def test_migrations_are_numbered_and_checksummed():
    migrations = load_migrations()
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))
    assert len({m.checksum for m in migrations}) == len(migrations)
