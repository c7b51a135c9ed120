"""Versioned DDL: applies the numbered .sql files under migrations/ once each, in order."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from clickhouse_connect.driver.client import Client
from iprx.sinks.clickhouse.cluster import to_cluster

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
log = logging.getLogger(__name__)


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()

    def statements(self, database: str) -> list[str]:
        body = re.sub(r"^\s*--.*$", "", self.sql, flags=re.MULTILINE)
        return [s.strip().replace("{db}", database) for s in body.split(";") if s.strip()]


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    migrations = []
    for path in sorted(directory.glob("*.sql")):
        match = re.fullmatch(r"(\d{4})_(\w+)\.sql", path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNNN_description.sql")
        migrations.append(Migration(int(match[1]), match[2], path.read_text(encoding="utf-8")))
    return migrations


def render(statements: list[str], cluster: str | None) -> list[str]:
    """Single-node statements as they are, or their ``ON CLUSTER`` / Replicated / Distributed form."""
    if not cluster:
        return statements
    return [out for statement in statements for out in to_cluster(statement, cluster)]


def _bootstrap(database: str) -> list[str]:
    return [
        f"CREATE DATABASE IF NOT EXISTS {database}",
        f"CREATE TABLE IF NOT EXISTS {database}.schema_migrations "
        "(version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)) "
        "ENGINE = MergeTree ORDER BY version",
    ]


def plan(database: str, cluster: str | None = None, migrations: list[Migration] | None = None) -> list[str]:
    """Every statement ``migrate`` would run on an empty database, in order (for review)."""
    migrations = load_migrations() if migrations is None else migrations
    statements = _bootstrap(database) + [s for m in migrations for s in m.statements(database)]
    return render(statements, cluster)


def migrate(
    client: Client, database: str, migrations: list[Migration] | None = None, cluster: str | None = None
) -> list[Migration]:
    """Apply pending migrations; return those applied. Refuse if an applied one was edited since."""
    if not database.isidentifier():
        raise MigrationError(f"invalid database name {database!r}")
    migrations = load_migrations() if migrations is None else migrations
    for statement in render(_bootstrap(database), cluster):
        client.command(statement)
    applied = {
        row[0]: row[1]
        for row in client.query(f"SELECT version, checksum FROM {database}.schema_migrations").result_rows
    }
    done = []
    for migration in migrations:
        if migration.version in applied:
            if applied[migration.version] != migration.checksum:
                raise MigrationError(
                    f"migration {migration.version:04d}_{migration.name} was changed after it was applied; "
                    "add a new migration instead of editing an applied one"
                )
            continue
        log.info("applying migration %04d_%s", migration.version, migration.name)
        for statement in render(migration.statements(database), cluster):
            client.command(statement)
        client.insert(
            f"{database}.schema_migrations",
            [[migration.version, migration.name, migration.checksum]],
            column_names=["version", "name", "checksum"],
            settings={"distributed_foreground_insert": 1} if cluster else None,
        )
        done.append(migration)
    return done
