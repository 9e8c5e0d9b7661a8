"""Figures (plotly.js JSON) and the standalone HTML export of an insights report.

``report_figures`` builds plain plotly figure dicts -- no plotly import needed -- that the
panel renders with plotly.js. Backgrounds are transparent and colors mid-tone so they read
on light and dark themes (the panel may override ``layout.font.color`` with its theme).
``report_html`` embeds the plotly.js bundle from the optional ``plotly`` package once, so
the page works offline.
"""

from __future__ import annotations

import html
import json
import math
from typing import Any

from ._common import LEAKAGE_POWER
from .models import InsightsReport, NumericHistogram

__all__ = ["report_figures", "report_html"]

PRIMARY = "#5B8FF9"
SECONDARY = "#9A9A9A"
ALERT = "#E8684A"
FONT = "#8C8C8C"
GRID = "rgba(140,140,140,0.25)"
# transparent -> primary, and alert <- neutral -> primary: readable on light and dark themes
SEQUENTIAL = [[0.0, "rgba(91,143,249,0.06)"], [1.0, PRIMARY]]
# A tint, never opaque: the cell numbers are drawn in the theme's text colour (annotations
# inherit layout.font, which the panel and the HTML page set), and that colour must read on
# the tinted cell over a light and over a dark background alike.
CONFUSION_MAX_ALPHA = 0.5
CONFUSION = [[0.0, "rgba(91,143,249,0.04)"], [1.0, f"rgba(91,143,249,{CONFUSION_MAX_ALPHA})"]]
DIVERGING = [[0.0, ALERT], [0.5, "rgba(140,140,140,0.08)"], [1.0, PRIMARY]]
MAX_COLUMN_FIGURES = 100
MAX_POWER_BARS = 40


def _layout(title: str, **extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "title": {"text": title, "font": {"size": 14}},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {"color": FONT, "size": 12},
        "margin": {"l": 60, "r": 20, "t": 40, "b": 50},
        "xaxis": {"gridcolor": GRID, "zerolinecolor": GRID, "automargin": True},
        "yaxis": {"gridcolor": GRID, "zerolinecolor": GRID, "automargin": True},
        "showlegend": False,
        "bargap": 0.05,
    }
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(layout.get(key), dict):
            layout[key] = {**layout[key], **value}
        else:
            layout[key] = value
    return layout


def _figure(
    fig_id: str,
    section: str,
    title: str,
    data: list[dict[str, Any]],
    layout: dict[str, Any],
    column: str | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": fig_id,
        "section": section,
        "title": title,
        "figure": {"data": data, "layout": layout},
    }
    if column is not None:
        out["column"] = column
    return out


def _cell_labels(z: list[list[int]], labels: list[str]) -> list[dict[str, Any]]:
    """The counts of a heatmap as annotations, one per cell.

    Plotly's heatmap ``texttemplate`` picks its text colour against the cell colour alone;
    on a translucent cell over a dark theme that gives dark text on a dark cell. Annotations
    without a font colour take ``layout.font.color``, the theme's text colour, which reads
    on every cell because the colour scale stays a tint (``CONFUSION_MAX_ALPHA``).
    """
    return [
        {
            "x": labels[j],
            "y": labels[i],
            "text": f"{value:,}",
            "showarrow": False,
            "xref": "x",
            "yref": "y",
            "font": {"size": 13},
        }
        for i, row in enumerate(z)
        for j, value in enumerate(row)
    ]


def _log_count_axis(counts: list[int]) -> dict[str, Any]:
    """A log y axis for counts with ticks at powers of ten only (1, 10, 100, 1k…).

    Plotly's default log ticks label the 2s and 5s of every decade as well, which
    clutters a short histogram; for a single decade 2 and 5 keep the axis readable.
    """
    top = max([int(c) for c in counts if c > 0], default=1)
    ticks = [10**k for k in range(len(str(top)))]  # every power of ten up to the top
    if len(ticks) < 3:
        ticks = sorted({*ticks, 2, 5})
    return {
        "type": "log",
        "tickmode": "array",
        "tickvals": ticks,
        "ticktext": [_count_label(t) for t in ticks],
        "range": [-0.1, math.log10(top * 1.5)],
        "title": {"text": "rows (log)"},
    }


def _count_label(value: int) -> str:
    for size, suffix in ((10**9, "G"), (10**6, "M"), (10**3, "k")):
        if value >= size:
            return f"{value // size:,}{suffix}"
    return str(value)


