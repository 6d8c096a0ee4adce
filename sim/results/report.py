"""A results folder as one self-contained HTML page, to read offline or send on.

:func:`write_report` writes ``folder/report.html``: the scenario's question (its
description), the arms ranked by the scenario's main measure, each with its 95%
interval and its paired difference from a baseline arm, one table per theme the
scenario makes meaningful (reach and speed, money, sentiment, cascade shape), the
paired comparison of points that differ in one setting, every figure of
:func:`sim.results.plots.make_figures` (embedded as base64 PNG), the run facts and the
scenario. It also writes ``summary.csv``, the same numbers for a spreadsheet. The
page has no script, no external font, stylesheet or image: it renders the same with
no network, and its tables turn into cards on a phone.
"""

from __future__ import annotations

import base64
import html
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.config import MEASURES
from sim.results.statistics import compare_points, point_labels, scenario_factors, scenario_keys
from sim.results.tables import (
    Cell,
    Ranking,
    Table,
    difference,
    header,
    mean_cell,
    ranking,
    report_of,
    summary_frame,
    summary_tables,
)

CSS = """
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
       color: #1f2933; max-width: 1100px; margin: 2em auto; padding: 0 1.2em; line-height: 1.45;
       overflow-wrap: break-word; }
h1 { font-size: 1.8em; margin-bottom: 0.1em; }
h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 2px solid #d9e2ec; padding-bottom: 0.2em; }
.question { font-size: 1.2em; color: #334e68; margin: 0.3em 0 0.8em; }
.answer { font-size: 1.1em; background: #e3f8ff; border-left: 4px solid #2680c2;
          padding: 0.7em 1em; }
.note { background: #f0f4f8; border-left: 4px solid #627d98; padding: 0.7em 1em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; max-width: 100%; }
th, td { border: 1px solid #d9e2ec; padding: 0.35em 0.6em; vertical-align: top; }
th { background: #f0f4f8; text-align: left; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num .ci { color: #52606d; font-size: 0.88em; white-space: nowrap; }
td.sig .mean { font-weight: 700; }
.mean { white-space: nowrap; }
caption { text-align: left; font-weight: 600; padding: 0.3em 0; }
pre { background: #f5f7fa; border: 1px solid #d9e2ec; padding: 0.8em; font-size: 0.85em;
      white-space: pre-wrap; overflow-wrap: anywhere; }
figure { margin: 1.5em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #e4e7eb; }
figcaption { color: #52606d; font-size: 0.92em; margin-top: 0.3em; }
footer { margin-top: 3em; color: #7b8794; font-size: 0.85em; }
@media (max-width: 760px) {
  body { margin: 1em auto; padding: 0 0.8em; }
  table, thead, tbody, tr, th, td, caption { display: block; width: 100%; }
  thead { display: none; }
  tr { border: 1px solid #d9e2ec; margin: 0 0 0.8em; }
  td { border: none; border-bottom: 1px solid #f0f4f8; display: flex; gap: 0.8em;
       justify-content: space-between; }
  td[data-label]::before { content: attr(data-label); flex: 0 1 50%; color: #52606d;
                           font-size: 0.85em; text-align: left; }
  td > div { text-align: right; }
}
@media print { body { max-width: none; } h2 { page-break-after: avoid; }
               figure { page-break-inside: avoid; } }
"""

HOW_TO_READ = (
    "Each arm (a way of running the campaign, or a setting of the experiment) was "
    "simulated several times (<em>replications</em>) on random networks. Numbers are means "
    "over replications; below each, in brackets, its 95% interval: the range the true "
    "average very likely lies in. Narrow brackets mean the number is settled; wide ones that "
    "more replications would help. The intervals are bootstrap intervals (the replications "
    "resampled 10,000 times), so they never go below zero for a count or above 100% for a "
    "share. <em>Reach</em> is the share of people who heard the message; <em>adopters</em> "
    "those who passed it on; the <em>busiest step</em> is when most people started "
    "sharing; <em>half the reach by</em> the step by which half the final reach had heard "
    "(smaller is faster). Replication r of every arm ran on the same network with the same "
    "coin flips, so the difference between two arms is measured pair by pair and isolates "
    "what the arms change; a difference in <strong>bold</strong> has an interval that "
    "excludes zero (a real effect, not noise)."
)

