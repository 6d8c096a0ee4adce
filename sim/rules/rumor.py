"""The rumour models of Daley and Kendall (1965) and Maki and Thompson (1973).

Ignorant, spreader, stifler: each step every spreader, in a random order drawn from
the run's coins, calls one random neighbour. The only rule that is sequential within
a step (later callers see what earlier callers did). The schema, the kernels and the
rule object live here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np
from pydantic import Field

from sim.jit import njit
from sim.rules.coins import chance_bits, pair_bits
from sim.rules.common import (
    AFTER_STEP,
    NEVER,
    TRANSITIONS,
    layer_chance,
    online,
    receptivity,
    visible,
)
from sim.rules.registry import Rule, Slider, register
from sim.schema import AliasedFrozen, Probability

# what each coin of a step is for: the pair (4 * step + purpose, person)
RUMOR_ORDER, RUMOR_CONTACT, RUMOR_SPREAD, RUMOR_STIFLE = 0, 1, 2, 3
FORGET_SALT = np.uint64(0xD1B54A32D192ED03)


class LayerLambda(AliasedFrozen):
    """A rumour's ``lambda`` on one layer (a call over a tie of that layer)."""

    spread: Probability = Field(alias="lambda")


class Rumor(AliasedFrozen):
    """Ignorant, spreader, stifler (Daley and Kendall 1965; Maki and Thompson 1973).

    Each step every spreader, in a random order, calls one random person their shares
    reach: an ignorant becomes a spreader with probability ``lambda``; reaching a
    spreader or stifler turns the caller (``maki_thompson``) or both
    (``daley_kendall``) into stiflers with probability ``alpha``. ``lambda`` is a
    Python keyword, so the field is ``spread`` in code and ``lambda`` in files.
    """

    model: Literal["rumor"]
    variant: Literal["maki_thompson", "daley_kendall"] = "maki_thompson"
    spread: Probability = Field(1.0, alias="lambda")
    alpha: Probability = 1.0
    layers: dict[str, LayerLambda] = {}


class RumorParams(NamedTuple):
    """``spread`` is lambda; ``stifle`` and ``forget`` the integer forms (see
    :func:`~sim.rules.coins.chance_bits`) of alpha and of the forgetting probability;
    ``both`` is true for Daley-Kendall; ``key`` the coin key. Per person:
    ``stifled_at`` (int32, ``NEVER`` if not), the spreaders who can call
    (``spreaders[:n_waiting]``), ``order``, a uint64 scratch array, and ``can_call``
    (bool: someone to call, a tie out of positive weight); ``shared_at``, the track's
    own (read to tell when the callers can no longer change anything)."""

    spread: float
    stifle: np.uint64
    forget: np.uint64
    both: bool
    key: np.uint64
    stifled_at: np.ndarray
    spreaders: np.ndarray
    order: np.ndarray
    can_call: np.ndarray
    shared_at: np.ndarray


@njit(inline="always")
def rumor_bits(key, step, purpose, person):
    """53 random bits for ``person`` at ``step``, one stream per ``purpose``: the pair
    bits of ``(4 * step + purpose, person)``. Purposes: 0 the caller order, 1 the
    contact, 2 the spreading coin, 3 the stifling coin."""
    return pair_bits(key, np.uint64(step) * np.uint64(4) + np.uint64(purpose), person)


@njit(inline="always")
def contact(indptr, caller, bits, weights):
    """The tie ``caller`` calls over, from 53 random ``bits``: uniformly among their
    out-ties (``bits % out_degree``), or with tie ``weights`` (not empty) with probability
    proportional to the tie's weight: the first tie whose running sum of weights (in
    row order) exceeds ``bits * 2**-53`` times the row's total (the last tie of positive
    weight if rounding leaves none)."""
    start, end = indptr[caller], indptr[caller + 1]
    if weights.size == 0:
        return start + np.int64(bits % np.uint64(end - start))
    total = 0.0
    for edge in range(start, end):
        total += weights[edge]
    target = np.float64(bits) * 2.0**-53 * total
    running = 0.0
    last = start
    for edge in range(start, end):
        running += weights[edge]
        if weights[edge] > 0.0:
            last = edge
            if running > target:
                return edge
    return last