def _hist_trace(hist: NumericHistogram, color: str = PRIMARY, name: str = "rows") -> dict[str, Any]:
    edges, counts = hist.edges, hist.counts
    if hist.labels:
        # date axis: bars at the left edges, widths in milliseconds
        return {
            "type": "bar",
            "x": hist.labels[:-1],
            "y": counts,
            "width": [(edges[i + 1] - edges[i]) * 1000.0 for i in range(len(counts))],
            "offset": 0,
            "marker": {"color": color},
            "name": name,
        }
    return {
        "type": "bar",
        "x": [(edges[i] + edges[i + 1]) / 2 for i in range(len(counts))],
        "y": counts,
        "width": [edges[i + 1] - edges[i] for i in range(len(counts))],
        "marker": {"color": color},
        "name": name,
        "hovertemplate": "%{x}<br>%{y} rows<extra></extra>",
    }


def report_figures(report: InsightsReport) -> list[dict[str, Any]]:
    """Plotly figures of a report: ``[{id, section, title, column?, figure: {data, layout}}]``."""
    figs: list[dict[str, Any]] = []
    missing = [c for c in report.columns if c.missing]
    if missing:
        figs.append(
            _figure(
                "missing",
                "summary",
                "Missing values per column (%)",
                [
                    {
                        "type": "bar",
                        "x": [c.name for c in missing],
                        "y": [c.missing_pct for c in missing],
                        "marker": {"color": PRIMARY},
                        "hovertemplate": "%{x}: %{y:.2f}%<extra></extra>",
                    }
                ],
                _layout("Missing values per column (%)", yaxis={"range": [0, 100]}),
            )
        )
    ta = report.target_analysis
    if ta is not None:
        if ta.classes:
            figs.append(
                _figure(
                    "target",
                    "target",
                    f"Class balance of '{ta.column}'",
                    [
                        {
                            "type": "bar",
                            "x": [c.value for c in ta.classes],
                            "y": [c.count for c in ta.classes],
                            "marker": {"color": PRIMARY},
                            "text": [f"{c.pct:.1f}%" for c in ta.classes],
                            "textposition": "auto",
                        }
                    ],
                    _layout(f"Class balance of '{ta.column}'", xaxis={"type": "category"}),
                )
            )
        elif ta.histogram is not None:
            figs.append(
                _figure(
                    "target",
                    "target",
                    f"Distribution of '{ta.column}'",
                    [_hist_trace(ta.histogram)],
                    _layout(f"Distribution of '{ta.column}'"),
                )
            )
    model = report.model
    if model is not None and model.status == "ok":
        keys = [k for k, v in model.metrics.items() if v is not None]
        figs.append(
            _figure(
                "model",
                "model",
                f"Quick model ({model.estimator}) vs baseline, held-out split",
                [
                    {
                        "type": "bar",
                        "name": "model",
                        "x": keys,
                        "y": [model.metrics[k] for k in keys],
                        "marker": {"color": PRIMARY},
                    },
                    {
                        "type": "bar",
                        "name": "baseline",
                        "x": keys,
                        "y": [model.baseline.get(k) for k in keys],
                        "marker": {"color": SECONDARY},
                    },
                ],
                _layout("Quick model vs baseline (held-out)", barmode="group", showlegend=True),
            )
        )
        if model.confusion_matrix and model.labels:
            figs.append(
                _figure(
                    "confusion",
                    "model",
                    "Confusion matrix (held-out)",
                    [
                        {
                            "type": "heatmap",
                            "z": model.confusion_matrix,
                            "x": model.labels,
                            "y": model.labels,
                            "colorscale": CONFUSION,
                            "showscale": False,
                            "hovertemplate": "true %{y}, predicted %{x}: %{z}<extra></extra>",
                        }
                    ],
                    _layout(
                        "Confusion matrix (held-out)",
                        xaxis={"title": {"text": "predicted"}, "type": "category"},
                        yaxis={
                            "title": {"text": "true"},
                            "type": "category",
                            "autorange": "reversed",
                        },
                        annotations=_cell_labels(model.confusion_matrix, model.labels),
                    ),
                )
            )
    power = report.prediction_power
    if power is not None and power.features:
        items = [f for f in power.features if f.power is not None][:MAX_POWER_BARS][::-1]
        figs.append(
            _figure(
                "prediction_power",
                "prediction_power",
                "Prediction power per feature",
                [
                    {
                        "type": "bar",
                        "orientation": "h",
                        "x": [f.power for f in items],
                        "y": [f.feature for f in items],
                        "marker": {
                            "color": [
                                ALERT if (f.power or 0) >= LEAKAGE_POWER else PRIMARY for f in items
                            ]
                        },
                    }
                ],
                _layout(
                    "Prediction power per feature (0 = baseline, 1 = perfect)",
                    xaxis={"range": [0, 1]},
                    yaxis={"type": "category"},
                    height=max(260, 22 * len(items) + 80),
                ),
            )
        )
    corr = report.correlations
    if corr is not None and corr.columns:
        figs.append(
            _figure(
                "correlations",
                "correlations",
                f"Pearson correlations ({corr.rows:,} rows)",
                [
                    {
                        "type": "heatmap",
                        "z": corr.matrix,
                        "x": corr.columns,
                        "y": corr.columns,
                        "zmin": -1,
                        "zmax": 1,
                        "colorscale": DIVERGING,
                    }
                ],
                _layout(
                    f"Pearson correlations ({corr.rows:,} rows)",
                    xaxis={"type": "category"},
                    yaxis={"type": "category", "autorange": "reversed"},
                    height=max(320, 18 * len(corr.columns) + 120),
                ),
            )
        )
    anomalies = report.anomalies
    if anomalies is not None and anomalies.histogram is not None:
        figs.append(
            _figure(
                "anomalies",
                "anomalies",
                "Anomaly scores (isolation forest)",
                [_hist_trace(anomalies.histogram)],
                _layout(
                    "Anomaly scores (higher = more anomalous)",
                    yaxis=_log_count_axis(anomalies.histogram.counts),
                ),
            )
        )
    for i, col in enumerate(report.columns[:MAX_COLUMN_FIGURES]):
        fig_id = f"column-{i}"
        if col.inferred_type in ("numeric", "datetime") and col.histogram is not None:
            figs.append(
                _figure(
                    fig_id,
                    "columns",
                    col.name,
                    [_hist_trace(col.histogram)],
                    _layout(col.name, height=240),
                    column=col.name,
                )
            )
        elif col.top_values:
            figs.append(
                _figure(
                    fig_id,
                    "columns",
                    col.name,
                    [
                        {
                            "type": "bar",
                            "x": [t.value[:40] for t in col.top_values],
                            "y": [t.count for t in col.top_values],
                            "marker": {"color": PRIMARY},
                        }
                    ],
                    _layout(f"{col.name} (top values)", height=240, xaxis={"type": "category"}),
                    column=col.name,
                )
            )
    return figs


