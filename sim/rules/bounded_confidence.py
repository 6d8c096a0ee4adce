"""Continuous opinions: bounded confidence (Deffuant et al. 2000; Hegselmann and Krause 2002).

Everyone holds an opinion of the message's subject in [0, 1] (0: against, 1: for),
drawn at step 0 from ``people.opinion`` (like the other ``people`` attributes; by
default uniform on [0, 1]); the message's ``seeding`` chooses people who start at 1
(fully for). People only listen to those whose opinion is close enough to theirs:
within the confidence bound ``epsilon``. Steps are synchronous; with
``people.activity`` a person offline at ``t + 1`` keeps their opinion (and, under
Deffuant, is nobody's partner).

- ``variant: deffuant`` (with ``mu`` in (0, 0.5]): each step the ties are randomly
  matched, every person in at most one pair, and the two people of a pair whose
  opinions differ by less than ``epsilon`` each move a share ``mu`` of the way to the
  other's (``mu = 0.5``: they meet half-way). The matching: every tie gets a coin for
  the step; a tie is a pair when its coin is the highest among the ties of both its
  people (who are online). Each step about half the people of a dense network are in
  a pair. Directed ties pair their two people too (a pair talks both ways).
- ``variant: hegselmann_krause``: each step each person takes the mean opinion of
  themself and the people they listen to whose opinions lie within ``epsilon`` of
  theirs (no coin: the model is deterministic).

The run ends when opinions have settled: every tie joins two people whose opinions
are within ``SETTLED`` (1e-6) of each other or too far apart to interact; or at
``steps``.

For the rest of buzz, a person *holds* the message's view when their opinion is
above 1/2: ``heard_at`` and ``shared_at`` are the first step they did (``reach``
counts who ever leaned towards the message; step 0 for those who started there),
``source`` their Deffuant partner that step (``-1`` under Hegselmann-Krause, and for
those who started there), and the ``sharing`` curve counts the holders at each step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal, NamedTuple

import numpy as np
from pydantic import Field, model_validator

from sim.jit import njit
from sim.rules.coins import pair_bits
from sim.rules.common import NEVER, NO_SOURCE, online
from sim.rules.opinion import OpinionRule, first_holding
from sim.rules.registry import Slider, register
from sim.schema import Frozen, KeyedError

ConfidenceBound = Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False)]
Convergence = Annotated[float, Field(gt=0.0, le=0.5, allow_inf_nan=False)]
STEP_SALT = np.uint64(0x510E527FADE682D1)  # the key of a step's matching coins
SETTLED = 1e-6  # ties closer than this no longer count as moving
CLUSTER_GAP = 0.01  # sorted opinions further apart than this start a new cluster
CLUSTER_LEAST = 0.05  # the share of people a major cluster holds at least
RUN_COLUMNS = ("holders", "holders_frac", "clusters", "largest_cluster_frac",
               "mean_opinion", "opinion_variance", "bimodality")


class BoundedConfidence(Frozen):
    """People move towards the opinions of those within ``epsilon`` of theirs:
    pairwise (``deffuant``, a share ``mu`` of the gap) or to the mean of all of them
    (``hegselmann_krause``). Opinions lie in [0, 1]."""

    model: Literal["bounded_confidence"]
    variant: Literal["deffuant", "hegselmann_krause"] = "deffuant"
    epsilon: ConfidenceBound
    mu: Convergence | None = None

    @model_validator(mode="after")
    def _mu_with_deffuant(self):
        if self.mu is not None and self.variant != "deffuant":
            raise KeyedError("mu", self.mu, "no mu with hegselmann_krause (only with deffuant)")
        return self


class ConfidenceParams(NamedTuple):
    """``hegselmann_krause`` (else Deffuant); ``epsilon``; ``mu``; the coin ``key``;
    whom each person talks with (``tie_indptr``, ``tie_indices``: Deffuant's
    undirected ties, Hegselmann-Krause's in-neighbours); per person ``opinion`` now,
    ``next_opinion`` and ``partner`` (scratch); per step ``holders`` (int64) and
    ``mean_opinion``. ``opinion`` and ``mean_opinion`` are the model's: the people's
    one opinion of the run, which messages heard move too."""

    hegselmann_krause: bool
    epsilon: float
    mu: float
    key: np.uint64
    tie_indptr: np.ndarray
    tie_indices: np.ndarray
    opinion: np.ndarray
    next_opinion: np.ndarray
    partner: np.ndarray
    holders: np.ndarray
    mean_opinion: np.ndarray


@njit(inline="always")
def close_enough(params, gap):
    """Whether two opinions ``gap`` apart interact: ``< epsilon`` (Deffuant),
    ``<= epsilon`` (Hegselmann-Krause), as in each paper."""
    if params.hegselmann_krause:
        return gap <= params.epsilon
    return gap < params.epsilon


@njit(inline="always")
def tie_coin(step_key, a, b):
    """The matching coin of the tie between ``a`` and ``b`` (either order) at a step."""
    if a < b:
        return pair_bits(step_key, a, b)
    return pair_bits(step_key, b, a)


@njit(cache=True)
def choose_partners(step, params, mods):
    """Deffuant's matching at ``step + 1``: ``params.partner[i]`` is the person at the
    other end of ``i``'s tie with the highest coin (ties of equal coins by the other's
    number, lowest first), ``-1`` for nobody; only online people take part."""
    indptr, indices, partner = params.tie_indptr, params.tie_indices, params.partner
    next_step = np.int32(step + 1)
    step_key = params.key ^ pair_bits(STEP_SALT, next_step, 0)
    for person in range(partner.size):
        partner[person] = -1
        if mods.on and not online(mods, person, next_step):
            continue
        best = np.uint64(0)
        for edge in range(indptr[person], indptr[person + 1]):
            other = indices[edge]
            if mods.on and not online(mods, other, next_step):
                continue
            coin = tie_coin(step_key, person, other)
            if partner[person] == -1 or coin > best:
                best = coin
                partner[person] = other


@njit(cache=True)
def confidence_step(state, step, params, mods):
    """One synchronous step from ``step`` to ``step + 1``: ``params.next_opinion`` from
    ``params.opinion``; people whose opinion first exceeds 1/2 get ``heard_at``,
    ``shared_at`` and ``source``. Returns ``(n_holding, new_holders)`` at ``step + 1``."""
    opinion, next_opinion, partner = params.opinion, params.next_opinion, params.partner
    indptr, indices = params.tie_indptr, params.tie_indices
    next_step = np.int32(step + 1)
    if not params.hegselmann_krause:
        choose_partners(step, params, mods)
    n_holding = 0
    new_holders = 0
    for person in range(opinion.size):
        own = opinion[person]
        new = own
        teller = NO_SOURCE
        if params.hegselmann_krause:
            if not mods.on or online(mods, person, next_step):
                total = own
                count = 1
                for edge in range(indptr[person], indptr[person + 1]):
                    other = opinion[indices[edge]]
                    if close_enough(params, abs(other - own)):
                        total += other
                        count += 1
                new = total / count
        else:
            other = partner[person]
            if other >= 0 and partner[other] == person:
                if close_enough(params, abs(opinion[other] - own)):
                    new = own + params.mu * (opinion[other] - own)
                    teller = other
        next_opinion[person] = new
        if new > 0.5:
            n_holding += 1
            new_holders += first_holding(state, person, next_step, teller)
    return n_holding, new_holders


@njit(cache=True)
def mean_in_order(values):
    """The mean of ``values`` added one by one in order (the reference adds them the
    same way, so the two agree to the last bit)."""
    total = 0.0
    for value in values:
        total += value
    return total / values.size


@njit(cache=True)
def settled(params):
    """Whether every tie joins opinions within ``SETTLED`` or too far apart to meet."""
    opinion, indptr, indices = params.opinion, params.tie_indptr, params.tie_indices
    for person in range(opinion.size):
        for edge in range(indptr[person], indptr[person + 1]):
            gap = abs(opinion[indices[edge]] - opinion[person])
            if gap > SETTLED and close_enough(params, gap):
                return False
    return True


@njit(cache=True)
def confidence_advance(graph, arrays, position, schedule, params, mods):
    """Run :func:`confidence_step` until opinions settle or ``schedule.last_step``;
    record each step's new holders in ``arrays.counts``, the holders and the mean
    opinion. Returns ``(step, 0, n_waiting)``, ``n_waiting`` 1 while opinions move."""
    state, _, counts = arrays
    step = position[0]
    opinion, next_opinion = params.opinion, params.next_opinion
    moving = position[2] > 0
    while step < schedule.last_step and moving:
        n_holding, new_holders = confidence_step(state, step, params, mods)
        for person in range(opinion.size):
            opinion[person] = next_opinion[person]
        step += 1
        counts[step, 0] = new_holders
        counts[step, 1] = new_holders
        params.holders[step] = n_holding
        params.mean_opinion[step] = mean_in_order(opinion)
        moving = not settled(params)
    return step, 0, int(moving)


def opinion_clusters(opinion: np.ndarray) -> np.ndarray:
    """The sizes of the major opinion clusters, largest first: the sorted opinions
    split wherever two consecutive ones lie more than ``CLUSTER_GAP`` (0.01) apart;
    groups of less than ``CLUSTER_LEAST`` (5%) of the people, the minor clusters of
    stragglers Deffuant et al. (2000) also leave out, are not counted.

    Examples
    --------
    >>> opinion_clusters(np.array([0.2, 0.8, 0.201, 0.795, 0.8, 0.5])).tolist()
    [3, 2, 1]
    """
    ordered = np.sort(opinion)
    breaks = np.flatnonzero(np.diff(ordered) > CLUSTER_GAP) + 1
    sizes = np.diff(np.concatenate(([0], breaks, [ordered.size])))
    sizes = sizes[sizes >= CLUSTER_LEAST * ordered.size]
    return np.sort(sizes)[::-1]


def bimodality_coefficient(values: np.ndarray) -> float:
    """Sarle's bimodality coefficient ``(g^2 + 1) / (k + 3 (n - 1)^2 / ((n - 2)(n -
    3)))`` with ``g`` the sample skewness and ``k`` the sample excess kurtosis: above
    5/9 (a uniform distribution's) a distribution leans to two modes; 1 for two
    equal spikes. NaN when all values are equal or ``n < 4``.

    Examples
    --------
    >>> round(bimodality_coefficient(np.array([0.0, 0.0, 1.0, 1.0] * 50)), 3)
    0.975
    """
    n = values.size
    if n < 4 or np.ptp(values) == 0.0:
        return float("nan")
    # imported here: scipy.stats costs about a second, and only opinion runs measure this
    from scipy import stats

    skewness = stats.skew(values, bias=False)
    excess = stats.kurtosis(values, bias=False)
    return float((skewness**2 + 1) / (excess + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))))


def confidence_measures(opinion: np.ndarray) -> dict[str, float]:
    """``holders`` (opinions above 1/2) and their fraction, the number of ``clusters``
    (:func:`opinion_clusters`), the ``largest_cluster_frac``, the ``mean_opinion``,
    the ``opinion_variance`` and the ``bimodality`` coefficient of the opinions.

    Examples
    --------
    >>> measures = confidence_measures(np.array([0.25] * 6 + [0.75] * 4))
    >>> measures["clusters"], measures["largest_cluster_frac"], measures["holders"]
    (2, 0.6, 4)
    """
    n_nodes = opinion.size
    sizes = opinion_clusters(opinion)
    holders = int(np.sum(opinion > 0.5))
    return {
        "holders": holders,
        "holders_frac": holders / n_nodes,
        "clusters": int(sizes.size),
        "largest_cluster_frac": float(sizes[0]) / n_nodes if sizes.size else 0.0,
        "mean_opinion": float(opinion.mean()),
        "opinion_variance": float(opinion.var()),
        "bimodality": bimodality_coefficient(opinion),
    }


def undirected_ties(graph) -> tuple[np.ndarray, np.ndarray]:
    """The CSR rows of the ties of ``graph`` taken both ways (a directed tie pairs its
    two people too; repeated ties are one)."""
    if not graph.directed:
        return graph.indptr, graph.indices
    from sim.network.graph import Graph

    sources = np.repeat(np.arange(graph.n_nodes), np.diff(graph.indptr))
    both = Graph.from_edges(sources, graph.indices, graph.n_nodes, directed=False)
    return both.indptr, both.indices


@register
@dataclass(frozen=True)
class BoundedConfidenceRule(OpinionRule):
    """Bounded confidence: Deffuant's pairs or Hegselmann-Krause's means (module doc).

    *Theory.* On a complete network with opinions uniform on [0, 1], Deffuant's model
    ends in about ``1 / (2 epsilon)`` clusters (Deffuant, Neau, Amblard and Weisbuch
    2000: one for ``epsilon`` above about 0.27, two at 0.2, four or five at 0.1); the
    mean opinion never changes (a pair moves by equal and opposite amounts);
    Hegselmann-Krause also ends in about ``1 / (2 epsilon)`` clusters, after finitely
    many steps (tests/test_rules_bounded_confidence.py).

    Examples
    --------
    >>> BoundedConfidenceRule(variant="deffuant", epsilon=0.2, mu=0.5).name
    'bounded_confidence'
    """

    name = "bounded_confidence"
    schema = BoundedConfidence
    opinion = "continuous"
    spreads_unseeded = True  # opinions move with no seed at all
    kernel = confidence_advance
    run_columns = RUN_COLUMNS
    series_columns = ("holders",)  # and the run's mean_opinion, as every run with opinions
    sliders = (
        Slider("epsilon", "confidence bound epsilon", 0.02, 1.0, 0.01),
        Slider("mu", "share of the gap closed mu", 0.05, 0.5, 0.05),
    )

    variant: str = "deffuant"
    epsilon: float = 0.2
    mu: float = 0.5

    def __post_init__(self) -> None:
        if not 0.0 < self.epsilon <= 1.0:
            raise ValueError(f"epsilon must lie in (0, 1], got {self.epsilon}")
        if not 0.0 < self.mu <= 0.5:
            raise ValueError(f"mu must lie in (0, 0.5], got {self.mu}")

    @classmethod
    def from_spec(cls, spec: BoundedConfidence) -> BoundedConfidenceRule:
        return cls(variant=spec.variant, epsilon=spec.epsilon,
                   mu=spec.mu if spec.mu is not None else 0.5)

    @classmethod
    def conflict(cls, scenario, message) -> KeyedError | None:
        """As every opinion rule (:meth:`OpinionRule.conflict`), and one message of
        bounded confidence per scenario: it moves the people's one opinion."""
        ours = [m.name for m in scenario.messages if m.rule.model == cls.name]
        if message.name != ours[0]:
            return KeyedError(f"messages.{message.name}.rule.model", cls.name,
                              f"one message with rule {cls.name} per scenario "
                              f"({ours[0]} has it already)")
        return super().conflict(scenario, message)

    @classmethod
    def page_sliders(cls, spec: BoundedConfidence) -> tuple[Slider, ...]:
        return cls.sliders if spec.variant == "deffuant" else cls.sliders[:1]

    def prepare(self, model, track) -> ConfidenceParams:
        """Opinions drawn from ``people.opinion``; the seeds start at 1."""
        graph = model.graph
        hegselmann_krause = self.variant == "hegselmann_krause"
        if hegselmann_krause:
            listen = graph.reversed()
            tie_indptr, tie_indices = listen.indptr, listen.indices
        else:
            tie_indptr, tie_indices = undirected_ties(graph)
        opinion = model.opinion  # the people's one opinion, which messages move too
        opinion[track.shared_at != NEVER] = 1.0
        leaning = np.flatnonzero((opinion > 0.5) & (track.shared_at == NEVER))
        track.heard_at[leaning] = 0
        track.shared_at[leaning] = 0
        track.counts[0] += leaning.size
        steps = model.scenario.steps
        holders = np.zeros(steps + 1, dtype=np.int64)
        holders[0] = int(np.sum(opinion > 0.5))
        mean_opinion = model.opinion_curve
        mean_opinion[0] = mean_in_order(opinion)
        params = ConfidenceParams(
            hegselmann_krause, float(self.epsilon), float(self.mu), np.uint64(track.key),
            tie_indptr, tie_indices, opinion, np.empty_like(opinion),
            np.empty(graph.n_nodes, dtype=np.int64), holders, mean_opinion,
        )
        track.n_frontier = 0  # opinions, not shares, move: the frontier is not used
        track.n_waiting = int(not settled(params))
        return params

    def run_measures(self, curves, n_nodes: int, horizon: int) -> dict[str, float]:
        return {}  # measured on the opinions themselves (state_measures)

    def state_measures(self, track) -> dict[str, float]:
        """:func:`confidence_measures` of the opinions at the end."""
        return confidence_measures(track.work.opinion)

