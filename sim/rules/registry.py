"""The rule registry: a rule's name in a scenario (``rule: {model: NAME}``) to its class.

A rule is a subclass of :class:`Rule` that brings its schema (the pydantic model of
its parameters), its advance kernel and its state (what it prepares before a run and
how it tells whether it may still change). The built-in rules register themselves
when :mod:`sim.rules` is imported; a package adds one through the entry-point group
``buzz.rules`` (read on the first look-up) or by calling :func:`register`. The config
loader, the model, the batch engine and the viz page ask the registry, never a
particular rule.

Examples
--------
>>> import sim.rules
>>> sorted(names())[:3]
['bass', 'bounded_confidence', 'independent_cascade']
>>> rule_class("bass").__name__
'BassRule'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, ClassVar, NamedTuple

import numpy as np

from sim.jit import is_ours
from sim.rules.common import GraphArrays, Position, Schedule, advance, advance_uncached
from sim.schema import Frozen, KeyedError

ENTRY_POINT_GROUP = "buzz.rules"

_RULES: dict[str, type[Rule]] = {}
_listeners: list[Callable[[], None]] = []
_entry_points_read = False


class Slider(NamedTuple):
    """A slider the interactive page offers for a rule parameter."""

    key: str  # the parameter's key in scenario files
    label: str
    low: float
    high: float
    step: float


@dataclass(frozen=True)
class Rule:
    """Base of every rule. A subclass sets the class attributes and :meth:`from_spec`
    and :meth:`prepare`; the base advances it through its kernel.

    The kernel, an njit function, is called as ``kernel(graph, arrays, position,
    schedule, params, mods)`` with a :class:`~sim.rules.common.GraphArrays`, the
    message's :class:`~sim.rules.common.MessageArrays`, its
    :class:`~sim.rules.common.Position`, a :class:`~sim.rules.common.Schedule`, the
    rule's own named tuple of parameters and per-person arrays (made by
    :meth:`prepare`) and the :class:`~sim.rules.common.Modifiers`; it runs steps while
    anything can change, up to ``schedule.last_step``, and returns the new
    ``(step, n_frontier, n_waiting)`` as a plain tuple.
    """

    name: ClassVar[str]
    """The value of ``model`` in a scenario's rule section."""
    schema: ClassVar[type[Frozen]]
    """The pydantic model of the rule section (with ``model: Literal[name]``)."""
    kernel: ClassVar[Any] = advance
    """The advance kernel (see above): by default the shared driver
    :func:`sim.rules.common.advance`, which runs the transition the rule registered
    for the class of its ``params`` (``@TRANSITIONS.register(ItsParams)``)."""
    layer_parameter: ClassVar[str | None] = None
    """The schema field a network layer may set on its own (``rule.layers``)."""
    keeps_spreading: ClassVar[bool] = False
    """Whether sharers keep spreading step after step (then ``forgetting`` applies)."""
    spreads_unseeded: ClassVar[bool] = False
    """Whether a message may spread with no seed at all (Bass's ads)."""
    sliders: ClassVar[tuple[Slider, ...]] = ()
    """Parameters the interactive page offers as sliders."""
    temporal: ClassVar[bool] = False
    """Whether the rule honours contacts at times (a temporal network): a sharer passes
    a message at step ``t`` only over ties there at ``t``
    (:func:`~sim.rules.common.in_contact`: a contact at ``t``, or a tie that lasts
    over ``t``)."""
    run_columns: ClassVar[tuple[str, ...]] = ()
    """The rule's own columns of ``runs.parquet`` (:meth:`run_measures` fills them)."""
    series_columns: ClassVar[tuple[str, ...]] = ()
    """The rule's own columns of ``timeseries.parquet`` (:meth:`series_measures`)."""
    opinion: ClassVar[str | None] = None
    """``"discrete"`` or ``"continuous"`` for a rule of what people think (opinions),
    ``None`` for a rule of what they heard and shared."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.kernel is advance and not is_ours(cls):
            cls.kernel = advance_uncached  # see sim.rules.common.advance_uncached

    @classmethod
    def from_spec(cls, spec: Frozen) -> Rule:
        """The rule for a validated rule section."""
        raise TypeError(f"{cls.__name__} must define from_spec")

    @classmethod
    def page_sliders(cls, spec: Frozen) -> tuple[Slider, ...]:
        """The sliders for this rule section (by default :attr:`sliders`)."""
        return cls.sliders

    @classmethod
    def planning_probability(cls, spec: Frozen) -> float | None:
        """The independent-cascade ``p`` a seeding plan (greedy, degree discount) may
        assume for this rule section, or ``None`` when the rule has none."""
        return None

    def prepare(self, model, track) -> NamedTuple:
        """The kernel's ``params`` for ``track`` in ``model``; may set
        ``track.n_waiting``. Called once, after the step-0 seeding."""
        raise TypeError(f"{type(self).__name__} must define prepare")

    def advance(self, graph: GraphArrays, track, until_step: int) -> None:
        """Advance ``track`` (a :class:`sim.model.MessageTrack`) up to ``until_step``."""
        position = Position(track.step, track.n_frontier, track.n_waiting)
        schedule = Schedule(track.seeds, track.seed_step, until_step)
        track.step, track.n_frontier, track.n_waiting = type(self).kernel(
            graph, track.arrays, position, schedule, track.work, track.mods
        )

    def can_change(self, track) -> bool:
        """Whether something may happen although nobody started sharing at the current
        step and no seeding is due: someone is waiting to act."""
        return track.n_waiting > 0

    def sharing(self, track, adopters: np.ndarray, until_step: int) -> np.ndarray:
        """People spreading at each step ``0 .. until_step``: by default who started
        sharing then (a sharer pushes new exposures only when they start)."""
        return track.counts[: until_step + 1, 1].copy()

    def started(self, model, track, people: np.ndarray) -> None:
        """Called when an actor makes ``people`` start sharing between steps."""

    def run_measures(
        self, curves: tuple[np.ndarray, np.ndarray, np.ndarray], n_nodes: int, horizon: int
    ) -> dict[str, float]:
        """The values of :attr:`run_columns` for a finished run of this rule's message,
        from its cumulative ``(heard, adopters, sharing)`` curves (steps ``0 .. T``), the
        number of people and the scenario's ``steps``. None by default."""
        return {}

    def state_measures(self, track) -> dict[str, float]:
        """Values of :attr:`run_columns` read from the final state of ``track`` (an
        opinion rule's opinions), beside :meth:`run_measures`. None by default."""
        return {}

    def series_measures(self, track, until_step: int) -> dict[str, np.ndarray]:
        """The values of :attr:`series_columns` at each step ``0 .. until_step`` of a
        finished run of ``track``. None by default."""
        return {}

    @classmethod
    def conflict(cls, scenario, message) -> KeyedError | None:
        """What in ``scenario`` this rule cannot serve for ``message`` (the error to
        report, naming the key), or ``None``. By default, nothing."""
        return None