# --------------------------------------------------------------------------- HTML

_CSS = """
:root { color-scheme: light dark; --fg: #1f1f1f; --bg: #ffffff; --muted: #6b6b6b;
  --line: rgba(128,128,128,0.3); --high: #c0392b; --warning: #b9770e; --info: #2e6da4; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6e6e6; --bg: #1b1b1b; --muted: #a0a0a0; --high: #ff7b6b;
    --warning: #f5b041; --info: #7fb3e6; }
}
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
  background: var(--bg); margin: 24px auto; max-width: 1200px; padding: 0 16px; line-height: 1.4; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.25em; margin-top: 1.6em;
  border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.muted { color: var(--muted); } .small { font-size: 0.9em; }
table { border-collapse: collapse; margin: 8px 0; font-size: 0.92em; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left;
  vertical-align: top; }
th { font-weight: 600; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.sev-high { color: var(--high); font-weight: 600; } .sev-warning { color: var(--warning);
  font-weight: 600; } .sev-info { color: var(--info); }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 8px; }
.fig { min-height: 240px; } .scroll { overflow-x: auto; }
"""


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _num(value: float | int | None, digits: int = 4) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    if value != 0 and (abs(value) >= 1e6 or abs(value) < 1e-3):
        return f"{value:.{digits}g}"
    return f"{value:,.{digits}f}".rstrip("0").rstrip(".")


