"""A fit's folder as one self-contained HTML page (``buzz report DIR`` on a fit folder),
in the look of :mod:`sim.results.report`: the estimates with their 90% intervals, what
the data could not pin down, the figures, the tolerance schedule and the facts."""

from __future__ import annotations

import base64
import time
from pathlib import Path

from sim.fit.observed import COUNT_WORDS
from sim.fit.params import format_fitted, key_words
from sim.fit.posterior import read_fit
from sim.results.report import CSS, _e, _table

# on a phone the schedule and the facts stay tables (short cells) rather than a card
# per row, which would repeat each header on every line
KEEP_TABLES = """
@media (max-width: 760px) {
  table.keep { display: table; width: 100%; font-size: 0.85em; }
  table.facts { table-layout: fixed; }
  table.keep thead { display: table-header-group; }
  table.keep tbody { display: table-row-group; }
  table.keep tr { display: table-row; border: none; margin: 0; }
  table.keep th, table.keep td { display: table-cell; width: auto; border: 1px solid #d9e2ec;
                                 padding: 0.3em 0.4em; }
  table.facts td { overflow-wrap: anywhere; }
  table.keep td[data-label]::before { content: none; }
  table.keep td > div { text-align: left; }
}
"""
EXECUTOR_WORDS = {"serial": "one process", "processes": "local processes",
                  "dask": "a Dask cluster"}

CAPTIONS = {
    "fit.png": "The observed data (dots) over what the fitted scenario simulates: the "
               "median and the 90% band of runs at values drawn from the posterior.",
    "posterior.png": "What the data say about each fitted value: its posterior over the "
                     "prior's range, the estimate and the 90% interval; below the "
                     "diagonal, pairs of values (a slanted cloud: the two trade off).",
}