@TRANSITIONS.register(RumorParams)
def transition(graph, state, frontier, n_frontier, next_frontier, step, params, n_waiting, mods):
    """The driver's step: :func:`rumor_step` (the callers are not the frontier)."""
    return rumor_step(graph, state, next_frontier, step, params, n_waiting, mods)


@njit(cache=True)
def rumor_step(graph, state, next_frontier, step, params, n_waiting, mods):
    """One rumour step from ``step`` to ``step + 1``, sequential within the step.

    The callers are ``params.spreaders[:n_waiting]``: the spreaders at the start of
    the step who have someone to call (in any order), not only the frontier (who
    started at ``step``); ``next_frontier`` receives the people who become spreaders
    at ``step + 1``.

    The callers act one after another in increasing order of
    ``(order bits >> 21, person)`` (the top 32 of the order bits of
    ``(step + 1, person)``, ties by number). A caller who is no longer a spreader
    when their turn comes (stifled earlier in this step, Daley-Kendall) does not
    call. The contact is ``indices[indptr[u] + contact bits % out_degree]`` (on a
    weighted network, drawn in proportion to the ties' weights: :func:`contact`); what
    earlier callers of the step did is visible: a person made a spreader earlier in
    the step counts as a spreader (but does not call until the next step).

    With modifiers a caller offline at ``step + 1`` does not call (and stays a
    spreader); a call to someone offline, or who cannot see a protected caller,
    reaches nobody; the spreading coin is compared with ``lambda * influence[caller]
    * receptivity[contact]`` (lambda of the tie's layer, on a network of several
    layers). Last, every spreader still able to call forgets the rumour (becomes a
    stifler at ``step + 1``) if their forgetting coin, the pair ``(step + 1,
    person)`` under the key salted for forgetting, falls below the forgetting
    probability.

    Returns ``(n_next, new_heard, n_callers)``: the surviving callers are compacted
    in place (in caller order).
    """
    indptr, indices = graph
    heard_at, shared_at, source = state
    spread, stifle_threshold, forget_threshold, both = (
        params.spread, params.stifle, params.forget, params.both
    )
    callers, stifled_at, order = params.spreaders, params.stifled_at, params.order
    n_callers = n_waiting
    spread_threshold = chance_bits(spread)
    next_step = np.int32(step + 1)
    key = np.uint64(params.key)
    modified = mods.on
    weights = mods.tie_weight  # empty on an unweighted network
    low = np.uint64(0xFFFFFFFF)
    for i in range(n_callers):
        person = callers[i]
        bits = rumor_bits(key, next_step, RUMOR_ORDER, person)
        order[i] = ((bits >> np.uint64(21)) << np.uint64(32)) | np.uint64(person)
    ranked = np.sort(order[:n_callers])
    n_next = 0
    new_heard = 0
    n_kept = 0
    for i in range(n_callers):
        caller = np.int32(ranked[i] & low)
        if stifled_at[caller] != NEVER:
            continue  # stifled by an earlier caller of this step
        if modified and not online(mods, caller, next_step):
            callers[n_kept] = caller
            n_kept += 1
            continue
        edge = contact(indptr, caller, rumor_bits(key, next_step, RUMOR_CONTACT, caller), weights)
        person = indices[edge]
        if modified and not (online(mods, person, next_step) and visible(mods, caller, person)):
            callers[n_kept] = caller
            n_kept += 1
            continue
        if shared_at[person] == NEVER:  # an ignorant
            if heard_at[person] == NEVER:
                heard_at[person] = next_step
                source[person] = caller
                new_heard += 1
            threshold = spread_threshold
            if modified:
                spread_tie = layer_chance(mods, edge, spread, key)[0]
                chance = spread_tie * mods.influence[caller] * receptivity(mods, person, step)
                threshold = chance_bits(min(1.0, chance))
            if rumor_bits(key, next_step, RUMOR_SPREAD, caller) < threshold:
                shared_at[person] = next_step
                source[person] = caller
                next_frontier[n_next] = person
                n_next += 1
        elif rumor_bits(key, next_step, RUMOR_STIFLE, caller) < stifle_threshold:
            stifled_at[caller] = next_step
            if both and stifled_at[person] == NEVER:
                stifled_at[person] = next_step
            continue
        callers[n_kept] = caller
        n_kept += 1
    if both or forget_threshold > 0:
        # Daley-Kendall: a caller may be stifled after their own call, when called
        forget_key = key ^ FORGET_SALT
        n_survivors = 0
        for i in range(n_kept):
            caller = callers[i]
            if stifled_at[caller] != NEVER:
                continue
            forgets = pair_bits(forget_key, next_step, caller) < forget_threshold
            if forget_threshold > 0 and forgets:
                stifled_at[caller] = next_step
                continue
            callers[n_survivors] = caller
            n_survivors += 1
        n_kept = n_survivors
    return n_next, new_heard, n_kept


