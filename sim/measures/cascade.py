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
    depth = np.full(n, -1, dtype=np.int32)
    root = np.empty(n, dtype=np.int32)
    state = np.zeros(n, dtype=np.uint8)  # 0 unseen, 1 on the current walk, 2 done
    path = np.empty(n, dtype=np.int32)
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
    order = np.empty(n, dtype=np.int32)
    for i in range(n):
        slot = max_depth - depth[i]
        order[start[slot]] = i
        start[slot] += 1
    size = np.ones(n, dtype=np.int32)
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
    heard_at, shared_at, source = _checked_arrays(heard_at, shared_at, source)
    reached, parent, problem = _reached_forest(heard_at, shared_at, source)
    _raise_for(problem)
    return (reached, parent, *_checked_depths(parent))


def _checked_arrays(heard_at, shared_at, source):
    heard_at, shared_at, source = (np.asarray(a) for a in (heard_at, shared_at, source))
    if not heard_at.shape == shared_at.shape == source.shape or heard_at.ndim != 1:
        raise ValueError("heard_at, shared_at and source must be 1-d arrays of one length")
    return heard_at, shared_at, source


FOREST_PROBLEMS = {
    1: "a source is not a person of these arrays",
    2: "a source is not a reached sharer",
    3: "the sources form a cycle",
}


def _raise_for(problem: int) -> None:
    if problem:
        raise ValueError(FOREST_PROBLEMS[problem])


@numba.njit(cache=True)
def _reached_forest(heard_at, shared_at, source):
    """The reached people (increasing) and their parents as positions among them,
    in two passes; ``problem`` is a key of ``FOREST_PROBLEMS`` (0: none)."""
    n = heard_at.size
    position = np.empty(n, dtype=np.int32)
    n_reached = 0
    for i in range(n):
        if heard_at[i] != NEVER:
            position[i] = n_reached
            n_reached += 1
        else:
            position[i] = -1
    reached = np.empty(n_reached, dtype=np.int32)
    parent = np.empty(n_reached, dtype=np.int32)
    k = 0
    for i in range(n):
        if position[i] < 0:
            continue
        reached[k] = i
        told_by = source[i]
        if told_by < 0:
            parent[k] = -1
        elif told_by >= n:
            return reached, parent, 1
        elif shared_at[told_by] == NEVER or heard_at[told_by] == NEVER:
            return reached, parent, 2
        else:
            parent[k] = position[told_by]
        k += 1
    return reached, parent, 0