def _table(headers: list[str], rows: list[list[str]], numeric: set[int] | None = None) -> str:
    numeric = numeric or set()
    head = "".join(f"<th>{_esc(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{cell}</td>' if j in numeric else f"<td>{cell}</td>"
            for j, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f'<div class="scroll">{table}</div>'


def _notes_and_figs(notes: list[str], figs: list[dict[str, Any]], section: str) -> list[str]:
    """The end of a section: its notes in small print, then its figures."""
    return [f'<p class="muted small">{_esc(note)}</p>' for note in notes] + [
        _figs_html(figs, section)
    ]


def _figs_html(figs: list[dict[str, Any]], section: str) -> str:
    divs = [
        f'<div class="fig" id="fig-{_esc(f["id"])}"></div>' for f in figs if f["section"] == section
    ]
    if not divs:
        return ""
    if section == "columns":
        return '<div class="grid">' + "".join(divs) + "</div>"
    return "".join(divs)


def _plotly_js() -> str:
    try:
        from plotly.offline import get_plotlyjs
    except ImportError as exc:  # pragma: no cover - plotly is installed with the extra
        raise ImportError(
            "Exporting the insights report as HTML needs the optional 'plotly' package: "
            "pip install 'jupyter-mlstudio[notebook]' (or pip install plotly)."
        ) from exc
    return str(get_plotlyjs())


def report_html(report: InsightsReport, *, title: str | None = None) -> str:
    """A standalone HTML page of the report: warnings first, tables, embedded plotly.js."""
    plotly_js = _plotly_js().replace("</script", "<\\/script")
    figs = report_figures(report)
    s = report.summary
    title = title or "Data Quality and Insights"
    parts: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_esc(title)}</h1>",
        '<p class="muted">'
        + f"{s.rows:,} rows &times; {s.columns:,} columns"
        + (
            f" · target <b>{_esc(report.target)}</b> ({_esc(report.problem_type or 'n/a')})"
            if report.target
            else ""
        )
        + "</p>",
    ]

    parts.append(f'<h2 id="warnings">Warnings ({len(report.warnings)})</h2>')
    if report.warnings:
        parts.append(
            _table(
                ["Severity", "Kind", "Columns", "Message"],
                [
                    [
                        f'<span class="sev-{w.severity}">{_esc(w.severity)}</span>',
                        _esc(w.kind),
                        _esc(", ".join(w.columns)),
                        _esc(w.message),
                    ]
                    for w in report.warnings
                ],
            )
        )
    else:
        parts.append('<p class="muted">No warnings.</p>')

    parts.append('<h2 id="summary">Summary</h2>')
    type_counts = ", ".join(f"{k}: {v}" for k, v in sorted(s.column_types.items()))
    parts.append(
        _table(
            ["Rows", "Columns", "Duplicate rows", "Missing cells", "Memory", "Column types"],
            [
                [
                    f"{s.rows:,}",
                    f"{s.columns:,}",
                    f"{s.duplicate_rows:,} ({s.duplicate_pct:.2f}%)",
                    f"{s.missing_cells:,} ({s.missing_cells_pct:.2f}%)",
                    f"{s.memory_bytes / 2**20:,.1f} MiB"
                    + (" (estimated)" if s.memory_estimated else ""),
                    _esc(type_counts),
                ]
            ],
        )
    )
    parts.append(_figs_html(figs, "summary"))
    parts.append("<h3>Sampling</h3>")
    parts.append(
        _table(
            ["Section", "Rows used", "Of", "How"],
            [
                [_esc(n.section), f"{n.rows_used:,}", f"{n.total_rows:,}", _esc(n.detail)]
                for n in report.sampling
            ],
            numeric={1, 2},
        )
    )

    ta = report.target_analysis
    if ta is not None:
        parts.append(f'<h2 id="target">Target: {_esc(ta.column)}</h2>')
        parts.append(
            f"<p>Problem type: <b>{_esc(ta.problem_type or 'n/a')}</b> · rows with a target: "
            f"{ta.rows:,} · missing/invalid: {ta.missing:,}"
            + (f" · imbalance ratio {ta.imbalance_ratio:.2f}" if ta.imbalance_ratio else "")
            + "</p>"
        )
        if ta.classes:
            parts.append(
                _table(
                    ["Class", "Rows", "%"],
                    [[_esc(c.value), f"{c.count:,}", f"{c.pct:.2f}"] for c in ta.classes[:50]],
                    numeric={1, 2},
                )
            )
        if ta.stats is not None:
            st = ta.stats
            parts.append(
                _table(
                    ["Mean", "Std", "Min", "Median", "Max", "Skew"],
                    [
                        [
                            _num(st.mean),
                            _num(st.std),
                            _num(st.min),
                            _num(st.median),
                            _num(st.max),
                            _num(st.skew, 3),
                        ]
                    ],
                    numeric={0, 1, 2, 3, 4, 5},
                )
            )
        parts.extend(_notes_and_figs(ta.notes, figs, "target"))

    model = report.model
    if model is not None:
        parts.append('<h2 id="model">Quick model</h2>')
        if model.status == "ok":
            parts.append(
                f"<p>{_esc(model.estimator)} · {model.train_rows:,} training rows, "
                f"{model.test_rows:,} held-out rows · {len(model.features)} features · "
                f"baseline: {_esc(model.baseline_strategy)}</p>"
            )
            parts.append(
                _table(
                    ["Metric", "Model", "Baseline"],
                    [
                        [_esc(k), _num(v), _num(model.baseline.get(k))]
                        for k, v in model.metrics.items()
                    ],
                    numeric={1, 2},
                )
            )
        else:
            parts.append(f"<p>Skipped: {_esc(model.reason)}</p>")
        if model.excluded:
            parts.append("<p>Excluded columns:</p>")
            parts.append(
                _table(
                    ["Column", "Reason"],
                    [[_esc(e.name), _esc(e.reason)] for e in model.excluded],
                )
            )
        parts.append(_figs_html(figs, "model"))

    power = report.prediction_power
    if power is not None:
        parts.append('<h2 id="prediction_power">Prediction power per feature</h2>')
        parts.append(f'<p class="muted small">{_esc(power.method)}</p>')
        parts.append(
            _table(
                ["Feature", "Power", f"Score ({power.metric})", "Baseline", "Model"],
                [
                    [
                        _esc(f.feature),
                        _num(f.power, 3),
                        _num(f.score),
                        _num(f.baseline_score),
                        _esc(f.model or ""),
                    ]
                    for f in power.features
                ],
                numeric={1, 2, 3},
            )
        )
        parts.append(_figs_html(figs, "prediction_power"))

    corr = report.correlations
    if corr is not None:
        parts.append('<h2 id="correlations">Correlations</h2>')
        if corr.high_pairs:
            parts.append(
                _table(
                    ["Column", "Column", "r"],
                    [[_esc(p.a), _esc(p.b), _num(p.r, 3)] for p in corr.high_pairs],
                    numeric={2},
                )
            )
        parts.extend(_notes_and_figs(corr.notes, figs, "correlations"))

    an = report.anomalies
    if an is not None:
        parts.append('<h2 id="anomalies">Anomalies</h2>')
        if an.status == "ok":
            parts.append(f'<p class="muted small">{_esc(an.method)}; {an.rows:,} rows scored.</p>')
            parts.append(
                _table(
                    ["Row", "Index", "Score", "Why"],
                    [
                        [f"{a.row:,}", _esc(a.index), _num(a.score), _esc("; ".join(a.reasons))]
                        for a in an.top
                    ],
                    numeric={0, 2},
                )
            )
        else:
            parts.append(f"<p>{_esc(an.status)}: {_esc(an.reason)}</p>")
        parts.append(_figs_html(figs, "anomalies"))

    parts.append('<h2 id="columns">Columns</h2>')
    rows: list[list[str]] = []
    for c in report.columns:
        num = c.numeric
        dt = c.datetime
        rows.append(
            [
                _esc(c.name),
                _esc(c.dtype),
                _esc(c.inferred_type),
                f"{c.missing:,} ({c.missing_pct:.1f}%)",
                f"{c.invalid:,}",
                f"{c.unique:,}",
                _num(num.mean) if num else "—",
                _num(num.std) if num else "—",
                _num(num.min) if num else _esc(dt.min if dt else "—"),
                _num(num.median) if num else "—",
                _num(num.max) if num else _esc(dt.max if dt else "—"),
                _num(num.skew, 3) if num else "—",
                f"{num.outliers.count:,}" if num else "—",
                _esc(", ".join(t.value[:30] for t in c.top_values[:3])),
            ]
        )
    parts.append(
        _table(
            [
                "Column",
                "dtype",
                "Type",
                "Missing",
                "Invalid",
                "Unique",
                "Mean",
                "Std",
                "Min",
                "Median",
                "Max",
                "Skew",
                "Outliers",
                "Top values",
            ],
            rows,
            numeric={4, 5, 6, 7, 9, 11, 12},
        )
    )
    parts.append(_figs_html(figs, "columns"))

    payload = json.dumps({f["id"]: f["figure"] for f in figs}, allow_nan=False)
    payload = payload.replace("</", "<\\/")
    parts.append(f"<script>{plotly_js}</script>")
    parts.append(
        "<script>(function(){var figs="
        + payload
        + ";var color=getComputedStyle(document.body).color;"
        "Object.keys(figs).forEach(function(id){var el=document.getElementById('fig-'+id);"
        "if(!el)return;var f=figs[id];f.layout.font=Object.assign({},f.layout.font,{color:color});"
        "Plotly.newPlot(el,f.data,f.layout,{responsive:true,displaylogo:false});});})();</script>"
    )
    parts.append("</body></html>")
    return "\n".join(p for p in parts if p)
