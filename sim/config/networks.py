"""The network section of a scenario: one model per kind of network, and layers."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from sim.config.people import BetaDraw, LogNormalDraw, NormalDraw, PowerLawDraw, UniformDraw
from sim.schema import (
    MAX_INDEX,
    Frozen,
    Identifier,
    KeyedError,
    Positive,
    PositiveInt,
    Probability,
    number_or,
)

WeightDraw = Annotated[
    UniformDraw | BetaDraw | NormalDraw | LogNormalDraw | PowerLawDraw,
    Field(discriminator="distribution"),
]

_DETERMINISTIC_NETWORKS = ("ring_lattice", "complete", "edgelist")


class Turnover(Frozen):
    """Ties that form and dissolve: at each step after the first, each tie is rewired
    with probability ``rate`` (one end moves to a person drawn at random)."""

    rate: Probability


class _Network(Frozen):
    """What every network section has besides its model's own keys.

    ``fixed``: draw the network once, from replication 0's network stream, and let
    every replication use it; replications then differ only in their seeding and
    coins. By default (``false``) each replication draws its own network, so results
    average over networks of the model as well. Replication 0's network is the
    same either way, and deterministic networks (``ring_lattice``, ``complete``,
    ``edgelist``) are shared whatever ``fixed`` says (unless ``turnover`` changes
    them). Replications that share a network can run together
    (:mod:`sim.batch.multirep`).

    ``turnover``: ties that form and dissolve during a run
    (:func:`sim.network.temporal.with_turnover`); the network is then temporal.
    """

    model: str  # each subclass narrows it to its own name; declared here to come first
    fixed: bool = False
    weights: number_or(Positive, WeightDraw) | None = None
    turnover: Turnover | None = None

    @model_validator(mode="after")
    def _turnover_on_ties_of_one_kind(self):
        if self.turnover is not None and self.weights is not None:
            raise KeyedError("turnover", self.turnover.model_dump(), "no turnover of "
                             "weighted ties (weights and times together are not supported)")
        return self

    @property
    def weighted(self) -> bool:
        """Whether the network's ties have weights (drawn, or read from a column)."""
        return self.weights is not None

    @property
    def temporal(self) -> bool:
        """Whether the network changes during a run: contacts at times (an edge list's
        time column, an activity-driven network) or ties with turnover."""
        return self.turnover is not None

    @property
    def shared_by_replications(self) -> bool:
        """Whether every replication runs on the same network."""
        return self.fixed or (self.model in _DETERMINISTIC_NETWORKS and self.turnover is None)

    def graph_replication(self, replication: int) -> int:
        """Whose network stream draws the network of ``replication``."""
        return 0 if self.shared_by_replications else replication


class _RewiredLattice(_Network):
    """A ring of ``n`` people tied to their ``k`` nearest, changed with probability ``p``."""

    n: PositiveInt
    k: PositiveInt = 10
    p: Probability = 0.1

    @model_validator(mode="after")
    def _k_fits(self):
        _check_lattice(self.n, self.k)
        return self


class WattsStrogatz(_RewiredLattice):
    """Ring lattice of ``n`` people, each tied to ``k`` nearest; each tie rewired with ``p``."""

    model: Literal["watts_strogatz"]


class NewmanWatts(_RewiredLattice):
    """Ring lattice plus shortcuts: each lattice tie adds a random shortcut with ``p``."""

    model: Literal["newman_watts"]


class RingLattice(_Network):
    """Each of ``n`` people tied to the ``k`` nearest on a ring (``k`` even)."""

    model: Literal["ring_lattice"]
    n: PositiveInt
    k: PositiveInt = 10

    @model_validator(mode="after")
    def _k_fits(self):
        _check_lattice(self.n, self.k)
        return self


