"""What a results folder shows its readers: the measures that matter for its scenario,
numbers with their units, the ranking of the arms and ``summary.csv``.

The command line, the HTML report and ``summary.csv`` all build their tables here, so
one result reads the same everywhere (one interval method:
:func:`sim.results.statistics.mean_interval`).

- :func:`themes`: the measures a scenario makes meaningful, by theme: reach and
  speed always; money when something was spent (and value and return on investment
  when the scenario gives a ``value``); sentiment when a message is negative; and
  whatever ``report.show`` asks for (cascade shape);
- :func:`theme_rows`: a theme's table, one row per arm and message, every cell a
  mean and its interval in words;
- :func:`ranking`: the arms ranked by ``report.rank_by``, each with its paired
  difference from the baseline arm;
- :func:`summary_frame`: ``summary.csv``, one row per arm and message.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.config import MEASURES, Measure, Report, measure_column
from sim.results.statistics import (
    paired_difference,
    point_labels,
    scenario_factors,
    summarize,
)

THEMES = {
    "reach": "Reach and speed",
    "money": "Money",
    "sentiment": "Sentiment",
    "shape": "Cascade shape",
    "opinion": "Opinions",
}
# what an opinion rule's runs show (those its columns have)
OPINION_MEASURES = ("holders_frac", "consensus_step", "clusters", "largest_cluster_frac",
                    "mean_opinion", "opinion_variance")
BASE_MEASURES = {
    "reach": ("reach_frac", "adopters", "peak_step", "t50"),
    "money": ("cost", "cost_per_reach", "cost_per_adopter"),
    "sentiment": ("final_net_sentiment", "min_net_sentiment", "time_to_contain"),
}
RUN_LEVEL = frozenset({"final_net_sentiment", "min_net_sentiment", "total_cost"})
"""Measures of the whole run, the same on each message's row."""
MINUS = "\u2212"


@dataclass(frozen=True)
class Cell:
    """A mean and its 95% interval in words (``46.7%`` and ``[44.1, 49.2]``), the
    numbers behind them (scaled as shown), and whether the interval excludes zero."""

    text: str
    interval: str = ""
    mean: float = math.nan
    low: float = math.nan
    high: float = math.nan
    clear: bool = False

    def __str__(self) -> str:
        return f"{self.text} {self.interval}".strip()


@dataclass(frozen=True)
class Table:
    """A theme's table: its title, its column headers and its rows of cells (the
    first ``len(keys)`` cells of a row are plain text: arm, message, runs)."""

    title: str
    keys: tuple[str, ...]
    headers: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


def report_of(scenario: Mapping[str, Any] | None) -> Report:
    """The ``report`` section of a saved scenario (defaults when absent).

    Examples
    --------
    >>> report_of({"report": {"rank_by": "roi"}}).rank_column
    'roi'
    """
    return Report.model_validate(((scenario or {}).get("report")) or {})


def unit(measure: Measure, currency: str = "") -> str:
    """The unit of a measure as a header shows it (``money`` becomes the currency).

    Examples
    --------
    >>> unit(MEASURES["cost"], "$"), unit(MEASURES["cost"]), unit(MEASURES["t50"])
    ('$', 'money', 'step')
    """
    if measure.unit == "money":
        return currency or "money"
    return measure.unit


def header(measure: Measure, currency: str = "") -> str:
    """A column header: the measure's label and its unit (``reach (% of people)``)."""
    return f"{measure.label} ({unit(measure, currency)})"


