"""People's attributes: drawn once per run, read by every rule's kernel.

A scenario's ``people`` section (:class:`sim.config.People`) declares activity,
susceptibility, influence and visibility as numbers, distributions or functions of
degree, and roles that override them for chosen groups. Each attribute and each
role draws from its own named sub-stream of the run's population stream, so the
draws are reproducible and adding a role leaves everyone else's values unchanged.

An attribute that is one number for everyone is one array shared by every run of
that network size (:func:`constant_values`): runs read their people's attributes and
never write them (a message whose receptivity changes copies its own), and filling
four fresh arrays per run cost a batch of plain cascades a third of its kernel time.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from sim.config import (
    ATTRIBUTES,
    PROBABILITY_ATTRIBUTES,
    DegreePower,
    People,
    Role,
)
from sim.errors import InputError
from sim.network.graph import Graph
from sim.network.weights import draw_values
from sim.randomness import RunStreams
from sim.seeding import top_by_score


@dataclass(frozen=True)
class Population:
    """Per-person attribute arrays (float64, one value per person) and role members.

    ``keys`` holds the run's activity and visibility coin keys (uint64), in that
    order; ``default`` says everyone is the same, always online and public.
    """

    activity: np.ndarray
    susceptibility: np.ndarray
    influence: np.ndarray
    visibility: np.ndarray
    roles: dict[str, np.ndarray]
    keys: np.ndarray
    default: bool


def draw_attribute(value, graph: Graph, rng: np.random.Generator) -> np.ndarray:
    """One attribute for everyone: a constant, a distribution or a function of degree.

    Examples
    --------
    >>> from sim.network.graph import Graph
    >>> star = Graph.from_edges([0, 0, 0], [1, 2, 3])
    >>> draw_attribute(2.0, star, np.random.default_rng(0)).tolist()
    [2.0, 2.0, 2.0, 2.0]
    >>> power = DegreePower(distribution="degree_power", scale=1.0, exponent=1.0)
    >>> draw_attribute(power, star, np.random.default_rng(0)).tolist()
    [2.0, 0.6666666666666666, 0.6666666666666666, 0.6666666666666666]
    """
    n_nodes = graph.n_nodes
    if isinstance(value, DegreePower):
        degree = graph.degree.astype(np.float64)
        mean_degree = degree.mean() if n_nodes else 0.0
        if mean_degree == 0.0:
            return np.full(n_nodes, value.scale)
        with np.errstate(divide="ignore"):
            return value.scale * (degree / mean_degree) ** value.exponent
    return draw_values(value, n_nodes, rng)


@functools.lru_cache(maxsize=8)
def constant_values(n_nodes: int, value: float) -> np.ndarray:
    """``value`` for ``n_nodes`` people, one array shared by every caller: read it,
    never write it (copy it first).

    Numpy could mark it read-only, but numba compiles a kernel anew for read-only
    arrays, so every rule would be compiled twice.

    Examples
    --------
    >>> constant_values(3, 1.0).tolist(), constant_values(3, 1.0) is constant_values(3, 1.0)
    ([1.0, 1.0, 1.0], True)
    """
    return np.full(n_nodes, value)


def role_members(
    role: Role, graph: Graph, rng: np.random.Generator, source: str = "<scenario>"
) -> np.ndarray:
    """Internal indices of a role's members (sorted, distinct).

    Examples
    --------
    >>> from sim.config import Role
    >>> from sim.network.graph import Graph
    >>> star = Graph.from_edges([0, 0, 0], [1, 2, 3])
    >>> hubs = Role(name="hubs", select={"top_degree": 0.25})
    >>> role_members(hubs, star, np.random.default_rng(0)).tolist()
    [0]
    """
    select = role.select
    if select.nodes is not None:
        try:
            return np.unique(graph.internal_index(select.nodes))
        except KeyError as missing:
            raise InputError(
                source, f"people.roles.{role.name}.select.nodes", missing.args[0],
                "ids of people in the network",
            ) from None
    fraction = select.fraction if select.fraction is not None else select.top_degree
    count = round(fraction * graph.n_nodes)
    if select.fraction is not None:
        return np.sort(rng.choice(graph.n_nodes, size=count, replace=False))
    return np.sort(top_by_score(graph.degree, count, rng))


def draw_population(
    people: People, graph: Graph, streams: RunStreams, source: str = "<scenario>"
) -> Population:
    """Everyone's attributes for one run (each from its own named sub-stream).

    Examples
    --------
    >>> from sim.network.graph import Graph
    >>> ring = Graph.from_edges([0, 1, 2], [1, 2, 0])
    >>> people = People(activity={"distribution": "uniform", "low": 0.2, "high": 0.4})
    >>> population = draw_population(people, ring, RunStreams(1, 0))
    >>> bool(((population.activity >= 0.2) & (population.activity <= 0.4)).all())
    True
    >>> population.default
    False
    """
    values = {}
    shared = set()  # names of attributes that are constant_values
    for name in ATTRIBUTES:
        value = getattr(people, name)
        if isinstance(value, int | float) and all(getattr(role, name) is None
                                                  for role in people.roles):
            if name in PROBABILITY_ATTRIBUTES:
                value = min(max(float(value), 0.0), 1.0)  # as np.clip below would
            values[name] = constant_values(graph.n_nodes, float(value))
            shared.add(name)
        else:
            values[name] = draw_attribute(value, graph, streams.population_rng(name))
    roles = {}
    for role in people.roles:
        members = role_members(role, graph, streams.population_rng(f"role:{role.name}"), source)
        roles[role.name] = members
        for name in ATTRIBUTES:
            value = getattr(role, name)
            if value is not None:
                rng = streams.population_rng(f"role:{role.name}:{name}")
                values[name][members] = draw_attribute(value, graph, rng)[members]
    for name in (name for name in PROBABILITY_ATTRIBUTES if name not in shared):
        np.clip(values[name], 0.0, 1.0, out=values[name])
    keys = np.array(
        [streams.population_key("activity"), streams.population_key("visibility")],
        dtype=np.uint64,
    )
    return Population(**values, roles=roles, keys=keys, default=people.is_default)
