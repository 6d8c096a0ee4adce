"""The cascade's shape from what the multi-replication kernels keep instead of states.

:func:`shape_of_log` (the log :func:`sim.batch.multirep_kernels.ic_lanes` keeps of a
lane) and :func:`shape_of_lists` (the lists :func:`sim.batch.multirep_kernels.ic_runs`
keeps of a replication) give what :func:`sim.measures.cascade.cascade_metrics` gives
from the state arrays, to the bit, without those arrays (whose recording was 40% of the
kernel's time). Both list the tellings in the order they happened, so every sharer
comes before the people it told, and both know each telling's step, which is its
depth in the tree. Passes over them do the work of the state arrays' scan, counting
sort by step and passes in step order: forward, carrying each sharer's tree (their
seed) from their teller; backward, folding subtree sizes and offspring into tellers.
They read and write small arrays (a tree number per person; two counts per person,
zero between replications).

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


def in_root_order(shape: tuple, roots: np.ndarray) -> tuple:
    """The tuple of :func:`sim.measures.cascade.measured_shape` from the ``(shape,
    roots)`` of :func:`shape_of_log` or :func:`shape_of_lists`: the trees of two people
    or more, in the order of their roots' numbers (sorted here: a sort compiled costs
    seconds on a first run)."""
    order = np.argsort(roots)
    tree_size = shape[5][order]
    kept = tree_size >= 2
    return (*shape[:4], shape[4][order][kept], tree_size[kept], *shape[6:])


def shape_workspace(n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """What the shape is read in for a graph of ``n_nodes``: each person's tree
    and their ``(people below, offspring)``, zero as it needs them (and leaves them)."""
    return np.empty(n_nodes, dtype=np.int32), np.zeros((n_nodes, 2), dtype=np.int32)


@njit(cache=True, nogil=True)
def shape_of_log(entries, n_entries, workspace, most_offspring, funnel_top):
    """``(shape, roots)`` for one lane's log (:func:`sim.batch.multirep_kernels.ic_lanes`):
    the tuple of :func:`sim.measures.cascade.measured_shape`, but with each tree's
    virality and size (0 for a tree of one) by tree, and the root of each tree, which
    :func:`in_root_order` turns into that tuple.

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
        return nothing_measured(0, 0), entries[:0, 0]
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
    folds = _folds(n_steps, n_roots, most_offspring)
    depth = n_steps
    at_depth = 0  # placed at this depth so far
    for k in range(n_entries - 1, n_roots - 1, -1):
        who, by = np.int64(entries[k, 0]), np.int64(entries[k, 1])
        if by == STEP_BEGINS:
            folds[0][depth] = at_depth
            at_depth = 0
            depth -= 1
            continue
        earlier = who >> 63
        failed = by >> 63
        at_depth += _fold(folds, tree_of, counts, who ^ earlier, (by ^ failed) + failed,
                          1 + failed, earlier * -CONVINCED_LATER)
    roots = entries[:n_roots, 0]
    virality, tree_size, exact = _trees(folds, roots, counts)
    if not exact:
        persons, tellers = _placed_in_log(entries, n_entries, n_roots, counts.shape[0])
        _wiener_in_floats(persons, tellers, tree_of, tree_size, virality)
    return _measured(folds, n_reached, n_roots, virality, tree_size, funnel_top), roots


