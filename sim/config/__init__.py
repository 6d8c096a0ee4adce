"""Scenario files: the pydantic schema, YAML loading and ``--set`` overrides.

A scenario is data: a frozen pydantic model with ``extra="forbid"``, so a typo is an
error, never a silent default. Every problem becomes one :class:`~sim.errors.InputError`
line naming the file, the dotted key (messages addressed by name:
``messages.promo.rule.p``), the bad value and what is allowed.

The schema is split by section: :mod:`~sim.config.networks`,
:mod:`~sim.config.people` (attributes, modifiers, interactions),
:mod:`~sim.config.seeding`, :mod:`~sim.config.campaign`, :mod:`~sim.config.sweep` (with
the names of its points, :mod:`~sim.config.labels`), :mod:`~sim.config.report` (what the
report ranks by, what results are worth, what each measure means) and
:mod:`~sim.config.scenario` (messages and the whole); each rule's section lives with
its rule in :mod:`sim.rules`. :mod:`~sim.config.loading` reads files and overrides
(YAML within bounds: :mod:`~sim.config.yaml_input`), :mod:`~sim.config.translate`
turns pydantic's errors into one line, and :mod:`~sim.config.budget` refuses a batch
whose memory estimate exceeds the machine's.

Examples
--------
>>> scenario = scenario_from_dict({
...     "name": "demo", "seed": 1, "steps": 50,
...     "network": {"model": "watts_strogatz", "n": 200, "k": 6, "p": 0.1},
...     "messages": [{"name": "promo", "rule": {"model": "independent_cascade", "p": 0.2},
...                   "seeding": {"strategy": "random", "count": 3}}],
... })
>>> scenario.messages[0].rule.p
0.2
>>> with_overrides(scenario, ["messages.promo.rule.p=0.3"]).messages[0].rule.p
0.3
"""

from sim.config.campaign import (
    Action,
    Broadcast,
    Campaign,
    CommunityBuilding,
    CommunityChoice,
    CommunityManager,
    Promotion,
    SeedWave,
)
from sim.config.loading import (
    apply_overrides,
    get_dotted,
    load_scenario,
    parse_yaml,
    scenario_from_dict,
    with_overrides,
    with_values,
)
from sim.config.networks import (
    ActivityDriven,
    AnyNetwork,
    BarabasiAlbert,
    Complete,
    EdgeList,
    ErdosRenyi,
    Follower,
    HolmeKim,
    Layer,
    Layered,
    NetworkSpec,
    NewmanWatts,
    RingLattice,
    StochasticBlock,
    WattsStrogatz,
)
from sim.config.people import (
    ATTRIBUTES,
    PROBABILITY_ATTRIBUTES,
    BetaDraw,
    DegreePower,
    Interaction,
    LogNormalDraw,
    Modifiers,
    NormalDraw,
    People,
    PowerLawDraw,
    Role,
    RoleSelect,
    UniformDraw,
)
from sim.config.report import MEASURES, Measure, Report, Value, measure_column
from sim.config.scenario import Message, RuleSpec, Scenario
from sim.config.seeding import SEEDING_STRATEGIES, DegreeCost, FlatCost, SeedCost, Seeding
from sim.config.sweep import Arm, Factor, SampleSweep, Sweep
from sim.rules import Bass, IndependentCascade, LinearThreshold, Rumor
from sim.schema import Frozen, Probability

__all__ = [
    "ATTRIBUTES", "MEASURES", "PROBABILITY_ATTRIBUTES", "SEEDING_STRATEGIES", "Action",
    "ActivityDriven", "AnyNetwork", "Arm", "BarabasiAlbert", "Bass", "BetaDraw", "Broadcast",
    "Campaign",
    "CommunityBuilding", "CommunityChoice", "CommunityManager", "Complete", "DegreeCost",
    "DegreePower", "EdgeList", "ErdosRenyi", "Factor", "FlatCost", "Follower", "Frozen",
    "HolmeKim", "IndependentCascade", "Interaction", "Layer", "Layered", "LinearThreshold",
    "LogNormalDraw", "Measure", "Message", "Modifiers", "NetworkSpec", "NewmanWatts",
    "NormalDraw", "People", "PowerLawDraw", "Probability", "Promotion", "Report",
    "RingLattice", "Role",
    "RoleSelect", "RuleSpec", "Rumor", "SampleSweep", "Scenario", "SeedCost", "SeedWave",
    "Seeding", "StochasticBlock", "Sweep", "UniformDraw", "Value", "WattsStrogatz",
    "apply_overrides", "get_dotted", "load_scenario", "measure_column", "parse_yaml",
    "scenario_from_dict", "with_overrides", "with_values",
]
