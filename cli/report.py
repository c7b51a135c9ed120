"""`iprx report`: the questions an analyst asks first, answered from ClickHouse (deduplicated)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the CLI imports this module to build its parser; keep that light
    from clickhouse_connect.driver.client import Client

EPOCH = date(1970, 1, 1)
FORMATS = ("table", "json", "csv", "html")


@dataclass(frozen=True)
class Query:
    name: str
    title: str
    sql: str  # {db} is the configured database; {since:String} and {limit:UInt32} are bound


QUERIES = (
    Query(
        "signals_by_rule",
        "Signals by rule and severity",
        "SELECT rule_id, severity, count() AS signals FROM {db}.signals FINAL "
        "WHERE occurred_at >= toDateTime64({since:String}, 3, 'UTC') "
        "GROUP BY rule_id, severity "
        "ORDER BY rule_id, indexOf(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'], severity)",
    ),
    Query(
        "top_subjects",
        "Top subjects by signal count",
        "SELECT subject_type, subject_id, any(subject_name) AS subject_name, count() AS signals, "
        "uniqExact(rule_id) AS rules, max(occurred_at) AS last_signal_at FROM {db}.signals FINAL "
        "WHERE occurred_at >= toDateTime64({since:String}, 3, 'UTC') "
        "GROUP BY subject_type, subject_id ORDER BY signals DESC, subject_type, subject_id LIMIT {limit:UInt32}",
    ),
    Query(
        "legitimate_software_rate",
        "Legitimate-software rate by jurisdiction (latest months first)",
        "SELECT jurisdiction, month, inspections, installed_copies, licensed_copies, round(rate, 4) AS rate "
        "FROM {db}.legitimate_software_rate WHERE month >= toStartOfMonth(toDate({since:String})) "
        "ORDER BY month DESC, jurisdiction LIMIT {limit:UInt32}",
    ),
    Query(
        "overdue_referrals",
        "Overdue referrals (threshold met, not referred; oldest first; --since does not apply)",
        "SELECT case_id, jurisdiction, subject_name, opened_at, age_days, threshold_met_at "
        "FROM {db}.open_referrals WHERE overdue ORDER BY age_days DESC, case_id LIMIT {limit:UInt32}",
    ),
)
SECTIONS = tuple(q.name for q in QUERIES)


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def build_report(
    client: Client, database: str, since: date | None = None, limit: int = 10, sections: tuple[str, ...] = SECTIONS
) -> list[Section]:
    """Run the report's queries; ``database`` must come from validated configuration."""
    if not database.isidentifier():
        raise ValueError(f"invalid database name {database!r}")
    parameters = {"since": (since or EPOCH).isoformat(), "limit": limit}
    out = []
    for q in QUERIES:
        if q.name in sections:
            result = client.query(q.sql.replace("{db}", database), parameters=parameters)
            out.append(Section(q.name, q.title, tuple(result.column_names), list(result.result_rows)))
    return out


def _plain(value: Any) -> Any:
    """A JSON/CSV-friendly value: times in ISO 8601 UTC, decimals as numbers."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def render_json(sections: list[Section]) -> str:
    return json.dumps(
        {s.name: [{c: _plain(v) for c, v in zip(s.columns, row, strict=True)} for row in s.rows] for s in sections},
        indent=2,
        ensure_ascii=False,
    )


def render_csv(sections: list[Section]) -> str:
    """One CSV table per section; with several, each starts with a ``# name`` line."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for n, s in enumerate(sections):
        if len(sections) > 1:
            buf.write(("\n" if n else "") + f"# {s.name}\n")
        writer.writerow(s.columns)
        writer.writerows([_plain(v) for v in row] for row in s.rows)
    return buf.getvalue().rstrip("\n")


def render_table(sections: list[Section]) -> str:
    lines: list[str] = []
    for s in sections:
        if lines:
            lines.append("")
        lines.append(f"{s.title}:")
        if not s.rows:
            lines.append("  (none)")
            continue
        cells = [[_cell(v) for v in row] for row in s.rows]
        widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(s.columns)]
        numeric = [
            all(isinstance(row[i], int | float | Decimal) for row in s.rows if row[i] is not None)
            for i in range(len(s.columns))
        ]

        lines += [_aligned(r, widths, numeric) for r in [list(s.columns), *cells]]
    return "\n".join(lines)


def _aligned(values: list[str], widths: list[int], numeric: list[bool]) -> str:
    padded = (v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric, strict=True))
    return ("  " + "  ".join(padded)).rstrip()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(_plain(value))


def render(sections: list[Section], fmt: str) -> str:
    return {"table": render_table, "json": render_json, "csv": render_csv}[fmt](sections)
