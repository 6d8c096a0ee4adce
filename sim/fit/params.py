"""What to fit: ``--param KEY=LOW:HIGH`` read and checked against the scenario.

``KEY`` is a dotted scenario key, as for ``--set`` and sweeps
(``messages.promo.rule.p``, ``network.k``, ``messages.promo.seeding.count``). Its prior
is uniform on ``[LOW, HIGH]``, or log-uniform with ``log:LOW:HIGH`` (for a value whose
order of magnitude is unknown). Both ends must be values the key allows: the scenario
is validated with the key set to each of them, so a probability range above 1 or a
key that does not exist is refused before anything runs. A key that holds a whole
number (a count of seeds, a degree) is fitted as a whole number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sim.config import Scenario, get_dotted, with_values
from sim.errors import InputError

SOURCE = "--param"
KEY_WORDS = {
    "rule.p": "chance to pass it on, per contact",
    "rule.beta": "chance to pass it on, per contact and step",
    "rule.gamma": "chance to stop sharing, per step",
    "rule.p_external": "chance to adopt from ads, per step",
    "rule.q": "word-of-mouth strength",
    "rule.threshold": "adoption threshold (share of friends)",
    "seeding.count": "people seeded",
    "network.k": "friends per person",
    "network.m": "ties each newcomer makes",
    "network.p": "share of ties rewired",
    "network.p_triangle": "chance a new tie closes a triangle",
}
# keys whose values are chances or shares: shown as percentages
PERCENT = {"rule.p", "rule.beta", "rule.gamma", "rule.p_external", "rule.threshold",
           "network.p", "network.p_triangle"}
UNITS = {"seeding.count": "people", "network.k": "friends", "network.m": "ties"}


def key_words(key: str) -> str:
    """A fitted key in words, its dotted name in brackets.

    Examples
    --------
    >>> key_words("messages.promo.rule.p")
    'promo: chance to pass it on, per contact (messages.promo.rule.p)'
    >>> key_words("people.activity.p")
    'people.activity.p'
    """
    words = KEY_WORDS.get(_suffix(key))
    if words is None:
        return key
    parts = key.split(".")
    owner = f"{parts[1]}: " if parts[0] == "messages" and len(parts) > 3 else ""
    return f"{owner}{words} ({key})"


def format_fitted(key: str, value: float) -> str:
    """A value of ``key`` with its unit: a chance or a share as a percentage (three
    significant figures), a count with what it counts.

    Examples
    --------
    >>> format_fitted("messages.promo.rule.p", 0.26571), format_fitted("network.p", 0.0041)
    ('26.6%', '0.41%')
    >>> format_fitted("messages.promo.seeding.count", 1250), format_fitted("x.rule.q", 0.3812)
    ('1,250 people', '0.381')
    """
    suffix = _suffix(key)
    if suffix in PERCENT:
        return f"{100 * value:.3g}%"
    if suffix in UNITS:
        number = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
        return f"{number} {UNITS[suffix]}"
    return f"{value:.3g}"


def is_percent(key: str) -> bool:
    """Whether ``key`` holds a chance or a share (shown as a percentage)."""
    return _suffix(key) in PERCENT


def _suffix(key: str) -> str:
    return ".".join(key.split(".")[-2:])


@dataclass(frozen=True)
class FitParam:
    """One fitted key and its prior.

    ``low``/``high`` bound the prior in the key's own units; ``log`` makes it
    log-uniform; ``integer`` rounds every value tried to a whole number.
    """

    key: str
    low: float
    high: float
    log: bool = False
    integer: bool = False

    @property
    def bounds(self) -> tuple[float, float]:
        """The prior's bounds in the space sampled (log10 of the value if ``log``)."""
        if self.log:
            return math.log10(self.low), math.log10(self.high)
        return self.low, self.high

    def value(self, sampled: float) -> float | int:
        """The key's value for a point of the sampled space.

        Examples
        --------
        >>> FitParam("network.k", 2, 20, integer=True).value(7.6)
        8
        >>> FitParam("messages.a.rule.p", 0.001, 0.1, log=True).value(-2.0)
        0.01
        """
        value = 10.0**sampled if self.log else float(sampled)
        value = min(max(value, self.low), self.high)  # rounding at the edge of the prior
        return round(value) if self.integer else value

    def describe(self) -> str:
        """The prior in words.

        Examples
        --------
        >>> FitParam("messages.a.rule.p", 0.01, 0.6).describe()
        'uniform from 1% to 60%'
        """
        shape = "log-uniform" if self.log else "uniform"
        return (f"{shape} from {format_fitted(self.key, self.low)} to "
                f"{format_fitted(self.key, self.high)}")


