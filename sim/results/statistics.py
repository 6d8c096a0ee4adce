"""Batch statistics: summaries over replications and comparisons of sweep points,
read from a ``runs`` table by the figures, the report and the command line.

The per-run measures those tables hold (``reach``, ``t50``...) are computed by the
batch engine, in :mod:`sim.measures`.

**Intervals.** Every 95% interval the command line, the report, ``summary.csv`` and
the figures show comes from one method, :func:`mean_interval`: a bootstrap percentile
interval of the mean. The replications are resampled with replacement 10,000 times
(from a fixed seed, so the same numbers give the same interval everywhere) and the
interval runs between two percentiles of the resampled means. A resampled mean lies
between the smallest and the largest value observed, so a count, a share, a step or
an amount never gets a bound outside what is possible (no negative adopters, no
reach above 100%), and a skewed measure (rare huge cascades) gets a skewed interval.
With few replications plain percentiles are too narrow, so the percentiles are those
of the *expanded* percentile interval (Hesterberg 2015): the tail is
``Phi(-sqrt(n / (n - 1)) * t(n - 1))`` instead of 2.5%, which widens the interval as
Student's t would for small ``n`` and leaves it unchanged for large ``n``. Paired
differences (:func:`paired_difference`) resample the replications the same way,
each pair kept together. With one replication there is no interval.

:func:`mean_ci` (Student's t) is kept for readers of curves and notebooks; no table
of buzz uses it.

Swept keys are the ``runs`` columns named by a dotted path (``network.p``,
``messages.promo.rule.p``); functions that need them take ``keys`` to override.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from sim.config import Factor, Scenario, Sweep
from sim.config.labels import format_value as format_value  # re-exported for readers
from sim.config.labels import short_key_names, value_labels


@lru_cache(maxsize=256)
def t_quantile(n: int, confidence: float = 0.95) -> float:
    """Two-sided Student t quantile for a mean of ``n`` values (``n - 1`` degrees of freedom).

    Examples
    --------
    >>> round(t_quantile(5), 4), round(t_quantile(10_000), 3)
    (2.7764, 1.96)
    """
    # scipy.special, not scipy.stats: the same quantile without importing every
    # distribution (0.35 s of each `buzz run`, which draws bands with it)
    from scipy.special import stdtrit

    if n < 2:
        return float("nan")
    return float(stdtrit(n - 1, 0.5 + confidence / 2.0))


def mean_ci(values: Iterable[float], confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean and t-based confidence interval of the mean (NaN values are ignored).

    The half-width is ``t(n - 1) * sd / sqrt(n)`` (module docstring: why t for every
    ``n``). With fewer than two values the bounds are NaN.

    Examples
    --------
    >>> [round(x, 4) for x in mean_ci([1.0, 2.0, 3.0])]
    [2.0, -0.4841, 4.4841]
    >>> mean_ci([4.0])
    (4.0, nan, nan)
    """
    array, mean = _observed(values)
    if array.size < 2:
        return mean, float("nan"), float("nan")
    half = t_quantile(array.size, confidence) * float(array.std(ddof=1)) / np.sqrt(array.size)
    return mean, float(mean - half), float(mean + half)


RESAMPLES = 10_000
"""Bootstrap resamples behind every interval."""
BOOTSTRAP_SEED = 20_240_613
"""Root of the resampling streams: one stream per number of replications."""


@lru_cache(maxsize=8)
def _resample_rows(n: int) -> np.ndarray:
    """``RESAMPLES`` rows of ``n`` indices drawn with replacement, the same for every
    call with the same ``n`` (so one result always gets one interval)."""
    rng = np.random.default_rng(np.random.SeedSequence(BOOTSTRAP_SEED, spawn_key=(n,)))
    return rng.integers(0, n, size=(RESAMPLES, n), dtype=np.int32)


