"""Batch statistics: summaries over replications and comparisons of sweep points,
read from a ``runs`` table by the figures, the report and the command line.

The per-run measures those tables hold (``reach``, ``t50``...) are computed by the
batch engine, in :mod:`sim.measures`.

Summaries over replications (``summarize``, ``compare_points``) give 95% confidence
intervals from Student's t distribution with ``n - 1`` degrees of freedom, always:
with the 5 to 20 replications typical of a batch the normal quantile (1.96) would
make intervals too narrow (t = 2.78 for 5 replications), and for large ``n`` the
two agree, so one rule serves every size.

Swept keys are the ``runs`` columns named by a dotted path (``network.p``,
``messages.promo.rule.p``); functions that need them take ``keys`` to override.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.config import Scenario


def t_quantile(n: int, confidence: float = 0.95) -> float:
    """Two-sided Student t quantile for a mean of ``n`` values (``n - 1`` degrees of freedom).

    Examples
    --------
    >>> round(t_quantile(5), 4), round(t_quantile(10_000), 3)
    (2.7764, 1.96)
    """
    from scipy import stats  # here, not at import: workers that only run models skip scipy

    if n < 2:
        return float("nan")
    return float(stats.t.ppf(0.5 + confidence / 2.0, n - 1))


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
    array = np.asarray(list(values) if not hasattr(values, "__len__") else values, dtype=float)
    array = array[~np.isnan(array)]
    mean = float(array.mean()) if array.size else float("nan")
    if array.size < 2:
        return mean, float("nan"), float("nan")
    half = t_quantile(array.size, confidence) * float(array.std(ddof=1)) / np.sqrt(array.size)
    return mean, float(mean - half), float(mean + half)


SUMMARY_METRICS = (
    "reach_frac", "reach", "adopters", "peak_step", "t50", "cost", "cost_per_reach",
    "structural_virality",
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
# "seed" and "steps": those columns hold each run's own seed and step count
_TOP_LEVEL_SWEEPS = frozenset(Scenario.model_fields) - {"seed", "steps"}


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
    grid = ((scenario or {}).get("sweep") or {}).get("grid") or {}
    if grid:
        return [str(key) for key in grid if key in runs.columns]
    return swept_keys(runs)


def short_key_names(keys: Sequence[str]) -> dict[str, str]:
    """Shortest dotted suffix of each key that tells it apart from the others.

    Examples
    --------
    >>> short_key_names(["messages.promo.rule.p", "messages.promo.seeding.strategy"])
    {'messages.promo.rule.p': 'p', 'messages.promo.seeding.strategy': 'strategy'}
    >>> short_key_names(["network.p", "messages.promo.rule.p"])
    {'network.p': 'network.p', 'messages.promo.rule.p': 'rule.p'}
    """
    parts = {key: key.split(".") for key in keys}
    names = {}
    for key, path in parts.items():
        for length in range(1, len(path) + 1):
            suffix = ".".join(path[-length:])
            clash = any(
                other != key and ".".join(other_path[-length:]) == suffix
                for other, other_path in parts.items()
            )
            if not clash:
                break
        names[key] = suffix
    return names


def format_value(value: Any) -> str:
    """A swept value as people write it: ``0.1``, ``1e-05``, ``random``, ``[1, 2]``.

    Examples
    --------
    >>> format_value(0.10), format_value(2.0), format_value("top_degree"), format_value(3)
    ('0.1', '2', 'top_degree', '3')
    """
    if isinstance(value, bool | np.bool_):
        return str(bool(value)).lower()
    if isinstance(value, float | np.floating):
        return f"{float(value):g}"
    if isinstance(value, np.ndarray):
        value = value.tolist()
    return str(value)


def point_table(runs: pd.DataFrame, keys: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per point: its swept values and a readable ``label`` (``p=0.1, strategy=random``).

    Without swept keys the single point is labelled ``all runs``.

    Examples
    --------
    >>> runs = pd.DataFrame({"point": [0, 0, 1], "messages.a.rule.p": [0.1, 0.1, 0.2]})
    >>> point_table(runs)["label"].tolist()
    ['p=0.1', 'p=0.2']
    """
    keys = swept_keys(runs) if keys is None else list(keys)
    table = runs.drop_duplicates("point").sort_values("point")[["point", *keys]]
    names = short_key_names(keys)
    labels = [
        ", ".join(f"{names[k]}={format_value(row[k])}" for k in keys) or "all runs"
        for _, row in table.iterrows()
    ]
    return table.assign(label=labels).reset_index(drop=True)


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
    """Mean and t-based 95% confidence interval per point and message.

    Parameters
    ----------
    runs : pandas.DataFrame
        A ``runs`` table.
    by : list of str, optional
        Grouping columns; default ``point``, the swept keys (:func:`swept_keys`), and
        ``message``.
    confidence : float
        Coverage of the intervals (:func:`mean_ci`).
    metrics : sequence of str
        The columns to summarize (those present); default ``SUMMARY_METRICS``. Any
        numeric ``runs`` column works: ``time_to_contain``, ``min_net_sentiment``...

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
    >>> int(row["n"]), float(row["reach_mean"]), round(float(row["reach_hi"]), 2)
    (3, 20.0, 44.84)
    """
    if by is None:
        by = ["point", *swept_keys(runs), "message"]
    rows = []
    for group, frame in runs.groupby(by, sort=True, dropna=False):
        row = dict(zip(by, group if isinstance(group, tuple) else (group,), strict=True))
        row["n"] = len(frame)
        for metric in metrics:
            if metric not in frame:
                continue  # results written before the metric existed
            mean, low, high = mean_ci(frame[metric], confidence)
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
]