def parse_params(items: list[str], scenario: Scenario) -> list[FitParam]:
    """Read ``KEY=LOW:HIGH`` / ``KEY=log:LOW:HIGH`` items and check them.

    Raises
    ------
    InputError
        A malformed item, a key named twice or not in the scenario, LOW >= HIGH,
        or an end the key does not allow; in one line.

    Examples
    --------
    >>> from sim.config import scenario_from_dict
    >>> scenario = scenario_from_dict({
    ...     "name": "demo", "network": {"model": "complete", "n": 10},
    ...     "messages": [{"name": "a", "rule": {"model": "independent_cascade", "p": 0.1}}]})
    >>> parse_params(["messages.a.rule.p=0.01:0.5"], scenario)
    [FitParam(key='messages.a.rule.p', low=0.01, high=0.5, log=False, integer=False)]
    >>> parse_params(["messages.a.rule.p=0.1:1.5"], scenario)
    Traceback (most recent call last):
    ...
    sim.errors.InputError: --param: messages.a.rule.p = 1.5: allowed: ...
    """
    if not items:
        raise InputError(SOURCE, "", None, "at least one --param KEY=LOW:HIGH to fit")
    raw = scenario.model_dump(mode="json", exclude_none=True)
    params: list[FitParam] = []
    for item in items:
        param = _parse_one(item)
        if any(param.key == other.key for other in params):
            raise InputError(SOURCE, param.key, item, "each key once")
        current = get_dotted_or_none(raw, param.key)
        if isinstance(current, bool) or not isinstance(current, int | float):
            raise InputError(SOURCE, param.key, current,
                             "a key of the scenario that holds a number (set it in the "
                             "scenario or with --set first)")
        param = FitParam(param.key, param.low, param.high, param.log,
                         integer=isinstance(current, int) and not isinstance(current, bool))
        for end in (param.low, param.high):
            value = round(end) if param.integer else end
            try:
                with_values(scenario, {param.key: value}, SOURCE)
            except InputError as error:
                raise InputError(SOURCE, param.key, value, error.allowed) from None
        params.append(param)
    return params


def get_dotted_or_none(raw: dict, key: str) -> Any:
    """The value at ``key``, or ``None`` where the path names nothing."""
    try:
        return get_dotted(raw, key)
    except InputError:
        return None


def _parse_one(item: str) -> FitParam:
    key, sep, text = item.partition("=")
    key = key.strip()
    if not sep or not key:
        raise InputError(SOURCE, item, None,
                         "KEY=LOW:HIGH or KEY=log:LOW:HIGH, e.g. messages.promo.rule.p=0.01:0.3")
    parts = [part.strip() for part in text.split(":")]
    log = len(parts) == 3 and parts[0].lower() == "log"
    if log:
        parts = parts[1:]
    if len(parts) != 2:
        raise InputError(SOURCE, key, text, "LOW:HIGH or log:LOW:HIGH, e.g. 0.01:0.3")
    try:
        low, high = float(parts[0]), float(parts[1])
    except ValueError:
        raise InputError(SOURCE, key, text, "two numbers LOW:HIGH, e.g. 0.01:0.3") from None
    if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
        raise InputError(SOURCE, key, text, "finite LOW below HIGH")
    if log and low <= 0:
        raise InputError(SOURCE, key, text, "LOW above 0 for a log-uniform range")
    return FitParam(key, low, high, log)