CAPTIONS = {
    "adoption": "Adoption curves: share of people who heard (solid) and who shared (dashed) "
    "the message at each step; lines are means over replications, shaded bands 95% intervals.",
    "reach": "Final reach per setting: mean share of people who heard, with 95% confidence "
    "intervals.",
    "heatmap": "Mean final reach (%) over the two swept settings: each cell is one point of the "
    "grid.",
    "ccdf": "Cascade sizes: for each size x, the share of runs that reached at least x people "
    "(log-log). A long, slowly falling tail means rare but very large cascades.",
}


def write_report(folder: str | Path) -> Path:
    """Write ``folder/report.html``, a self-contained report of a results folder.

    Draws the figures first (:func:`sim.results.plots.make_figures`, into ``folder/figures``)
    and embeds them, so the HTML file alone can be sent on.

    Parameters
    ----------
    folder : path
        A results folder written by ``buzz run`` (:func:`sim.batch.store.load_results`).

    Returns
    -------
    Path
        The report file.

    Examples
    --------
    >>> import tempfile
    >>> from sim import run_batch
    >>> from sim.config import scenario_from_dict
    >>> scenario = scenario_from_dict({
    ...     "name": "demo", "replications": 3, "seed": 5,
    ...     "network": {"model": "watts_strogatz", "n": 200, "k": 6, "p": 0.1},
    ...     "messages": [{"name": "a", "rule": {"model": "independent_cascade", "p": 0.3}}]})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = run_batch(scenario, tmp)
    ...     text = write_report(tmp).read_text(encoding="utf-8")
    >>> "<h1>demo</h1>" in text, "data:image/png;base64," in text
    (True, True)
    """
    from sim.batch.store import load_results, record_written
    from sim.results.plots import make_figures

    folder = Path(folder)
    results = load_results(folder)
    runs: pd.DataFrame = results["runs"]
    scenario: dict[str, Any] = results["scenario"] or {}
    manifest: dict[str, Any] = results["manifest"] or {}
    keys = scenario_keys(scenario, runs)
    figures = make_figures(results, folder)

    name = str(scenario.get("name") or manifest.get("scenario") or folder.name)
    sections = [f"<h1>{_e(name)}</h1>"]
    if scenario.get("description"):
        sections.append(f'<p class="question">{_e(scenario["description"])}</p>')
    if runs.empty:
        sections.append("<h2>Results</h2><p>No run has finished: nothing to summarise.</p>")
    else:
        labels = point_labels(runs, keys)
        currency = report_of(scenario).currency
        replications = runs.groupby("point")["replication"].nunique()
        sections.append(
            f"<p>{len(labels)} arm{'s' if len(labels) > 1 else ''}, "
            f"{_count(replications)} replication{'s' if replications.max() > 1 else ''} "
            f"each, {runs['message'].nunique()} message"
            f"{'s' if runs['message'].nunique() > 1 else ''}.</p>")
        if len(labels) > 1:
            ranked = ranking(runs, scenario, labels)
            sections += [f'<p class="answer">{answer(ranked, currency)}</p>',
                         f"<h2>Arms ranked by {_e(ranked.measure.label)}</h2>",
                         ranking_table(ranked, currency)]
        sections.append(f'<div class="note"><strong>How to read this.</strong> {HOW_TO_READ}'
                        "</div>")
        for table in summary_tables(runs, scenario, labels):
            sections += [f"<h2>{_e(table.title)}</h2>", theme_table(table)]
        factors = scenario_factors(scenario)
        if runs["point"].nunique() > 1 and (len(factors) > 1 or not factors):
            comparisons = compare_points(runs, keys, factors=factors or None)
            sections.append("<h2>What changing one setting does</h2>")
            sections.append(
                comparison_table(comparisons)
                if not comparisons.empty
                else "<p>No two points differ in exactly one setting.</p>"
            )
        summary_frame(runs, scenario, labels).to_csv(folder / "summary.csv", index=False,
                                                     encoding="utf-8-sig")
    if figures:
        sections.append("<h2>Figures</h2>")
        sections += [_figure(path) for path in figures]
    sections += [
        "<h2>Run facts</h2>",
        facts_table(manifest, runs),
        "<h2>Scenario</h2>",
        f"<pre>{_e(_scenario_text(folder, scenario))}</pre>",
        f"<footer>Written by buzz on {_e(time.strftime('%Y-%m-%d %H:%M'))} from "
        f"{_e(folder.name)}/; the same numbers are in summary.csv.</footer>",
    ]
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(name)}: buzz report</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        + "\n".join(part for part in sections if part)
        + "\n</body>\n</html>\n"
    )
    path = folder / "report.html"
    path.write_text(page, encoding="utf-8")
    record_written(folder, [path, folder / "summary.csv"])  # --force may remove them later
    return path