def write_fit_report(folder: str | Path) -> Path:
    """Write ``folder/report.html`` for a folder written by ``buzz fit``.

    Examples
    --------
    >>> import tempfile, json, pandas as pd
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "fit.json").write_text(json.dumps({
    ...     "scenario": "demo", "observed": "seen.csv", "form": "curves", "simulations": 300,
    ...     "level": 0.9, "notes": [], "generations": [{"generation": 0, "epsilon": 2.0,
    ...     "simulations": 200, "accepted": 100, "acceptance_rate": 0.5}],
    ...     "parameters": {"messages.a.rule.p": {"estimate": 0.2, "low": 0.15, "high": 0.26,
    ...     "level": 0.9, "prior": {"low": 0.0, "high": 1.0, "shape": "uniform"},
    ...     "pinned": True}}}))
    >>> pd.DataFrame({"messages.a.rule.p": [0.2], "weight": [1.0]}).to_parquet(
    ...     folder / "posterior.parquet")
    >>> text = write_fit_report(folder).read_text(encoding="utf-8")
    >>> "<h1>demo: fitted to seen.csv</h1>" in text, "15% to 26%" in text
    (True, True)
    """
    folder = Path(folder)
    facts, _ = read_fit(folder)
    name = f"{facts.get('scenario', folder.name)}: fitted to {Path(facts['observed']).name}"
    rows = []
    for key, entry in facts["parameters"].items():
        prior = entry["prior"]
        rows.append([
            _e(key_words(key)), _e(format_fitted(key, entry["estimate"])),
            _e(f"{format_fitted(key, entry['low'])} to {format_fitted(key, entry['high'])}"),
            _e(f"{format_fitted(key, prior['low'])} to {format_fitted(key, prior['high'])} "
               f"({prior['shape']})"),
            _e("yes" if entry["pinned"] else "barely: read as not determined"),
        ])
    sections = [
        f"<h1>{_e(name)}</h1>",
        f'<p class="question">What values of the scenario reproduce what was observed '
        f"({_e(data_words(facts))}), and how sure can we be?</p>",
        "<h2>Estimates</h2>",
        _table(["value", "estimate (posterior median)", f"{facts['level']:.0%} interval",
                "prior (the range searched)", "pinned by the data"], rows),
    ]
    if facts.get("notes"):
        sections.append('<div class="note"><strong>What the data cannot tell.</strong><ul>'
                        + "".join(f"<li>{_e(note)}</li>" for note in facts["notes"])
                        + "</ul></div>")
    figures = [folder / "figures" / name for name in CAPTIONS]
    present = [path for path in figures if path.is_file()]
    if present:
        sections.append("<h2>Figures</h2>")
        for path in present:
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            sections.append(f'<figure><img src="data:image/png;base64,{data}" '
                            f'alt="{_e(CAPTIONS[path.name])}"><figcaption>'
                            f"{_e(CAPTIONS[path.name])}</figcaption></figure>")
    schedule = [[_e(g["generation"] + 1), _e(f"{g['epsilon']:.3g}"), _e(f"{g['simulations']:,}"),
                 _e(f"{g['accepted']:,} ({g['acceptance_rate']:.0%})")]
                for g in facts.get("generations", [])]
    sections += [
        "<h2>How the fit went</h2>",
        f"<p>{facts.get('simulations', 0):,} simulations in all: those of the generations "
        "below, and before them a sample from the prior that calibrates the distance. "
        "Each generation accepts "
        "the parameter values whose simulations come within its tolerance (epsilon) of "
        "the data; the distance's weights adapt each generation, so epsilons of "
        "different generations are on different scales.</p>",
        _table(["generation", "tolerance", "simulations", "accepted"],
               schedule).replace("<table>", '<table class="keep">', 1),
        "<h2>Facts</h2>",
        _table(["fact", "value"], [[_e(k), _e(v)] for k, v in fact_rows(facts)]
               ).replace("<table>", '<table class="keep facts">', 1),
        f"<footer>Written by buzz on {_e(time.strftime('%Y-%m-%d %H:%M'))} from "
        f"{_e(folder.name)}/; the numbers are in fit.json.</footer>",
    ]
    page = ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_e(name)}: buzz fit</title>\n<style>{CSS}{KEEP_TABLES}</style>\n"
            "</head>\n<body>\n" + "\n".join(sections) + "\n</body>\n</html>\n")
    path = folder / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def data_words(facts: dict) -> str:
    """What was observed, in words.

    Examples
    --------
    >>> data_words({"form": "curves", "counts": ["heard"], "cascades": 1})
    'people who had heard, by step'
    >>> data_words({"form": "curves", "counts": ["heard", "adopters"], "cascades": 3})
    'people who had heard and people who had shared, by step, in 3 cascades'
    >>> data_words({"form": "sizes", "counts": ["reach", "adopters"], "cascades": 40})
    'final sizes of 40 cascades: people reached and people who shared'
    """
    cascades = int(facts.get("cascades", 1))
    counts = facts.get("counts", [])
    if facts.get("form") == "sizes":
        counted = " and ".join("people reached" if c == "reach" else "people who shared"
                               for c in counts)
        return f"final sizes of {cascades:,} cascades: {counted}"
    counted = " and ".join(COUNT_WORDS.get(c, c) for c in counts) or "counts"
    return f"{counted}, by step" + (f", in {cascades:,} cascades" if cascades > 1 else "")


def fact_rows(facts: dict) -> list[tuple[str, str]]:
    """The facts of a fit as (what, value) in words, those the folder records."""
    shown = {
        "scenario_file": ("scenario file", lambda v: "none: given in Python"
                          if v == "<scenario>" else str(v)),
        "observed": ("observed data", str),
        "form": ("what was observed", lambda _: data_words(facts)),
        "step_duration": ("scenario steps per step of the data", lambda v: f"{v:g}"),
        "method": ("method", str),
        "population": ("points accepted per generation", lambda v: f"{v:,}"),
        "seed": ("seed", str),
        "executor": ("ran on", lambda v: EXECUTOR_WORDS.get(v, str(v))),
        "seconds": ("time the fit took",
                    lambda v: f"{v:,.0f} s" if v < 120 else f"{v / 60:,.1f} min"),
        "pyabc": ("pyabc version", str),
    }
    return [(what, show(facts[key])) for key, (what, show) in shown.items() if key in facts]