@njit(cache=True, nogil=True)
def shape_of_lists(convinced, convinced_by, touched, touched_by, steps, workspace,
                   most_offspring, funnel_top):
    """``(shape, roots)`` as :func:`shape_of_log` gives them, for one replication's
    kept lists (:func:`sim.batch.multirep_kernels.ic_runs`: the people in the order
    they were convinced and who convinced them, the people in the order they were
    touched and who touched them first) and its counts per step (``steps[t] = (new
    heard, new sharers)``); other parameters as in :func:`shape_of_log`.

    Three flat passes: forward over the convinced, each takes their convincer's tree;
    forward over the touched, step by step, who never shared (leaves) fold into who
    told them; backward over the convinced, each folds into their convincer after
    their own offspring."""
    tree_of, counts = workspace
    n_roots = steps[0, 1]
    if n_roots == 0:
        return nothing_measured(0, 0), convinced[:0]
    n_convinced = 0
    n_reached = 0
    for step in range(steps.shape[0]):
        n_reached += steps[step, 0]
        n_convinced += steps[step, 1]
    for i in range(n_roots):
        tree_of[convinced[i]] = i
    for i in range(n_roots, n_convinced):
        tree_of[convinced[i]] = tree_of[convinced_by[i]]
    n_steps = steps.shape[0] - 1
    folds = _folds(n_steps, n_roots, most_offspring)
    breadth, _, trees, _ = folds
    first = n_roots  # of this step's touched
    for step in range(1, n_steps + 1):
        leaves = 0
        for i in range(first, first + steps[step, 0]):
            # who never shared: a leaf, placed here; who did (their teller negated) is
            # placed among the convinced. Only the teller's counts are read: one
            # person after another of the same teller, in the cache
            by = np.int64(touched_by[i])
            shared = by >> 63
            leaf = 1 + shared
            teller = by ^ shared
            counts[teller, BELOW] += leaf
            counts[teller, OFFSPRING] += leaf
            tree = tree_of[teller]
            trees[tree, 0] += leaf
            trees[tree, 1] += leaf
            leaves += leaf
        first += steps[step, 0]
        breadth[step] = leaves + steps[step, 1]
    for i in range(n_convinced - 1, n_roots - 1, -1):
        _fold(folds, tree_of, counts, convinced[i], convinced_by[i], 1, 0)
    roots = convinced[:n_roots]
    virality, tree_size, exact = _trees(folds, roots, counts)
    if not exact:
        persons, tellers = _placed_in_lists(convinced, convinced_by, touched, touched_by,
                                            n_roots, n_convinced, n_reached)
        _wiener_in_floats(persons, tellers, tree_of, tree_size, virality)
    return _measured(folds, n_reached, n_roots, virality, tree_size, funnel_top), roots


@njit(cache=True, nogil=True)
def _folds(n_steps, n_roots, most_offspring):
    """What the backward pass adds up: ``(breadth, tally, trees, totals)``: people
    placed at each depth, sharers by offspring, each tree's ``(S1, S2)``, and
    ``(sharers who are not seeds, most offspring)``."""
    return (np.zeros(n_steps + 1, dtype=np.int64), np.zeros(most_offspring + 1, dtype=np.int64),
            np.zeros((n_roots, 2), dtype=np.int64), np.zeros(2, dtype=np.int64))


@njit(cache=True, nogil=True)
def _fold(folds, tree_of, counts, person, teller, shared, mark):
    """Fold ``person``'s subtree into ``teller``'s, if this telling is their place in
    the tree (not when they were convinced later: marked so); returns 1 if it was, else
    0. Leaves the person's counts at zero, or at ``mark`` (``CONVINCED_LATER`` for a
    person whose earlier telling comes next) as offspring."""
    _, tally, trees, totals = folds
    below, offspring = np.int64(counts[person, BELOW]), np.int64(counts[person, OFFSPRING])
    placed = 1 + (offspring >> 63)  # 0 when marked CONVINCED_LATER
    size = placed * (below + 1)
    tally[max(offspring, 0)] += shared
    totals[0] += shared
    totals[1] = max(totals[1], shared * offspring)
    counts[teller, BELOW] += size
    counts[teller, OFFSPRING] += placed
    tree = tree_of[person]
    trees[tree, 0] += size
    trees[tree, 1] += size * size
    counts[person, BELOW] = 0
    counts[person, OFFSPRING] = mark
    return placed


@njit(cache=True, nogil=True)
def _trees(folds, roots, counts):
    """The roots' offspring tallied and their counts set back to zero; each tree's
    virality and size (0 for a tree of one person), by tree: ``(virality, tree_size,
    exact)``, ``exact`` false when some tree's Wiener sum may be too large for
    integer sums (:func:`in_root_order` puts them in the order of the roots)."""
    breadth, tally, trees, totals = folds
    n_roots = roots.size
    breadth[0] = n_roots
    total = np.empty(n_roots, dtype=np.int64)
    for tree in range(n_roots):
        root = roots[tree]
        offspring = counts[root, OFFSPRING]
        tally[offspring] += 1
        totals[1] = max(totals[1], offspring)
        total[tree] = counts[root, BELOW] + 1
        counts[root, BELOW] = 0
        counts[root, OFFSPRING] = 0
    virality = np.zeros(n_roots, dtype=np.float64)
    tree_size = np.zeros(n_roots, dtype=np.float64)
    exact = True
    for tree in range(n_roots):
        people = total[tree]
        if people >= 2:
            exact = exact and float(people) * float(trees[tree, 0]) < EXACT_BELOW
            wiener = float(people * trees[tree, 0] - trees[tree, 1])
            virality[tree] = wiener / (people * (people - 1) / 2.0)
            tree_size[tree] = people
    return virality, tree_size, exact