def number(value: float, measure: Measure, currency: str = "", signed: bool = False,
           unit_shown: bool = True, like: float | None = None) -> str:
    """One number as people read it: scaled (shares as percentages), rounded to what
    the measure needs, thousands separated, a true minus sign, and its unit (``%``,
    the currency) unless ``unit_shown`` is false. ``like``: round as this number
    would be (an interval's bounds as its mean).

    Examples
    --------
    >>> number(0.4672, MEASURES["reach_frac"]), number(1234.0, MEASURES["adopters"])
    ('46.7%', '1,234')
    >>> number(0.0, MEASURES["cost"], "$"), number(0.0, MEASURES["cost"], like=2.5)
    ('$0', '0.0')
    >>> number(0.513, MEASURES["cost_per_reach"], "$")
    '$0.51'
    >>> number(-8129.3, MEASURES["min_net_sentiment"])
    '−8,129'
    >>> number(-0.021, MEASURES["reach_frac"], signed=True, unit_shown=False)
    '−2.1'
    """
    if value is None or not math.isfinite(float(value)):
        return "–"
    scaled = float(value) * measure.scale
    magnitude = abs(scaled)
    guide = magnitude if like is None or not math.isfinite(like) else abs(like * measure.scale)
    digits = measure.digits if measure.digits is not None else (0 if guide >= 100 else 1)
    if scaled == 0 and (like is None or like == 0):
        digits = 0  # nothing at all: 0, not 0.0
    text = f"{magnitude:,.{digits}f}"
    zero = text.strip("0.,") == ""
    sign = "" if zero else (MINUS if scaled < 0 else "+" if signed else "")
    if unit_shown and measure.unit == "money" and currency:
        text = f"{currency}{text}"
    if unit_shown and measure.scale == 100.0:
        text += "%"
    return sign + text


def cell(row: Mapping[str, Any], metric: str, currency: str = "") -> Cell:
    """A summary row's mean and interval for ``metric`` (:func:`summarize` columns).

    Examples
    --------
    >>> str(cell({"reach_frac_mean": 0.467, "reach_frac_lo": 0.441, "reach_frac_hi": 0.492},
    ...          "reach_frac"))
    '46.7% [44.1, 49.2]'
    """
    mean, low, high = (row.get(f"{metric}_{part}", math.nan) for part in ("mean", "lo", "hi"))
    return mean_cell(mean, low, high, MEASURES[metric], currency)


def mean_cell(mean: float, low: float, high: float, measure: Measure,
              currency: str = "") -> Cell:
    """A mean and its interval in words, the bounds rounded as the mean is.

    Examples
    --------
    >>> str(mean_cell(0.669, -0.108, 1.38, MEASURES["roi"]))
    '66.9% [−10.8, 138.0]'
    """
    if mean is None or not math.isfinite(float(mean)):
        return Cell("–")
    scale = measure.scale
    if low is None or not math.isfinite(float(low)):
        return Cell(number(mean, measure, currency), "", mean * scale)
    interval = (f"[{number(low, measure, currency, unit_shown=False, like=mean)}, "
                f"{number(high, measure, currency, unit_shown=False, like=mean)}]")
    return Cell(number(mean, measure, currency), interval, mean * scale, low * scale,
                high * scale)


def difference(values: Mapping[str, float], measure: Measure, currency: str = "") -> Cell:
    """A paired difference (:func:`paired_difference`) in words: percentage points
    for shares, bold-worthy (``clear``) when its interval excludes zero.

    Examples
    --------
    >>> str(difference({"diff_mean": 0.021, "diff_lo": 0.01, "diff_hi": 0.03},
    ...                MEASURES["reach_frac"]))
    '+2.1 pp [+1.0, +3.0]'
    """
    mean, low, high = values["diff_mean"], values["diff_lo"], values["diff_hi"]
    suffix = " pp" if measure.scale == 100.0 else ""
    text = number(mean, measure, currency, signed=True, unit_shown=measure.scale != 100.0)
    if not math.isfinite(float(low)):
        return Cell(text + suffix, "", mean)
    interval = (f"[{number(low, measure, currency, signed=True, unit_shown=False, like=mean)}, "
                f"{number(high, measure, currency, signed=True, unit_shown=False, like=mean)}]")
    return Cell(text + suffix, interval, mean * measure.scale, low * measure.scale,
                high * measure.scale, clear=bool(low > 0 or high < 0))


