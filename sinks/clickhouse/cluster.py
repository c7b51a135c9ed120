"""Renders the single-node migration DDL for a ClickHouse cluster.

Each table ``T`` becomes ``T_local`` (a Replicated engine on every node, ``ON CLUSTER``) plus a
Distributed table ``T`` over it, sharded by the table's sorting key so that every version of one
event lands on the same shard and ReplacingMergeTree can collapse them there. Readers and the sink
keep using ``T``. Only the statement forms our migrations use are accepted; anything else is an
error here rather than a surprise on a production cluster.
"""

from __future__ import annotations

import re

_CREATE_DATABASE = re.compile(r"CREATE DATABASE IF NOT EXISTS (\w+)$", re.S)
_CREATE_TABLE = re.compile(
    r"CREATE TABLE IF NOT EXISTS (?P<db>\w+)\.(?P<table>\w+)\s*(?P<body>\(.*\))\s*"
    r"ENGINE\s*=\s*(?P<engine>\w*MergeTree)(?:\((?P<args>[^)]*)\))?(?P<rest>.*)$",
    re.S,
)
_ORDER_BY = re.compile(r"ORDER BY\s+(\(.*?\)|\S+)", re.S)
_ALTER_TABLE = re.compile(r"ALTER TABLE (?P<db>\w+)\.(?P<table>\w+)\s+(?P<rest>.*)$", re.S)
_CREATE_MV = re.compile(
    r"CREATE MATERIALIZED VIEW IF NOT EXISTS (?P<db>\w+)\.(?P<view>\w+)\s+"
    r"TO\s+(?P<target>\w+\.\w+)\s+(?P<rest>AS\s.*)$",
    re.S,
)
_CREATE_VIEW = re.compile(r"CREATE VIEW IF NOT EXISTS (?P<db>\w+)\.(?P<view>\w+)\s+(?P<rest>AS\s.*)$", re.S)
_SOURCE = re.compile(r"\b(FROM|JOIN)\s+(\w+)\.(\w+)\b")


class UnsupportedStatement(ValueError):
    """A migration statement the cluster renderer does not know how to distribute."""


def to_cluster(statement: str, cluster: str) -> list[str]:
    """The statements that replace one single-node ``statement`` on ``cluster``."""
    on = f"ON CLUSTER '{cluster}'"
    if m := _CREATE_DATABASE.match(statement):
        return [f"CREATE DATABASE IF NOT EXISTS {m[1]} {on}"]
    if m := _CREATE_TABLE.match(statement):
        db, table, engine = m["db"], m["table"], m["engine"]
        order = _ORDER_BY.search(m["rest"])
        if order is None:
            raise UnsupportedStatement(f"{db}.{table}: a MergeTree table needs ORDER BY")
        zk_path = f"'/clickhouse/tables/{{shard}}/{db}/{table}_local'"
        args = ", ".join(a for a in (zk_path, "'{replica}'", m["args"]) if a)
        # Replicated tables deduplicate insert blocks through Keeper, with their own window setting.
        rest = m["rest"].replace("non_replicated_deduplication_window", "replicated_deduplication_window")
        return [
            f"CREATE TABLE IF NOT EXISTS {db}.{table}_local {on} {m['body']} ENGINE = Replicated{engine}({args}){rest}",
            f"CREATE TABLE IF NOT EXISTS {db}.{table} {on} AS {db}.{table}_local "
            f"ENGINE = Distributed('{cluster}', {db}, {table}_local, cityHash64({order[1].strip('()')}))",
        ]
    if m := _ALTER_TABLE.match(statement):
        # Both the local tables and the Distributed one must learn about a new column.
        return [
            f"ALTER TABLE {m['db']}.{m['table']}_local {on} {m['rest']}",
            f"ALTER TABLE {m['db']}.{m['table']} {on} {m['rest']}",
        ]
    if m := _CREATE_MV.match(statement):
        # A view per node, fed by the rows inserted into that node's local table.
        select = _SOURCE.sub(lambda s: f"{s[1]} {s[2]}.{s[3]}_local", m["rest"])
        return [f"CREATE MATERIALIZED VIEW IF NOT EXISTS {m['db']}.{m['view']} {on} TO {m['target']}_local {select}"]
    if m := _CREATE_VIEW.match(statement):
        return [f"CREATE VIEW IF NOT EXISTS {m['db']}.{m['view']} {on} {m['rest']}"]
    raise UnsupportedStatement(f"cannot render for a cluster: {statement[:80]}...")
