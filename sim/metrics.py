"""Per-run, per-message metrics computed from a finished model's counts.

Definitions (DESIGN, ``runs.parquet``):

- ``reach``: people who heard the message; ``reach_frac`` the same over all people;
- ``adopters``: people who shared it (seeds included);
- ``peak_step``: the first step with the most people starting to share;
- ``t50``: the first step at which half the final reach had heard;
- ``steps``: the step at which the run stopped.
"""

from __future__ import annotations

import numpy as np


def curve_metrics(
    heard: np.ndarray, adopters: np.ndarray, sharing: np.ndarray, n_nodes: int
) -> dict[str, float | int]:
    """Summaries of one message's cumulative curves (steps ``0 .. T``).

    Examples
    --------
    >>> heard = np.array([1, 4, 9, 10]); adopters = np.array([1, 3, 5, 5])
    >>> sharing = np.array([1, 2, 2, 0])
    >>> curve_metrics(heard, adopters, sharing, n_nodes=20)
    {'reach': 10, 'reach_frac': 0.5, 'adopters': 5, 'peak_step': 1, 't50': 2}
    """
    reach = int(heard[-1])
    return {
        "reach": reach,
        "reach_frac": reach / n_nodes if n_nodes else 0.0,
        "adopters": int(adopters[-1]),
        "peak_step": int(np.argmax(sharing)),
        "t50": int(np.searchsorted(heard, reach / 2.0, side="left")),
    }


def mean_ci(values, confidence_z: float = 1.959963984540054) -> tuple[float, float, float]:
    """Mean and normal-approximation 95% confidence interval of the mean.

    Examples
    --------
    >>> [round(x, 4) for x in mean_ci([1.0, 2.0, 3.0])]
    [2.0, 0.8684, 3.1316]
    """
    values = np.asarray(values, dtype=float)
    mean = float(values.mean()) if values.size else float("nan")
    if values.size < 2:
        return mean, float("nan"), float("nan")
    half = confidence_z * float(values.std(ddof=1)) / np.sqrt(values.size)
    return mean, float(mean - half), float(mean + half)


SUMMARY_METRICS = ("reach_frac", "reach", "adopters", "peak_step", "t50")


def summarize(runs, by: list[str] | None = None):
    """Mean and 95% confidence interval per point and message.

    Parameters
    ----------
    runs : pandas.DataFrame
        A ``runs`` table.
    by : list of str, optional
        Grouping columns; default ``point``, the swept keys, and ``message``.

    Returns
    -------
    pandas.DataFrame
        One row per group: ``n`` replications and ``<metric>_mean``,
        ``<metric>_lo``, ``<metric>_hi`` for each of ``SUMMARY_METRICS``.
    """
    import pandas as pd

    if by is None:
        fixed = {"run", "replication", "seed", "steps", "n_nodes", *SUMMARY_METRICS}
        by = [c for c in runs.columns if c not in fixed]
    rows = []
    for group, frame in runs.groupby(by, sort=True, dropna=False):
        row = dict(zip(by, group if isinstance(group, tuple) else (group,), strict=True))
        row["n"] = len(frame)
        for metric in SUMMARY_METRICS:
            mean, low, high = mean_ci(frame[metric])
            row.update({f"{metric}_mean": mean, f"{metric}_lo": low, f"{metric}_hi": high})
        rows.append(row)
    return pd.DataFrame(rows)