def themes(runs: pd.DataFrame, scenario: Mapping[str, Any] | None) -> dict[str, list[str]]:
    """The measures a scenario makes meaningful, by theme, in the order shown.

    Reach and speed always; money when any run spent something (value and return on
    investment too when runs have a value); sentiment when a message is negative;
    the ranking measure and ``report.show`` wherever they belong.

    Examples
    --------
    >>> columns = ["message", "reach_frac", "adopters", "peak_step", "t50", "cost",
    ...            "cost_per_reach", "cost_per_adopter", "value", "time_to_contain",
    ...            "funnel_share"]
    >>> runs = pd.DataFrame([["a", 0.1, 5, 2, 3, 5.0, 0.5, 1.0, None, None, 0.2]],
    ...                     columns=columns)
    >>> themes(runs, {"report": {"show": ["funnel_share"]}})  # doctest: +NORMALIZE_WHITESPACE
    {'reach': ['reach_frac', 'adopters', 'peak_step', 't50'],
     'money': ['cost', 'cost_per_reach', 'cost_per_adopter'], 'shape': ['funnel_share']}
    """
    report = report_of(scenario)
    chosen: dict[str, list[str]] = {"reach": list(BASE_MEASURES["reach"])}
    if "cost" in runs and bool((runs["cost"].fillna(0) > 0).any()):
        chosen["money"] = list(BASE_MEASURES["money"])
    if "value" in runs and bool(runs["value"].notna().any()):
        chosen.setdefault("money", []).extend(["value", "roi"])
    negative = any(m.get("valence") == "negative" for m in (scenario or {}).get("messages") or [])
    if negative or ("time_to_contain" in runs and bool(runs["time_to_contain"].notna().any())):
        chosen["sentiment"] = list(BASE_MEASURES["sentiment"])
    opinions = [name for name in OPINION_MEASURES
                if name in runs and bool(runs[name].notna().any())]
    if opinions:
        chosen["opinion"] = opinions
    for name in (report.rank_column, *map(measure_column, report.show)):
        theme = MEASURES[name].theme
        if name not in chosen.setdefault(theme, []):
            chosen[theme].append(name)
    present = {theme: [name for name in chosen.get(theme, []) if name in runs]
               for theme in THEMES}
    return {theme: names for theme, names in present.items() if names}


def theme_messages(runs: pd.DataFrame, theme: str, metrics: Sequence[str]) -> list[str]:
    """The messages a theme's table has rows for: every message, except that money
    rows are for messages that cost or bring something, and sentiment rows for the
    messages contained (or, without one, the first message: net sentiment is the run's).
    """
    messages = [str(m) for m in dict.fromkeys(runs["message"])]
    if theme == "money":
        costly = runs.groupby("message")["cost"].max().fillna(0) > 0
        if "value" in runs:
            costly |= runs.groupby("message")["value"].count() > 0
        return [m for m in messages if bool(costly.get(m, False))]
    if theme == "sentiment":
        contained = runs.groupby("message")["time_to_contain"].count() > 0
        return [m for m in messages if bool(contained.get(m, False))] or messages[:1]
    return messages


def theme_rows(summary: pd.DataFrame, labels: Mapping[int, str], theme: str,
               metrics: Sequence[str], messages: Sequence[str], currency: str = "",
               show_message: bool = True) -> Table:
    """One theme's table: a row per arm and message, a mean-and-interval cell per
    measure (:func:`cell`); a ``runs`` column only when arms ran different numbers of
    replications (an unfinished batch)."""
    shown = summary[summary["message"].isin(messages)]
    show_runs = shown["n"].nunique() > 1
    keys = ("arm", *(("message",) if show_message else ()), *(("runs",) if show_runs else ()))
    rows = []
    for _, row in shown.iterrows():
        start = [labels.get(int(row["point"]), f"point {row['point']}")]
        start += [str(row["message"])] if show_message else []
        start += [str(int(row["n"]))] if show_runs else []
        rows.append((*start, *(cell(row, metric, currency) for metric in metrics)))
    headers = tuple(header(MEASURES[metric], currency) for metric in metrics)
    return Table(THEMES[theme], keys, (*keys, *headers), tuple(rows))


def summary_tables(runs: pd.DataFrame, scenario: Mapping[str, Any] | None,
                   labels: Mapping[int, str] | None = None) -> list[Table]:
    """Every theme's table for a runs table (:func:`themes`, :func:`theme_rows`)."""
    labels = dict(labels) if labels is not None else point_labels(runs)
    chosen = themes(runs, scenario)
    metrics = list(dict.fromkeys(name for names in chosen.values() for name in names))
    summary = summarize(runs, by=["point", "message"], metrics=metrics)
    currency = report_of(scenario).currency
    several = runs["message"].nunique() > 1
    tables = []
    for theme, names in chosen.items():
        messages = theme_messages(runs, theme, names)
        tables.append(theme_rows(summary, labels, theme, names, messages, currency,
                                 show_message=several and len(messages) > 1))
    return tables


