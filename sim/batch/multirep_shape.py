"""The cascade's shape from the log :func:`sim.batch.multirep_kernels.ic_lanes` keeps.

:func:`shape_of_log` gives for one lane (replication) what
:func:`sim.measures.cascade.cascade_metrics` gives from the state arrays, to the bit,
without those arrays. The log lists the tellings in the order they happened, with the
start of each step marked, so every sharer comes before the people it told and each
entry's step is its depth in the tree. Two passes do the work of the state arrays' scan,
counting sort by step and passes in step order: one forward, carrying each person's
tree (their seed) from their teller; one backward, folding subtree sizes and offspring
into tellers. Both read and write small arrays (a tree number per person; two counts
per person, zero between lanes), which stay in the processor's cache where the state
arrays did not.

A tree's Wiener index, the sum over its edges of ``s (N - s)``, is ``N S1 - S2`` with
``S1`` and ``S2`` the sums of its subtree sizes and of their squares, in integers:
exactly what the state arrays' sum in floating point gives while it stays below
2**53. A tree whose sum could pass it (some 10^5 people in a long chain) has its
sum added in floating point in the order of the people's numbers instead, as there.
"""

from __future__ import annotations

import numpy as np

from sim.batch.multirep_kernels import SEEDED, STEP_BEGINS
from sim.jit import njit
from sim.measures.cascade import measured_shape, nothing_measured

BELOW, OFFSPRING = 0, 1  # a person's columns in the workspace's counts
CONVINCED_LATER = -1  # OFFSPRING of someone whose earlier entry is not their place
EXACT_BELOW = 2.0**52  # a Wiener sum estimated below this is exact in int64 and in floats