class ErdosRenyi(_Network):
    """G(n, p): every pair tied independently; give ``p`` or ``mean_degree``."""

    model: Literal["erdos_renyi"]
    n: PositiveInt
    mean_degree: Annotated[float, Field(ge=0.0, allow_inf_nan=False)] | None = None
    p: Probability | None = None

    @model_validator(mode="after")
    def _one_density(self):
        if (self.mean_degree is None) == (self.p is None):
            raise KeyedError("", None, "exactly one of mean_degree or p")
        if self.mean_degree is not None and self.mean_degree > self.n - 1:
            raise KeyedError("mean_degree", self.mean_degree, f"at most n - 1 = {self.n - 1}")
        return self

    @property
    def edge_probability(self) -> float:
        """The pair probability, from ``p`` or ``mean_degree / (n - 1)``."""
        if self.p is not None:
            return self.p
        return 0.0 if self.n < 2 else self.mean_degree / (self.n - 1)


class BarabasiAlbert(_Network):
    """Preferential attachment: each newcomer ties to ``m`` people, the well connected likelier."""

    model: Literal["barabasi_albert"]
    n: PositiveInt
    m: PositiveInt = 5

    @model_validator(mode="after")
    def _m_fits(self):
        if self.m >= self.n:
            raise KeyedError("m", self.m, f"a whole number smaller than n = {self.n}")
        return self


class HolmeKim(_Network):
    """Clustered scale-free graph: preferential attachment plus triad formation
    (closing a triangle) with probability ``p_triangle``."""

    model: Literal["holme_kim"]
    n: PositiveInt
    m: PositiveInt = 5
    p_triangle: Probability = 0.5

    @model_validator(mode="after")
    def _m_fits(self):
        if self.m >= self.n:
            raise KeyedError("m", self.m, f"a whole number smaller than n = {self.n}")
        return self


class StochasticBlock(_Network):
    """Communities: ``sizes`` blocks, ties inside with ``p_in`` and across with ``p_out``."""

    model: Literal["stochastic_block"]
    # every pair of blocks is drawn in turn: a million blocks would take hours
    sizes: Annotated[list[PositiveInt], Field(min_length=1, max_length=1000)]
    p_in: Probability = 0.1
    p_out: Probability = 0.01

    @model_validator(mode="after")
    def _fits(self):
        if self.n > MAX_INDEX:
            raise KeyedError("sizes", f"{self.n:,} people", f"at most {MAX_INDEX:,} people")
        return self

    @property
    def n(self) -> int:
        """Total number of people."""
        return sum(self.sizes)


class Complete(_Network):
    """Everyone tied to everyone (a well-mixed population)."""

    model: Literal["complete"]
    n: Annotated[int, Field(ge=1, le=20_000)]


class Follower(_Network):
    """Directed follower graph (Twitter-like): each newcomer follows ``m`` people chosen
    by preferential attachment on followers; a followed person follows back with
    ``reciprocity``. Arcs point from the followed to the follower (who sees whom)."""

    model: Literal["follower"]
    n: PositiveInt
    m: PositiveInt = 5
    reciprocity: Probability = 0.1

    @model_validator(mode="after")
    def _m_fits(self):
        if self.m >= self.n:
            raise KeyedError("m", self.m, f"a whole number smaller than n = {self.n}")
        return self


Activity = number_or(
    Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False)],
    Annotated[UniformDraw | BetaDraw | PowerLawDraw, Field(discriminator="distribution")],
)


class Memory(Frozen):
    """Ties that last (Karsai, Perra and Vespignani 2014): an active person who has met
    ``n`` distinct people so far contacts someone new with probability ``c / (n + c)``,
    else one of those ``n``, chosen uniformly."""

    c: Positive = 1.0


