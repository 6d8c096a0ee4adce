"""A results folder as one self-contained HTML page, to read offline or send on.

:func:`write_report` writes ``folder/report.html``: the scenario, the run facts, a
summary table (mean and 95% confidence interval per point and message), the paired
comparison of points that differ in one setting, and every figure of
:func:`sim.results.plots.make_figures`, embedded as base64 PNG. The page has no script, no
external font, stylesheet or image: it renders the same with no network.
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

from sim.results.statistics import (
    compare_points,
    format_value,
    point_table,
    scenario_keys,
    short_key_names,
    summarize,
)

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
       color: #1f2933; max-width: 1100px; margin: 2em auto; padding: 0 1.2em; line-height: 1.45; }
h1 { font-size: 1.8em; margin-bottom: 0.1em; }
h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 2px solid #d9e2ec; padding-bottom: 0.2em; }
.lead { font-size: 1.1em; color: #52606d; margin-top: 0.2em; }
.note { background: #f0f4f8; border-left: 4px solid #627d98; padding: 0.7em 1em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
th, td { border: 1px solid #d9e2ec; padding: 0.35em 0.6em; vertical-align: top; }
th { background: #f0f4f8; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.sig { font-weight: 600; }
pre { background: #f5f7fa; border: 1px solid #d9e2ec; padding: 0.8em; overflow-x: auto;
      font-size: 0.85em; }
figure { margin: 1.5em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #e4e7eb; }
figcaption { color: #52606d; font-size: 0.92em; margin-top: 0.3em; }
footer { margin-top: 3em; color: #7b8794; font-size: 0.85em; }
@media print { body { max-width: none; } h2 { page-break-after: avoid; }
               figure { page-break-inside: avoid; } }
"""

