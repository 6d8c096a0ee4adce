"""The interactive page's model and pictures (``buzz viz``), without the web server.

:mod:`sim.viz.app` puts these on Mesa's SolaraViz page; everything here runs and is
tested without a browser.

- :class:`VizModel` is a :class:`~sim.model.BuzzModel` that SolaraViz can rebuild from
  keyword arguments: every slider is named by the dotted scenario key it sets
  (``messages.promo.rule.p``), so a slider is exactly a ``--set`` override, validated
  the same way.
- :func:`slider_params` offers sliders for the first message's rule parameters, its
  number of seeds and the replication (another random network, seeding and coins).
- :func:`network_picture` chooses who is drawn and where. **Large networks are drawn
  as a sample**: at most ``max_people`` (300) people, taken breadth-first from the
  first seed (so the picture shows the message's wave, hop by hop), then, if its
  component holds fewer, from the other seeds and the best-connected people left;
  only the ties among the people drawn are drawn, and the page says "showing N of M
  people". No randomness is involved in the choice; the layout is networkx's spring
  layout seeded by the scenario's seed (ring-like networks drawn whole go on a
  circle in node order), computed once per network, seeds and replication.
- :func:`draw_network`, :func:`draw_curves` and :func:`status_line` draw a model's
  current state.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.config import Scenario, with_values
from sim.model import BuzzModel
from sim.network.generators import build_network
from sim.network.graph import Graph
from sim.randomness import RunStreams
from sim.rules import rule_class
from sim.rules.common import NEVER

# How `buzz viz` tells the page which scenario to show (environment variables).
SCENARIO_ENV = "BUZZ_VIZ_SCENARIO"
OVERRIDES_ENV = "BUZZ_VIZ_SET"
MAX_PEOPLE_DRAWN = 300
MAX_AGENTS = 100_000  # beyond this, no Person views: Reset stays quick (the page reads arrays)
RING_LIKE = ("watts_strogatz", "newman_watts", "ring_lattice")
REPLICATIONS_OFFERED = 100

# Person states in a picture, by code: (label, colour).
STATES = (
    ("unaware", "#cfcfcf"),
    ("heard", "#f2b134"),
    ("sharing now", "#d62728"),
    ("shared before", "#6a3d9a"),
)

class VizModel(BuzzModel):
    """A run of ``scenario`` with slider values applied, steppable from the page.

    It is the run ``buzz run`` would make for that replication, bit for bit. Person
    agents are created up to :data:`MAX_AGENTS` people.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario (its sweep is not expanded: the sliders replace it).
    replication : int
        Which replication to show; it keys the network, the seeding and the coins.
    source : str
        Where the scenario came from, for error messages.
    **kwargs
        Dotted scenario keys and their values (what the sliders set), e.g.
        ``**{"messages.promo.rule.p": 0.2}``.

    Examples
    --------
    >>> from sim.config import scenario_from_dict
    >>> scenario = scenario_from_dict({
    ...     "name": "demo", "seed": 3, "steps": 5,
    ...     "network": {"model": "watts_strogatz", "n": 200, "k": 6, "p": 0.1},
    ...     "messages": [{"name": "promo", "rule": {"model": "independent_cascade", "p": 0.1},
    ...                   "seeding": {"strategy": "top_degree", "count": 2}}]})
    >>> model = VizModel(scenario, **{"messages.promo.rule.p": 0.5})
    >>> model.scenario.messages[0].rule.p
    0.5
    >>> for _ in range(9):  # more clicks than steps: the extra ones change nothing
    ...     model.step()
    >>> model.t == model.steps <= 5
    True
    """

    def __init__(
        self,
        scenario: Scenario,
        replication: int = 0,
        source: str = "<scenario>",
        **kwargs: Any,
    ) -> None:
        values = {key: _plain(value) for key, value in kwargs.items()}
        resolved = with_values(scenario, values, source=f"{source} (page)") if values else scenario
        # the graph BuzzModel would build (same stream), built first to size the agents
        graph = build_network(resolved.network,
                              RunStreams(resolved.seed, int(replication)).network_rng())
        super().__init__(resolved, replication=int(replication), graph=graph, source=source,
                         create_agents=graph.n_nodes <= MAX_AGENTS)

    def step(self) -> None:
        """One step while something can change; afterwards, nothing (Play may overshoot)."""
        if self.running:
            super().step()
        self.steps = self.t  # Mesa counts calls; the page shows steps actually taken


def _plain(value: Any) -> Any:
    # sliders hand back floats like 0.15000000000000002
    return round(value, 6) if isinstance(value, float) else value


def slider_params(scenario: Scenario, n_people: int, source: str = "<scenario>") -> dict:
    """SolaraViz ``model_params`` for :class:`VizModel`: fixed values and sliders.

    Sliders follow the first message's rule (independent cascade: ``p``; linear
    threshold: its ``threshold`` or ``count``; rumor: ``lambda`` and ``alpha``; Bass:
    ``p_external`` and ``q``), its number of seeds (unless it seeds listed people),
    and the replication.

    Examples
    --------
    >>> from sim.config import scenario_from_dict
    >>> scenario = scenario_from_dict({
    ...     "name": "demo", "network": {"model": "complete", "n": 50},
    ...     "messages": [{"name": "m", "rule": {"model": "rumor"},
    ...                   "seeding": {"count": 3}}]})
    >>> params = slider_params(scenario, 50)
    >>> [key for key, spec in params.items() if isinstance(spec, dict)]
    ['messages.m.rule.lambda', 'messages.m.rule.alpha', 'messages.m.seeding.count', 'replication']
    >>> params["messages.m.seeding.count"]["max"]
    50
    """
    message = scenario.messages[0]
    rule = message.rule.model_dump(mode="json", by_alias=True)
    prefix = f"messages.{message.name}"
    params: dict[str, Any] = {"scenario": scenario, "source": source}
    specs = rule_class(message.rule.model).page_sliders(message.rule)
    for name, label, low, high, step in specs:
        kind = "SliderInt" if isinstance(step, int) else "SliderFloat"
        params[f"{prefix}.rule.{name}"] = {
            "type": kind, "value": rule[name], "min": low, "max": high, "step": step,
            "label": f"{message.name}: {label}",
        }
    seeding = message.seeding
    if seeding.strategy != "nodes" and seeding.count is None and seeding.budget is not None:
        # seeds bought with a budget: the slider moves the budget
        params[f"{prefix}.seeding.budget"] = {
            "type": "SliderFloat", "value": seeding.budget, "min": 0.0,
            "max": max(1.0, 2 * seeding.budget), "step": max(0.01, seeding.budget / 50),
            "label": f"{message.name}: seeding budget ({seeding.strategy})",
        }
    elif seeding.strategy != "nodes":
        count = 1 if seeding.count is None else seeding.count
        low = 0 if rule_class(message.rule.model).spreads_unseeded else 1
        high = min(n_people, max(100, 2 * count))
        params[f"{prefix}.seeding.count"] = {
            "type": "SliderInt", "value": count, "min": low, "max": max(high, low),
            "step": 1, "label": f"{message.name}: seeds ({seeding.strategy})",
        }
    params["replication"] = {
        "type": "SliderInt", "value": 0, "min": 0, "max": REPLICATIONS_OFFERED - 1, "step": 1,
        "label": "replication (another random run)",
    }
    return params


# ------------------------------------------------------------------ who is drawn
def sample_people(graph: Graph, starts: np.ndarray, max_people: int) -> np.ndarray:
    """Up to ``max_people`` people, breadth-first from ``starts[0]``, in the order reached.

    When fewer are reachable, the search goes on from the next of ``starts`` not yet
    taken, then from the best-connected person not yet taken (lowest index on ties).
    Deterministic: no randomness is involved.

    Examples
    --------
    >>> path = Graph.from_edges([0, 1, 2, 3], [1, 2, 3, 4], n_nodes=5)
    >>> sample_people(path, np.array([2, 0]), 3).tolist()
    [2, 1, 3]
    >>> two_parts = Graph.from_edges([0, 2, 2], [1, 3, 4], n_nodes=5)
    >>> sample_people(two_parts, np.array([0]), 4).tolist()
    [0, 1, 2, 3]
    """
    limit = min(int(max_people), graph.n_nodes)
    taken = np.zeros(graph.n_nodes, dtype=bool)
    order: list[int] = []
    queue: deque[int] = deque()
    # restart points: the other starts, then the best-connected, lowest index on ties
    restarts = itertools.chain(
        np.asarray(starts, dtype=np.int64).tolist(),
        np.lexsort((np.arange(graph.n_nodes), -graph.degree)).tolist(),
    )
    while len(order) < limit:
        if not queue:
            node = next(node for node in restarts if not taken[node])
            taken[node] = True
            order.append(node)
            queue.append(node)
            continue
        for neighbour in graph.neighbors(queue.popleft()).tolist():
            if not taken[neighbour] and len(order) < limit:
                taken[neighbour] = True
                order.append(neighbour)
                queue.append(neighbour)
    return np.asarray(order, dtype=np.int64)


@dataclass(frozen=True)
class NetworkPicture:
    """Who is drawn and where: ``nodes`` (internal indices), their ``positions``
    (``len(nodes) x 2``), the ``ties`` among them (pairs of row numbers into
    ``nodes``) and the network's size."""

    nodes: np.ndarray
    positions: np.ndarray
    ties: np.ndarray
    n_people: int

    @property
    def note(self) -> str:
        """What the page says about the sample."""
        if self.nodes.size == self.n_people:
            return f"showing all {self.n_people} people"
        return (
            f"showing {self.nodes.size} of {self.n_people} people: those nearest the first "
            "seed (breadth-first), with only the ties among them"
        )