def _count(replications: pd.Series) -> str:
    """How many replications each arm ran: one number, or a range."""
    low, high = int(replications.min()), int(replications.max())
    return str(high) if low == high else f"{low} to {high}"


def answer(ranked: Ranking, currency: str = "") -> str:
    """The headline in one sentence: the best arm, its measure and its difference from
    the baseline (escaped HTML).

    Examples
    --------
    >>> import pandas as pd
    >>> from sim.results.tables import ranking
    >>> runs = pd.DataFrame({"point": [0, 0, 0, 1, 1, 1], "replication": [0, 1, 2] * 2,
    ...                      "message": "a", "reach_frac": [0.1, 0.2, 0.3, 0.3, 0.4, 0.6]})
    >>> answer(ranking(runs, {}, {0: "ads", 1: "hubs"}))  # doctest: +NORMALIZE_WHITESPACE
    '<strong>hubs</strong> ranks first by reach (% of people): 43.3% [30.0, 60.0],
     +23.3 pp [+20.0, +30.0] against ads.'
    """
    best = ranked.frame.iloc[0]
    text = (f"<strong>{_e(best['arm'])}</strong> ranks first by "
            f"{_e(header(ranked.measure, currency))}: "
            f"{_e(mean_cell(best['mean'], best['lo'], best['hi'], ranked.measure, currency))}")
    if best["arm"] != ranked.baseline and pd.notna(best["diff_mean"]):
        versus = difference(best, ranked.measure, currency)
        text += f", {_e(versus)} against {_e(ranked.baseline)}"
    return text + "."


def ranking_table(ranked: Ranking, currency: str = "") -> str:
    """The arms ranked, best first: each arm's measure with its interval, and its paired
    difference from the baseline arm (bold when the interval excludes zero)."""
    measure = ranked.measure
    why = (" (a negative message: less is better)"
           if ranked.better != (measure.better or "higher") else "")
    head = ["rank", "arm", header(measure, currency),
            f"difference from {ranked.baseline} (paired)"]
    rows = []
    for _, row in ranked.frame.iterrows():
        versus = (difference(row, measure, currency) if pd.notna(row["diff_mean"])
                  else Cell("baseline"))
        rows.append([str(int(row["rank"])), _e(row["arm"]),
                     mean_cell(row["mean"], row["lo"], row["hi"], measure, currency), versus])
    note = (f"<p>On the message <em>{_e(ranked.message)}</em>; {_e(ranked.better)} is "
            f"better{_e(why)}. Differences are this arm minus {_e(ranked.baseline)}, "
            "replication by replication.</p>")
    return note + _table(head, rows)


def theme_table(table: Table) -> str:
    """One theme's table (:func:`sim.results.tables.summary_tables`) as HTML."""
    rows = [[_e(value) if index < len(table.keys) else value
             for index, value in enumerate(row)] for row in table.rows]
    return _table(table.headers, rows)


def comparison_table(comparisons: pd.DataFrame, currency: str = "") -> str:
    """The paired comparisons as an HTML table: one row per pair of points and message.

    Each measure cell is the mean change from the first to the second setting, with
    its paired 95% interval; "reach without pairing" is the ± half-width the same runs
    would give if the two settings had been simulated independently.

    Examples
    --------
    >>> runs = pd.DataFrame({
    ...     "point": [0, 0, 0, 1, 1, 1], "replication": [0, 1, 2] * 2, "message": "a",
    ...     "network.p": [0.0] * 3 + [0.1] * 3, "reach_frac": [0.1, 0.3, 0.2, 0.2, 0.4, 0.3],
    ...     "adopters": [1, 2, 3, 2, 3, 4], "peak_step": 1, "t50": [3, 3, 3, 2, 2, 2]})
    >>> html_text = comparison_table(compare_points(runs))
    >>> "+10.0 pp" in html_text, "[+10.0, +10.0]" in html_text, "−1.0" in html_text
    (True, True, True)
    """
    measured = comparisons[comparisons[["mean_a", "mean_b"]].fillna(0).ne(0).any(axis=1)]
    metrics = [m for m in ("reach_frac", "adopters", "t50", "cost_per_reach")
               if m in set(measured["metric"])]  # not a column of zeros (nothing spent)
    head = ["changed setting", "from → to", "other settings", "message",
            *(f"{MEASURES[m].label} change" for m in metrics), "reach without pairing"]
    rows = []
    group_columns = ["key", "point_a", "point_b", "message"]
    for _, frame in comparisons.groupby(group_columns, sort=False):
        if _untouched(frame):
            continue
        by_metric = frame.set_index("metric")
        first = frame.iloc[0]
        row: list[Any] = [
            _e(first["key"]),
            _e(f"{first['label_a']} → {first['label_b']}"),
            _e(first["fixed"] or "–"),
            _e(first["message"]),
        ]
        for metric in metrics:
            row.append(difference(by_metric.loc[metric], MEASURES[metric], currency)
                       if metric in by_metric.index else Cell("–"))
        width = by_metric["unpaired_halfwidth"].get("reach_frac", math.nan)
        row.append(Cell(f"± {width * 100:.1f} pp" if _finite(width) else "–"))
        rows.append(row)
    if not rows:
        return "<p>Changing one setting changed nothing: every replication ended the same.</p>"
    note = (
        "<p>Each row: the mean change, over paired replications, when only the changed "
        "setting moves from the first value to the second; 95% interval in brackets "
        "(pp: percentage points of people reached). Messages a change leaves identical in "
        "every replication are left out.</p>"
    )
    return note + _table(head, rows)