@dataclass(frozen=True)
class Ranking:
    """The arms ranked by a measure on one message, best first.

    ``frame`` has one row per point: ``rank``, ``point``, ``arm``, ``n``,
    ``mean``/``lo``/``hi`` and the paired difference from the baseline
    (``diff_mean``, ``diff_lo``, ``diff_hi``; NaN on the baseline's own row), all in
    the measure's own units (not scaled).
    """

    measure: Measure
    message: str
    baseline: str
    better: str
    frame: pd.DataFrame


def ranking(runs: pd.DataFrame, scenario: Mapping[str, Any] | None,
            labels: Mapping[int, str] | None = None) -> Ranking:
    """Rank the arms by ``report.rank_by`` (default reach) on ``report.message``
    (default the first message), each against ``report.baseline`` (default the first
    arm), pair by pair over the replications both ran.

    For a negative message (a complaint, a rumour), less reach is better: reach and
    adopters rank the other way round.

    Examples
    --------
    >>> runs = pd.DataFrame({"point": [0, 0, 1, 1], "replication": [0, 1, 0, 1],
    ...                      "message": "a", "reach_frac": [0.1, 0.2, 0.3, 0.5]})
    >>> result = ranking(runs, {"messages": [{"name": "a"}]}, {0: "x", 1: "y"})
    >>> result.frame[["rank", "arm", "mean", "diff_mean"]].round(2).values.tolist()
    [[1, 'y', 0.4, 0.25], [2, 'x', 0.15, nan]]
    """
    report = report_of(scenario)
    labels = dict(labels) if labels is not None else point_labels(runs)
    declared = [m.get("name") for m in (scenario or {}).get("messages") or []]
    present = [str(m) for m in dict.fromkeys(runs["message"])]
    messages = [m for m in declared if m in present] or present  # the scenario's order
    message = report.message or messages[0]
    measure = MEASURES[report.rank_column]
    valence = {m.get("name"): m.get("valence") for m in (scenario or {}).get("messages") or []}
    better = measure.better or "higher"
    if valence.get(message) == "negative" and measure.theme == "reach":
        better = "lower" if better == "higher" else "higher"
    points = sorted(int(p) for p in runs["point"].unique())
    bases, baseline = _baselines(points, labels, scenario, report.baseline)
    mine = runs[runs["message"] == message]
    values = {p: frame.set_index("replication")[measure.name]
              for p, frame in mine.groupby("point")}
    summary = summarize(mine, by=["point"], metrics=[measure.name]).set_index("point")
    rows = []
    for point in points:
        row = {"point": point, "arm": labels.get(point, f"point {point}"),
               "n": int(summary.at[point, "n"]),
               "mean": summary.at[point, f"{measure.name}_mean"],
               "lo": summary.at[point, f"{measure.name}_lo"],
               "hi": summary.at[point, f"{measure.name}_hi"],
               "diff_mean": np.nan, "diff_lo": np.nan, "diff_hi": np.nan}
        base_point = bases[point]
        if point != base_point:
            pairs = pd.concat([values[base_point], values[point]], axis=1, join="inner").dropna()
            if len(pairs):
                found = paired_difference(pairs.iloc[:, 0], pairs.iloc[:, 1])
                row.update({key: found[key] for key in ("diff_mean", "diff_lo", "diff_hi")})
        rows.append(row)
    frame = pd.DataFrame(rows)
    # NaN means (nothing to measure, such as no cascade to time) rank last
    key = frame["mean"] if better == "lower" else -frame["mean"]
    frame = frame.assign(_key=key.fillna(np.inf)).sort_values(["_key", "point"], kind="stable")
    frame = frame.drop(columns="_key").reset_index(drop=True)
    frame.insert(0, "rank", range(1, len(frame) + 1))
    return Ranking(measure, message, baseline, better, frame)


