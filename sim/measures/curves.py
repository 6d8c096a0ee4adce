"""A message's curves, per run: how far and how fast it went, its share of voice.

Computed by the batch engine from a finished model's counts, once per run and
message (the ``runs.parquet`` columns, DESIGN):

- ``reach``: people who heard the message; ``reach_frac`` the same over all people;
- ``adopters``: people who shared it (seeds included);
- ``peak_step``: the first step with the most people starting to share;
- ``t50``: the first step at which half the final reach had heard;
- ``time_to_contain``: for a negative message, the steps from its first reach until
  its spread slowed below the scenario's ``contain_below`` (:func:`time_to_contain`);
- ``share_of_voice`` and ``net_sentiment``, step by step over all the run's messages
  (:func:`voice_and_sentiment`; ``timeseries.parquet``, and in ``runs.parquet`` the
  ``final_net_sentiment`` and ``min_net_sentiment`` of the run).

``steps`` (the step at which the run stopped) and ``n_nodes`` are the model's own.
"""

from __future__ import annotations

from collections.abc import Sequence

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


def time_to_contain(new_heard: np.ndarray, rate: int) -> float:
    """Steps from a message's first reach until, after its peak, the number of people
    newly reached in a step first falls below ``rate``; NaN if it never does within
    the steps recorded (``new_heard[t]`` is step ``t``'s new reach).

    Examples
    --------
    >>> time_to_contain(np.array([0, 2, 30, 50, 20, 4, 1]), rate=5)
    4.0
    >>> time_to_contain(np.array([3, 40, 60]), rate=5)
    nan
    """
    new_heard = np.asarray(new_heard)
    started = np.flatnonzero(new_heard > 0)
    if started.size == 0:
        return float("nan")
    peak = int(np.argmax(new_heard))
    below = np.flatnonzero(new_heard[peak:] < rate)
    return float(peak + below[0] - started[0]) if below.size else float("nan")


def voice_and_sentiment(
    heard_by_message: Sequence[np.ndarray], valences: Sequence[str]
) -> tuple[list[np.ndarray], np.ndarray]:
    """Share of voice of each message and the run's net sentiment, step by step.

    ``heard_by_message`` are the messages' cumulative reach curves (equal lengths).
    A message's share of voice at step ``t`` is its reach over the sum of all the
    messages' reaches (0 while nobody has heard anything); net sentiment is the
    reach of the positive messages minus that of the negative ones.

    Examples
    --------
    >>> voice, net = voice_and_sentiment(
    ...     [np.array([0, 2, 6]), np.array([0, 2, 2])], ["positive", "negative"])
    >>> [v.tolist() for v in voice], net.tolist()
    ([[0.0, 0.5, 0.75], [0.0, 0.5, 0.25]], [0, 0, 4])
    """
    heard = np.asarray(heard_by_message, dtype=np.int64)
    total = heard.sum(axis=0)
    share = np.divide(heard, total, out=np.zeros(heard.shape), where=total > 0)
    sign = np.array([{"positive": 1, "negative": -1}.get(v, 0) for v in valences])
    return list(share), sign @ heard