def _untouched(frame: pd.DataFrame) -> bool:
    """Every paired difference is exactly zero: the change does not reach this message."""
    return bool(
        (frame["diff_mean"] == 0).all()
        and (frame["diff_lo"].fillna(0) == 0).all()
        and (frame["diff_hi"].fillna(0) == 0).all()
    )


def facts_table(manifest: Mapping[str, Any], runs: pd.DataFrame) -> str:
    """Run facts from the manifest: runs done, status, seed, time and package versions.

    Examples
    --------
    >>> text = facts_table({"n_runs": 4, "status": "complete", "seed": 7, "seconds": 1.5,
    ...                     "runs": {"0": {"status": "done"}}}, pd.DataFrame())
    >>> "1 of 4" in text and "complete" in text
    True
    """
    statuses = [info.get("status") for info in (manifest.get("runs") or {}).values()]
    done = sum(status == "done" for status in statuses)
    versions = manifest.get("versions") or {}
    facts = [
        ("runs done", f"{done} of {manifest.get('n_runs', '?')}"),
        ("status", manifest.get("status", "?")),
        ("root seed", manifest.get("seed", "?")),
        ("randomness", manifest.get("randomness") or manifest.get("seeding") or "–"),
        ("compute time", f"{manifest['seconds']:.1f} s" if "seconds" in manifest else "–"),
        ("started", manifest.get("started", "–")),
        ("finished", manifest.get("finished", "–")),
        ("command", manifest.get("command", "–")),
        ("points", str(runs["point"].nunique()) if "point" in runs else "–"),
        ("versions", ", ".join(f"{k} {v}" for k, v in versions.items()) or "–"),
    ]
    return _table(["fact", "value"], [[_e(k), _e(v)] for k, v in facts])


# ------------------------------------------------------------------ helpers
def _e(value: Any) -> str:
    """Escaped text: everything shown in the page goes through here."""
    return html.escape(str(value), quote=True)


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Rows of already-escaped text cells and :class:`Cell` numbers (a mean above its
    interval, right-aligned); each cell carries its column's header, which a narrow
    screen shows above it (the table becomes one card per row)."""
    head = "".join(f"<th>{_e(cell)}</th>" for cell in header)
    body = []
    for row in rows:
        cells = []
        for label, cell in zip(header, row, strict=True):
            if isinstance(cell, Cell):
                css = "num sig" if cell.clear else "num"
                interval = (f'<br><span class="ci">{_e(cell.interval)}</span>'
                            if cell.interval else "")
                content = f'<span class="mean">{_e(cell.text)}</span>{interval}'
            else:
                css, content = "", cell
            cells.append(f'<td data-label="{_e(label)}"'
                         + (f' class="{css}"' if css else "") + f"><div>{content}</div></td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _figure(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    kind = path.stem.split("_", 1)[0]
    caption = CAPTIONS.get(kind, "")
    if kind == "heatmap":
        caption = f"{path.stem.split('_', 1)[1]}: {caption}"
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{_e(path.stem)}">'
        f"<figcaption>{_e(caption)}</figcaption></figure>"
    )


def _scenario_text(folder: Path, scenario: Mapping[str, Any]) -> str:
    """The scenario as run: the saved YAML file verbatim, else the parsed mapping."""
    saved = folder / "scenario.yaml"
    if saved.is_file():
        return saved.read_text(encoding="utf-8")
    return yaml.safe_dump(dict(scenario), sort_keys=False)