def _baselines(points: Sequence[int], labels: Mapping[int, str],
               scenario: Mapping[str, Any] | None, wanted: str | None
               ) -> tuple[dict[int, int], str]:
    """Each point's baseline point, and the baseline's name.

    With named arms the baseline is an arm (default: the first): each point is
    compared with the baseline arm's point that shares its other settings. Otherwise
    it is one point, named by its label (default: the first).
    """
    factors = [f for f in scenario_factors(scenario) if len(set(f.labels)) > 1]
    arm = next((f for f in factors if f.name == "arm"), None)
    if arm is not None and max(points) < len(arm.labels) and (
            wanted is None or wanted in arm.labels):
        wanted = wanted or arm.labels[0]
        others = [f for f in factors if f is not arm]

        def settings(point: int) -> tuple[str, ...]:
            return tuple(f.labels[point] for f in others)

        base_of = {settings(p): p for p in points if arm.labels[p] == wanted}
        return {p: base_of.get(settings(p), points[0]) for p in points}, wanted
    named = {label: point for point, label in labels.items()}
    base = named.get(wanted, points[0]) if wanted else points[0]
    return dict.fromkeys(points, base), labels.get(base, str(base))


def summary_frame(runs: pd.DataFrame, scenario: Mapping[str, Any] | None,
                  labels: Mapping[int, str] | None = None) -> pd.DataFrame:
    """``summary.csv``: one row per arm and message, each meaningful measure's mean
    and 95% interval in the units the report shows (percentages as 46.7, money in
    the currency), with headers in words; and on the ranked message's rows, the
    arm's rank and its paired difference from the baseline arm.

    Examples
    --------
    >>> runs = pd.DataFrame({"point": [0, 0, 1, 1], "replication": [0, 1, 0, 1],
    ...                      "message": "a", "reach_frac": [0.1, 0.2, 0.3, 0.5],
    ...                      "adopters": 1, "peak_step": 1, "t50": 2})
    >>> frame = summary_frame(runs, {}, {0: "x", 1: "y"})
    >>> frame.columns[:5].tolist()
    ['arm', 'message', 'runs', 'reach (% of people)', 'reach: 95% low']
    >>> frame["reach (% of people)"].tolist(), frame["rank by reach"].tolist()
    ([15.0, 40.0], [2, 1])
    """
    labels = dict(labels) if labels is not None else point_labels(runs)
    chosen = themes(runs, scenario)
    metrics = list(dict.fromkeys(name for names in chosen.values() for name in names))
    summary = summarize(runs, by=["point", "message"], metrics=metrics)
    currency = report_of(scenario).currency
    ranked = ranking(runs, scenario, labels)
    by_point = ranked.frame.set_index("point")
    measure = ranked.measure
    rows = []
    for _, row in summary.iterrows():
        out: dict[str, Any] = {"arm": labels.get(int(row["point"]), str(row["point"])),
                               "message": row["message"], "runs": int(row["n"])}
        for metric in metrics:
            shown = MEASURES[metric]
            name = header(shown, currency)
            for part, column in (("mean", name), ("lo", f"{shown.label}: 95% low"),
                                 ("hi", f"{shown.label}: 95% high")):
                out[column] = _rounded(row.get(f"{metric}_{part}", np.nan) * shown.scale)
        ranked_row = row["message"] == ranked.message
        point = int(row["point"])
        out[f"rank by {measure.label}"] = int(by_point.at[point, "rank"]) if ranked_row else None
        for part, column in (("diff_mean", f"{measure.label} vs {ranked.baseline}"),
                             ("diff_lo", f"{measure.label} vs {ranked.baseline}: 95% low"),
                             ("diff_hi", f"{measure.label} vs {ranked.baseline}: 95% high")):
            value = by_point.at[point, part] * measure.scale if ranked_row else np.nan
            out[column] = _rounded(value)
        rows.append(out)
    frame = pd.DataFrame(rows)
    rank_column = f"rank by {measure.label}"
    frame[rank_column] = frame[rank_column].astype("Int64")
    return frame


def _rounded(value: float) -> float:
    """Six significant digits: what a spreadsheet needs, without float noise."""
    if value is None or not math.isfinite(float(value)) or value == 0:
        return float(value) if value is not None else math.nan
    return float(f"{float(value):.6g}")