_PICTURES: OrderedDict[str, NetworkPicture] = OrderedDict()
_PICTURES_KEPT = 8
_PICTURES_LOCK = threading.Lock()  # browser sessions render in threads


def network_picture(model: BuzzModel, max_people: int = MAX_PEOPLE_DRAWN) -> NetworkPicture:
    """The people to draw for ``model`` and their layout, computed once per network,
    seeds and replication (see the module's docstring for the sampling).

    Examples
    --------
    >>> from sim.config import scenario_from_dict
    >>> scenario = scenario_from_dict({
    ...     "name": "demo", "seed": 3,
    ...     "network": {"model": "watts_strogatz", "n": 1000, "k": 6, "p": 0.1},
    ...     "messages": [{"name": "promo", "rule": {"model": "independent_cascade", "p": 0.1},
    ...                   "seeding": {"strategy": "top_degree", "count": 4}}]})
    >>> picture = network_picture(BuzzModel(scenario, create_agents=False), max_people=100)
    >>> picture.nodes.size, picture.positions.shape
    (100, (100, 2))
    >>> picture.note.startswith("showing 100 of 1000 people")
    True
    """
    seeds = [track.seeds for track in model.tracks]
    starts = np.concatenate(seeds) if seeds else np.empty(0, np.int64)
    scenario = model.scenario
    key = json.dumps(
        [scenario.seed, model.replication, scenario.network.model_dump(mode="json"),
         starts.tolist(), int(max_people)],
        sort_keys=True,
    )
    with _PICTURES_LOCK:
        if key in _PICTURES:
            _PICTURES.move_to_end(key)
            return _PICTURES[key]
    graph = model.graph
    nodes = sample_people(graph, starts, max_people)
    ties = _ties_among(graph, nodes)
    ring = scenario.network.model in RING_LIKE and nodes.size == graph.n_nodes
    positions = _layout(nodes, ties, graph.n_nodes, ring, seed=scenario.seed)
    picture = NetworkPicture(nodes, positions, ties, graph.n_nodes)
    with _PICTURES_LOCK:
        _PICTURES[key] = picture
        while len(_PICTURES) > _PICTURES_KEPT:
            _PICTURES.popitem(last=False)
    return picture