def register(rule: type[Rule], *, replace: bool = False) -> type[Rule]:
    """Add a rule class to the registry (usable as a class decorator).

    Scenario files can then name it in ``rule: {model: NAME}``; its keys are
    validated like a built-in rule's.

    Raises
    ------
    ValueError
        When the class does not declare what a rule needs, or another rule already
        has its name (unless ``replace``).
    """
    if not (isinstance(rule, type) and issubclass(rule, Rule)):
        raise ValueError(f"a rule is a subclass of sim.rules.Rule, got {rule!r}")
    for attribute in ("name", "schema", "kernel"):
        if not hasattr(rule, attribute):
            raise ValueError(f"rule class {rule.__name__} has no {attribute!r}")
    model_field = rule.schema.model_fields.get("model")
    if model_field is None or rule.name not in getattr(model_field.annotation, "__args__", ()):
        raise ValueError(
            f"rule {rule.name!r}: its schema {rule.schema.__name__} needs "
            f"model: Literal[{rule.name!r}]"
        )
    known = _RULES.get(rule.name)
    if known is not None and known is not rule and not replace:
        raise ValueError(f"a rule named {rule.name!r} is registered already ({known.__name__})")
    _RULES[rule.name] = rule
    for listener in _listeners:
        listener()
    return rule


def on_change(listener: Callable[[], None]) -> None:
    """Call ``listener()`` whenever a rule is registered (the config rebuilds its schema)."""
    _listeners.append(listener)


def _read_entry_points() -> None:
    global _entry_points_read
    if _entry_points_read:
        return
    _entry_points_read = True
    for point in entry_points(group=ENTRY_POINT_GROUP):
        loaded = point.load()  # a module that registers its rules, or a Rule class
        if isinstance(loaded, type) and issubclass(loaded, Rule) and loaded.name not in _RULES:
            register(loaded)


def rules() -> dict[str, type[Rule]]:
    """Every registered rule by name (built-in ones and plug-ins')."""
    _read_entry_points()
    return dict(_RULES)


def names() -> list[str]:
    """The names scenario files may give as a rule's ``model``."""
    return list(rules())


def rule_class(name: str) -> type[Rule]:
    """The rule class registered under ``name`` (``KeyError`` if none)."""
    return rules()[name]


def make_rule(spec: Frozen) -> Rule:
    """The rule object for a validated rule section.

    Examples
    --------
    >>> import sim.rules
    >>> from sim.rules.bass import Bass
    >>> make_rule(Bass(model="bass", p_external=0.03, q=0.38))
    BassRule(p_external=0.03, q=0.38)
    """
    return rule_class(spec.model).from_spec(spec)
