"""Kernels the actors call between steps: a paid broadcast (an ad shown to many).

Seeding people (a wave, a community manager's answer) is
:func:`sim.rules.common.seed_now`. These work for every rule: they write the state
arrays that every rule reads.
"""

from __future__ import annotations

import numpy as np

from sim.jit import njit
from sim.rules.coins import pair_bits
from sim.rules.common import NEVER, NO_SOURCE, online

CONVERT_SALT = np.uint64(0x8CB92BA72F3D8DD7)


@njit(inline="always")
def ad_bits(shared_at, offline, key, step, person):
    """The ad coin of ``person`` at ``step``; the largest value (no impression) for
    someone sharing already or offline (``offline[person]``; empty without modifiers)."""
    if shared_at[person] <= step or (offline.size > 0 and offline[person]):
        return np.uint64(0xFFFFFFFFFFFFFFFF)
    return pair_bits(key, step, person)


@njit(inline="always")
def offline_now(mods, step, n_nodes):
    """Who is offline at ``step`` (an empty array without modifiers).

    Worked out once, before the scans: ``mods`` used inside a loop over people costs
    numba a reference count on each of its arrays per person (a broadcast to 10^6
    people took 0.5 s a step with ``mods`` in the loop, against milliseconds)."""
    if not mods.on:
        return np.zeros(0, dtype=np.bool_)
    offline = np.empty(n_nodes, dtype=np.bool_)
    for person in range(n_nodes):
        offline[person] = not online(mods, person, step)
    return offline


@njit(cache=True)
def broadcast(state, mods, key, step, chances, buffers, n_frontier, most):
    """Show an ad to everyone not sharing at ``step``; append converts to the frontier.

    ``chances`` is ``(reach, convert)`` in integer form
    (:func:`~sim.rules.coins.chance_bits`): a person gets an impression when the
    coin of ``(step, person)`` under ``key`` falls below ``reach``
    (offline people, with modifiers, get none), hears the message at ``step`` if
    they had not, and starts sharing at ``step`` when the coin under the
    salted key falls below ``convert``. At most ``most`` impressions are shown:
    beyond that, those with the lowest coins (a random subset). ``buffers`` is
    ``(frontier, scratch)``: the current sharers are ``frontier[:n_frontier]``;
    ``scratch`` (uint64, length ``n_nodes``) holds coins, and on return the people
    who first heard, in order, in its first ``new_heard`` entries (an opinion update
    moves them). Scans everyone: O(n_nodes).

    Returns ``(n_frontier, new_heard, new_shared, impressions)``.
    """
    heard_at, shared_at, source = state
    frontier, scratch = buffers
    reach, convert = chances
    if reach == 0:  # nobody sees it (an arm without ads): no need to scan everyone
        return n_frontier, 0, 0, 0
    ukey = np.uint64(key)
    convert_key = ukey ^ CONVERT_SALT
    offline = offline_now(mods, step, shared_at.size)
    n_candidates = 0
    for person in range(shared_at.size):
        bits = ad_bits(shared_at, offline, ukey, step, person)
        if bits < reach:
            scratch[n_candidates] = bits
            n_candidates += 1
    cutoff = reach
    if n_candidates > most:
        cutoff = np.sort(scratch[:n_candidates])[most]
    new_heard = 0
    new_shared = 0
    impressions = 0
    for person in range(shared_at.size):
        if ad_bits(shared_at, offline, ukey, step, person) >= cutoff:
            continue
        impressions += 1
        if heard_at[person] == NEVER:
            heard_at[person] = step
            source[person] = NO_SOURCE
            scratch[new_heard] = person  # the coins in it were read: cutoff is set
            new_heard += 1
        if pair_bits(convert_key, step, person) < convert:
            shared_at[person] = step
            source[person] = NO_SOURCE
            frontier[n_frontier] = person
            n_frontier += 1
            new_shared += 1
    return n_frontier, new_heard, new_shared, impressions