def _ties_among(graph: Graph, nodes: np.ndarray) -> np.ndarray:
    """Each tie between two drawn people once, as row numbers into ``nodes``."""
    row_of = np.full(graph.n_nodes, -1, dtype=np.int64)
    row_of[nodes] = np.arange(nodes.size)
    pairs = []
    for row, node in enumerate(nodes.tolist()):
        others = row_of[graph.neighbors(node)]
        others = others[others >= 0]
        pairs.append(np.column_stack([np.full(others.size, row), others]))
    if not pairs:
        return np.empty((0, 2), dtype=np.int64)
    ties = np.sort(np.concatenate(pairs), axis=1)  # a reciprocal arc is one line
    return np.unique(ties[ties[:, 0] != ties[:, 1]], axis=0)


def _layout(nodes: np.ndarray, ties: np.ndarray, n_people: int, ring: bool, seed: int):
    if ring:  # the whole ring in node order: shortcuts show as chords
        angle = 2 * np.pi * nodes / n_people
        return np.column_stack([np.cos(angle), np.sin(angle)])
    import networkx as nx

    drawn = nx.Graph()
    drawn.add_nodes_from(range(nodes.size))
    drawn.add_edges_from(ties.tolist())
    placed = nx.spring_layout(drawn, seed=seed, iterations=60)
    return np.array([placed[row] for row in range(nodes.size)], dtype=float)