def shape_workspace(n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """What :func:`shape_of_log` works in for a graph of ``n_nodes``: each person's tree
    and their ``(people below, offspring)``, zero as it needs them (and leaves them)."""
    return np.empty(n_nodes, dtype=np.int32), np.zeros((n_nodes, 2), dtype=np.int32)


@njit(cache=True, nogil=True)
def shape_of_log(entries, n_entries, workspace, most_offspring, funnel_top):
    """The tuple of :func:`sim.measures.cascade.measured_shape` for one lane's log.

    Parameters
    ----------
    entries : int32 array, shape ``(at least n_entries, 2)``
        The lane's log (:mod:`sim.batch.multirep_kernels`' docstring).
    n_entries : int
        How many entries it holds.
    workspace : tuple
        :func:`shape_workspace` of the graph.
    most_offspring : int
        A bound on anyone's offspring (the graph's largest out-degree).
    funnel_top : float
        The share of sharers whose transmissions the funnel counts.
    """
    tree_of, counts = workspace
    n_roots = 0  # the seeds come first (step 0), each the root of a tree
    while n_roots < n_entries and entries[n_roots, 1] == SEEDED and entries[n_roots, 0] >= 0:
        tree_of[entries[n_roots, 0]] = n_roots
        n_roots += 1
    if n_roots == 0:
        return nothing_measured(0, 0)
    # forward: everyone's tree from their teller's, set before them; without a branch
    # on who shared (that follows the coins, the worst case for a branch predictor)
    n_reached = n_roots
    n_steps = 0
    for k in range(n_roots, n_entries):
        who, by = np.int64(entries[k, 0]), np.int64(entries[k, 1])
        if by == STEP_BEGINS:
            n_steps += 1
            continue
        earlier = who >> 63  # -1: convinced after hearing, else 0
        failed = by >> 63  # -1: heard, not convinced
        tree_of[who ^ earlier] = tree_of[(by ^ failed) + failed]
        n_reached += 1 + earlier
    # backward: subtree sizes and offspring fold into tellers, everyone after their own
    # offspring; a person's place in the tree is their last entry (an earlier one adds
    # zeros); each person's counts go back to zero once read
    breadth = np.zeros(n_steps + 1, dtype=np.int64)
    tally = np.zeros(most_offspring + 1, dtype=np.int64)
    sizes = np.zeros(n_roots, dtype=np.int64)  # S1 and S2 of each tree
    squares = np.zeros(n_roots, dtype=np.int64)
    depth = n_steps
    at_depth = 0  # placed at this depth so far
    n_sharers = n_roots
    most = 0
    for k in range(n_entries - 1, n_roots - 1, -1):
        who, by = np.int64(entries[k, 0]), np.int64(entries[k, 1])
        if by == STEP_BEGINS:
            breadth[depth] = at_depth
            at_depth = 0
            depth -= 1
            continue
        earlier = who >> 63
        person = who ^ earlier
        failed = by >> 63
        teller = (by ^ failed) + failed
        below, offspring = np.int64(counts[person, BELOW]), np.int64(counts[person, OFFSPRING])
        placed = 1 + (offspring >> 63)  # 0: convinced later (CONVINCED_LATER)
        shared = 1 + failed
        size = placed * (below + 1)
        at_depth += placed
        tally[max(offspring, 0)] += shared
        n_sharers += shared
        most = max(most, shared * offspring)
        counts[teller, BELOW] += size
        counts[teller, OFFSPRING] += placed
        tree = tree_of[person]
        sizes[tree] += size
        squares[tree] += size * size
        counts[person, BELOW] = 0
        counts[person, OFFSPRING] = -earlier * CONVINCED_LATER  # read by their earlier entry
    breadth[0] = n_roots
    separation = 0
    max_depth = 0
    for step in range(1, n_steps + 1):
        separation += step * breadth[step]
        if breadth[step]:
            max_depth = step
    # the trees of two people or more, in the order of their roots' numbers
    roots = entries[:n_roots, 0]
    order = np.argsort(roots)
    total = np.empty(n_roots, dtype=np.int64)
    for tree in range(n_roots):
        offspring = counts[roots[tree], OFFSPRING]
        tally[offspring] += 1
        most = max(most, offspring)
        total[tree] = counts[roots[tree], BELOW] + 1
        counts[roots[tree], BELOW] = 0
        counts[roots[tree], OFFSPRING] = 0
    virality = np.empty(n_roots, dtype=np.float64)
    tree_size = np.empty(n_roots, dtype=np.float64)
    n_trees = 0
    exact = True
    for tree in order:
        people = total[tree]
        if people >= 2:
            exact = exact and float(people) * float(sizes[tree]) < EXACT_BELOW
            wiener = float(people * sizes[tree] - squares[tree])
            virality[n_trees] = wiener / (people * (people - 1) / 2.0)
            tree_size[n_trees] = people
            n_trees += 1
    if not exact:
        _wiener_in_floats(entries, n_entries, n_roots, tree_of, total, order, virality)
    return measured_shape(n_reached, n_roots, n_sharers, max_depth, breadth, virality[:n_trees],
                          tree_size[:n_trees], tally, most, separation, funnel_top)


@njit(cache=True, nogil=True)
def _wiener_in_floats(entries, n_entries, n_roots, tree_of, total, order, virality):
    """Each tree's virality with its Wiener sum added in floating point in the order of
    the people's numbers, as :func:`sim.measures.cascade.cascade_metrics` adds it (for
    sums too large to be exact); the subtree sizes folded again, kept this time."""
    size = np.ones(tree_of.size, dtype=np.int64)
    shared = np.zeros(tree_of.size, dtype=np.bool_)
    placed = np.empty(n_entries, dtype=np.int64)
    n_placed = 0
    for k in range(n_entries - 1, n_roots - 1, -1):
        who, by = np.int64(entries[k, 0]), np.int64(entries[k, 1])
        if by == STEP_BEGINS:
            continue
        person = who if who >= 0 else -1 - who
        if by < 0 and shared[person]:
            continue  # convinced later: placed by that later entry
        shared[person] = by >= 0
        teller = by if by >= 0 else -2 - by
        size[teller] += size[person]
        placed[n_placed] = person
        n_placed += 1
    wiener = np.zeros(n_roots, dtype=np.float64)
    for person in np.sort(placed[:n_placed]):
        tree = tree_of[person]
        wiener[tree] += size[person] * (total[tree] - size[person])
    n_trees = 0
    for tree in order:
        people = total[tree]
        if people >= 2:
            virality[n_trees] = wiener[tree] / (people * (people - 1) / 2.0)
            n_trees += 1
