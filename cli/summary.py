"""What the demo prints: counts and examples read back from ClickHouse (deduplicated with FINAL)."""

from __future__ import annotations

from typing import Any

from clickhouse_connect.driver.client import Client
from iprx.kernel.topics import DEAD_LETTER_TABLE
from iprx.sinks.clickhouse.rows import MAPPINGS

# The event families' tables, in landing order (signals and dead letters have their own lines).
EVENT_TABLES = tuple(dict.fromkeys(m.table for m in MAPPINGS.values() if m.table not in ("signals", DEAD_LETTER_TABLE)))


def summarize(client: Client, database: str, examples: int = 5) -> dict[str, Any]:
    def rows(sql: str) -> list[tuple]:
        return client.query(sql.format(db=database)).result_rows

    return {
        "events": {table: rows(f"SELECT count() FROM {{db}}.{table} FINAL")[0][0] for table in EVENT_TABLES},
        "signals_by_rule": rows(
            "SELECT rule_id, severity, count() FROM {db}.signals FINAL GROUP BY rule_id, severity ORDER BY 1, 2"
        ),
        "dead_letters": rows(
            "SELECT stage, error_type, count() FROM {db}.dead_letters FINAL GROUP BY stage, error_type ORDER BY 3 DESC"
        ),
        "examples": rows(
            "SELECT rule_id, severity, subject_id, reason, evidence FROM {db}.signals FINAL "
            f"ORDER BY score DESC, signal_id LIMIT {int(examples)}"
        ),
    }


def format_summary(summary: dict[str, Any]) -> str:
    lines = ["Events landed in ClickHouse (per table):"]
    lines += [f"  {table:<24} {count:>8}" for table, count in summary["events"].items()]
    lines.append("Signals (per rule and severity):")
    lines += [f"  {rule:<24} {sev:<9} {n:>6}" for rule, sev, n in summary["signals_by_rule"]] or ["  (none)"]
    lines.append("Dead letters:")
    lines += [f"  {stage:<14} {etype:<28} {n:>6}" for stage, etype, n in summary["dead_letters"]] or ["  (none)"]
    lines.append("Example signals, with the Kafka position of their evidence:")
    for rule, sev, subject, reason, evidence in summary["examples"]:
        refs = ", ".join(f"{e['topic']}[{e['partition']}]@{e['offset']}" for e in evidence)
        lines.append(f"  [{sev}] {rule} {subject}: {reason}\n      evidence: {refs}")
    return "\n".join(lines)
