"""Checks that tie a notebook's words to its numbers.

A sentence in a notebook that states a number or a trend sits next to one of these
calls. Each takes the values the sentence is about (one per replication, or one
paired difference per replication), computes the mean and its 95% confidence
interval (Student's t, :func:`sim.results.statistics.mean_ci`), prints them, and
fails unless the **whole interval** supports the sentence. The tolerance is what the
replications allow: with few or noisy replications the interval is wide and a
sharp claim fails, so a notebook whose words drift from its numbers fails the test
suite (which runs every notebook).

Examples
--------
>>> claim_between([178, 179, 181, 180], 170, 190, "t50 on the ring, about 180 steps")
t50 on the ring, about 180 steps: 179.5 [177.4, 181.6] (claimed 170 to 190)
>>> claim_above([0.2, 0.3, 0.25], 0.5, "reach above one half")
Traceback (most recent call last):
...
AssertionError: reach above one half: 0.25 [0.126, 0.374] is not above 0.5
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from sim.results.statistics import mean_ci


def interval(values: Iterable[float]) -> tuple[float, float, float]:
    """Mean and 95% confidence interval of the mean; a constant sample is exact.

    Examples
    --------
    >>> interval([1.0, 1.0, 1.0])
    (1.0, 1.0, 1.0)
    """
    array = np.asarray(list(values), dtype=float)
    if array.size < 2 or np.isnan(array).any():
        raise AssertionError(f"a claim needs two values or more, none missing: {array.tolist()}")
    return mean_ci(array)


def _shown(values: Iterable[float]) -> str:
    mean, low, high = interval(values)
    return f"{_number(mean)} [{_number(low)}, {_number(high)}]"


def _number(value: float) -> str:
    if abs(value) < 10:
        return f"{value:.3g}"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def claim_between(values: Iterable[float], low: float, high: float, claim: str) -> None:
    """Assert that the mean's whole 95% interval lies within ``[low, high]``."""
    values = list(values)
    mean, lo, hi = interval(values)
    shown = _shown(values)
    if lo < low or hi > high:
        raise AssertionError(f"{claim}: {shown} is not within {low} to {high}")
    print(f"{claim}: {shown} (claimed {_number(low)} to {_number(high)})")


def claim_above(values: Iterable[float], bound: float, claim: str) -> None:
    """Assert that the mean's whole 95% interval lies above ``bound``."""
    _claim_beyond(values, bound, claim, above=True)


def claim_below(values: Iterable[float], bound: float, claim: str) -> None:
    """Assert that the mean's whole 95% interval lies below ``bound``."""
    _claim_beyond(values, bound, claim, above=False)


def _claim_beyond(values: Iterable[float], bound: float, claim: str, above: bool) -> None:
    values = list(values)
    _, lo, hi = interval(values)
    side = "above" if above else "below"
    if (lo <= bound) if above else (hi >= bound):
        raise AssertionError(f"{claim}: {_shown(values)} is not {side} {bound}")
    print(f"{claim}: {_shown(values)} (claimed {side} {_number(bound)})")


def claim_never_rises(groups: Iterable[Iterable[float]], claim: str) -> None:
    """Assert that a curve of means falls: from each group to the next the mean never
    rises by more than the two intervals allow (the square root of the sum of their
    squared half-widths), and the first group's interval lies above the last's.

    Examples
    --------
    >>> claim_never_rises([[9, 10, 11], [7, 9, 8], [8, 8.5, 7.5], [1, 2, 3]], "it falls")
    it falls: 10 [7.52, 12.5] down to 2 [-0.484, 4.48]
    >>> claim_never_rises([[9, 10, 11], [15, 16, 15.5], [1, 2, 3]], "it falls")
    Traceback (most recent call last):
    ...
    AssertionError: it falls: rises from group 0 (10 [7.52, 12.5]) to group 1 (15.5 [14.3, 16.7])
    """
    groups = [list(group) for group in groups]
    bands = [interval(group) for group in groups]
    for index, (before, after) in enumerate(zip(bands, bands[1:])):
        noise = np.hypot(before[2] - before[0], after[2] - after[0])
        if after[0] - before[0] > noise:
            raise AssertionError(
                f"{claim}: rises from group {index} ({_shown(groups[index])}) to group "
                f"{index + 1} ({_shown(groups[index + 1])})")
    if bands[0][1] <= bands[-1][2]:
        raise AssertionError(f"{claim}: the first interval ({_shown(groups[0])}) is not above "
                             f"the last ({_shown(groups[-1])})")
    print(f"{claim}: {_shown(groups[0])} down to {_shown(groups[-1])}")
