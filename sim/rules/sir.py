"""Sharing that lasts: SIR and SIS, epidemic models of sharing (Kermack and McKendrick 1927).

A person who starts sharing keeps sharing for a while: at every step from the next one
they give each neighbour who can catch the message a chance ``beta``, and at the end
of each of their sharing steps they stop with probability ``gamma`` (so they share for
a geometric number of steps, ``1 / gamma`` on average). Under ``sir`` those who stop
are done with the message (recovered); under ``sis`` they can catch it again and
share again. ``gamma: 1`` makes ``sir`` exactly the independent cascade with ``p =
beta``. Both rules are one kernel here; ``sis`` is ``sir`` with re-sharing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal, NamedTuple

import numpy as np

from sim.jit import njit
from sim.rules.coins import chance_bits, pair_bits
from sim.rules.common import AFTER_STEP, NEVER, TRANSITIONS, in_contact, online, visible
from sim.rules.independent_cascade import CascadeParams, cascade_step, convinces
from sim.rules.registry import Rule, Slider, register
from sim.schema import Frozen, Probability

# salts of the coin keys: a sharer's chances after their first, and the stopping coins
CHANCE_SALT = np.uint64(0x632BE59BD9B4E019)
STOP_SALT = np.uint64(0x8CB92BA72F3D8DD7)
RUN_COLUMNS = ("final_size", "peak_prevalence")


class LayerBeta(Frozen):
    """A sharing rule's ``beta`` on one layer."""

    beta: Probability


class Lasting(Frozen):
    """What ``sir`` and ``sis`` share: the chance per step and the chance to stop."""

    model: Literal["sir", "sis"]
    beta: Probability
    gamma: Probability
    layers: dict[str, LayerBeta] = {}


class SIR(Lasting):
    """A sharer gives each neighbour who has never shared a chance ``beta`` at every
    step while they share, and stops for good with probability ``gamma`` at the end of
    each sharing step. On a network of several layers, ``layers`` may give a layer its
    own ``beta``."""

    model: Literal["sir"]


class SIS(Lasting):
    """As ``sir``, but people who stop can catch the message again and share again."""

    model: Literal["sis"]


class LastingParams(NamedTuple):
    """``beta``; ``stop``, the integer form (:func:`~sim.rules.coins.chance_bits`) of
    the chance to stop after a sharing step; ``resharing`` (true for ``sis``); the coin
    ``key``. Per person (int32, ``NEVER`` for none): ``since``, the start of a
    re-sharing episode (``sis``; a first episode starts at ``shared_at``);
    ``stopped_at``, the step the latest episode ended (``NEVER`` while sharing);
    ``sharers[:n_waiting]``, who shares now. ``episodes[t] = (restarts, stops)`` at step
    ``t`` (int64), from which the number sharing at each step follows."""

    beta: float
    stop: np.uint64
    resharing: bool
    key: np.uint64
    since: np.ndarray
    stopped_at: np.ndarray
    sharers: np.ndarray
    episodes: np.ndarray


@njit(inline="always")
def chance_key(key, start, step, resharing):
    """The coin key of a sharer's chance at ``step`` in an episode begun at ``start``.

    Each (episode, step) pair has its own salt, so that chances at different steps and
    in different episodes are independent; the first chance of a ``sir`` sharer uses
    the message key itself, which makes ``gamma = 1`` the independent cascade coin
    for coin.
    """
    attempt = np.uint64(step - start)
    if not resharing and attempt == 0:
        return key
    episode = np.uint64(start + 1) if resharing else np.uint64(0)
    return key ^ pair_bits(CHANCE_SALT, episode, attempt)


@TRANSITIONS.register(LastingParams)
def transition(graph, state, frontier, n_frontier, next_frontier, step, params, n_waiting, mods):
    """The driver's step: :func:`lasting_step` (the sharers are not the frontier)."""
    return lasting_step(graph, state, next_frontier, step, params, n_waiting, mods)


@njit(inline="always")
def episode_start(shared_at, since, person):
    """When ``person``'s latest sharing episode began: their re-sharing start, else
    when they first shared."""
    return since[person] if since[person] != NEVER else shared_at[person]