# ------------------------------------------------------------------ what is drawn
def state_codes(model: BuzzModel, message: int | str, nodes: np.ndarray) -> np.ndarray:
    """Each drawn person's state for ``message`` now, as an index into :data:`STATES`.

    Examples
    --------
    >>> from sim.config import scenario_from_dict
    >>> scenario = scenario_from_dict({
    ...     "name": "demo", "network": {"model": "complete", "n": 4},
    ...     "messages": [{"name": "m", "rule": {"model": "independent_cascade", "p": 1.0},
    ...                   "seeding": {"strategy": "nodes", "nodes": [0]}}]})
    >>> model = BuzzModel(scenario, create_agents=False)
    >>> state_codes(model, "m", np.arange(4)).tolist()
    [2, 0, 0, 0]
    >>> model.step()
    >>> state_codes(model, "m", np.arange(4)).tolist()
    [3, 2, 2, 2]
    """
    track = model.track(message)
    heard, shared = track.heard_at[nodes], track.shared_at[nodes]
    codes = np.zeros(nodes.size, dtype=np.int64)
    now = model.t
    codes[heard <= now] = 1
    codes[(shared < now) & (shared != NEVER)] = 3
    codes[shared == now] = 2
    return codes


def status_line(model: BuzzModel) -> str:
    """The step and each message's counts, in words the page shows and tests read.

    Examples
    --------
    >>> from sim.config import scenario_from_dict
    >>> scenario = scenario_from_dict({
    ...     "name": "demo", "network": {"model": "complete", "n": 4},
    ...     "messages": [{"name": "m", "rule": {"model": "independent_cascade", "p": 1.0},
    ...                   "seeding": {"strategy": "nodes", "nodes": [0]}}]})
    >>> model = BuzzModel(scenario, create_agents=False)
    >>> model.step()
    >>> status_line(model)
    'step 1 · m: heard 4 · shared 4'
    """
    parts = [f"step {model.t}"]
    for track in model.tracks:
        name = track.message.name
        parts.append(
            f"{name}: heard {model.count('heard', name)} · "
            f"shared {model.count('adopters', name)}"
        )
    return " · ".join(parts)


def settings_line(model: BuzzModel) -> str:
    """The rule, seeds and replication in effect for the first message (the sliders'
    values take effect at Reset).

    Examples
    --------
    >>> from sim.config import scenario_from_dict
    >>> scenario = scenario_from_dict({
    ...     "name": "demo", "network": {"model": "complete", "n": 10},
    ...     "messages": [{"name": "m", "rule": {"model": "rumor", "lambda": 0.5},
    ...                   "seeding": {"strategy": "top_degree", "count": 2}}]})
    >>> settings_line(VizModel(scenario, replication=3))
    'm: rumor variant=maki_thompson lambda=0.5 alpha=1.0 · 2 seeds (top_degree) · replication 3'
    """
    message = model.scenario.messages[0]
    rule = message.rule.model_dump(mode="json", by_alias=True, exclude_none=True)
    words = [f"{key}={value}" for key, value in rule.items()
             if key != "model" and value not in ({}, [], "")
             and not (key == "threshold_distribution" and value == "fixed")]
    seeding = message.seeding
    seeds = f"{seeding.n_seeds} seeds ({seeding.strategy})"
    return (f"{message.name}: {' '.join([rule['model'], *words])} · {seeds} · "
            f"replication {model.replication}")


