"""The interactive page's model and pictures (``buzz viz``), without the web server.

:mod:`sim.viz.app` puts these on a Solara page; everything here runs and is tested
without a browser.

- :class:`VizModel` is a :class:`~sim.model.BuzzModel` that the page rebuilds from
  keyword arguments: every slider is named by the dotted scenario key it sets
  (``messages.promo.rule.p``), so a slider is exactly a ``--set`` override, validated
  the same way.
- :func:`slider_params` offers sliders for the first message's rule parameters, its
  number of seeds and the replication (another random network, seeding and coins).
- :func:`network_picture` chooses who is drawn and where. **Large networks are drawn
  as a sample** of at most ``max_people`` (300) people that includes the cascade: the
  run is played to its end once out of sight, and up to three quarters of the
  picture are people the message reaches, spread from the first reached to the last
  and joined by who told whom (:func:`cascade_people`); the rest are their friends it
  never reaches (:func:`grow_sample`). Only the ties among the people drawn are
  drawn, and the page says "showing N of M people". No randomness is involved in
  the choice; the layout is networkx's spring layout seeded by the scenario's seed
  (ring-like networks drawn whole go on a circle in node order), computed once per
  scenario, slider values and replication.
- :func:`draw_network`, :func:`draw_curves`, :func:`status_line` and
  :func:`finished_line` draw and tell a model's current state; :func:`shown_value`
  writes a slider's value as the page shows it.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Any

import matplotlib
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
                              RunStreams(resolved.seed, int(replication)).network_rng(),
                              resolved.steps)
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
def grow_sample(graph: Graph, first: np.ndarray, max_people: int,
                avoid: np.ndarray | None = None) -> np.ndarray:
    """``first``, then their friends breadth-first, up to ``max_people`` people in all.

    The search starts from all of ``first`` together (the friends of ``first[0]``
    before those of ``first[1]``, and so on). People marked in ``avoid`` are put
    aside when found and taken only once nobody else is reachable; after them, the
    search goes on from the best-connected person not yet taken (lowest index on
    ties). Deterministic: no randomness is involved.

    Examples
    --------
    >>> path = Graph.from_edges([0, 1, 2, 3], [1, 2, 3, 4], n_nodes=5)
    >>> grow_sample(path, np.array([2]), 3).tolist()
    [2, 1, 3]
    >>> grow_sample(path, np.array([2]), 3, avoid=np.array([0, 1, 0, 0, 0], bool)).tolist()
    [2, 3, 4]
    >>> two_parts = Graph.from_edges([0, 2, 2], [1, 3, 4], n_nodes=5)
    >>> grow_sample(two_parts, np.array([0]), 4).tolist()
    [0, 1, 2, 3]
    """
    limit = min(int(max_people), graph.n_nodes)
    first = np.asarray(first, dtype=np.int64)[:limit]
    avoid = np.zeros(graph.n_nodes, dtype=bool) if avoid is None else np.asarray(avoid, bool)
    taken = np.zeros(graph.n_nodes, dtype=bool)
    taken[first] = True
    set_aside = taken.copy()
    order: list[int] = first.tolist()
    queue: deque[int] = deque(order)
    later: deque[int] = deque()
    restarts = iter(np.lexsort((np.arange(graph.n_nodes), -graph.degree)).tolist())

    def take(node: int) -> None:
        taken[node] = set_aside[node] = True
        order.append(node)
        queue.append(node)

    while len(order) < limit:
        if queue:
            for neighbour in graph.neighbors(queue.popleft()).tolist():
                if set_aside[neighbour] or len(order) == limit:
                    continue
                if avoid[neighbour]:
                    set_aside[neighbour] = True
                    later.append(neighbour)
                else:
                    take(neighbour)
        elif later:
            take(later.popleft())
        else:
            take(next(node for node in restarts if not taken[node]))
    return np.asarray(order, dtype=np.int64)


def cascade_people(heard_at: np.ndarray, source: np.ndarray, max_people: int) -> np.ndarray:
    """Up to ``max_people`` of the people a run reached, joined by who told whom.

    When the run reached no more than ``max_people``, all of them, by the step they
    heard (then index). Otherwise people spread over the whole cascade, from the
    first reached to the last: the reached, in the order they heard, are visited
    from both ends inwards by halving (first, last, middle, quarters...), and each
    visited person is taken with their chain of tellers back to a starter
    (``source``) when the whole chain still fits. Everyone taken is linked to a
    starter through people taken, so the picture shows the message's paths.

    Examples
    --------
    >>> never = np.iinfo(np.int32).max
    >>> heard = np.array([0, 1, 1, 2, 2, 3, never])  # 0 told 1 and 2; 1 told 3, 4; 3 told 5
    >>> source = np.array([-1, 0, 0, 1, 1, 3, -1])
    >>> cascade_people(heard, source, 10).tolist()
    [0, 1, 2, 3, 4, 5]
    >>> cascade_people(heard, source, 4).tolist()  # the first and the last, with 5's chain
    [0, 1, 3, 5]
    """
    reached = np.flatnonzero(heard_at != NEVER)
    reached = reached[np.lexsort((reached, heard_at[reached]))]
    limit = int(max_people)
    if reached.size <= limit:
        return reached.astype(np.int64)
    taken = np.zeros(heard_at.size, dtype=bool)
    chosen: list[int] = []
    for index in _halving_order(reached.size):
        chain = []
        person = int(reached[index])
        while person >= 0 and not taken[person]:
            chain.append(person)
            person = int(source[person])
        if len(chosen) + len(chain) <= limit:
            taken[chain] = True
            chosen.extend(reversed(chain))
        if len(chosen) == limit:
            break
    chosen_array = np.asarray(chosen, dtype=np.int64)
    return chosen_array[np.lexsort((chosen_array, heard_at[chosen_array]))]


def _halving_order(size: int):
    """0, size - 1, then the midpoints of ever finer halvings, each index once."""
    seen = set()
    parts = 1
    while len(seen) < size:
        for index in np.linspace(0, size - 1, parts + 1).round().astype(np.int64).tolist():
            if index not in seen:
                seen.add(index)
                yield index
        parts *= 2


@dataclass(frozen=True)
class NetworkPicture:
    """Who is drawn and where: ``nodes`` (internal indices), their ``positions``
    (``len(nodes) x 2``), the ``ties`` among them (pairs of row numbers into
    ``nodes``), the network's size, how many people the run reaches in the end
    (``reached``, any message) and how many of those are drawn (``reached_drawn``)."""

    nodes: np.ndarray
    positions: np.ndarray
    ties: np.ndarray
    n_people: int
    reached: int
    reached_drawn: int

    @property
    def note(self) -> str:
        """What the page says about the people drawn."""
        if self.nodes.size == self.n_people:
            return f"showing all {self.n_people:,} people"
        others = self.nodes.size - self.reached_drawn
        reached = (f"all {self.reached:,} people the run reaches" if
                   self.reached_drawn == self.reached else
                   f"{self.reached_drawn:,} of the {self.reached:,} people the run "
                   "reaches, along who told whom")
        rest = f", and {others:,} friends it does not reach" if others else ""
        return (f"showing {self.nodes.size:,} of {self.n_people:,} people: {reached}{rest}; "
                "only the ties among them")


_PICTURES: OrderedDict[str, NetworkPicture] = OrderedDict()
_PICTURES_KEPT = 8
_PICTURES_LOCK = threading.Lock()  # browser sessions render in threads
REACHED_SHARE = 0.75  # of the people drawn, at most this share from the cascade


def network_picture(model: BuzzModel, max_people: int = MAX_PEOPLE_DRAWN) -> NetworkPicture:
    """The people to draw for ``model``'s run and their layout, computed once per
    scenario (sliders included) and replication.

    On a network of at most ``max_people`` everyone is drawn. On a larger one, the
    people drawn include the cascade, so the message is seen travelling: the run is
    played to its end once, out of sight (a copy of the model, same streams, so the
    same run), and up to three quarters of the picture go to people it reaches
    (:func:`cascade_people`: the first message to reach each person says who told
    them); the rest are their friends, those it never reaches first
    (:func:`grow_sample`), so the picture also shows where the message stops.

    Examples
    --------
    >>> from sim.config import scenario_from_dict
    >>> scenario = scenario_from_dict({
    ...     "name": "demo", "seed": 3,
    ...     "network": {"model": "watts_strogatz", "n": 1000, "k": 6, "p": 0.1},
    ...     "messages": [{"name": "promo", "rule": {"model": "independent_cascade", "p": 0.3},
    ...                   "seeding": {"strategy": "top_degree", "count": 4}}]})
    >>> picture = network_picture(BuzzModel(scenario, create_agents=False), max_people=100)
    >>> picture.nodes.size, picture.positions.shape, picture.reached > 100
    (100, (100, 2), True)
    >>> picture.note.startswith("showing 100 of 1,000 people: ")
    True
    """
    scenario = model.scenario
    key = json.dumps([scenario.model_dump(mode="json"), model.replication, int(max_people)],
                     sort_keys=True)
    with _PICTURES_LOCK:
        if key in _PICTURES:
            _PICTURES.move_to_end(key)
            return _PICTURES[key]
    graph = model.graph
    heard_at, source = _run_to_the_end(model)
    reached = int((heard_at != NEVER).sum())
    if graph.n_nodes <= max_people:
        nodes = np.arange(graph.n_nodes, dtype=np.int64)
    else:
        cascade = cascade_people(heard_at, source, int(REACHED_SHARE * max_people))
        nodes = grow_sample(graph, cascade, max_people, avoid=heard_at != NEVER)
    ties = _ties_among(graph, nodes)
    ring = scenario.network.model in RING_LIKE and nodes.size == graph.n_nodes
    positions = _layout(nodes, ties, graph.n_nodes, ring, seed=scenario.seed)
    picture = NetworkPicture(nodes, positions, ties, graph.n_nodes, reached,
                             int((heard_at[nodes] != NEVER).sum()))
    with _PICTURES_LOCK:
        _PICTURES[key] = picture
        while len(_PICTURES) > _PICTURES_KEPT:
            _PICTURES.popitem(last=False)
    return picture


def _run_to_the_end(model: BuzzModel) -> tuple[np.ndarray, np.ndarray]:
    """When each person first hears any message in ``model``'s run, and who told
    them then, from a copy of the run played to its end."""
    whole = BuzzModel(model.scenario, replication=model.replication, graph=model.graph,
                      source=model.source, create_agents=False)
    whole.run()
    heard = np.stack([track.heard_at for track in whole.tracks])
    first = np.argmin(heard, axis=0)  # the first message to reach each person
    people = np.arange(heard.shape[1])
    sources = np.stack([track.source for track in whole.tracks])
    return heard[first, people], sources[first, people]


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
        if track.rule.opinion:
            parts.append(f"{name}: holding its view {model.count('sharing', name)}")
            continue
        parts.append(
            f"{name}: heard {model.count('heard', name)} · "
            f"shared {model.count('adopters', name)}"
        )
    if model.opinion is not None:
        parts.append(f"mean opinion {model.mean_opinions(model.t)[-1]:.3f} (0 against, 1 for)")
    return " · ".join(parts)


def finished_line(model: BuzzModel) -> str | None:
    """What the page announces when a run has ended (``None`` while it goes on): the
    step, each message's reach and why it stopped.

    Examples
    --------
    >>> from sim.config import scenario_from_dict
    >>> everyone = {"model": "independent_cascade", "p": 1.0}  # one seed, all hear at step 1
    >>> model = BuzzModel(scenario_from_dict({"name": "demo", "network": {
    ...     "model": "complete", "n": 4}, "messages": [{"name": "m", "rule": everyone}]}))
    >>> finished_line(model) is None
    True
    >>> model.run()
    >>> finished_line(model)
    'finished at step 2: m reached 4 of 4 people (100%), 4 shared · nothing more can change'
    """
    if model.running:
        return None
    people = model.graph.n_nodes
    reach = [
        f"{track.message.name}: {model.count('sharing', track.message.name):,} of "
        f"{people:,} people hold its view"
        if track.rule.opinion else
        f"{track.message.name} reached {model.count('heard', track.message.name):,} of "
        f"{people:,} people ({model.count('heard', track.message.name) / people:.0%}), "
        f"{model.count('adopters', track.message.name):,} shared"
        for track in model.tracks
    ]
    why = ("the scenario's last step" if model.t >= model.scenario.steps
           else "nothing more can change")
    return f"finished at step {model.t}: {'; '.join(reach)} · {why}"


def shown_value(spec: dict, value: float) -> str:
    """A slider's value as the page shows it: to the slider's step, no float noise.

    Examples
    --------
    >>> shown_value({"type": "SliderFloat", "step": 0.01}, 0.15000000000000002)
    '0.15'
    >>> shown_value({"type": "SliderFloat", "step": 0.005}, 0.2)
    '0.2'
    >>> shown_value({"type": "SliderInt", "step": 1}, 20)
    '20'
    """
    if spec["type"] == "SliderInt":
        return str(int(value))
    digits = max(0, -int(np.floor(np.log10(spec["step"])))) + 1
    return f"{round(float(value), digits):g}"


def settings_line(model: BuzzModel) -> str:
    """The rule, seeds and replication of the run shown, for the first message.

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
    size = float(np.clip(3000 / max(picture.nodes.size, 1), 8, 60))
    if track.rule.opinion:
        colours, keys = opinion_colours(track, picture.nodes)
    else:
        palette = np.array([colour for _, colour in STATES])
        colours = palette[codes]
        keys = [
            Line2D([], [], linestyle="", marker="o", markersize=6, markerfacecolor=colour,
                   markeredgecolor="#555555", markeredgewidth=0.3,
                   label=f"{label} ({int((codes == code).sum())})")
            for code, (label, colour) in enumerate(STATES)
        ]
    axis.scatter(xy[:, 0], xy[:, 1], s=size, c=colours, linewidths=0.3,
                 edgecolors="#555555", zorder=2)
    axis.legend(handles=keys, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8,
                frameon=False, title="people drawn", title_fontsize=8)
    axis.set_title(f"{track.message.name} at step {model.t}", fontsize=10)
    axis.set_aspect("equal")
    axis.set_axis_off()
    figure.tight_layout()