@njit(cache=True)
def lasting_step(graph, state, next_frontier, step, params, n_waiting, mods):
    """One synchronous SIR or SIS step from ``step`` to ``step + 1``.

    Every sharer at ``step`` (``params.sharers[:n_waiting]``) gives each out-neighbour
    who can catch the message a chance. Someone who has never shared hears and may
    start, exactly as from an independent-cascade sharer: the sharers whose episodes
    began at the same step share a coin key (:func:`chance_key`), and each such group
    is one :func:`~sim.rules.independent_cascade.cascade_step` with ``p = beta``
    (which also does the modifiers: a neighbour offline at ``step + 1``, or who cannot
    see the sharer, misses the share; the chance is ``beta * influence *
    receptivity``, ``beta`` of the tie's layer, per contact on a weighted network).
    With re-sharing, a second pass gives the same chance, under the same coin, to
    those who stopped by ``step``: they start a new episode at ``step + 1`` (their
    ``heard_at``, ``shared_at`` and ``source`` keep the first time). Then each sharer
    stops at ``step + 1`` if their stopping coin, the pair ``(step + 1, sharer)`` under
    the key salted for stopping, falls below ``params.stop``.

    The sharers are listed in the order their episodes began (who goes on keeps their
    place; who starts is appended), so a group is a run of the list.

    Returns ``(n_next, new_heard, n_sharing)``: the first-time sharers go to
    ``next_frontier``; the sharers who go on and those who restart are compacted in
    ``params.sharers`` (the first-time sharers join them after the seeding,
    :func:`add_sharers`).
    """
    indptr, indices = graph
    shared_at = state.shared_at
    beta, resharing = params.beta, params.resharing
    sharers, since, stopped_at = params.sharers, params.since, params.stopped_at
    next_step = np.int32(step + 1)
    key = np.uint64(params.key)
    n_next = 0
    new_heard = 0
    first = 0
    while first < n_waiting:
        start = episode_start(shared_at, since, sharers[first])
        last = first + 1
        while last < n_waiting and episode_start(shared_at, since, sharers[last]) == start:
            last += 1
        chances = CascadeParams(beta, chance_key(key, start, step, resharing))
        n_started, n_heard, _ = cascade_step(
            graph, state, sharers[first:last], last - first, next_frontier[n_next:], step,
            chances, 0, mods,
        )
        n_next += n_started
        new_heard += n_heard
        first = last
    n_again = 0
    if resharing:
        threshold = chance_bits(beta)
        contacts, until = mods.edge_step, mods.edge_until
        temporal = contacts.size > 0
        for i in range(n_waiting):
            sharer = sharers[i]
            sharer_key = chance_key(key, episode_start(shared_at, since, sharer), step, True)
            for edge in range(indptr[sharer], indptr[sharer + 1]):
                person = indices[edge]
                if shared_at[person] > step or stopped_at[person] > step:
                    continue  # never shared (done above), or sharing now
                if mods.on and not (
                    online(mods, person, next_step)
                    and visible(mods, sharer, person)
                    and (not temporal or in_contact(contacts, until, edge, step))
                ):
                    continue
                if convinces(sharer_key, sharer, person, edge, step, beta, threshold, mods):
                    since[person] = next_step
                    stopped_at[person] = NEVER
                    sharers[n_waiting + n_again] = person  # past the sharers of this step
                    n_again += 1
    stop_key = key ^ STOP_SALT
    n_kept = 0
    for i in range(n_waiting):
        sharer = sharers[i]
        if pair_bits(stop_key, next_step, sharer) < params.stop:
            stopped_at[sharer] = next_step
        else:
            sharers[n_kept] = sharer
            n_kept += 1
    params.episodes[next_step, 0] = n_again
    params.episodes[next_step, 1] = n_waiting - n_kept
    for i in range(n_again):
        sharers[n_kept + i] = sharers[n_waiting + i]
    return n_next, new_heard, n_kept + n_again


@AFTER_STEP.register(LastingParams)
def add_sharers(graph, params, started, n_started, n_waiting):
    """The step's first-time sharers (seeds included) join the sharers; returns their
    new number."""
    params.sharers[n_waiting : n_waiting + n_started] = started[:n_started]
    return n_waiting + n_started


