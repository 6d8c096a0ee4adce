"""What a scenario asks of its report, and what its results are worth.

``report:`` names the measure that ranks the arms (``rank_by``), the message it is
read on, the arm the others are compared with (``baseline``), extra measures to show
(``show``) and the currency amounts are written in. ``value:`` says what a person
reached or an adopter is worth, so that runs get a ``value`` and a return on
investment (``roi``).

:data:`MEASURES` is the one list of what each ``runs.parquet`` measure means to a
reader: its label, its unit and which way is better. The schema checks names
against it; tables, figures and reports label numbers from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.schema import Frozen, Identifier, KeyedError, NonNegative


@dataclass(frozen=True)
class Measure:
    """A column of ``runs.parquet`` as readers see it.

    ``label``: its name in words; ``unit``: what a number is counted in (``money``
    is replaced by the report's currency); ``scale``: shown times this (shares as
    percentages); ``better``: ``higher``, ``lower`` or ``None`` (neither, so it
    cannot rank arms); ``digits``: decimals shown; ``theme``: the table it belongs
    to (reach, money, sentiment, shape).
    """

    name: str
    label: str
    unit: str
    better: Literal["higher", "lower"] | None
    theme: str
    scale: float = 1.0
    digits: int | None = None


MEASURES: dict[str, Measure] = {
    measure.name: measure
    for measure in (
        Measure("reach_frac", "reach", "% of people", "higher", "reach", scale=100.0),
        Measure("reach", "people reached", "people", "higher", "reach"),
        Measure("adopters", "people who shared", "people", "higher", "reach"),
        Measure("peak_step", "busiest step", "step", None, "reach"),
        Measure("t50", "half the reach by", "step", "lower", "reach"),
        Measure("cost", "spend", "money", "lower", "money"),
        Measure("cost_per_reach", "cost per person reached", "money", "lower", "money",
                digits=2),
        Measure("cost_per_adopter", "cost per adopter", "money", "lower", "money", digits=2),
        Measure("value", "value", "money", "higher", "money"),
        Measure("roi", "return on investment", "%", "higher", "money", scale=100.0),
        Measure("total_cost", "total spend (all messages)", "money", "lower", "money"),
        Measure("time_to_contain", "time to contain", "steps", "lower", "sentiment"),
        Measure("final_net_sentiment", "net sentiment at the end", "people", "higher",
                "sentiment"),
        Measure("min_net_sentiment", "lowest net sentiment", "people", "higher", "sentiment"),
        Measure("funnel_share", "share of top 1% of sharers", "% of transmissions", None,
                "shape", scale=100.0),
        Measure("structural_virality", "structural virality", "hops", None, "shape"),
        Measure("depth", "cascade depth", "hops", None, "shape"),
        Measure("max_breadth", "widest generation", "people", None, "shape"),
        Measure("mean_offspring", "people told per sharer", "people", None, "shape"),
        Measure("mean_separation", "mean separation", "hops", None, "shape"),
        Measure("steps", "steps run", "steps", None, "reach"),
        Measure("holders_frac", "holding the message's view", "% of people", "higher",
                "opinion", scale=100.0),
        Measure("consensus_step", "everyone agreed by", "step", "lower", "opinion"),
        Measure("clusters", "opinion camps", "camps", None, "opinion", digits=1),
        Measure("largest_cluster_frac", "largest camp", "% of people", None, "opinion",
                scale=100.0),
        Measure("mean_opinion", "mean opinion", "0 against, 1 for", "higher", "opinion",
                digits=3),
        Measure("opinion_variance", "spread of opinions", "variance", None, "opinion",
                digits=3),
        Measure("bimodality", "bimodality", "coefficient, two camps above 0.56", None,
                "opinion", digits=2),
    )
}
"""Every measure a report can show, by its ``runs.parquet`` column."""

RANKABLE = tuple(name for name, measure in MEASURES.items() if measure.better is not None)
"""The measures that can rank arms: those with a better direction."""

# names people write for a column (rank_by: reach ranks by the share reached)
ALIASES = {"reach": "reach_frac"}

MeasureName = Annotated[str, Field(min_length=1)]


class Report(Frozen):
    """What the report (and ``buzz run``'s table) puts first.

    ``rank_by``: the measure the headline table ranks arms by (``reach``,
    ``cost_per_reach``, ``roi``, ``final_net_sentiment``...: one with a better
    direction); ``message``: the message it is read on (default: the first);
    ``baseline``: the arm every other is compared with, pair by pair (default: the
    first arm; a sweep without named arms compares with its first point unless
    ``baseline`` is one of its labels); ``show``: measures shown besides those the scenario makes
    meaningful (cascade shape: ``funnel_share``, ``structural_virality``...);
    ``currency``: how money is written (``$``, ``€``, ``EUR``; default none).
    """

    rank_by: MeasureName = "reach"
    message: Identifier | None = None
    baseline: Annotated[str, Field(min_length=1)] | None = None
    show: list[MeasureName] = []
    currency: Annotated[str, Field(max_length=8, pattern=r"^\S*$")] = ""

    @model_validator(mode="after")
    def _known_measures(self):
        if measure_column(self.rank_by) not in RANKABLE:
            raise KeyedError("rank_by", self.rank_by,
                             f"a measure with a better direction: {', '.join(_rank_names())}")
        for index, name in enumerate(self.show):
            if measure_column(name) not in MEASURES:
                raise KeyedError(f"show.{index}", name,
                                 f"a measure of runs.parquet: {', '.join(MEASURES)}")
        return self

    @property
    def rank_column(self) -> str:
        """The ``runs.parquet`` column ``rank_by`` names."""
        return measure_column(self.rank_by)


def measure_column(name: str) -> str:
    """The ``runs.parquet`` column a measure's name means (``reach`` is ``reach_frac``).

    Examples
    --------
    >>> measure_column("reach"), measure_column("roi")
    ('reach_frac', 'roi')
    """
    return ALIASES.get(name, name)


def _rank_names() -> list[str]:
    """The names ``rank_by`` takes (``reach`` for the share reached)."""
    name_of = {column: name for name, column in ALIASES.items()}
    return [name_of.get(column, column) for column in RANKABLE if column not in ALIASES]


class Value(Frozen):
    """What the campaign brings back: ``per_adopter`` for each person who shared (or
    bought), ``per_reach`` for each person who heard, in the currency costs are in.
    Counted on ``messages`` (default: every message that is not negative); each run
    then has ``value`` and ``roi`` = (value - cost) / cost."""

    per_adopter: NonNegative = 0.0
    per_reach: NonNegative = 0.0
    messages: list[Identifier] | None = None

    @model_validator(mode="after")
    def _something(self):
        if self.per_adopter == 0.0 and self.per_reach == 0.0:
            raise KeyedError("per_adopter", 0.0,
                             "a value above 0 for per_adopter or per_reach")
        return self
