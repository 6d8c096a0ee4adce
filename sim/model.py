"""The Mesa model: a :class:`~sim.simulation.Simulation` with people as agents.

The crowd lives in numpy arrays that the numba kernels update; ``Person`` agents
are thin views over those arrays (DESIGN decision 1), so Mesa's ``AgentSet``,
``DataCollector`` and ``SolaraViz`` all work while a step costs no Python loop over
people. The brand and the community manager are Mesa agents too. Batches run the
simulation without Mesa; this model adds Mesa to it and changes nothing it computes.
"""

from __future__ import annotations

import mesa

from sim.agents import Brand, CommunityManager, Person
from sim.config import Scenario
from sim.network.graph import Graph
from sim.simulation import MessageTrack, Simulation

__all__ = ["BuzzModel", "MessageTrack"]


class BuzzModel(Simulation, mesa.Model):
    """A run of a scenario as a Mesa model: one network, its people and every message.

    The run is the scenario's base point: a ``sweep`` section is for batches
    (:func:`sim.run_batch` runs every point); here it is not used. Everything it
    computes is the :class:`~sim.simulation.Simulation`'s; Mesa counts ``step()``
    calls in ``steps`` until :meth:`run` sets it to the steps the run took.

    Parameters
    ----------
    scenario, replication, graph, source
        As for :class:`~sim.simulation.Simulation`.
    rng : int, optional
        The root seed; defaults to ``scenario.seed``. Mesa's own ``model.rng`` is
        seeded with it too, but the run draws only from its :class:`RunStreams`.
    create_agents : bool
        Create a ``Person`` view per node (needed for Mesa tools).

    Examples
    --------
    >>> from sim.config import scenario_from_dict
    >>> model = BuzzModel(scenario_from_dict({
    ...     "name": "demo", "seed": 3, "network": {"model": "complete", "n": 50},
    ...     "messages": [{"name": "promo", "rule": {"model": "independent_cascade", "p": 0.2},
    ...                   "seeding": {"strategy": "top_degree", "count": 5}}]}))
    >>> model.step()
    >>> len(model.agents), model.steps, model.count("heard") > 5
    (50, 1, True)
    >>> person = model.people[int(model.tracks[0].seeds[0])]
    >>> person.shared_at
    0
    """

    person_class: type[Person] = Person
    brand_class = Brand
    manager_class = CommunityManager

    def __init__(
        self,
        scenario: Scenario,
        *,
        replication: int = 0,
        rng: int | None = None,
        graph: Graph | None = None,
        create_agents: bool = True,
        source: str = "<scenario>",
    ) -> None:
        root_seed = scenario.seed if rng is None else int(rng)
        mesa.Model.__init__(self, rng=root_seed)
        Simulation.__init__(self, scenario, replication=replication, rng=root_seed,
                            graph=graph, source=source)
        self.people: list[Person] = []
        if create_agents:
            self.people = list(
                self.person_class.create_agents(
                    self, self.graph.n_nodes, list(range(self.graph.n_nodes))
                )
            )