def prevalence_measures(
    curves: tuple[np.ndarray, np.ndarray, np.ndarray], n_nodes: int
) -> dict[str, float]:
    """``final_size`` (the fraction who ever shared) and ``peak_prevalence`` (the
    largest fraction sharing at one step) from a message's ``(heard, adopters,
    sharing)`` curves.

    Examples
    --------
    >>> curves = (np.array([1, 5, 9]), np.array([1, 3, 4]), np.array([1, 2, 1]))
    >>> prevalence_measures(curves, n_nodes=10)
    {'final_size': 0.4, 'peak_prevalence': 0.2}
    """
    _, adopters, sharing = curves
    return {
        "final_size": float(adopters[-1]) / n_nodes,
        "peak_prevalence": float(sharing.max()) / n_nodes,
    }


def late_prevalence(sharing: np.ndarray, n_nodes: int, horizon: int) -> float:
    """The mean fraction sharing over the last quarter of ``horizon`` steps (the steps
    ``t > 3 horizon / 4``); steps after the run stopped count as 0, nobody sharing.

    Examples
    --------
    >>> late_prevalence(np.array([2, 4, 4, 6, 2]), n_nodes=10, horizon=5)  # steps 4, 5
    0.1
    """
    first = 3 * horizon // 4 + 1
    late = np.zeros(horizon - first + 1)
    shown = sharing[first : horizon + 1]
    late[: shown.size] = shown
    return float(late.mean()) / n_nodes


@register
@dataclass(frozen=True)
class SIRRule(Rule):
    """SIR sharing: people share for a while, then stop for good.

    A person who starts sharing at step ``t`` gives each out-neighbour who has never
    shared one chance ``beta`` at every step from ``t + 1`` while they keep sharing
    (to start at the next step); at the end of each of their sharing steps (``t``,
    ``t + 1``, ...) they stop with probability ``gamma``, so they share for a geometric
    number of steps. Heard, source and the order of events are the independent
    cascade's (:func:`~sim.rules.independent_cascade.cascade_step`): a person who stops
    sharing keeps ``shared_at``; ``track.work.stopped_at`` says when they stopped. The
    modifier ``forgetting`` adds a chance to stop: a sharer stops with probability
    ``1 - (1 - gamma)(1 - forgetting)``.

    Coins: the chance of the pair (sharer, person) at step ``s`` is the pair coin under
    :func:`chance_key` of the sharer's episode and ``s``; the first chance uses the
    message key, so ``gamma = 1`` is the independent cascade with ``p = beta``, coin for
    coin. The stopping coin of ``u`` after step ``s`` is the pair ``(s + 1, u)`` under
    the key salted with ``STOP_SALT``.

    *Theory.* The chance that a sharer ever convinces a given neighbour is the
    transmissibility ``T = beta / (beta + gamma - beta gamma)`` (a sum over the
    geometric sharing time); the people who ever share are the cluster of the seeds
    in a percolation with edge probability ``T`` whose edges out of one sharer are
    correlated through their common sharing time. On Erdos-Renyi graphs with mean
    degree ``c`` the fraction who ever share in a large outbreak solves ``S = 1 -
    exp(-c T S)`` (Kenah and Robins 2007; tests/test_rules_lasting.py).

    A step costs the edges of everyone sharing (not only of those who started), and
    the run stops when nobody shares and no seeding is due.

    Examples
    --------
    >>> round(SIRRule(beta=0.1, gamma=0.4).transmissibility(), 4)
    0.2174
    >>> SIRRule(beta=0.2, gamma=1.5)
    Traceback (most recent call last):
    ...
    ValueError: gamma must lie in [0, 1], got 1.5
    """

    name = "sir"
    schema = SIR
    layer_parameter = "beta"
    temporal = True
    keeps_spreading = True
    resharing: ClassVar[bool] = False
    run_columns = RUN_COLUMNS
    sliders = (
        Slider("beta", "chance per step beta", 0.0, 1.0, 0.01),
        Slider("gamma", "chance to stop gamma", 0.0, 1.0, 0.01),
    )

    beta: float
    gamma: float

    def __post_init__(self) -> None:
        for name in ("beta", "gamma"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1], got {value}")

    @classmethod
    def from_spec(cls, spec: Lasting) -> SIRRule:
        return cls(beta=spec.beta, gamma=spec.gamma)

    @classmethod
    def planning_probability(cls, spec: Lasting) -> float | None:
        """The transmissibility (see :meth:`transmissibility`): a sharer's chance to
        convince a given neighbour at some step."""
        return cls.from_spec(spec).transmissibility()

    def transmissibility(self) -> float:
        """``T = beta / (beta + gamma - beta gamma)``, the chance that a sharer ever
        convinces a given neighbour who stays able to catch it (0 when ``beta`` is 0)."""
        if self.beta == 0.0:
            return 0.0
        return self.beta / (self.beta + self.gamma - self.beta * self.gamma)

    def prepare(self, model, track) -> LastingParams:
        """The sharers so far (the step-0 seeds), and the per-person arrays."""
        n_nodes = model.graph.n_nodes
        sharers = np.empty(n_nodes, dtype=np.int32)
        sharing = np.flatnonzero(track.shared_at != NEVER)
        sharers[: sharing.size] = sharing
        track.n_waiting = int(sharing.size)
        forgetting = track.message.modifiers.forgetting
        return LastingParams(
            float(self.beta),
            chance_bits(1.0 - (1.0 - self.gamma) * (1.0 - forgetting)),
            self.resharing,
            np.uint64(track.key),
            np.full(n_nodes, NEVER, dtype=np.int32),
            np.full(n_nodes, NEVER, dtype=np.int32),
            sharers,
            np.zeros((model.scenario.steps + 1, 2), dtype=np.int64),
        )

    def sharing(self, track, adopters: np.ndarray, until_step: int) -> np.ndarray:
        """People sharing at each step ``0 .. until_step`` (the prevalence): everyone who
        started by then, plus the restarts, minus the stops."""
        episodes = track.work.episodes[: until_step + 1]
        return adopters + np.cumsum(episodes[:, 0]) - np.cumsum(episodes[:, 1])

    def started(self, model, track, people: np.ndarray) -> None:
        """People an actor made share between steps join the sharers."""
        n_sharing = track.n_waiting
        track.work.sharers[n_sharing : n_sharing + people.size] = people
        track.n_waiting = n_sharing + people.size

    def run_measures(self, curves, n_nodes: int, horizon: int) -> dict[str, float]:
        """``final_size`` and ``peak_prevalence`` (:func:`prevalence_measures`)."""
        return prevalence_measures(curves, n_nodes)