def opinion_colours(track, nodes: np.ndarray) -> tuple[np.ndarray, list[Line2D]]:
    """The colours of the drawn people under an opinion rule, and the legend's keys:
    purple for who holds the message's view, orange for the opposite (discrete
    opinions); from orange (0, against) through white to purple (1, for) on a
    continuous scale.

    Examples
    --------
    >>> from sim.config import scenario_from_dict
    >>> scenario = scenario_from_dict({
    ...     "name": "demo", "network": {"model": "complete", "n": 4},
    ...     "messages": [{"name": "m", "rule": {"model": "voter"},
    ...                   "seeding": {"strategy": "nodes", "nodes": [0]}}]})
    >>> model = BuzzModel(scenario, create_agents=False)
    >>> colours, keys = opinion_colours(model.track("m"), np.arange(4))
    >>> [key.get_label() for key in keys]
    ['holds it (1)', 'the opposite (3)']
    """
    scale = matplotlib.colormaps["PuOr"]  # orange (0) to purple (1), white between
    if track.rule.opinion == "discrete":
        holds = track.work.holds[nodes].astype(float)
        named = ((1.0, "holds it", int(holds.sum())),
                 (0.0, "the opposite", int(nodes.size - holds.sum())))
        colours = scale(0.15 + 0.7 * holds)
    else:
        opinion = track.work.opinion[nodes]
        named = ((1.0, "for: 1", int((opinion > 0.5).sum())),
                 (0.5, "undecided: 0.5", None),
                 (0.0, "against: 0", int((opinion <= 0.5).sum())))
        colours = scale(0.15 + 0.7 * opinion)
    keys = [
        Line2D([], [], linestyle="", marker="o", markersize=6,
               markerfacecolor=scale(0.15 + 0.7 * value), markeredgecolor="#555555",
               markeredgewidth=0.3, label=label if count is None else f"{label} ({count})")
        for value, label, count in named
    ]
    return colours, keys


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
             title=f"heard and shared, of {model.graph.n_nodes:,} people")
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8, loc="upper left")
    figure.tight_layout()
