"""Cascade shape: who told whom, read as a forest, and what its shape says.

A message's state arrays (``sim.rules.common.State``: ``heard_at``, ``shared_at``, ``source``)
describe a forest. Its nodes are everyone reached (``heard_at != NEVER``); the
parent of a person is their ``source``, the sharer who told them; the roots are
the reached people with ``source == -1``: the seeds and, under the Bass rule,
people who adopted from outside the network. Depth is the number of hops from a
person's root.

Metrics of :func:`cascade_metrics` (per run and message):

- ``depth``: the largest depth of anyone reached (0 when nobody got beyond the roots);
- ``max_breadth``: the largest number of people at one depth (the roots included, at
  depth 0);
- ``structural_virality``: Goel, Anderson, Hofman and Watts (2016): the mean
  shortest-path distance over all pairs of nodes of a cascade tree, i.e. its
  Wiener index over ``C(N, 2)``. With several roots each tree gets its own value
  and the result is their mean weighted by tree size (the virality of the tree a
  random reached person is in), over trees of two people or more. Joining the
  roots under a virtual root instead would make ten seeds who each broadcast
  look more viral than one, because the seeds' audiences would be four hops
  apart: the number of seeds is a campaign choice, not a property of the spread;
- ``mean_offspring``: the mean number of people each sharer told (reached people
  whose source is that sharer), over every sharer, those who told nobody included;
- ``funnel_share``: the fraction of all transmissions (non-root reached people)
  made by the top 1% of sharers by offspring (at least one sharer): the funnel;
- ``mean_separation``: the mean depth of the reached people who are not roots: the
  degrees of separation from the seeds.

When nothing got beyond the roots, ``structural_virality``, ``funnel_share`` and
``mean_separation`` are NaN (no pair in one tree, no transmission, nobody to
measure), ``depth`` is 0 and ``mean_offspring`` 0. When nobody was reached at all,
every metric is NaN but ``depth`` and ``max_breadth``, which are 0.

The work is linear in the number of people reached, after one scan of
``heard_at`` for who they are; the Wiener index of a tree is the sum over its
edges of ``s (N - s)``, with ``s`` the size of the subtree below the edge.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from sim.rules.common import NEVER

METRICS = (
    "depth",
    "max_breadth",
    "structural_virality",
    "mean_offspring",
    "funnel_share",
    "mean_separation",
)
FUNNEL_TOP = 0.01  # the share of sharers whose transmissions funnel_share counts


@numba.njit(cache=True)
def _depths(parent):
    """Depth and root of every node of a forest given as local parent indices
    (``-1`` for roots). Returns ``(depth, root, ok)``; ``ok`` is false on a cycle."""
    n = parent.size
    depth = np.full(n, -1, dtype=np.int64)
    root = np.empty(n, dtype=np.int64)
    state = np.zeros(n, dtype=np.uint8)  # 0 unseen, 1 on the current walk, 2 done
    path = np.empty(n, dtype=np.int64)
    for start in range(n):
        if state[start] == 2:
            continue
        length = 0
        node = start
        while state[node] == 0 and parent[node] >= 0:
            state[node] = 1
            path[length] = node
            length += 1
            node = parent[node]
        if state[node] == 1:
            return depth, root, False
        if state[node] == 0:  # a root
            state[node] = 2
            depth[node] = 0
            root[node] = node
        while length > 0:
            length -= 1
            child = path[length]
            depth[child] = depth[parent[child]] + 1
            root[child] = root[parent[child]]
            state[child] = 2
    return depth, root, True


@numba.njit(cache=True)
def _tree_wiener(parent, depth, root):
    """Subtree sizes (children folded into parents, deepest first), then each tree's
    size and Wiener index ``sum over edges of s (N - s)``, indexed by root."""
    n = parent.size
    max_depth = 0
    for i in range(n):
        max_depth = max(max_depth, depth[i])
    # counting sort by depth, deepest first
    start = np.zeros(max_depth + 2, dtype=np.int64)
    for i in range(n):
        start[max_depth - depth[i] + 1] += 1
    for d in range(max_depth + 1):
        start[d + 1] += start[d]
    order = np.empty(n, dtype=np.int64)
    for i in range(n):
        slot = max_depth - depth[i]
        order[start[slot]] = i
        start[slot] += 1
    size = np.ones(n, dtype=np.int64)
    for k in range(n):
        node = order[k]
        if parent[node] >= 0:
            size[parent[node]] += size[node]
    wiener = np.zeros(n, dtype=np.float64)
    for node in range(n):
        if parent[node] >= 0:
            tree_size = size[root[node]]
            wiener[root[node]] += size[node] * (tree_size - size[node])
    return size, wiener


def cascade_forest(
    heard_at: np.ndarray, shared_at: np.ndarray, source: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The reached people and their forest: ``(reached, parent, depth)``.

    ``reached`` are person indices (increasing); ``parent[i]`` is the position in
    ``reached`` of the person who told ``reached[i]`` (``-1`` for a root); ``depth[i]``
    the hops from the root.

    Raises
    ------
    ValueError
        If the arrays differ in length, or a source is not a reached sharer, or the
        sources form a cycle.

    Examples
    --------
    >>> N = NEVER
    >>> heard = np.array([0, 1, 1, 2, N], np.int32); shared = np.array([0, 1, N, N, N], np.int32)
    >>> source = np.array([-1, 0, 0, 1, -1], np.int32)
    >>> [a.tolist() for a in cascade_forest(heard, shared, source)]
    [[0, 1, 2, 3], [-1, 0, 0, 1], [0, 1, 1, 2]]
    """
    return _forest(heard_at, shared_at, source)[:3]