class ActivityDriven(_Network):
    """Contacts that last one step (Perra, Goncalves, Pastor-Satorras and Vespignani
    2012): each of ``n`` people has an ``activity`` ``a`` (a probability in (0, 1], or
    drawn per person: uniform, beta or power_law within it); at each step a person is
    active with probability ``a`` and then contacts ``m`` people chosen uniformly at
    random (with ``memory``, mostly people met before). A new set of contacts is drawn
    for every step of the run, from the run's network stream."""

    model: Literal["activity_driven"]
    n: Annotated[int, Field(ge=2)]
    m: PositiveInt = 1
    activity: Activity
    memory: Memory | None = None

    @model_validator(mode="after")
    def _fits(self):
        if self.m >= self.n:
            raise KeyedError("m", self.m, f"a whole number smaller than n = {self.n}")
        if self.turnover is not None:
            raise KeyedError("turnover", self.turnover.model_dump(), "none on contacts that "
                             "last one step (turnover rewires the ties of a static generator)")
        if self.weights is not None:
            raise KeyedError("weights", self.weights.model_dump() if isinstance(
                self.weights, Frozen) else self.weights, "none on contacts (an activity-"
                "driven network has no weighted ties)")
        activity = self.activity
        if isinstance(activity, UniformDraw | PowerLawDraw) and activity.high > 1.0:
            raise KeyedError("activity.high", activity.high, "at most 1 (an activity is a "
                             "chance per step, in (0, 1])")
        if isinstance(activity, UniformDraw) and activity.high <= 0.0:
            raise KeyedError("activity.high", activity.high, "more than 0 (an activity is a "
                             "chance per step, in (0, 1])")
        return self

    @property
    def temporal(self) -> bool:
        return True

    def activity_moment(self, order: int) -> float:
        """The mean of ``a ** order`` over the activity's distribution.

        Examples
        --------
        >>> spec = ActivityDriven(model="activity_driven", n=10, activity=0.2)
        >>> round(spec.activity_moment(2), 6)
        0.04
        """
        activity = self.activity
        if isinstance(activity, float | int):
            return float(activity) ** order
        if isinstance(activity, PowerLawDraw):
            return activity.moment(order)
        if isinstance(activity, UniformDraw):
            low, high = activity.low, activity.high
            if high == low:
                return low**order
            return (high ** (order + 1) - low ** (order + 1)) / ((order + 1) * (high - low))
        mean = 1.0  # beta: E[x^k] = prod_{i<k} (a + i) / (a + b + i)
        for i in range(order):
            mean *= (activity.a + i) / (activity.a + activity.b + i)
        return mean


Column = Annotated[int, Field(ge=3)] | Annotated[str, Field(min_length=1)]


class Columns(Frozen):
    """Which column of an edge list holds what besides the two ids: a 1-based position
    (``3``) or a header name (``weight``, ``time``)."""

    weight: Column | None = None
    time: Column | None = None


class EdgeList(_Network):
    """A network read from a file of ``u v`` pairs (whitespace or commas, ``#``/``%``
    comments, optional header, ``.gz``). Relative paths are relative to the scenario.
    ``columns.weight`` reads each tie's weight from a column (finite, at least 0).
    ``columns.time`` makes each line a contact at a time: the network is temporal, and
    a contact at time ``t`` happens at step ``floor((t - t0) / step_duration)``, ``t0``
    the file's first time (a message passes along a contact only at its step)."""

    model: Literal["edgelist"]
    path: str
    directed: bool = False
    columns: Columns = Columns()
    step_duration: Positive | None = None

    @model_validator(mode="after")
    def _columns_fit(self):
        if self.turnover is not None:
            raise KeyedError("turnover", self.turnover.model_dump(), "none on an edge list "
                             "(turnover rewires the ties of a generated network)")
        if self.weights is not None and self.columns.weight is not None:
            raise KeyedError("weights", self.weights.model_dump() if isinstance(
                self.weights, Frozen) else self.weights, "no weights to draw when "
                "columns.weight reads them from the file")
        if self.step_duration is not None and self.columns.time is None:
            raise KeyedError("step_duration", self.step_duration,
                             "only with columns.time (a step_duration maps times to steps)")
        if self.columns.time is not None and self.weighted:
            raise KeyedError("columns.time", self.columns.time, "no times on weighted "
                             "ties (weights and times together are not supported)")
        return self

    @property
    def weighted(self) -> bool:
        return self.weights is not None or self.columns.weight is not None

    @property
    def temporal(self) -> bool:
        return self.columns.time is not None


_ONE_NETWORK = (
    WattsStrogatz
    | NewmanWatts
    | RingLattice
    | ErdosRenyi
    | BarabasiAlbert
    | HolmeKim
    | StochasticBlock
    | Complete
    | Follower
    | EdgeList
    | ActivityDriven
)
NetworkSpec = Annotated[_ONE_NETWORK, Field(discriminator="model")]