HOW_TO_READ = (
    "Each setting of the experiment (a <em>point</em>) was simulated several times "
    "(<em>replications</em>) on random networks. Tables show the mean over replications and, "
    "in brackets, its 95% confidence interval: the range the true average very likely lies "
    "in; narrow brackets mean the number is settled, wide ones that more replications would "
    "help. <em>Reach</em> is the share of people who heard the message; <em>adopters</em> "
    "those who passed it on; <em>peak step</em> the step when most people started sharing; "
    "<em>t50</em> the step by which half the final reach had heard (smaller is faster). "
    "In the comparisons, replication r of one setting and replication r of the other ran on "
    "the same network with the same coin flips, so their difference isolates the effect of "
    "the one setting that changed; a change in <strong>bold</strong> has an interval that "
    "excludes zero (a real effect, not noise). Intervals are Student-t intervals; a lower "
    "bound below zero is shown as 0 (and reach above 100% as 100%), since these numbers cannot "
    "go beyond."
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
    from sim.batch.store import load_results
    from sim.results.plots import make_figures

    folder = Path(folder)
    results = load_results(folder)
    runs: pd.DataFrame = results["runs"]
    scenario: dict[str, Any] = results["scenario"] or {}
    manifest: dict[str, Any] = results["manifest"] or {}
    keys = scenario_keys(scenario, runs)
    figures = make_figures(results, folder)

    name = str(scenario.get("name") or manifest.get("scenario") or folder.name)
    sections = [
        f"<h1>{_e(name)}</h1>",
        f'<p class="lead">{_e(scenario.get("description", ""))}</p>'
        if scenario.get("description")
        else "",
        f'<div class="note"><strong>How to read this.</strong> {HOW_TO_READ}</div>',
    ]
    if runs.empty:
        sections.append("<h2>Results</h2><p>No run has finished: nothing to summarise.</p>")
    else:
        sections += ["<h2>Summary</h2>", summary_table(runs, keys)]
        if runs["point"].nunique() > 1:
            comparisons = compare_points(runs, keys)
            sections.append("<h2>What changing one setting does</h2>")
            sections.append(
                comparison_table(comparisons)
                if not comparisons.empty
                else "<p>No two points differ in exactly one setting.</p>"
            )
    if figures:
        sections.append("<h2>Figures</h2>")
        sections += [_figure(path) for path in figures]
    sections += [
        "<h2>Run facts</h2>",
        facts_table(manifest, runs),
        "<h2>Scenario</h2>",
        f"<pre>{_e(_scenario_text(folder, scenario))}</pre>",
        f"<footer>Written by buzz on {_e(time.strftime('%Y-%m-%d %H:%M'))} from "
        f"{_e(folder.name)}/.</footer>",
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
    return path


def summary_table(runs: pd.DataFrame, keys: Sequence[str] | None = None) -> str:
    """The summary as an HTML table: one row per point and message, mean [95% CI].

    Examples
    --------
    >>> runs = pd.DataFrame({"point": 0, "message": "a", "reach_frac": [0.1, 0.2, 0.3],
    ...                      "reach": [10, 20, 30], "adopters": [5, 6, 7],
    ...                      "peak_step": [2, 2, 2], "t50": [3, 4, 5]})
    >>> "20.0% [0.0, 44.8]" in summary_table(runs, [])
    True
    """
    keys = list(keys) if keys is not None else None
    table = point_table(runs, keys)
    labels = dict(zip(table["point"].astype(int), table["label"], strict=True))
    summary = summarize(runs, by=["point", "message"])
    header = ["setting", "message", "runs", "reach", "adopters", "peak step", "t50"]
    rows = []
    for _, row in summary.iterrows():
        rows.append(
            [
                _e(labels.get(int(row["point"]), f"point {row['point']}")),
                _e(row["message"]),
                (f"{int(row['n'])}", "num"),
                (_interval(row, "reach_frac", scale=100, suffix="%", cap=100.0), "num"),
                (_interval(row, "adopters"), "num"),
                (_interval(row, "peak_step"), "num"),
                (_interval(row, "t50"), "num"),
            ]
        )
    return _table(header, rows)


def comparison_table(comparisons: pd.DataFrame) -> str:
    """The paired comparisons as an HTML table: one row per pair of points and message.

    Each metric cell is the mean change from the first to the second setting, with
    its paired 95% interval; "without pairing" is the ± half-width the same runs
    would give if the two settings had been simulated independently.

    Examples
    --------
    >>> runs = pd.DataFrame({
    ...     "point": [0, 0, 0, 1, 1, 1], "replication": [0, 1, 2] * 2, "message": "a",
    ...     "network.p": [0.0] * 3 + [0.1] * 3, "reach_frac": [0.1, 0.3, 0.2, 0.2, 0.4, 0.3],
    ...     "adopters": [1, 2, 3, 2, 3, 4], "peak_step": 1, "t50": [3, 3, 3, 2, 2, 2]})
    >>> from sim.results.statistics import compare_points
    >>> html_text = comparison_table(compare_points(runs))
    >>> "+10.0 pp [+10.0, +10.0]" in html_text, "−1.0 [−1.0, −1.0]" in html_text
    (True, True)
    """
    names = short_key_names(list(dict.fromkeys(comparisons["key"])))
    header = [
        "changed setting",
        "from → to",
        "other settings",
        "message",
        "pairs",
        "reach change",
        "(reach ± without pairing)",
        "adopters change",
        "peak step change",
        "t50 change",
    ]
    rows = []
    group_columns = ["key", "point_a", "point_b", "message"]
    for _, frame in comparisons.groupby(group_columns, sort=False):
        if _untouched(frame):
            continue
        by_metric = frame.set_index("metric")
        first = frame.iloc[0]
        row: list[str | tuple[str, str]] = [
            _e(names[first["key"]]),
            _e(f"{format_value(first['value_a'])} → {format_value(first['value_b'])}"),
            _e(first["fixed"] or "–"),
            _e(first["message"]),
            (f"{int(frame['n'].max())}", "num"),
        ]
        for metric in ("reach_frac", "unpaired", "adopters", "peak_step", "t50"):
            if metric == "unpaired":
                width = by_metric["unpaired_halfwidth"].get("reach_frac", math.nan)
                row.append((f"± {_number(width * 100)} pp" if _finite(width) else "–", "num"))
                continue
            if metric not in by_metric.index:
                row.append(("–", "num"))
                continue
            scale, unit = (100.0, " pp") if metric == "reach_frac" else (1.0, "")
            cell = by_metric.loc[metric]
            row.append(_difference(cell, scale, unit))
        rows.append(row)
    if not rows:
        return "<p>Changing one setting changed nothing: every replication ended the same.</p>"
    note = (
        "<p>Each row: the mean change, over paired replications, when only the changed "
        "setting moves from the first value to the second; 95% interval in brackets "
        "(pp: percentage points of people reached). Messages a change leaves identical in "
        "every replication are left out.</p>"
    )
    return note + _table(header, rows)


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


def _number(value: float, signed: bool = False) -> str:
    """A number people read at a glance: 12.3, 456, 12,345; minus as a true minus sign."""
    if not _finite(value):
        return "–"
    magnitude = abs(value)
    text = f"{magnitude:,.0f}" if magnitude >= 100 else f"{magnitude:.1f}"
    if text.strip("0.,") == "":
        return text  # rounds to zero: no sign
    return ("−" if value < 0 else "+" if signed else "") + text


def _interval(
    row: Mapping[str, Any],
    metric: str,
    scale: float = 1.0,
    suffix: str = "",
    cap: float = math.inf,
) -> str:
    mean, low, high = (row[f"{metric}_{part}"] * scale for part in ("mean", "lo", "hi"))
    # Every summarised metric is a count or share, never negative (and a share at
    # most 100%): a t interval that pokes out (few, skewed replications) is clipped.
    low = max(low, 0.0) if _finite(low) else low
    high = min(high, cap) if _finite(high) else high
    if not _finite(low):  # one replication: no interval
        return f"{_number(mean)}{suffix}"
    return f"{_number(mean)}{suffix} [{_number(low)}, {_number(high)}]"


def _difference(cell: Mapping[str, Any], scale: float, unit: str) -> tuple[str, str]:
    mean, low, high = (cell[part] * scale for part in ("diff_mean", "diff_lo", "diff_hi"))
    if not _finite(low):
        return f"{_number(mean, signed=True)}{unit}", "num"
    text = (
        f"{_number(mean, signed=True)}{unit} "
        f"[{_number(low, signed=True)}, {_number(high, signed=True)}]"
    )
    clear = low > 0 or high < 0  # the interval excludes zero
    return text, "num sig" if clear else "num"


def _table(header: Iterable[str], rows: Iterable[Sequence[str | tuple[str, str]]]) -> str:
    """Rows of already-escaped cells; a (text, css class) pair sets the cell's class."""
    head = "".join(f"<th>{_e(cell)}</th>" for cell in header)
    body = []
    for row in rows:
        cells = []
        for cell in row:
            text, css = cell if isinstance(cell, tuple) else (cell, "")
            attribute = f' class="{css}"' if css else ""
            cells.append(f"<td{attribute}>{text if css == '' else _e(text)}</td>")
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