def draw_network(
    figure: Figure, picture: NetworkPicture, model: BuzzModel, message: int | str = 0
) -> None:
    """Draw the sampled people coloured by their state for ``message`` on ``figure``.

    Examples
    --------
    >>> from sim.config import scenario_from_dict
    >>> scenario = scenario_from_dict({
    ...     "name": "demo", "network": {"model": "ring_lattice", "n": 20, "k": 4},
    ...     "messages": [{"name": "m", "rule": {"model": "independent_cascade", "p": 0.5}}]})
    >>> model = BuzzModel(scenario, create_agents=False)
    >>> figure = Figure()
    >>> draw_network(figure, network_picture(model), model, "m")
    >>> len(figure.axes[0].collections)  # the ties, then the people
    2
    """
    axis = figure.add_subplot()
    track = model.track(message)
    codes = state_codes(model, message, picture.nodes)
    xy = picture.positions
    if picture.ties.size:
        axis.add_collection(LineCollection(
            np.stack([xy[picture.ties[:, 0]], xy[picture.ties[:, 1]]], axis=1),
            colors="#9a9a9a", linewidths=0.4, alpha=0.5, zorder=1,
        ))
    colours = np.array([colour for _, colour in STATES])
    size = float(np.clip(3000 / max(picture.nodes.size, 1), 8, 60))
    axis.scatter(xy[:, 0], xy[:, 1], s=size, c=colours[codes], linewidths=0.3,
                 edgecolors="#555555", zorder=2)
    keys = [
        Line2D([], [], linestyle="", marker="o", markersize=6, markerfacecolor=colour,
               markeredgecolor="#555555", markeredgewidth=0.3,
               label=f"{label} ({int((codes == code).sum())})")
        for code, (label, colour) in enumerate(STATES)
    ]
    axis.legend(handles=keys, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8,
                frameon=False, title="people drawn", title_fontsize=8)
    axis.set_title(f"{track.message.name} at step {model.t}", fontsize=10)
    axis.set_aspect("equal")
    axis.set_axis_off()
    figure.tight_layout()


def draw_curves(figure: Figure, model: BuzzModel) -> None:
    """Draw how many people heard (solid) and shared (dashed) each message, step by step.

    Examples
    --------
    >>> from sim.config import scenario_from_dict
    >>> scenario = scenario_from_dict({
    ...     "name": "demo", "network": {"model": "complete", "n": 30},
    ...     "messages": [{"name": "m", "rule": {"model": "independent_cascade", "p": 0.1}}]})
    >>> model = BuzzModel(scenario, create_agents=False)
    >>> model.step()
    >>> figure = Figure()
    >>> draw_curves(figure, model)
    >>> [line.get_label() for line in figure.axes[0].get_lines()]
    ['m: heard', 'm: shared']
    """
    axis = figure.add_subplot()
    palette = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
    steps = np.arange(model.t + 1)
    for index, track in enumerate(model.tracks):
        heard, adopters, _ = track.cumulative(model.t)
        colour = palette[index % len(palette)]
        axis.plot(steps, heard, "-", color=colour, marker="o", markersize=3,
                  label=f"{track.message.name}: heard")
        axis.plot(steps, adopters, "--", color=colour, marker="o", markersize=3,
                  label=f"{track.message.name}: shared")
    axis.set_xlim(0, max(model.t, 5))
    axis.set_ylim(bottom=0)
    axis.set(xlabel="step", ylabel="people",
             title=f"heard and shared, of {model.graph.n_nodes} people")
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8, loc="upper left")
    figure.tight_layout()