def _resampled_means(values: np.ndarray, rows: int | None = None) -> np.ndarray:
    """The means of ``values`` over every resample (one row of :func:`_resample_rows`
    each), in blocks so that large ``n`` stays within memory."""
    n = values.size
    if n <= 2_000:
        return values[_resample_rows(n)].mean(axis=1)
    rng = np.random.default_rng(np.random.SeedSequence(BOOTSTRAP_SEED, spawn_key=(n,)))
    block = max(1, 4_000_000 // n)
    means = [values[rng.integers(0, n, size=(min(block, RESAMPLES - start), n))].mean(axis=1)
             for start in range(0, RESAMPLES, block)]
    return np.concatenate(means)


def expanded_tail(n: int, confidence: float = 0.95) -> float:
    """The percentile (as a fraction) at each end of the expanded percentile interval
    for ``n`` values: ``Phi(-sqrt(n / (n - 1)) * t(n - 1))`` (Hesterberg 2015).

    Examples
    --------
    >>> round(expanded_tail(5), 5), round(expanded_tail(20), 4), round(expanded_tail(10**6), 4)
    (0.00095, 0.0159, 0.025)
    """
    from scipy.special import ndtr

    return float(ndtr(-np.sqrt(n / (n - 1)) * t_quantile(n, confidence)))


def mean_interval(values: Iterable[float], confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean and its bootstrap 95% interval (expanded percentile; NaN values ignored).

    The one interval of buzz's tables (module docstring). The bounds lie between
    the smallest and the largest value, so they never leave what the measure can
    be; with fewer than two values they are NaN.

    Examples
    --------
    >>> mean_interval([0, 0, 0, 0, 0, 0, 0, 0, 0, 1400])  # a t interval: [-176.7, 456.7]
    (140.0, 0.0, 560.0)
    >>> mean_interval([4.0])
    (4.0, nan, nan)
    """
    array, mean = _observed(values)
    if array.size < 2:
        return mean, float("nan"), float("nan")
    if array.min() == array.max():
        return mean, mean, mean
    tail = expanded_tail(array.size, confidence)
    low, high = np.quantile(_resampled_means(array), [tail, 1.0 - tail])
    # a mean lies within its values; rounding in the resampled means must not say otherwise
    return mean, float(max(low, array.min())), float(min(high, array.max()))


def _observed(values: Iterable[float]) -> tuple[np.ndarray, float]:
    """The values that are numbers (NaN dropped) and their mean (NaN when none)."""
    array = np.asarray(list(values) if not hasattr(values, "__len__") else values, dtype=float)
    array = array[~np.isnan(array)]
    return array, float(array.mean()) if array.size else float("nan")


SUMMARY_METRICS = (
    "reach_frac", "reach", "adopters", "peak_step", "t50", "cost", "cost_per_reach",
    "cost_per_adopter", "value", "roi", "time_to_contain", "final_net_sentiment",
    "min_net_sentiment", "funnel_share", "structural_virality",
)
COMPARE_METRICS = ("reach_frac", "adopters", "peak_step", "t50", "cost_per_reach")


def swept_keys(runs: pd.DataFrame) -> list[str]:
    """The swept keys of a ``runs`` table: its columns named by a dotted path, or by a
    whole scenario section (``network``).

    Examples
    --------
    >>> frame = pd.DataFrame(columns=["run", "point", "reach", "network.p", "messages.a.rule.p"])
    >>> swept_keys(frame)
    ['network.p', 'messages.a.rule.p']
    """
    return [str(c) for c in runs.columns if "." in str(c) or str(c) in _TOP_LEVEL_SWEEPS]


# whole scenario sections a sweep may replace, by the schema's own field names; not
# "seed" and "steps" (those columns hold each run's own seed and step count), nor
# "value" (the column of what a run brought back)
_TOP_LEVEL_SWEEPS = frozenset(Scenario.model_fields) - {"seed", "steps", "value", "report"}


def scenario_keys(scenario: Mapping[str, Any] | None, runs: pd.DataFrame) -> list[str]:
    """The swept keys: the scenario's sweep grid when it names them, else the dotted columns.

    The scenario is authoritative (a swept top-level key has no dot); only keys
    present as ``runs`` columns are kept.

    Examples
    --------
    >>> runs = pd.DataFrame(columns=["point", "network.p", "steps"])
    >>> scenario_keys({"sweep": {"grid": {"network.p": [0, 1]}}}, runs)
    ['network.p']
    >>> scenario_keys({}, runs)
    ['network.p']
    """
    sweep = (scenario or {}).get("sweep") or {}
    arm_keys = [key for arm in sweep.get("arms") or [] for key in (arm.get("set") or {})]
    named = [*dict.fromkeys(arm_keys), *(sweep.get("grid") or {}), *(sweep.get("zip") or {})]
    if named:
        from sim.batch.experiment import swept_column  # the batch's own column names

        columns = [swept_column(str(key)) for key in named]
        return [column for column in columns if column in runs.columns]
    return swept_keys(runs)


def scenario_factors(scenario: Mapping[str, Any] | None) -> list[Factor]:
    """What a saved scenario's sweep varies (:meth:`sim.config.Sweep.factors`);
    empty without a sweep.

    Examples
    --------
    >>> [f.name for f in scenario_factors({"sweep": {"grid": {"network.p": [0, 1]}}})]
    ['p']
    """
    raw = (scenario or {}).get("sweep")
    if not raw:
        return []
    return Sweep.model_validate(raw).factors(int((scenario or {}).get("seed", 0)))


def point_table(runs: pd.DataFrame, keys: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per point: its swept values and a readable ``label``.

    The label is the point's ``arm`` (its name, written by the batch) when the table
    has one; else its swept values (``p=0.1, strategy=random``), or ``all runs``
    without swept keys.

    Examples
    --------
    >>> runs = pd.DataFrame({"point": [0, 0, 1], "messages.a.rule.p": [0.1, 0.1, 0.2]})
    >>> point_table(runs)["label"].tolist()
    ['p=0.1', 'p=0.2']
    """
    keys = swept_keys(runs) if keys is None else list(keys)
    table = runs.drop_duplicates("point").sort_values("point")
    if "arm" in table and table["arm"].notna().all():
        labels = table["arm"].astype(str).tolist()
    else:
        names = short_key_names(keys)
        shown = {key: value_labels(table[key].tolist()) for key in keys}
        labels = [", ".join(f"{names[k]}={shown[k][i]}" for k in keys) or "all runs"
                  for i in range(len(table))]
    return table[["point", *keys]].assign(label=labels).reset_index(drop=True)


def point_labels(runs: pd.DataFrame, keys: Sequence[str] | None = None) -> dict[int, str]:
    """Point id -> label, as in :func:`point_table`.

    Examples
    --------
    >>> point_labels(pd.DataFrame({"point": [0, 1], "network.p": [0.0, 0.1]}))
    {0: 'p=0', 1: 'p=0.1'}
    """
    table = point_table(runs, keys)
    return dict(zip(table["point"].astype(int), table["label"], strict=True))


def summarize(
    runs: pd.DataFrame,
    by: list[str] | None = None,
    confidence: float = 0.95,
    metrics: Sequence[str] = SUMMARY_METRICS,
) -> pd.DataFrame:
    """Mean and 95% interval (:func:`mean_interval`) per point and message.

    Parameters
    ----------
    runs : pandas.DataFrame
        A ``runs`` table.
    by : list of str, optional
        Grouping columns; default ``point``, ``arm`` (when the table has it), the
        swept keys (:func:`swept_keys`) and ``message``.
    confidence : float
        Coverage of the intervals.
    metrics : sequence of str
        The columns to summarize (those present); default ``SUMMARY_METRICS``. Any
        numeric ``runs`` column works.

    Returns
    -------
    pandas.DataFrame
        One row per group: the grouping columns, ``n`` replications and
        ``<metric>_mean``, ``<metric>_lo``, ``<metric>_hi`` for each metric.

    Examples
    --------
    >>> runs = pd.DataFrame({"point": 0, "message": "a", "reach_frac": [0.1, 0.2, 0.3],
    ...                      "reach": [10, 20, 30], "adopters": [5, 6, 7],
    ...                      "peak_step": [2, 2, 2], "t50": [3, 4, 5]})
    >>> row = summarize(runs).iloc[0]
    >>> int(row["n"]), float(row["reach_mean"]), float(row["reach_lo"]), float(row["reach_hi"])
    (3, 20.0, 10.0, 30.0)
    """
    if by is None:
        by = ["point", *(["arm"] if "arm" in runs else []), *swept_keys(runs), "message"]
    rows = []
    for group, frame in runs.groupby(by, sort=True, dropna=False):
        row = dict(zip(by, group if isinstance(group, tuple) else (group,), strict=True))
        row["n"] = len(frame)
        for metric in metrics:
            if metric not in frame:
                continue  # results written before the metric existed
            mean, low, high = mean_interval(frame[metric], confidence)
            row.update({f"{metric}_mean": mean, f"{metric}_lo": low, f"{metric}_hi": high})
        rows.append(row)
    return pd.DataFrame(rows)


COMPARISON_COLUMNS = [
    "message",
    "key",
    "value_a",
    "value_b",
    "fixed",
    "point_a",
    "point_b",
    "metric",
    "mean_a",
    "mean_b",
    "diff_mean",
    "diff_lo",
    "diff_hi",
    "paired_halfwidth",
    "unpaired_halfwidth",
    "n",
    "label_a",
    "label_b",
]


def paired_difference(
    a: Sequence[float], b: Sequence[float], confidence: float = 0.95
) -> dict[str, float]:
    """Mean of ``b - a`` over pairs, its paired bootstrap interval, and the half-width
    an unpaired one would have.

    The paired interval resamples the pairs (:func:`mean_interval` of the
    differences); the unpaired half-width resamples ``a`` and ``b`` independently, as
    if they came from separate simulations. When pairs share their randomness the
    differences vary less than either sample, and the paired interval is the
    narrower one.

    Examples
    --------
    >>> result = paired_difference([1, 2, 3, 4], [2, 4, 4, 6])
    >>> result["diff_mean"], result["diff_lo"] >= 1.0, result["diff_hi"] <= 2.0
    (1.5, True, True)
    >>> result["paired_halfwidth"] < result["unpaired_halfwidth"]
    True
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    mean, low, high = mean_interval(b - a, confidence)
    n = a.size
    if n < 2:
        unpaired = float("nan")
    else:
        # independent resamples of each side: the second side reads the rows backwards
        rows = _resample_rows(n)
        spread = b[rows[::-1]].mean(axis=1) - a[rows].mean(axis=1)
        tail = expanded_tail(n, confidence)
        lo, hi = np.quantile(spread, [tail, 1.0 - tail])
        unpaired = float((hi - lo) / 2.0)
    return {
        "diff_mean": mean,
        "diff_lo": low,
        "diff_hi": high,
        "paired_halfwidth": (high - low) / 2.0,
        "unpaired_halfwidth": unpaired,
    }


@dataclass(frozen=True)
class _Axis:
    """One factor of a comparison, by point: its value (``raw``), the value in words
    (``label``) and how it reads among the other settings (``fixed``)."""

    name: str
    raw: dict[int, Any]
    label: dict[int, str]
    fixed: dict[int, str]


def _key_axes(points: pd.DataFrame, keys: Sequence[str]) -> list[_Axis]:
    """Swept keys grouped by the points they tell apart: keys that always change
    together (a ``zip`` part of a sweep) form one factor, compared as one."""
    groups: dict[tuple[int, ...], list[str]] = {}
    for key in keys:
        labels = [repr(value) for value in points[key]]
        signature = tuple(labels.index(label) for label in labels)
        groups.setdefault(signature, []).append(key)
    names = short_key_names(list(keys))
    shown = {key: dict(zip(points.index, value_labels(points[key].tolist()), strict=True))
             for key in keys}
    axes = []
    for group in groups.values():
        label = {p: " / ".join(shown[key][p] for key in group) for p in points.index}
        raw = {p: points.at[p, group[0]] for p in points.index} if len(group) == 1 else label
        fixed = {p: ", ".join(f"{names[key]}={shown[key][p]}" for key in group)
                 for p in points.index}
        name = group[0] if len(group) == 1 else " & ".join(names[k] for k in group)
        axes.append(_Axis(name, raw, label, fixed))
    return axes


def _factor_axes(factors: Sequence[Factor], points: Sequence[int]) -> list[_Axis]:
    """The scenario's factors as comparison axes (labels are indexed by point)."""
    return [_Axis(f.name, {p: f.labels[p] for p in points}, {p: f.labels[p] for p in points},
                  {p: f.part(p) for p in points}) for f in factors]


def compare_points(
    runs: pd.DataFrame,
    keys: Sequence[str] | None = None,
    metrics: Sequence[str] = COMPARE_METRICS,
    confidence: float = 0.95,
    factors: Sequence[Factor] | None = None,
) -> pd.DataFrame:
    """Paired differences between points that differ in exactly one factor.

    Replication ``r`` of every point draws the same graph and the same coins
    (common random numbers, DESIGN decision 3), so point B's replication ``r``
    minus point A's replication ``r`` is a fair paired difference: the noise both
    share cancels, and the interval is much narrower than comparing two
    independent samples would give.

    Parameters
    ----------
    runs : pandas.DataFrame
        A ``runs`` table.
    keys : sequence of str, optional
        The swept keys; default :func:`swept_keys`. Keys that always change together
        form one factor.
    metrics : sequence of str
        Columns to compare (those present); default ``reach_frac``, ``adopters``,
        ``peak_step``, ``t50``, ``cost_per_reach``.
    confidence : float
        Coverage of the intervals (:func:`paired_difference`).
    factors : sequence of Factor, optional
        What the sweep varies, from the scenario (:func:`scenario_factors`): named
        arms are then one factor, and values are shown by their labels.

    Returns
    -------
    pandas.DataFrame
        One row per (message, pair of points, metric), with ``COMPARISON_COLUMNS``:
        ``key`` the factor that differs (its dotted key, or its name), from
        ``value_a`` (point ``point_a``, the earlier in the grid) to ``value_b``
        (``point_b``), both in words in ``label_a`` and ``label_b``; ``fixed`` the
        other factors' shared values (``strategy=random``); ``mean_a`` and
        ``mean_b``; ``diff_mean`` the mean of B minus A over the ``n`` paired
        replications, with its interval ``diff_lo`` .. ``diff_hi`` (half-width
        ``paired_halfwidth``); ``unpaired_halfwidth`` the half-width ignoring the
        pairing, for contrast. Empty (same columns) with fewer than two points.

    Examples
    --------
    >>> runs = pd.DataFrame({
    ...     "point": [0, 0, 0, 1, 1, 1], "replication": [0, 1, 2] * 2, "message": "a",
    ...     "messages.a.rule.p": [0.1] * 3 + [0.2] * 3,
    ...     "reach_frac": [0.10, 0.30, 0.20, 0.15, 0.36, 0.25]})
    >>> row = compare_points(runs, metrics=["reach_frac"]).to_dict("records")[0]
    >>> row["key"], row["value_a"], row["value_b"], round(row["diff_mean"], 3), row["n"]
    ('messages.a.rule.p', 0.1, 0.2, 0.053, 3)
    >>> round(row["diff_lo"], 3), round(row["diff_hi"], 3), round(row["unpaired_halfwidth"], 3)
    (0.05, 0.06, 0.205)
    """
    keys = swept_keys(runs) if keys is None else list(keys)
    metrics = [metric for metric in metrics if metric in runs]  # older results lack some
    rows: list[dict[str, Any]] = []
    if runs.empty or runs["point"].nunique() < 2 or not (keys or factors):
        return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    points = runs.drop_duplicates("point").sort_values("point").set_index("point")
    order = [int(point) for point in points.index]
    if factors and all(len(f.labels) > max(order) for f in factors):
        axes = _factor_axes(factors, order)
    else:
        axes = _key_axes(points[keys], keys)
    # Index once: (point, message) -> that point's runs by replication.
    by_point = {
        group: frame.set_index("replication")
        for group, frame in runs.groupby(["point", "message"], sort=False)
    }
    messages = list(dict.fromkeys(runs["message"]))
    for axis in axes:
        others = [other for other in axes if other is not axis]
        # Points sharing every other factor's value.
        families: dict[tuple[str, ...], list[int]] = {}
        for point in order:
            families.setdefault(tuple(other.label[point] for other in others), []).append(point)
        for members in families.values():
            for point_a, point_b in itertools.combinations(members, 2):
                if axis.label[point_a] == axis.label[point_b]:
                    continue  # the same point listed twice: no comparison to make
                fixed = ", ".join(other.fixed[point_a] for other in others)
                for message in messages:
                    if (point_a, message) not in by_point or (point_b, message) not in by_point:
                        continue
                    a, b = by_point[(point_a, message)], by_point[(point_b, message)]
                    common = a.index.intersection(b.index).sort_values()
                    for metric in metrics:
                        pairs = pd.DataFrame(
                            {"a": a.loc[common, metric], "b": b.loc[common, metric]}
                        ).dropna()
                        rows.append(
                            {
                                "message": message,
                                "key": axis.name,
                                "value_a": axis.raw[point_a],
                                "value_b": axis.raw[point_b],
                                "fixed": fixed,
                                "point_a": point_a,
                                "point_b": point_b,
                                "metric": metric,
                                "mean_a": float(pairs["a"].mean()),
                                "mean_b": float(pairs["b"].mean()),
                                **paired_difference(pairs["a"], pairs["b"], confidence),
                                "n": len(pairs),
                                "label_a": axis.label[point_a],
                                "label_b": axis.label[point_b],
                            }
                        )
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
