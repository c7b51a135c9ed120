"""`iprx report --format html`: one self-contained HTML file of charts for analysts (inline SVG, no network).

Charts: the legitimate-software rate by province and month, seizures by customs office and by route
(direction) per month, signals by rule and severity; and the open referrals, overdue first, with
their ages. Every mark of a chart is an SVG element of class ``mark``; a small inline script counts
the charts whose marks have a size once the browser laid them out (``data-drawn`` on ``<body>``,
next to ``data-charts``) and records script errors (``data-errors``), which is what the headless
Chromium test reads.
"""

from __future__ import annotations

import html
import math
from collections import defaultdict
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from clickhouse_connect.driver.client import Client

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22")
SEVERITY_COLOURS = {"CRITICAL": "#7f0000", "HIGH": "#d62728", "MEDIUM": "#ff7f0e", "LOW": "#bcbd22"}
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 300, 56, 46, 14
MOST_SERIES = 8  # the rest is one "other" series

QUERIES = {
    "rate": "SELECT jurisdiction, month, rate FROM {db}.legitimate_software_rate "
    "WHERE month >= toStartOfMonth(toDate({since:String})) AND rate IS NOT NULL ORDER BY month, jurisdiction",
    "offices": "SELECT month, customs_office_code, sum(seizures) FROM {db}.seizures_by_office_and_route "
    "WHERE month >= toStartOfMonth(toDate({since:String})) GROUP BY month, customs_office_code ORDER BY month",
    "routes": "SELECT month, direction, sum(seizures) FROM {db}.seizures_by_office_and_route "
    "WHERE month >= toStartOfMonth(toDate({since:String})) GROUP BY month, direction ORDER BY month",
    "signals": "SELECT rule_id, severity, count() FROM {db}.signals FINAL "
    "WHERE occurred_at >= toDateTime64({since:String}, 3, 'UTC') GROUP BY rule_id, severity ORDER BY rule_id",
    "referrals": "SELECT case_id, jurisdiction, subject_name, opened_at, age_days, threshold_met, overdue "
    "FROM {db}.open_referrals ORDER BY overdue DESC, age_days DESC, case_id LIMIT {limit:UInt32}",
}

SCRIPT = """
document.body.dataset.errors = "";
window.addEventListener("error", (e) => { document.body.dataset.errors += e.message + ";"; });
window.addEventListener("load", () => {
  const charts = [...document.querySelectorAll("figure.chart")];
  const drawn = charts.filter((c) => [...c.querySelectorAll(".mark")].some((m) => {
    const box = m.getBBox(); return box.width > 0 || box.height > 0;
  }));
  document.body.dataset.charts = charts.length;
  document.body.dataset.drawn = drawn.length;
});
"""

STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px auto; max-width: 760px; color: #222; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 32px; }
figure { margin: 0; } figcaption { color: #555; font-size: 12px; }
svg text { font-size: 11px; fill: #444; } .axis { stroke: #999; } .grid { stroke: #eee; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 6px; text-align: left; } td.num { text-align: right; }
tr.overdue td { background: #fde8e8; } .none { color: #888; font-style: italic; }
"""


def build_html(client: Client, database: str, since: date | None = None, limit: int = 10) -> str:
    """The whole report as one HTML document; ``database`` must come from validated configuration."""
    if not database.isidentifier():
        raise ValueError(f"invalid database name {database!r}")
    parameters = {"since": (since or date(1970, 1, 1)).isoformat(), "limit": limit}
    data = {
        name: client.query(sql.replace("{db}", database), parameters=parameters).result_rows
        for name, sql in QUERIES.items()
    }
    rate: dict[str, dict[str, float]] = defaultdict(dict)
    for jurisdiction, month, value in data["rate"]:
        rate[jurisdiction][_month(month)] = float(value)
    body = [
        "<h1>ipr-exchange report</h1>",
        f"<p>Generated {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}"
        + (f", from {since.isoformat()}" if since else "")
        + ". Every chart counts each event once (deduplicated tables).</p>",
        "<h2>Legitimate-software rate by province and month</h2>",
        line_chart("rate", _top(rate), percent=True, caption="licensed / installed copies found by inspections"),
        "<h2>Seizures by customs office</h2>",
        bar_chart("offices", _pivot(data["offices"]), caption="seizures per month, stacked by customs office"),
        "<h2>Seizures by route</h2>",
        bar_chart("routes", _pivot(data["routes"]), caption="seizures per month, stacked by direction"),
        "<h2>Signals by rule and severity</h2>",
        bar_chart(
            "signals",
            _pivot([(rule, severity, n) for rule, severity, n in data["signals"]]),
            caption="signals (latest revision of each) per rule, stacked by severity",
            colours=SEVERITY_COLOURS,
        ),
        "<h2>Open referrals, overdue first</h2>",
        referrals_table(data["referrals"]),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>ipr-exchange report</title>'
        f"<style>{STYLE}</style></head><body>{''.join(body)}<script>{SCRIPT}</script></body></html>\n"
    )


def _month(value: Any) -> str:
    return value.strftime("%Y-%m") if isinstance(value, date | datetime) else str(value)


def _pivot(rows: list[tuple[Any, Any, Any]]) -> dict[str, dict[str, float]]:
    """(category, series, value) rows -> series -> category -> value, the smallest series as "other"."""
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for category, series, value in rows:
        out[str(series or "unknown")][_month(category)] = float(value)
    return _top(out)


def _top(series: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    ranked = sorted(series, key=lambda s: (-sum(series[s].values()), s))
    top = {s: series[s] for s in ranked[:MOST_SERIES]}
    if len(ranked) > MOST_SERIES:
        other: dict[str, float] = defaultdict(float)
        for s in ranked[MOST_SERIES:]:
            for category, value in series[s].items():
                other[category] += value
        top["other"] = dict(other)
    return top


def _frame(name: str, caption: str, marks: list[str], legend: list[tuple[str, str]]) -> str:
    keys = "".join(
        f'<rect x="{LEFT + 110 * (n % 6)}" y="{HEIGHT - 14 - 14 * (n // 6)}" width="10" height="10" fill="{c}"/>'
        f'<text x="{LEFT + 110 * (n % 6) + 14}" y="{HEIGHT - 5 - 14 * (n // 6)}">{html.escape(label[:16])}</text>'
        for n, (label, c) in enumerate(legend)
    )
    svg = (
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT + 14 * (len(legend) // 6)}" width="100%" role="img" '
        f'aria-label="{html.escape(caption)}">{"".join(marks)}{keys}</svg>'
    )
    caption_html = f"<figcaption>{html.escape(caption)}</figcaption>"
    return f'<figure class="chart" data-chart="{name}">{svg}{caption_html}</figure>'


def nice_top(value: float) -> float:
    """The axis top for counts up to ``value``: 4 or more, and 1, 2, 4 or 8 times a power of ten, so
    the four grid steps are round numbers."""
    value = max(value, 4.0)
    magnitude = 10 ** math.floor(math.log10(value))
    return next(m * magnitude for m in (1, 2, 4, 8, 10) if value <= m * magnitude)


def _axes(top: float, categories: list[str], percent: bool) -> list[str]:
    plot_h = HEIGHT - BOTTOM - TOP
    out = [f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - 8}" y2="{TOP + plot_h}"/>']
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        label = f"{value:.0%}" if percent else f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"
        out.append(f'<line class="grid" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - 8}" y2="{y:.1f}"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
    step = max(1, len(categories) // 12)
    width = (WIDTH - LEFT - 8) / max(len(categories), 1)
    for n, category in enumerate(categories):
        if n % step == 0:
            x = LEFT + width * (n + 0.5)
            out.append(f'<text x="{x:.1f}" y="{TOP + plot_h + 14}" text-anchor="middle">{html.escape(category)}</text>')
    return out


def _empty(name: str, caption: str) -> str:
    return (
        f'<figure class="chart" data-chart="{name}"><p class="none">No data.</p>'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def bar_chart(
    name: str, series: dict[str, dict[str, float]], caption: str, colours: dict[str, str] | None = None
) -> str:
    """Stacked bars: one bar per category (month or rule), one colour per series."""
    categories = sorted({c for values in series.values() for c in values})
    if not categories:
        return _empty(name, caption)
    totals = [sum(values.get(c, 0.0) for values in series.values()) for c in categories]
    top = nice_top(max(totals))
    plot_h = HEIGHT - BOTTOM - TOP
    width = (WIDTH - LEFT - 8) / len(categories)
    colour = {s: (colours or {}).get(s, PALETTE[n % len(PALETTE)]) for n, s in enumerate(series)}
    marks = _axes(top, categories, percent=False)
    for n, category in enumerate(categories):
        base = TOP + plot_h
        for s, values in series.items():
            height = plot_h * values.get(category, 0.0) / top
            if height > 0:
                base -= height
                tip = html.escape(f"{category} {s}: {values[category]:,.0f}")
                marks.append(
                    f'<rect class="mark" x="{LEFT + width * n + 2:.1f}" y="{base:.1f}" '
                    f'width="{max(width - 4, 1):.1f}" height="{height:.1f}" fill="{colour[s]}">'
                    f"<title>{tip}</title></rect>"
                )
    return _frame(name, caption, marks, list(colour.items()))


def line_chart(name: str, series: dict[str, dict[str, float]], percent: bool, caption: str) -> str:
    """One line (with points) per series over the sorted categories (months)."""
    categories = sorted({c for values in series.values() for c in values})
    if not categories:
        return _empty(name, caption)
    top = 1.0 if percent else nice_top(max(max(v.values()) for v in series.values()))
    plot_h = HEIGHT - BOTTOM - TOP
    width = (WIDTH - LEFT - 8) / len(categories)
    colour = {s: PALETTE[n % len(PALETTE)] for n, s in enumerate(series)}
    marks = _axes(top, categories, percent)
    for s, values in series.items():
        points = [
            (LEFT + width * (n + 0.5), TOP + plot_h - plot_h * min(values[c], top) / top)
            for n, c in enumerate(categories)
            if c in values
        ]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        marks.append(f'<polyline class="mark" fill="none" stroke="{colour[s]}" stroke-width="2" points="{path}"/>')
        marks += [f'<circle class="mark" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour[s]}"/>' for x, y in points]
    return _frame(name, caption, marks, list(colour.items()))


def referrals_table(rows: list[tuple[Any, ...]]) -> str:
    if not rows:
        return '<p class="none">No open referrals.</p>'
    columns = ("case", "jurisdiction", "subject", "opened", "age (days)", "threshold met", "overdue")
    head = "<tr>" + "".join(f"<th>{c}</th>" for c in columns) + "</tr>"
    body = "".join(
        f'<tr class="{"overdue" if overdue else ""}"><td>{html.escape(str(case))}</td>'
        f"<td>{html.escape(str(where))}</td>"
        f"<td>{html.escape(str(subject or ''))}</td><td>{str(opened)[:10]}</td>"
        f'<td class="num">{age}</td><td>{"yes" if met else "no"}</td><td>{"yes" if overdue else "no"}</td></tr>'
        for case, where, subject, opened, age, met, overdue in rows
    )
    return f"<table>{head}{body}</table>"
