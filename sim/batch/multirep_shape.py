"""The cascade's shape from the log :func:`sim.batch.multirep_kernels.ic_lanes` keeps.

:func:`shape_of_log` gives for one lane (replication) what
:func:`sim.measures.cascade.cascade_metrics` gives from the state arrays, to the bit,
without those arrays: the log lists the tellings in the order they happened, so every
sharer comes before the people it told, and three passes over it do the work of the
state arrays' scan, counting sort by step and passes in step order. A seed has
depth 0 and everyone else their teller's depth plus one (the first pass); subtree sizes
fold back in the second pass, in reverse; a tree's Wiener index, the sum over its
edges of ``s (N - s)``, is ``N S1 - S2`` with ``S1`` and ``S2`` the sums of its subtree
sizes and of their squares, in integers. That is exactly what the state arrays' sum in
floating point gives while it stays below 2**53; a tree whose sum could pass it (more
than some 10^5 people in a long chain) has its sum added in floating point in the
order of the people's numbers instead, as there.
"""

from __future__ import annotations

import numpy as np

from sim.batch.multirep_kernels import SEEDED
from sim.jit import njit
from sim.measures.cascade import measured_shape, nothing_measured

DEPTH, ROOT, SIZE, OFFSPRING = range(4)  # columns of a person in the workspace
EXACT_BELOW = 2.0**52  # a Wiener sum estimated below this is exact in int64 and in floats


@njit(cache=True, nogil=True)
def shape_of_log(entries, n_entries, people, most_offspring, funnel_top):
    """The tuple of :func:`sim.measures.cascade.measured_shape` for one lane's log.

    Parameters
    ----------
    entries : int32 array, shape ``(at least n_entries, 2)``
        The lane's log (:mod:`sim.batch.multirep_kernels`' docstring).
    n_entries : int
        How many entries it holds.
    people : int32 array, shape ``(n, 4)``
        Workspace (any content; left in any state).
    most_offspring : int
        A bound on anyone's offspring (the graph's largest out-degree).
    funnel_top : float
        The share of sharers whose transmissions the funnel counts.
    """
    # the seeds come first (step 0), each the root of a tree; column DEPTH holds
    # 2 * depth + (1 if they shared)
    n_roots = 0
    while n_roots < n_entries and entries[n_roots, 1] == SEEDED:
        seed = entries[n_roots, 0]
        people[seed, DEPTH] = 1
        people[seed, ROOT] = n_roots
        people[seed, SIZE] = 1
        people[seed, OFFSPRING] = 0
        n_roots += 1
    if n_roots == 0:
        return nothing_measured(0, 0)
    # forward: everyone's depth and tree from their teller's, set before them;
    # branch-free (who shared follows the coins, the worst case for a branch predictor)
    n_reached = n_roots
    max_depth = 0
    separation = 0
    for k in range(n_roots, n_entries):
        who, by = np.int64(entries[k, 0]), np.int64(entries[k, 1])
        earlier = who >> 63  # -1: convinced after hearing, else 0
        person = who ^ earlier
        failed = by >> 63  # -1: heard, not convinced
        teller = (by ^ failed) + failed
        depth = (people[teller, DEPTH] >> 1) + 1
        # convinced after hearing: no longer at the depth they heard at
        separation += depth + earlier * (people[person, DEPTH] >> 1)
        n_reached += 1 + earlier
        max_depth = max(max_depth, depth)
        people[person, DEPTH] = 2 * depth + 1 + failed
        people[person, ROOT] = people[teller, ROOT]
        people[person, SIZE] = 1
        people[person, OFFSPRING] = 0
    # backward: subtree sizes and offspring fold into tellers, everyone after their
    # own offspring; the place in the tree is each person's last entry (an entry
    # that is not adds zeros)
    breadth = np.zeros(max_depth + 1, dtype=np.int64)
    tally = np.zeros(most_offspring + 1, dtype=np.int64)
    sizes = np.zeros(n_roots, dtype=np.int64)  # S1 and S2 of each tree, by root rank
    squares = np.zeros(n_roots, dtype=np.int64)
    n_sharers = 0
    most = 0
    for k in range(n_entries - 1, n_roots - 1, -1):
        who, by = np.int64(entries[k, 0]), np.int64(entries[k, 1])
        person = who ^ (who >> 63)
        failed = by >> 63
        teller = (by ^ failed) + failed
        depth_and_shared = people[person, DEPTH]
        shared = depth_and_shared & 1
        # heard here but convinced later: placed by that later entry
        placed = 1 - (shared & -failed)
        size = placed * np.int64(people[person, SIZE])
        breadth[depth_and_shared >> 1] += placed
        sharer = shared * placed
        offspring = people[person, OFFSPRING]
        tally[offspring] += sharer
        n_sharers += sharer
        most = max(most, sharer * offspring)
        people[teller, SIZE] += size
        people[teller, OFFSPRING] += placed
        tree = people[person, ROOT]
        sizes[tree] += size
        squares[tree] += size * size
    root_of = entries[:n_roots, 0]
    breadth[0] += n_roots
    for seed in root_of:
        offspring = people[seed, OFFSPRING]
        tally[offspring] += 1
        most = max(most, offspring)
    n_sharers += n_roots
    # the trees of two people or more, in the order of their roots' numbers
    order = np.argsort(root_of)
    virality = np.empty(n_roots, dtype=np.float64)
    tree_size = np.empty(n_roots, dtype=np.float64)
    n_trees = 0
    exact = True
    for tree in order:
        total = np.int64(people[root_of[tree], SIZE])
        if total >= 2:
            exact = exact and float(total) * float(sizes[tree]) < EXACT_BELOW
            wiener = float(total * sizes[tree] - squares[tree])
            virality[n_trees] = wiener / (total * (total - 1) / 2.0)
            tree_size[n_trees] = total
            n_trees += 1
    if not exact:
        _wiener_in_floats(entries, n_entries, people, root_of, order, virality)
    return measured_shape(n_reached, n_roots, n_sharers, max_depth, breadth, virality[:n_trees],
                          tree_size[:n_trees], tally, most, separation, funnel_top)


@njit(cache=True, nogil=True)
def _wiener_in_floats(entries, n_entries, people, root_of, order, virality):
    """Each tree's virality with its Wiener sum added in floating point in the order of
    the people's numbers, as :func:`sim.measures.cascade.cascade_metrics` adds it (for
    sums too large to be exact)."""
    placed = np.empty(n_entries, dtype=np.int64)
    n_placed = 0
    for k in range(n_entries):
        who, by = entries[k, 0], entries[k, 1]
        person = who if who >= 0 else -1 - who
        if by >= 0 or (by < -1 and not people[person, DEPTH] & 1):
            placed[n_placed] = person  # told, and placed in the tree here
            n_placed += 1
    told = np.sort(placed[:n_placed])
    wiener = np.zeros(root_of.size, dtype=np.float64)
    for person in told:
        tree = people[person, ROOT]
        below = np.int64(people[person, SIZE])
        wiener[tree] += below * (people[root_of[tree], SIZE] - below)
    n_trees = 0
    for tree in order:
        total = np.int64(people[root_of[tree], SIZE])
        if total >= 2:
            virality[n_trees] = wiener[tree] / (total * (total - 1) / 2.0)
            n_trees += 1