def paired_difference(
    a: Sequence[float], b: Sequence[float], confidence: float = 0.95
) -> dict[str, float]:
    """Mean of ``b - a`` over pairs, its paired t interval, and the unpaired half-width.

    The paired interval uses the spread of the differences; the unpaired (Welch)
    half-width treats ``a`` and ``b`` as independent samples. When pairs share
    their randomness the differences vary less than either sample, and the paired
    interval is the narrower one.

    Examples
    --------
    >>> result = paired_difference([1, 2, 3, 4], [2, 4, 4, 6])
    >>> {k: round(v, 4) for k, v in result.items()}  # doctest: +NORMALIZE_WHITESPACE
    {'diff_mean': 1.5, 'diff_lo': 0.5813, 'diff_hi': 2.4187, 'paired_halfwidth': 0.9187,
     'unpaired_halfwidth': 2.5801}
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    diff = b - a
    mean, low, high = mean_ci(diff, confidence)
    n = diff.size
    if n < 2:
        unpaired = float("nan")
    else:
        # Welch: each sample's variance of the mean, Satterthwaite degrees of freedom.
        var_a, var_b = a.var(ddof=1) / n, b.var(ddof=1) / n
        se = np.sqrt(var_a + var_b)
        if se == 0.0:
            unpaired = 0.0
        else:
            dof = se**4 / (var_a**2 / (n - 1) + var_b**2 / (n - 1))
            from scipy import stats

            unpaired = float(stats.t.ppf(0.5 + confidence / 2.0, dof) * se)
    return {
        "diff_mean": mean,
        "diff_lo": low,
        "diff_hi": high,
        "paired_halfwidth": high - mean,
        "unpaired_halfwidth": unpaired,
    }


def _factors(points: pd.DataFrame, keys: Sequence[str]) -> list[list[str]]:
    """Swept keys grouped by the points they tell apart: keys that always change
    together (a ``zip`` part of a sweep) form one factor, compared as one."""
    groups: dict[tuple[int, ...], list[str]] = {}
    for key in keys:
        labels = [repr(value) for value in points[key]]
        signature = tuple(labels.index(label) for label in labels)
        groups.setdefault(signature, []).append(key)
    return list(groups.values())


def _factor_value(points: pd.DataFrame, point: int, factor: Sequence[str]) -> Any:
    """A point's value of a factor: the key's own value, or for keys that change
    together their values joined with " / "."""
    if len(factor) == 1:
        return points.at[point, factor[0]]
    return " / ".join(format_value(points.at[point, key]) for key in factor)


def compare_points(
    runs: pd.DataFrame,
    keys: Sequence[str] | None = None,
    metrics: Sequence[str] = COMPARE_METRICS,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Paired differences between points that differ in exactly one swept key.

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
        The swept keys; default :func:`swept_keys`.
    metrics : sequence of str
        Columns to compare (those present); default ``reach_frac``, ``adopters``,
        ``peak_step``, ``t50``, ``cost_per_reach``.
    confidence : float
        Coverage of the intervals.

    Returns
    -------
    pandas.DataFrame
        One row per (message, pair of points, metric), with ``COMPARISON_COLUMNS``:
        ``key`` the swept key that differs, from ``value_a`` (point ``point_a``, the
        earlier in the grid) to ``value_b`` (``point_b``); ``fixed`` the other swept
        keys' shared values (``strategy=random``); ``mean_a`` and ``mean_b``;
        ``diff_mean`` the mean of B minus A over the ``n`` paired replications, with
        its t interval ``diff_lo`` .. ``diff_hi`` (half-width ``paired_halfwidth``);
        ``unpaired_halfwidth`` the Welch half-width ignoring the pairing, for contrast.
        Empty (same columns) with fewer than two points.

    Examples
    --------
    >>> runs = pd.DataFrame({
    ...     "point": [0, 0, 0, 1, 1, 1], "replication": [0, 1, 2] * 2, "message": "a",
    ...     "messages.a.rule.p": [0.1] * 3 + [0.2] * 3,
    ...     "reach_frac": [0.10, 0.30, 0.20, 0.15, 0.36, 0.25]})
    >>> row = compare_points(runs, metrics=["reach_frac"]).to_dict("records")[0]
    >>> row["key"], row["value_a"], row["value_b"], round(row["diff_mean"], 3), row["n"]
    ('messages.a.rule.p', 0.1, 0.2, 0.053, 3)
    >>> round(row["paired_halfwidth"], 3), round(row["unpaired_halfwidth"], 3)
    (0.014, 0.233)
    """
    keys = swept_keys(runs) if keys is None else list(keys)
    metrics = [metric for metric in metrics if metric in runs]  # older results lack some
    rows: list[dict[str, Any]] = []
    if not keys or runs.empty or runs["point"].nunique() < 2:
        return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    points = runs.drop_duplicates("point").sort_values("point").set_index("point")[keys]
    names = short_key_names(keys)
    # Index once: (point, message) -> that point's runs by replication.
    by_point = {
        group: frame.set_index("replication")
        for group, frame in runs.groupby(["point", "message"], sort=False)
    }
    messages = list(dict.fromkeys(runs["message"]))
    for factor in _factors(points, keys):
        others = [k for k in keys if k not in factor]
        key = factor[0] if len(factor) == 1 else " & ".join(names[k] for k in factor)
        # Points sharing every other key's value; repr() also groups unhashable values.
        families: dict[tuple[str, ...], list[int]] = {}
        for point, values in points.iterrows():
            families.setdefault(tuple(repr(values[k]) for k in others), []).append(int(point))
        for members in families.values():
            for point_a, point_b in itertools.combinations(members, 2):
                value_a, value_b = (_factor_value(points, point, factor)
                                    for point in (point_a, point_b))
                if repr(value_a) == repr(value_b):
                    continue  # the same point listed twice: no comparison to make
                fixed = ", ".join(
                    f"{names[k]}={format_value(points.at[point_a, k])}" for k in others
                )
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
                                "key": key,
                                "value_a": value_a,
                                "value_b": value_b,
                                "fixed": fixed,
                                "point_a": point_a,
                                "point_b": point_b,
                                "metric": metric,
                                "mean_a": float(pairs["a"].mean()),
                                "mean_b": float(pairs["b"].mean()),
                                **paired_difference(pairs["a"], pairs["b"], confidence),
                                "n": len(pairs),
                            }
                        )
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