class Layer(Frozen):
    """One platform over the same people: its own network among its members.

    ``membership`` is the fraction of people on the platform (drawn at random for
    each replication from the network's stream); the layer's ``network`` is built
    among them, its ``n`` filled in as ``round(membership * n)``. An ``edgelist``
    layer names people by their numbers (``0 .. n-1``) and its members are the
    people it lists (its membership must stay 1).
    """

    name: Identifier
    membership: Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False)] = 1.0
    network: NetworkSpec

    @model_validator(mode="after")
    def _edgelist_lists_its_members(self):
        if isinstance(self.network, EdgeList) and self.membership != 1.0:
            raise KeyedError(
                "membership", self.membership, "1 for an edge list (its members are listed)"
            )
        if isinstance(self.network, ActivityDriven):
            raise KeyedError("network.model", self.network.model,
                             "a static network on a layer (temporal layers are not supported)")
        if self.network.turnover is not None:
            raise KeyedError("network.turnover", self.network.turnover.model_dump(),
                             "none on a layer (temporal layers are not supported)")
        if self.network.temporal:
            raise KeyedError("network.columns.time", self.network.columns.time,
                             "none on a layer (temporal layers are not supported)")
        if self.network.weighted:
            key, value = ("network.weights", self.network.weights) if (
                self.network.weights is not None
            ) else ("network.columns.weight", self.network.columns.weight)
            raise KeyedError(key, value, "none on a layer (weighted layers are not supported)")
        return self


class Layered(_Network):
    """Several platforms (layers) over the same ``n`` people: a friendship layer, a
    follower layer, an offline one. A tie on several layers is several ties, each
    with its own chance; rules may set their parameter per layer (``rule.layers``)."""

    model: Literal["layers"]
    n: PositiveInt
    layers: Annotated[list[Layer], Field(min_length=1, max_length=16)]

    @model_validator(mode="after")
    def _no_weights(self):
        if self.turnover is not None:
            raise KeyedError("turnover", self.turnover.model_dump(), "none on a network of "
                             "layers (temporal layers are not supported)")
        if self.weights is not None:
            raise KeyedError("weights", self.weights, "none on a network of layers "
                             "(weighted layers are not supported)")
        return self

    @model_validator(mode="before")
    @classmethod
    def _layer_sizes(cls, raw: Any) -> Any:
        if not isinstance(raw, dict) or not isinstance(raw.get("layers"), list):
            return raw
        n_people = raw.get("n")
        if not isinstance(n_people, int) or isinstance(n_people, bool):
            return raw
        layers = []
        for layer in raw["layers"]:
            if isinstance(layer, dict) and isinstance(layer.get("network"), dict):
                network = dict(layer["network"])
                membership = layer.get("membership", 1.0)
                sized = network.get("model") not in ("edgelist", "stochastic_block")
                fraction = isinstance(membership, int | float) and 0 < membership <= 1
                if sized and "n" not in network and fraction:  # else its own check says
                    network["n"] = max(1, round(membership * n_people))
                layer = {**layer, "network": network}
            layers.append(layer)
        return {**raw, "layers": layers}

    @model_validator(mode="after")
    def _unique_names(self):
        names = [layer.name for layer in self.layers]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise KeyedError("layers", repeated, "unique layer names")
        for layer in self.layers:
            size = getattr(layer.network, "n", None)
            if size is not None and size > self.n:
                raise KeyedError(f"layers.{layer.name}.network.n", size, f"at most n = {self.n}")
        return self

    @property
    def layer_names(self) -> list[str]:
        """The layers' names, in order."""
        return [layer.name for layer in self.layers]


AnyNetwork = Annotated[_ONE_NETWORK | Layered, Field(discriminator="model")]


def lattice_fits(n: int, k: int) -> bool:
    """Whether a ring of ``n`` people can tie each to its ``k`` nearest: ``k`` even,
    from 0 to ``n - 1``.

    The one rule for the scenario check here and for the generators
    (:func:`sim.network.generators.ring_lattice`), which each word the refusal their
    own way: a scenario key here, a Python argument there.

    Examples
    --------
    >>> lattice_fits(10, 4), lattice_fits(10, 3), lattice_fits(4, 4)
    (True, False, False)
    """
    return 0 <= k < n and k % 2 == 0


def _check_lattice(n: int, k: int) -> None:
    if not lattice_fits(n, k):
        raise KeyedError("k", k, f"an even number smaller than n = {n}")
