"""Data Quality and Insights report for a data frame, optionally against a target column.

One module per report section: ``columns`` (column statistics), ``target`` (target analysis
and quick model), ``power`` (prediction power, correlations), ``anomalies``, ``report``
(warnings and assembly), ``models`` (the wire models) and ``charts`` (figures, HTML).

Pure core (pandas, numpy, scikit-learn; plotly only for the HTML export)::

    report = build_report(df, target="label")
    report.model_dump(mode="json")      # what the REST layer sends to the panel
    report_figures(report)              # plotly figure dicts for plotly.js
    report_html(report)                 # standalone HTML (plotly.js embedded)
    save_report(report, "file:///tmp/run/artifacts/wrangler")  # insights.json + insights.html

What runs on how many rows (``report.sampling`` says it for every report):

* exact, on all rows, vectorized: the summary, duplicates (64-bit row hashes), missing /
  invalid / unique counts, top values, quantiles, moments, robust outliers, histograms,
  the target's class balance or distribution;
* on a bounded random sample (``sample_rows``, fixed ``random_state``): type inference of
  object columns (then verified on all rows), text lengths, correlations, the quick model,
  the per-feature prediction power and the isolation-forest anomaly scores.
"""

from __future__ import annotations

from .charts import report_figures, report_html
from .models import InsightsReport
from .report import build_report, load_report, save_report

__all__ = [
    "InsightsReport",
    "build_report",
    "load_report",
    "report_figures",
    "report_html",
    "save_report",
]