@njit(cache=True, nogil=True)
def _measured(folds, n_reached, n_roots, virality, tree_size, funnel_top):
    """:func:`sim.measures.cascade.measured_shape` of the folds."""
    breadth, tally, _, totals = folds
    separation = 0
    max_depth = 0
    for depth in range(1, breadth.size):
        separation += depth * breadth[depth]
        if breadth[depth]:
            max_depth = depth
    return measured_shape(n_reached, n_roots, n_roots + totals[0], max_depth, breadth,
                          virality, tree_size, tally, totals[1], separation, funnel_top)


@njit(cache=True, nogil=True)
def _placed_in_log(entries, n_entries, n_roots, n_nodes):
    """``(persons, tellers)`` of the tellings that place people in the tree, from a
    lane's log, each person after their teller's own."""
    convinced = np.zeros(n_nodes, dtype=np.bool_)
    persons = np.empty(n_entries, dtype=np.int64)
    tellers = np.empty(n_entries, dtype=np.int64)
    n_placed = 0
    for k in range(n_entries - 1, n_roots - 1, -1):  # backward: who was convinced
        who, by = np.int64(entries[k, 0]), np.int64(entries[k, 1])
        if by == STEP_BEGINS:
            continue
        person = who if who >= 0 else -1 - who
        if by < 0 and convinced[person]:
            continue
        convinced[person] = by >= 0
        persons[n_placed] = person
        tellers[n_placed] = by if by >= 0 else -2 - by
        n_placed += 1
    return persons[:n_placed][::-1].copy(), tellers[:n_placed][::-1].copy()


@njit(cache=True, nogil=True)
def _placed_in_lists(convinced, convinced_by, touched, touched_by, n_roots, n_convinced,
                     n_reached):
    """:func:`_placed_in_log` from a replication's kept lists: the convinced in their
    order, then those who never shared."""
    sharer = np.zeros(touched.size, dtype=np.bool_)  # touched holds n + 1 places
    for i in range(n_convinced):
        sharer[convinced[i]] = True
    persons = np.empty(n_reached, dtype=np.int64)
    tellers = np.empty(n_reached, dtype=np.int64)
    n_placed = 0
    for i in range(n_roots, n_convinced):
        persons[n_placed] = convinced[i]
        tellers[n_placed] = convinced_by[i]
        n_placed += 1
    for i in range(n_roots, n_reached):
        if not sharer[touched[i]]:
            persons[n_placed] = touched[i]
            tellers[n_placed] = touched_by[i]
            n_placed += 1
    return persons[:n_placed], tellers[:n_placed]


@njit(cache=True, nogil=True)
def _wiener_in_floats(persons, tellers, tree_of, tree_size, virality):
    """Each tree's virality with its Wiener sum added in floating point in the order of
    the people's numbers, as :func:`sim.measures.cascade.cascade_metrics` adds it (for
    sums too large to be exact), from the tellings that place people (each person
    after their teller's own): subtree sizes folded again, kept this time."""
    size = np.ones(tree_of.size, dtype=np.int64)
    for k in range(persons.size - 1, -1, -1):
        size[tellers[k]] += size[persons[k]]
    told_at = np.full(tree_of.size, -1, dtype=np.int64)  # by person: no sort to compile
    for k in range(persons.size):
        told_at[persons[k]] = k
    wiener = np.zeros(tree_size.size, dtype=np.float64)
    for person in range(told_at.size):
        k = told_at[person]
        if k >= 0:
            tree = tree_of[tellers[k]]  # set for every teller (not for every person told)
            total = np.int64(tree_size[tree])
            wiener[tree] += size[person] * (total - size[person])
    for tree in range(tree_size.size):
        people = np.int64(tree_size[tree])
        if people >= 2:
            virality[tree] = wiener[tree] / (people * (people - 1) / 2.0)