@register
@dataclass(frozen=True)
class SISRule(SIRRule):
    """SIS sharing: as :class:`SIRRule`, but people who stop can catch the message
    again, from the step after they stop, and share again (re-sharing).

    A run ends at ``steps`` or when nobody shares. ``heard_at``, ``shared_at`` and
    ``source`` keep each person's first time (so the cascade tree is of first
    shares); ``track.work.since`` is the start of their latest re-sharing episode.
    Besides ``final_size`` and ``peak_prevalence``, runs report
    ``mean_prevalence_last_quarter`` (:func:`late_prevalence`), the endemic level.

    *Theory* (the discrete-time mean field). On a complete graph of ``n`` people with
    a fraction ``x`` sharing at step ``t``, a person who can catch the message escapes
    all ``x n`` sharers' chances with probability ``(1 - beta)^(x n)``, and a sharer
    goes on with probability ``1 - gamma`` (one who stops can catch it again only
    from the next step). Taking the fraction for its expectation, ``x(t + 1) = (1 -
    gamma) x + (1 - x)(1 - (1 - beta)^(x n))``. Its positive fixed point, the endemic
    level, solves ``gamma x = (1 - x)(1 - (1 - beta)^(x n))``; it exists when ``beta
    n > gamma`` (the slope at 0), and for large ``n`` with ``beta n = b`` it is the
    root of ``gamma x = (1 - x)(1 - exp(-b x))``. For ``n = 400``, ``beta = 0.005``,
    ``gamma = 0.5`` it is 0.578, and the simulated mean prevalence over the last
    quarter of 80 steps matches it (tests/test_rules_lasting.py).

    Examples
    --------
    >>> SISRule(beta=0.1, gamma=0.4).name
    'sis'
    """

    name = "sis"
    schema = SIS
    resharing: ClassVar[bool] = True
    run_columns = (*RUN_COLUMNS, "mean_prevalence_last_quarter")

    @classmethod
    def planning_probability(cls, spec: Lasting) -> float | None:
        return None  # re-sharing makes reach no percolation

    def run_measures(self, curves, n_nodes: int, horizon: int) -> dict[str, float]:
        """As ``sir``, and ``mean_prevalence_last_quarter`` (:func:`late_prevalence`)."""
        return {
            **prevalence_measures(curves, n_nodes),
            "mean_prevalence_last_quarter": late_prevalence(curves[2], n_nodes, horizon),
        }
