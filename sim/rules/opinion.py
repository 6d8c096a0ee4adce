"""Discrete opinions: the voter model, Galam's majority rule and the q-voter model.

These rules track what people think, not only what they heard: everyone holds one
of two opinions, the message's (1) or the opposite (0). The message's ``seeding``
(at step 0) chooses who starts holding it; everyone else holds the opposite. Every
step is synchronous (DESIGN decision 2): each person reads the opinions of the
people they listen to (their in-neighbours) at step ``t`` and holds their new
opinion at ``t + 1``. A person nobody reaches keeps their opinion; with
``people.activity``, a person offline at ``t + 1`` keeps theirs too. A run ends at
consensus (everyone holds one opinion: nothing can change any more) or at
``steps``.

- ``voter``: each person adopts the opinion of one in-neighbour drawn uniformly.
- ``majority`` (Galam 2002, on neighbourhoods): each person forms a group of
  themself and ``group_size - 1`` in-neighbours drawn uniformly with replacement,
  and adopts the opinion most of the group holds; a tie (an even group) keeps their
  own opinion.
- ``q_voter`` (Castellano, Munoz and Pastor-Satorras 2009): each person draws ``q``
  in-neighbours uniformly with replacement; if all ``q`` hold the same opinion the
  person adopts it, otherwise they flip their opinion with probability
  ``epsilon``. ``q: 1, epsilon: 0`` is the voter model, coin for coin.

The state arrays keep their meaning for the rest of buzz: ``heard_at`` and
``shared_at`` are the step a person first held the message's opinion (``reach`` is
who ever held it), ``source`` the in-neighbour they took it from that time (the
first drawn who held it; ``-1`` for the seeds and for a q-voter's own flip).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import ClassVar, Literal, NamedTuple

import numpy as np
from pydantic import PositiveInt

from sim.jit import njit
from sim.rules.coins import chance_bits, pair_bits
from sim.rules.common import NEVER, NO_SOURCE, online
from sim.rules.registry import Rule, Slider, register
from sim.schema import Frozen, KeyedError, Probability

VOTER, MAJORITY, Q_VOTER = 0, 1, 2
# salts of the coin keys: the i-th neighbour drawn (i >= 1; the first uses the message
# key itself) and the q-voter's flip
PICK_SALT = np.uint64(0x3C6EF372FE94F82B)
FLIP_SALT = np.uint64(0xA54FF53A5F1D36F1)
RUN_COLUMNS = ("holders", "holders_frac", "consensus", "consensus_step")


class Voter(Frozen):
    """Each step each person adopts the opinion of one of the people they listen to,
    drawn uniformly."""

    model: Literal["voter"]


class Majority(Frozen):
    """Galam's majority rule on neighbourhoods: each step each person adopts the
    opinion most of a group holds, the group being themself and ``group_size - 1``
    people they listen to, drawn uniformly with replacement (a tie keeps theirs)."""

    model: Literal["majority"]
    group_size: PositiveInt = 3


class QVoter(Frozen):
    """The q-voter model: each step each person draws ``q`` people they listen to
    (with replacement); a unanimous draw convinces them, otherwise they flip their
    opinion with probability ``epsilon``."""

    model: Literal["q_voter"]
    q: PositiveInt = 4
    epsilon: Probability = 0.0


class OpinionParams(NamedTuple):
    """The kernel's parameters and state. ``kind`` (``VOTER``, ``MAJORITY`` or
    ``Q_VOTER``); ``pick_keys[i]``, the coin key of the ``i``-th neighbour each person
    draws; ``flip``, the integer form of ``epsilon``; ``flip_key``; the graph of who
    listens to whom (``listen_indptr``, ``listen_indices``: each person's
    in-neighbours); ``holds`` (int8 per person, 1 for the message's opinion) at the
    current step and ``next_holds`` for the next; ``holders[t]`` the number holding
    the message's opinion at step ``t`` (int64)."""

    kind: int
    pick_keys: np.ndarray
    flip: np.uint64
    flip_key: np.uint64
    listen_indptr: np.ndarray
    listen_indices: np.ndarray
    holds: np.ndarray
    next_holds: np.ndarray
    holders: np.ndarray


def pick_keys(key: int, n_picks: int) -> np.ndarray:
    """The coin keys of the neighbours a person draws: the message's key for the first
    (so that the q-voter with ``q = 1`` is the voter model), then the key salted with
    the pair bits of ``(i, 0)`` under ``PICK_SALT``.

    Examples
    --------
    >>> keys = pick_keys(7, 3)
    >>> int(keys[0]), len(set(keys.tolist()))
    (7, 3)
    """
    keys = np.empty(n_picks, dtype=np.uint64)
    for i in range(n_picks):
        keys[i] = np.uint64(key) if i == 0 else np.uint64(key) ^ pair_bits(PICK_SALT, i, 0)
    return keys


@njit(inline="always")
def drawn(params, person, pick, step, start, degree):
    """The ``pick``-th in-neighbour ``person`` draws at ``step``: the place
    ``bits % degree`` in their row, ``bits`` being the pair coin ``(step, person)``
    under the pick's key."""
    bits = pair_bits(params.pick_keys[pick], step, person)
    return params.listen_indices[start + bits % np.uint64(degree)]


@njit(inline="always")
def first_holding(state, person, step, teller):
    """Record that ``person`` holds the message's view at ``step``, from ``teller``,
    if they never did before (then they have heard and shared it); returns 1 if so."""
    if state.shared_at[person] != NEVER:
        return 0
    state.heard_at[person] = step
    state.shared_at[person] = step
    state.source[person] = teller
    return 1


@njit(cache=True)
def opinion_step(state, step, params, mods):
    """One synchronous step from ``step`` to ``step + 1``: every person's opinion at
    ``step + 1`` from the opinions at ``step`` (``params.holds``), written to
    ``params.next_holds``; people who hold the message's opinion for the first time get
    ``heard_at``, ``shared_at`` (``step + 1``) and ``source``.

    Returns ``(n_holding, new_holders)`` at ``step + 1``.
    """
    holds, next_holds = params.holds, params.next_holds
    indptr = params.listen_indptr
    next_step = np.int32(step + 1)
    n_picks = params.pick_keys.size
    n_holding = 0
    new_holders = 0
    for person in range(holds.size):
        own = holds[person]
        new = own
        teller = NO_SOURCE
        start = indptr[person]
        degree = indptr[person + 1] - start
        if degree > 0 and (not mods.on or online(mods, person, next_step)):
            n_ones = 0
            for pick in range(n_picks):
                other = drawn(params, person, pick, next_step, start, degree)
                if holds[other] == 1:
                    n_ones += 1
                    if teller == NO_SOURCE:
                        teller = other
            if params.kind == VOTER:
                new = np.int8(n_ones)
            elif params.kind == MAJORITY:
                in_favour = 2 * (n_ones + own)  # the group: the picks and the person
                if in_favour > n_picks + 1:
                    new = np.int8(1)
                elif in_favour < n_picks + 1:
                    new = np.int8(0)
            elif n_ones == n_picks:
                new = np.int8(1)
            elif n_ones == 0:
                new = np.int8(0)
            elif pair_bits(params.flip_key, next_step, person) < params.flip:
                new = np.int8(1 - own)
                teller = NO_SOURCE  # their own doing
        next_holds[person] = new
        n_holding += new
        if new == 1:
            new_holders += first_holding(state, person, next_step, teller)
    return n_holding, new_holders


@njit(inline="always")
def undecided(holders, step, n_nodes):
    """Whether people still disagree at ``step`` (no consensus yet)."""
    return 0 < holders[step] < n_nodes


@njit(cache=True)
def opinion_advance(graph, arrays, position, schedule, params, mods):
    """Run :func:`opinion_step` until consensus or ``schedule.last_step``; record each
    step's new holders in ``arrays.counts`` (heard and shared alike) and the holders
    in ``params.holders``. Returns ``(step, 0, n_waiting)``, ``n_waiting`` 1 while
    people disagree (the frontier is not used: opinions, not shares, move)."""
    state, _, counts = arrays
    step = position[0]
    holds, next_holds, holders = params.holds, params.next_holds, params.holders
    n_nodes = holds.size
    while step < schedule.last_step and undecided(holders, step, n_nodes):
        n_holding, new_holders = opinion_step(state, step, params, mods)
        for person in range(n_nodes):
            holds[person] = next_holds[person]
        step += 1
        counts[step, 0] = new_holders
        counts[step, 1] = new_holders
        holders[step] = n_holding
    return step, 0, int(undecided(holders, step, n_nodes))


def consensus_measures(holders: np.ndarray, n_nodes: int) -> dict[str, float]:
    """``holders`` and ``holders_frac`` at the end, ``consensus`` (everyone holds one
    opinion, either) and ``consensus_step`` (the first step at which they did; NaN
    without consensus), from the number holding the message's opinion at each step.

    Examples
    --------
    >>> consensus_measures(np.array([3, 5, 10, 10]), n_nodes=10)
    {'holders': 10, 'holders_frac': 1.0, 'consensus': True, 'consensus_step': 2.0}
    >>> consensus_measures(np.array([3, 4]), n_nodes=10)["consensus_step"]
    nan
    """
    agreed = np.flatnonzero((holders == 0) | (holders == n_nodes))
    return {
        "holders": int(holders[-1]),
        "holders_frac": float(holders[-1]) / n_nodes,
        "consensus": bool(agreed.size > 0),
        "consensus_step": float(agreed[0]) if agreed.size else float("nan"),
    }


def forward_filled(values: np.ndarray, last: int, until_step: int) -> np.ndarray:
    """``values[0 .. until_step]`` with the value at ``last`` (the run's last step)
    carried to the later steps (another message ran longer).

    Examples
    --------
    >>> forward_filled(np.array([4, 6, 0, 0]), last=1, until_step=3).tolist()
    [4, 6, 6, 6]
    """
    shown = values[: until_step + 1].copy()
    shown[last + 1 :] = values[last]
    return shown


class OpinionRule(Rule):
    """What opinion rules share: their columns, their curves and what they cannot be
    combined with (see :meth:`conflict`)."""

    opinion: ClassVar[str | None] = "discrete"
    kernel = opinion_advance
    run_columns = RUN_COLUMNS
    series_columns = ("holders",)

    @classmethod
    def conflict(cls, scenario, message) -> KeyedError | None:
        """Opinions start at step 0 and move by the rule alone: seeding at step 0, no
        message modifiers, opinion shift or sharing by opinion, no interaction or
        actor aiming at the message, no tie weights (a neighbour is drawn uniformly)."""
        name = message.name
        if message.seeding.step != 0:
            return KeyedError(f"messages.{name}.seeding.step", message.seeding.step,
                              f"0 with rule {cls.name} (who holds the opinion at the start)")
        for key, value in message.modifiers.model_dump().items():
            default = type(message.modifiers).model_fields[key].default
            if value != default:
                return KeyedError(f"messages.{name}.modifiers.{key}", value,
                                  f"{default} with rule {cls.name} (an opinion rule)")
        if message.opinion_shift or message.share_by_opinion is not None:
            key = "opinion_shift" if message.opinion_shift else "share_by_opinion"
            return KeyedError(f"messages.{name}.{key}", getattr(message, key),
                              f"none with rule {cls.name} (a message heard moves opinions: "
                              "give it to a message that spreads shares)")
        for i, interaction in enumerate(scenario.interactions):
            if name in (interaction.source, interaction.target):
                end = "from" if interaction.source == name else "to"
                return KeyedError(f"interactions.{i}.{end}", name,
                                  f"a message whose rule spreads shares, not {cls.name}")
        for i, action in enumerate(scenario.campaign.actions):
            if action.message == name:
                return KeyedError(f"campaign.actions.{i}.message", name,
                                  f"a message whose rule spreads shares, not {cls.name}")
        manager = scenario.community_manager
        if manager is not None and name in (manager.watch, manager.respond_with):
            field = "watch" if manager.watch == name else "respond_with"
            return KeyedError(f"community_manager.{field}", name,
                              f"a message whose rule spreads shares, not {cls.name}")
        if scenario.network.weighted:
            return KeyedError(f"messages.{name}.rule.model", cls.name,
                              "a rule that knows tie weights (the network is weighted)")
        return None

    def holders(self, track, until_step: int) -> np.ndarray:
        """People holding the message's opinion at each step ``0 .. until_step``."""
        return forward_filled(track.work.holders, track.step, until_step)

    def sharing(self, track, adopters: np.ndarray, until_step: int) -> np.ndarray:
        """Everyone holding the message's opinion voices it: the holders."""
        return self.holders(track, until_step)

    def run_measures(self, curves, n_nodes: int, horizon: int) -> dict[str, float]:
        """:func:`consensus_measures` of the holders (the ``sharing`` curve)."""
        return consensus_measures(curves[2], n_nodes)

    def series_measures(self, track, until_step: int) -> dict[str, np.ndarray]:
        """``holders`` at each step."""
        return {"holders": self.holders(track, until_step)}


class DiscreteOpinionRule(OpinionRule, abc.ABC):
    """The opinion rules where a person holds the message's opinion or not (voter,
    majority, q-voter): one kernel, told by :meth:`picks` how each draws."""

    def prepare(self, model, track) -> OpinionParams:
        """The seeds hold the message's opinion, everyone else the opposite."""
        listen = model.graph.reversed()
        n_nodes = model.graph.n_nodes
        holds = (track.shared_at != NEVER).astype(np.int8)
        holders = np.zeros(model.scenario.steps + 1, dtype=np.int64)
        holders[0] = int(holds.sum())
        track.n_frontier = 0  # opinions, not shares, move: the frontier is not used
        track.n_waiting = int(0 < holders[0] < n_nodes)
        kind, n_picks, flip = self.picks()
        return OpinionParams(
            kind, pick_keys(int(track.key), n_picks), chance_bits(flip),
            np.uint64(track.key) ^ FLIP_SALT, listen.indptr, listen.indices,
            holds, np.empty(n_nodes, dtype=np.int8), holders,
        )

    @abc.abstractmethod
    def picks(self) -> tuple[int, int, float]:
        """``(kind, neighbours drawn per person, epsilon)``."""


@register
@dataclass(frozen=True)
class VoterRule(DiscreteOpinionRule):
    """The voter model (Clifford and Sudbury 1973; Holley and Liggett 1975), synchronous.

    Each step each person (online, with someone to listen to) adopts the opinion
    their in-neighbour drawn at that step held: the pair coin ``(t + 1, person)``
    under the message key, modulo their in-degree, is the place of that in-neighbour
    in their row.

    *Theory.* Given the opinions at ``t``, person ``v`` holds the message's opinion at
    ``t + 1`` with probability the fraction of their in-neighbours who hold it. On an
    undirected network the degree-weighted share ``M = sum_v d_v x_v / sum_v d_v`` is
    then a martingale: its expectation at ``t + 1`` is ``sum_v d_v (1 / d_v) sum_{u ~
    v} x_u = sum_u d_u x_u`` over the same total. Consensus is absorbing, so where it
    is reached (a connected network that is not bipartite: on a bipartite one
    synchronous copying can swap the two sides for ever) the chance that it is on the
    message's opinion is ``M`` at step 0: on a complete or regular network, the
    initial share; in general the seeds' share of the degrees
    (tests/test_rules_opinion.py checks both within sampling error).

    Examples
    --------
    >>> VoterRule().picks()
    (0, 1, 0.0)
    """

    name = "voter"
    schema = Voter

    @classmethod
    def from_spec(cls, spec: Voter) -> VoterRule:
        return cls()

    def picks(self) -> tuple[int, int, float]:
        return VOTER, 1, 0.0


@register
@dataclass(frozen=True)
class MajorityRule(DiscreteOpinionRule):
    """Galam's majority rule on neighbourhoods, synchronous.

    Galam (2002) lets random groups of ``r`` people form and each adopt the opinion
    of its majority. On a network, each step each person (online, with someone to
    listen to) forms their own group: themself and ``group_size - 1`` in-neighbours,
    drawn uniformly with replacement (the ``i``-th by the pair coin ``(t + 1,
    person)`` under the ``i``-th pick key), and holds at ``t + 1`` the opinion most of
    the group holds at ``t``. In an even group a tie keeps the person's own opinion.

    *Theory.* On a complete network with a share ``x`` holding the opinion (and ``n``
    large, so that the draws are independent), the expected share after one step is
    the chance that the majority of ``group_size`` independent members holds it: for
    3, ``x^3 + 3 x^2 (1 - x) = 3 x^2 - 2 x^3`` (Galam's map, whose fixed point 1/2 is
    unstable: the majority grows).

    Examples
    --------
    >>> MajorityRule(group_size=3).picks()
    (1, 2, 0.0)
    """

    name = "majority"
    schema = Majority
    sliders = (Slider("group_size", "group size", 1, 9, 1),)

    group_size: int = 3

    def __post_init__(self) -> None:
        if self.group_size < 1:
            raise ValueError(f"group_size must be at least 1, got {self.group_size}")

    @classmethod
    def from_spec(cls, spec: Majority) -> MajorityRule:
        return cls(group_size=spec.group_size)

    def picks(self) -> tuple[int, int, float]:
        return MAJORITY, self.group_size - 1, 0.0


@register
@dataclass(frozen=True)
class QVoterRule(DiscreteOpinionRule):
    """The q-voter model (Castellano, Munoz and Pastor-Satorras 2009), synchronous.

    Each step each person (online, with someone to listen to) draws ``q``
    in-neighbours uniformly with replacement (the ``i``-th by the pair coin ``(t +
    1, person)`` under the ``i``-th pick key, the first being the voter model's).
    If all ``q`` hold the same opinion at ``t``, the person holds it at ``t + 1``;
    otherwise they flip their own opinion if their flip coin (the pair ``(t + 1,
    person)`` under the key salted with ``FLIP_SALT``) falls below ``epsilon``. With
    ``q = 1`` every draw is unanimous: the voter model, coin for coin.

    *Theory.* On a complete network with a share ``x`` holding the opinion, a
    non-holder adopts it with probability ``x^q + epsilon (1 - x^q - (1 - x)^q)`` and
    a holder drops it with probability ``(1 - x)^q + epsilon (1 - x^q - (1 -
    x)^q)``; the expected share after one step follows.

    Examples
    --------
    >>> QVoterRule(q=4, epsilon=0.1).picks()
    (2, 4, 0.1)
    """

    name = "q_voter"
    schema = QVoter
    sliders = (
        Slider("q", "neighbours who must agree q", 1, 8, 1),
        Slider("epsilon", "chance to flip otherwise", 0.0, 0.5, 0.01),
    )

    q: int = 4
    epsilon: float = 0.0

    def __post_init__(self) -> None:
        if self.q < 1:
            raise ValueError(f"q must be at least 1, got {self.q}")
        if not 0.0 <= self.epsilon <= 1.0:
            raise ValueError(f"epsilon must lie in [0, 1], got {self.epsilon}")

    @classmethod
    def from_spec(cls, spec: QVoter) -> QVoterRule:
        return cls(q=spec.q, epsilon=spec.epsilon)

    def picks(self) -> tuple[int, int, float]:
        return Q_VOTER, self.q, self.epsilon