def _forest(heard_at, shared_at, source):
    """``cascade_forest`` plus each node's root (a position in ``reached``)."""
    heard_at, shared_at, source = (np.asarray(a) for a in (heard_at, shared_at, source))
    if not heard_at.shape == shared_at.shape == source.shape or heard_at.ndim != 1:
        raise ValueError("heard_at, shared_at and source must be 1-d arrays of one length")
    reached = np.flatnonzero(heard_at != NEVER)
    told_by = source[reached].astype(np.int64)
    has_source = told_by >= 0
    if np.any(told_by >= heard_at.size):
        raise ValueError("a source is not a person of these arrays")
    senders = told_by[has_source]
    if np.any(shared_at[senders] == NEVER) or np.any(heard_at[senders] == NEVER):
        raise ValueError("a source is not a reached sharer")
    position = np.full(heard_at.size, -1, dtype=np.int64)
    position[reached] = np.arange(reached.size)
    parent = np.where(has_source, position[np.maximum(told_by, 0)], -1)
    return (reached, parent, *_checked_depths(parent))


def _checked_depths(parent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    depth, root, ok = _depths(parent)
    if not ok:
        raise ValueError("the sources form a cycle")
    return depth, root


def cascade_metrics(
    heard_at: np.ndarray, shared_at: np.ndarray, source: np.ndarray
) -> dict[str, float]:
    """Shape of one message's cascade (module docstring: definitions and edge cases).

    Parameters
    ----------
    heard_at, shared_at, source : numpy.ndarray
        The message's state arrays (``MessageTrack.state``).

    Returns
    -------
    dict
        ``depth``, ``max_breadth``, ``structural_virality``, ``mean_offspring``,
        ``funnel_share``, ``mean_separation``.

    Examples
    --------
    A seed told two people; one of them told a third, who only heard:

    >>> N = NEVER
    >>> heard = np.array([0, 1, 1, 2, N], np.int32); shared = np.array([0, 1, N, N, N], np.int32)
    >>> source = np.array([-1, 0, 0, 1, -1], np.int32)
    >>> metrics = cascade_metrics(heard, shared, source)
    >>> {k: round(v, 4) for k, v in metrics.items()}  # doctest: +NORMALIZE_WHITESPACE
    {'depth': 2, 'max_breadth': 2, 'structural_virality': 1.6667, 'mean_offspring': 1.5,
     'funnel_share': 0.6667, 'mean_separation': 1.3333}
    """
    reached, parent, depth, root = _forest(heard_at, shared_at, source)
    nan = float("nan")
    n_reached = reached.size
    if n_reached == 0:
        return dict.fromkeys(METRICS, nan) | {"depth": 0, "max_breadth": 0}
    is_root = parent < 0
    size, wiener = _tree_wiener(parent, depth, root)
    roots = np.flatnonzero(is_root)
    tree_size = size[roots]
    big = tree_size >= 2
    if big.any():
        pairs = tree_size[big] * (tree_size[big] - 1) / 2.0
        virality = wiener[roots][big] / pairs
        structural_virality = float(np.average(virality, weights=tree_size[big]))
    else:
        structural_virality = nan
    sharers = np.asarray(shared_at)[reached] != NEVER
    offspring = np.bincount(parent[~is_root], minlength=n_reached)[sharers]
    transmissions = int(n_reached - roots.size)
    n_top = max(1, math.ceil(FUNNEL_TOP * offspring.size))
    if transmissions and offspring.size:
        top = np.partition(offspring, offspring.size - n_top)[offspring.size - n_top :]
        funnel_share = float(top.sum()) / transmissions
    else:
        funnel_share = nan
    return {
        "depth": int(depth.max()),
        "max_breadth": int(np.bincount(depth).max()),
        "structural_virality": structural_virality,
        "mean_offspring": transmissions / offspring.size if offspring.size else nan,
        "funnel_share": funnel_share,
        "mean_separation": float(depth[~is_root].mean()) if transmissions else nan,
    }


def structural_virality(parent: np.ndarray) -> float:
    """Mean distance over all pairs of nodes of one tree given by parent indices
    (``-1`` for the root), from subtree sizes in linear time.

    Examples
    --------
    >>> structural_virality(np.array([-1, 0, 0, 0]))  # a star of 4: 2 (N - 1) / N
    1.5
    >>> structural_virality(np.array([-1, 0, 1, 2, 3]))  # a path of 5: (N + 1) / 3
    2.0
    """
    parent = np.asarray(parent, dtype=np.int64)
    if parent.size < 2:
        raise ValueError("structural virality needs a tree of at least two nodes")
    if np.count_nonzero(parent < 0) != 1 or parent.max() >= parent.size:
        raise ValueError("parent must describe one tree: one root (-1), indices in range")
    depth, root = _checked_depths(parent)
    _, wiener = _tree_wiener(parent, depth, root)
    n = parent.size
    return float(wiener.sum() / (n * (n - 1) / 2.0))