def _checked_depths(parent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    depth, root, ok = _depths(parent)
    if not ok:
        raise ValueError("the sources form a cycle")
    return depth, root


def _shape(heard_at, shared_at, source, funnel_top):
    """Every metric of :func:`cascade_metrics` in compiled functions (numpy calls per
    run cost half the kernel's time on a network of 10^5): ``(problem, n_reached,
    depth, max_breadth, virality, tree_size, mean_offspring, funnel_share,
    mean_separation)``, NaN where undefined; ``virality`` and ``tree_size`` per tree
    of two people or more (in the order of their roots), averaged by the caller.
    The compiled parts release the GIL, so that threads may measure several runs at
    once. The path is chosen here, not in a compiled driver: a driver compiled both
    paths on a first run (5.5 s of an empty cache's 13 s quickstart), while the ready-
    made rules only ever take the one in time order."""
    problem, n_reached, last, in_time_order = _scan(heard_at, shared_at, source)
    if problem or n_reached == 0:
        return nothing_measured(problem, n_reached)
    if in_time_order:
        return _shape_in_time_order(heard_at, shared_at, source, n_reached, last, funnel_top)
    return _shape_of_any_forest(heard_at, shared_at, source, funnel_top)


@numba.njit(cache=True, nogil=True)
def nothing_measured(problem, n_reached):
    nan = np.nan
    no_trees = np.empty(0, dtype=np.float64)
    return (np.int64(problem), np.int64(n_reached), np.int64(0), np.int64(0), no_trees,
            no_trees, nan, nan, nan)


@numba.njit(cache=True, nogil=True)
def _scan(heard_at, shared_at, source):
    """One pass over everyone: ``(problem, n_reached, last, in_time_order)``: the first
    problem (a key of ``FOREST_PROBLEMS``, 0: none) in index order, as
    :func:`_reached_forest` finds it; the last step anyone was told; and whether
    everyone's source shared before that step, which makes the forest acyclic and lets
    the steps order it."""
    n = heard_at.size
    n_reached = 0
    last = 0
    in_time_order = True
    for i in range(n):
        if heard_at[i] == NEVER:
            continue
        n_reached += 1
        # the step they were told by their source: when they started sharing (a
        # sharer's source is who convinced them, perhaps after they first heard), or
        # when they heard (people who never shared tell nobody); written out in each
        # loop, as a call per person would cost five times the loop
        step = shared_at[i] if shared_at[i] != NEVER else heard_at[i]
        if step < 0:
            in_time_order = False
        elif step > last:
            last = step
        told_by = source[i]
        if told_by < 0:
            continue
        if told_by >= n:
            return 1, n_reached, last, False
        if shared_at[told_by] == NEVER or heard_at[told_by] == NEVER:
            return 2, n_reached, last, False
        if shared_at[told_by] >= step:
            in_time_order = False
    return 0, n_reached, last, in_time_order


@numba.njit(cache=True, nogil=True)
def measured_shape(n_reached, n_roots, n_sharers, max_depth, breadth, virality, tree_size,
                   tally, most, separation, funnel_top):
    """:func:`_shape`'s tuple from the tallies of a forest with people reached."""
    transmissions = n_reached - n_roots
    return (np.int64(0), np.int64(n_reached), np.int64(max_depth), np.int64(breadth.max()),
            virality, tree_size,
            transmissions / n_sharers if n_sharers else np.nan,
            _funnel_share(tally, most, n_sharers, transmissions, funnel_top),
            separation / transmissions if transmissions else np.nan)


@numba.njit(cache=True, nogil=True)
def _funnel_share(tally, most, n_sharers, transmissions, funnel_top):
    """The share of transmissions made by the top ``funnel_top`` of sharers, from the
    number of sharers with each offspring count (``tally``, up to ``most``)."""
    if not (transmissions and n_sharers):
        return np.nan
    left = max(1, int(np.ceil(funnel_top * n_sharers)))
    top = 0
    value = most
    while left > 0:
        taken = min(left, tally[value])
        top += taken * value
        left -= taken
        value -= 1
    return top / transmissions


DEPTH, ROOT, SIZE, OFFSPRING = range(4)  # columns of a person in _shape_in_time_order


@numba.njit(cache=True, nogil=True)
def _shape_in_time_order(heard_at, shared_at, source, n_reached, last, funnel_top):
    """:func:`_shape` of a forest where everyone's source shared before they were told:
    the reached people sorted by that step (a counting sort, see :func:`_scan`) put
    every source before the people it told, so depths come in one pass forward and
    subtree sizes in one pass back, without the walks up to the roots of
    :func:`_shape_of_any_forest` (a third less time on a network of 10^5). The
    Wiener sums are added in index order, as there, so the results agree to the bit."""
    n = heard_at.size
    start = np.zeros(last + 2, dtype=np.int64)
    for i in range(n):
        if heard_at[i] != NEVER:
            start[(shared_at[i] if shared_at[i] != NEVER else heard_at[i]) + 1] += 1
    for step in range(last + 1):
        start[step + 1] += start[step]
    # who, and who told them, in step order (the sources read here in index order)
    order = np.empty((n_reached, 2), dtype=np.int32)
    for i in range(n):
        if heard_at[i] != NEVER:
            step = shared_at[i] if shared_at[i] != NEVER else heard_at[i]
            order[start[step], 0] = i
            order[start[step], 1] = source[i]
            start[step] += 1
    # each person's depth, root, subtree size and offspring side by side: the passes
    # in step order jump about the network, and then one cache line serves them all
    # (set for the reached people only; the others are never read)
    node = np.empty((n, 4), dtype=np.int32)
    max_depth = 0
    separation = 0
    n_roots = 0
    for k in range(n_reached):
        i, told_by = order[k, 0], order[k, 1]
        if told_by < 0:
            node[i, DEPTH] = 0
            node[i, ROOT] = i
            n_roots += 1
        else:
            hops = node[told_by, DEPTH] + 1
            node[i, DEPTH] = hops
            node[i, ROOT] = node[told_by, ROOT]
            separation += hops
            max_depth = max(max_depth, hops)
        node[i, SIZE] = 1
        node[i, OFFSPRING] = 0
    most = 0
    for k in range(n_reached - 1, -1, -1):
        i, told_by = order[k, 0], order[k, 1]
        if told_by >= 0:
            node[told_by, SIZE] += node[i, SIZE]
            node[told_by, OFFSPRING] += 1
            most = max(most, node[told_by, OFFSPRING])
    # in index order, as the Wiener sums of any forest are added up
    wiener = np.zeros(n, dtype=np.float64)  # only the roots' entries are touched
    roots = np.empty(n_roots, dtype=np.int32)
    breadth = np.zeros(max_depth + 1, dtype=np.int64)
    tally = np.zeros(most + 1, dtype=np.int64)
    n_sharers = 0
    k = 0
    for i in range(n):
        if heard_at[i] == NEVER:
            continue
        breadth[node[i, DEPTH]] += 1
        if shared_at[i] != NEVER:
            n_sharers += 1
            tally[node[i, OFFSPRING]] += 1
        if source[i] < 0:
            roots[k] = i
            k += 1
        else:
            tree = node[i, ROOT]
            below = np.int64(node[i, SIZE])
            wiener[tree] += below * (node[tree, SIZE] - below)
    virality = np.empty(n_roots, dtype=np.float64)
    tree_size = np.empty(n_roots, dtype=np.float64)
    n_trees = 0
    for tree in roots:
        people = np.int64(node[tree, SIZE])
        if people >= 2:
            virality[n_trees] = wiener[tree] / (people * (people - 1) / 2.0)
            tree_size[n_trees] = people
            n_trees += 1
    return measured_shape(n_reached, n_roots, n_sharers, max_depth, breadth,
                          virality[:n_trees], tree_size[:n_trees], tally, most, separation,
                          funnel_top)


@numba.njit(cache=True, nogil=True)
def _shape_of_any_forest(heard_at, shared_at, source, funnel_top):
    """:func:`_shape` of any forest (a rule whose people may be told at their
    source's step): positions among the reached, depths by walking up to the roots."""
    reached, parent, _ = _reached_forest(heard_at, shared_at, source)  # checked by _scan
    n_reached = reached.size
    depth, root, ok = _depths(parent)
    if not ok:
        return nothing_measured(3, n_reached)
    size, wiener = _tree_wiener(parent, depth, root)
    max_depth = 0
    separation = 0
    n_roots = 0
    n_trees = 0  # of two people or more
    virality = np.empty(n_reached, dtype=np.float64)
    tree_size = np.empty(n_reached, dtype=np.float64)
    offspring = np.zeros(n_reached, dtype=np.int32)
    for i in range(n_reached):
        max_depth = max(max_depth, depth[i])
        if parent[i] < 0:
            n_roots += 1
            if size[i] >= 2:
                virality[n_trees] = wiener[i] / (size[i] * (size[i] - 1) / 2.0)
                tree_size[n_trees] = size[i]
                n_trees += 1
        else:
            separation += depth[i]
            offspring[parent[i]] += 1
    breadth = np.zeros(max_depth + 1, dtype=np.int64)
    for i in range(n_reached):
        breadth[depth[i]] += 1
    # offspring per sharer, tallied by value so the top share is read from the top
    n_sharers = 0
    most = 0
    for i in range(n_reached):
        if shared_at[reached[i]] != NEVER:
            n_sharers += 1
            most = max(most, offspring[i])
    tally = np.zeros(most + 1, dtype=np.int64)
    for i in range(n_reached):
        if shared_at[reached[i]] != NEVER:
            tally[offspring[i]] += 1
    return measured_shape(n_reached, n_roots, n_sharers, max_depth, breadth,
                          virality[:n_trees], tree_size[:n_trees], tally, most, separation,
                          funnel_top)


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
    return metrics_of_shape(_shape(*_checked_arrays(heard_at, shared_at, source), FUNNEL_TOP))


def metrics_of_shape(shape: tuple) -> dict[str, float]:
    """:func:`cascade_metrics`' dict from the tuple of :func:`measured_shape` (or
    :func:`nothing_measured`), whoever computed it; raises ``ValueError`` for its
    problem, if any."""
    problem, n_reached, *values = shape
    _raise_for(problem)
    if n_reached == 0:
        return dict.fromkeys(METRICS, float("nan")) | {"depth": 0, "max_breadth": 0}
    depth, max_breadth, virality, tree_size, *rest = values
    # numpy's average, not a compiled loop: the same summation order as before, so
    # the tables keep every bit
    structural_virality = (float(np.average(virality, weights=tree_size)) if virality.size
                           else float("nan"))
    return {"depth": int(depth), "max_breadth": int(max_breadth),
            "structural_virality": structural_virality,
            **{key: float(value) for key, value in zip(METRICS[3:], rest, strict=True)}}


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