@AFTER_STEP.register(RumorParams)
def add_callers(graph, params, started, n_started, n_waiting):
    """The step's new spreaders (seeds included) who are not stifled and have someone
    to call join the callers of the next step; returns their new number, or 0 when
    no call can change anything any more (:func:`callers_idle`)."""
    n_callers = n_waiting
    for i in range(n_started):
        person = started[i]
        if params.stifled_at[person] == NEVER and params.can_call[person]:
            params.spreaders[n_callers] = person
            n_callers += 1
    if params.stifle == 0 and params.forget == 0 and callers_idle(
        graph[0], graph[1], params.shared_at, params.spreaders, n_callers
    ):
        return 0
    return n_callers


@njit(cache=True)
def callers_idle(indptr, indices, shared_at, callers, n_callers):
    """Whether every caller's out-neighbours have all become spreaders: then, with
    no stifling (alpha 0) and no forgetting, no call changes anything again, and
    the run may stop instead of calling until the step bound. The reference asks
    the same question of the same people (:mod:`sim.reference`)."""
    for i in range(n_callers):
        person = callers[i]
        for edge in range(indptr[person], indptr[person + 1]):
            if shared_at[indices[edge]] == NEVER:
                return False
    return True


@register
@dataclass(frozen=True)
class RumorRule(Rule):
    """The rumour models of Daley and Kendall (1965) and Maki and Thompson (1973).

    People are *ignorant* (``shared_at == NEVER``), *spreaders* at step ``t``
    (``shared_at <= t < stifled_at``) or *stiflers* (``stifled_at <= t``);
    ``track.work.stifled_at`` is an int32 array, ``NEVER`` for people never
    stifled. Seeds start as spreaders. ``heard_at`` is the step someone was first
    called (or seeded), ``shared_at`` the step they became a spreader, ``source``
    the caller who made them a spreader (or, for someone who heard but stayed
    ignorant, who called them first).

    **Sequential within a step** (all other rules are synchronous, DESIGN
    decision 2). The step from ``t`` to ``t + 1``:

    1. *Who calls*: exactly the spreaders at the start of the step (``shared_at
       <= t`` and not stifled) who have at least one out-neighbour. People who
       become spreaders during the step do not call until the next step; a
       spreader stifled earlier in the step (Daley-Kendall) skips their turn; a
       spreader nobody can hear (out-degree 0) never calls but stays a spreader.
    2. *Order*: callers act one at a time in increasing order of
       ``(bits >> 21, person)``, where ``bits`` are the counter-based bits of
       ``(4 (t + 1) + 0, person)`` under the message key: a random order drawn
       from the run's randomness, independent of memory layout and executor.
    3. *Contact*: caller ``u`` calls out-neighbour number
       ``bits(4 (t + 1) + 1, u) % out_degree(u)`` in the network's (sorted)
       adjacency list: one uniformly random person their shares reach (the bias
       of the modulo is below ``out_degree / 2**53``).
    4. *Outcome*, against the state left by the earlier callers of the step: an
       ignorant hears (``heard_at = t + 1`` if first) and becomes a spreader at
       ``t + 1`` if the caller's spreading coin ``(4 (t + 1) + 2, u)`` falls below
       ``lambda``. A spreader or stifler (including one made spreader earlier in
       this step) stifles the caller at ``t + 1`` if the caller's stifling coin
       ``(4 (t + 1) + 3, u)`` falls below ``alpha``; with Daley-Kendall a
       spreader called is stifled too.

    Because new spreaders wait for the next step, the rumour still moves at most one
    hop per step, as DESIGN decision 2 requires of every rule.

    *Theory.* On a complete graph every call goes from a current spreader to a
    uniformly random other person, with fresh coins, and its effect on the counts
    (ignorants, spreaders, stiflers) depends on the counts alone, whoever calls and
    in whatever order; the run ends exactly when no spreader is left. So the counts
    call after call are the embedded jump chain of the continuous-time model (each
    spreader calling at rate 1), and the final size has the classic distribution:
    for Maki-Thompson the never-told fraction tends to the root of
    ``ln x + (1 + lambda / alpha)(1 - x) = 0`` (0.203 for lambda = alpha = 1;
    Maki and Thompson 1973, Sudbury 1985). Daley-Kendall here counts calls, so
    two spreaders meet at twice the rate of Daley and Kendall's pair meetings and
    the limit is the root of ``x - 1 - 2 x ln x = 0`` (0.285), not 0.203; see
    tests/test_rules_rumor.py for the derivations and measurements.

    The kernel keeps the list of spreaders who can call, so a step costs
    ``O(s log s)`` for ``s`` spreaders (the sort), never ``n_nodes``. Nothing can
    change once no spreader can call and no seeding is due.

    Examples
    --------
    >>> RumorRule(spread=1.0, alpha=0.5).variant
    'maki_thompson'
    >>> RumorRule(variant="gossip")
    Traceback (most recent call last):
    ...
    ValueError: variant must be maki_thompson or daley_kendall, got 'gossip'
    """

    name = "rumor"
    schema = Rumor
    layer_parameter = "spread"
    keeps_spreading = True
    sliders = (
        Slider("lambda", "spreading probability lambda", 0.0, 1.0, 0.01),
        Slider("alpha", "stifling probability alpha", 0.0, 1.0, 0.01),
    )

    variant: str = "maki_thompson"
    spread: float = 1.0
    alpha: float = 1.0

    def __post_init__(self) -> None:
        if self.variant not in ("maki_thompson", "daley_kendall"):
            raise ValueError(
                f"variant must be maki_thompson or daley_kendall, got {self.variant!r}"
            )
        for name, value in (("lambda", self.spread), ("alpha", self.alpha)):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1], got {value}")

    @classmethod
    def from_spec(cls, spec: Rumor) -> RumorRule:
        return cls(variant=spec.variant, spread=spec.spread, alpha=spec.alpha)

    def prepare(self, model, track) -> RumorParams:
        """``stifled_at``, the spreaders who can call (the seeds so far) and a scratch."""
        n_nodes = model.graph.n_nodes
        spreaders = np.empty(n_nodes, dtype=np.int32)
        can_call = model.graph.strength > 0.0
        callers = np.flatnonzero((track.shared_at != NEVER) & can_call)
        spreaders[: callers.size] = callers
        track.n_waiting = int(callers.size)
        return RumorParams(
            float(self.spread),
            chance_bits(float(self.alpha)),
            chance_bits(float(track.message.modifiers.forgetting)),
            self.variant == "daley_kendall",
            np.uint64(track.key),
            np.full(n_nodes, NEVER, dtype=np.int32),
            spreaders,
            np.empty(n_nodes, dtype=np.uint64),
            can_call,
            track.shared_at,
        )

    def sharing(self, track, adopters: np.ndarray, until_step: int) -> np.ndarray:
        """Spreaders at each step ``0 .. until_step``: people who became spreaders by
        then (``adopters``, cumulative) minus those stifled by then (every stifler was
        a spreader first)."""
        stifled_at = track.work.stifled_at
        stifled = np.bincount(stifled_at[stifled_at <= until_step], minlength=until_step + 1)
        return adopters - np.cumsum(stifled[: until_step + 1])

    def started(self, model, track, people: np.ndarray) -> None:
        """People made spreaders between steps (by an actor) who can call join the callers."""
        work = track.work
        callers = people[work.can_call[people] & (work.stifled_at[people] == NEVER)]
        n_spreaders = track.n_waiting
        work.spreaders[n_spreaders : n_spreaders + callers.size] = callers
        track.n_waiting = n_spreaders + callers.size
