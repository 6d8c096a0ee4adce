"""Scenario files: the pydantic schema, YAML loading and ``--set`` overrides.

A scenario is data: a frozen pydantic model with ``extra="forbid"``, so a typo is an
error, never a silent default. Every problem becomes one :class:`~sim.errors.InputError`
line naming the file, the dotted key (messages addressed by name:
``messages.promo.rule.p``), the bad value and what is allowed.

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

from __future__ import annotations

import copy
import itertools
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import numpy as np
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    PositiveInt,
    ValidationError,
    field_validator,
    model_validator,
)

from sim.errors import InputError
from sim.randomness import SWEEP as SWEEP_STREAM

Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$", max_length=64)]


class _KeyedError(ValueError):
    """A validator's error that names its key, relative to where pydantic reports it."""

    def __init__(self, key: str, value: Any, allowed: str) -> None:
        super().__init__(allowed)
        self.key, self.value, self.allowed = key, value, allowed


class Frozen(BaseModel):
    """Base of every scenario section: immutable, unknown keys rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------- networks
class _RewiredLattice(Frozen):
    """A ring of ``n`` people tied to their ``k`` nearest, changed with probability ``p``."""

    model: str  # each subclass narrows it to its own name; declared here to come first
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


class RingLattice(Frozen):
    """Each of ``n`` people tied to the ``k`` nearest on a ring (``k`` even)."""

    model: Literal["ring_lattice"]
    n: PositiveInt
    k: PositiveInt = 10

    @model_validator(mode="after")
    def _k_fits(self):
        _check_lattice(self.n, self.k)
        return self


class ErdosRenyi(Frozen):
    """G(n, p): every pair tied independently; give ``p`` or ``mean_degree``."""

    model: Literal["erdos_renyi"]
    n: PositiveInt
    mean_degree: Annotated[float, Field(ge=0.0, allow_inf_nan=False)] | None = None
    p: Probability | None = None

    @model_validator(mode="after")
    def _one_density(self):
        if (self.mean_degree is None) == (self.p is None):
            raise _KeyedError("", None, "exactly one of mean_degree or p")
        if self.mean_degree is not None and self.mean_degree > self.n - 1:
            raise _KeyedError("mean_degree", self.mean_degree, f"at most n - 1 = {self.n - 1}")
        return self

    @property
    def edge_probability(self) -> float:
        """The pair probability, from ``p`` or ``mean_degree / (n - 1)``."""
        if self.p is not None:
            return self.p
        return 0.0 if self.n < 2 else self.mean_degree / (self.n - 1)


class BarabasiAlbert(Frozen):
    """Preferential attachment: each newcomer ties to ``m`` people, the well connected likelier."""

    model: Literal["barabasi_albert"]
    n: PositiveInt
    m: PositiveInt = 5

    @model_validator(mode="after")
    def _m_fits(self):
        if self.m >= self.n:
            raise _KeyedError("m", self.m, f"a whole number smaller than n = {self.n}")
        return self


class HolmeKim(Frozen):
    """Clustered scale-free graph: preferential attachment plus triad formation
    (closing a triangle) with probability ``p_triangle``."""

    model: Literal["holme_kim"]
    n: PositiveInt
    m: PositiveInt = 5
    p_triangle: Probability = 0.5

    @model_validator(mode="after")
    def _m_fits(self):
        if self.m >= self.n:
            raise _KeyedError("m", self.m, f"a whole number smaller than n = {self.n}")
        return self


class StochasticBlock(Frozen):
    """Communities: ``sizes`` blocks, ties inside with ``p_in`` and across with ``p_out``."""

    model: Literal["stochastic_block"]
    sizes: Annotated[list[PositiveInt], Field(min_length=1)]
    p_in: Probability = 0.1
    p_out: Probability = 0.01

    @property
    def n(self) -> int:
        """Total number of people."""
        return sum(self.sizes)


class Complete(Frozen):
    """Everyone tied to everyone (a well-mixed population)."""

    model: Literal["complete"]
    n: Annotated[int, Field(ge=1, le=20_000)]


class Follower(Frozen):
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
            raise _KeyedError("m", self.m, f"a whole number smaller than n = {self.n}")
        return self


class EdgeList(Frozen):
    """A network read from a file of ``u v`` pairs (whitespace or commas, ``#``/``%``
    comments, optional header, ``.gz``). Relative paths are relative to the scenario."""

    model: Literal["edgelist"]
    path: str
    directed: bool = False


NetworkSpec = Annotated[
    WattsStrogatz
    | NewmanWatts
    | RingLattice
    | ErdosRenyi
    | BarabasiAlbert
    | HolmeKim
    | StochasticBlock
    | Complete
    | Follower
    | EdgeList,
    Field(discriminator="model"),
]


def _check_lattice(n: int, k: int) -> None:
    if k % 2 or k >= n:
        raise _KeyedError("k", k, f"an even number smaller than n = {n}")


# ------------------------------------------------------------------------ rules
class IndependentCascade(Frozen):
    """Each new sharer gets one chance, with probability ``p``, to make each neighbour share."""

    model: Literal["independent_cascade"]
    p: Probability


class LinearThreshold(Frozen):
    """A person starts sharing once enough of the people they see have shared
    (Watts 2002; Centola and Macy 2007 for ``count``; Kempe et al. 2003 for drawn thresholds).

    Give exactly one of ``threshold`` (a fraction of in-neighbours) or ``count`` (a
    number of them); with ``threshold_distribution: uniform`` give neither: each
    person's fractional threshold is drawn from U(0, 1).
    """

    model: Literal["linear_threshold"]
    threshold: Probability | None = None
    count: PositiveInt | None = None
    threshold_distribution: Literal["fixed", "uniform"] = "fixed"

    @model_validator(mode="after")
    def _one_threshold(self):
        if self.threshold_distribution == "uniform":
            if self.threshold is not None or self.count is not None:
                raise _KeyedError(
                    "threshold_distribution",
                    "uniform",
                    "no threshold or count with uniform (each person's threshold is drawn)",
                )
        elif (self.threshold is None) == (self.count is None):
            raise _KeyedError("", None, "exactly one of threshold (a fraction) or count")
        return self


class Bass(Frozen):
    """Each step a person who has not adopted does so with probability
    ``p_external + q * (fraction of in-neighbours who have adopted)`` (Bass 1969)."""

    model: Literal["bass"]
    p_external: Probability
    q: Probability


class Rumor(Frozen):
    """Ignorant, spreader, stifler (Daley and Kendall 1965; Maki and Thompson 1973).

    Each step every spreader, in a random order, calls one random person their shares
    reach: an ignorant becomes a spreader with probability ``lambda``; reaching a
    spreader or stifler turns the caller (``maki_thompson``) or both
    (``daley_kendall``) into stiflers with probability ``alpha``. ``lambda`` is a
    Python keyword, so the field is ``spread`` in code and ``lambda`` in files.
    """

    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_by_name=True, serialize_by_alias=True
    )

    model: Literal["rumor"]
    variant: Literal["maki_thompson", "daley_kendall"] = "maki_thompson"
    spread: Probability = Field(1.0, alias="lambda")
    alpha: Probability = 1.0


RuleSpec = Annotated[
    IndependentCascade | LinearThreshold | Bass | Rumor, Field(discriminator="model")
]


# ---------------------------------------------------------------------- seeding
class Seeding(Frozen):
    """Who starts a message, and when.

    ``random``: ``count`` people drawn uniformly; ``top_degree``: the ``count`` best
    connected (ties broken at random); ``nodes``: the listed original ids.
    """

    strategy: Literal["random", "top_degree", "nodes"] = "random"
    count: NonNegativeInt = 1
    step: NonNegativeInt = 0
    nodes: list[int | str] | None = None

    @model_validator(mode="after")
    def _nodes_match_strategy(self):
        if self.strategy == "nodes" and not self.nodes:
            raise _KeyedError("nodes", None, "a non-empty list of ids with strategy 'nodes'")
        if self.strategy != "nodes" and self.nodes is not None:
            raise _KeyedError("nodes", self.nodes, "a list only with strategy 'nodes'")
        return self

    @property
    def n_seeds(self) -> int:
        """How many people this seeding starts."""
        return len(self.nodes) if self.strategy == "nodes" else self.count


class Message(Frozen):
    """One message: its rule, its tone and how it is seeded."""

    name: Identifier
    valence: Literal["positive", "negative", "neutral"] = "neutral"
    rule: RuleSpec
    seeding: Seeding = Seeding()


class SampleSweep(Frozen):
    """``n`` points drawn from ranges by a quasi-random design (scipy.stats.qmc).

    ``ranges`` maps dotted keys to ``[low, high]``; when both bounds are integers the
    key is sampled as an integer. ``method`` is ``lhs`` (Latin hypercube) or
    ``sobol``; ``seed`` defaults to the scenario's seed.
    """

    n: Annotated[int, Field(ge=1, le=100_000)]
    method: Literal["lhs", "sobol"] = "lhs"
    ranges: Annotated[
        dict[str, Annotated[list[int | float], Field(min_length=2, max_length=2)]],
        Field(min_length=1),
    ]
    seed: NonNegativeInt | None = None

    @model_validator(mode="after")
    def _ordered(self):
        if self.method == "sobol" and self.n & (self.n - 1):
            raise _KeyedError(
                "n",
                self.n,
                "a power of 2 with method sobol (its balance "
                "properties need it); method lhs takes any n",
            )
        for key, (low, high) in self.ranges.items():
            if not low < high:
                raise _KeyedError(f"ranges.{key}", [low, high], "[low, high] with low < high")
        return self

    def draw(self, default_seed: int) -> list[dict[str, Any]]:
        """The sampled points, reproducible from the seed."""
        from scipy.stats import qmc

        seed = self.seed if self.seed is not None else default_seed
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(SWEEP_STREAM,)))
        keys = list(self.ranges)
        if self.method == "lhs":
            unit = qmc.LatinHypercube(d=len(keys), rng=rng).random(self.n)
        else:
            unit = qmc.Sobol(d=len(keys), scramble=True, rng=rng).random(self.n)
        points = []
        for row in unit:
            point = {}
            for key, u in zip(keys, row, strict=True):
                low, high = self.ranges[key]
                if isinstance(low, int) and isinstance(high, int):
                    # every integer in [low, high] gets an equal share of the unit interval
                    point[key] = min(int(np.floor(low + u * (high - low + 1))), high)
                else:
                    point[key] = float(low + u * (high - low))
            points.append(point)
        return points


class Sweep(Frozen):
    """Points to run, as the cartesian product of up to three parts.

    ``grid``: every combination of the listed values; ``zip``: lists of equal
    length taken together (point i uses the i-th value of each); ``sample``: points
    drawn from ranges. A part that is absent contributes one empty point.
    """

    grid: dict[str, Annotated[list[Any], Field(min_length=1)]] = {}
    zip: dict[str, Annotated[list[Any], Field(min_length=1)]] = {}
    sample: SampleSweep | None = None

    @model_validator(mode="after")
    def _zip_lengths(self):
        lengths = {key: len(values) for key, values in self.zip.items()}
        if len(set(lengths.values())) > 1:
            raise _KeyedError("zip", lengths, "lists of the same length")
        repeated = set(self.grid) & set(self.zip)
        if self.sample is not None:
            repeated |= (set(self.grid) | set(self.zip)) & set(self.sample.ranges)
        if repeated:
            raise _KeyedError("", sorted(repeated), "each key in one part of the sweep only")
        return self

    def keys(self) -> list[str]:
        """The swept keys, in column order."""
        sampled = list(self.sample.ranges) if self.sample is not None else []
        return [*self.grid, *self.zip, *sampled]

    def points(self, default_seed: int = 0) -> list[dict[str, Any]]:
        """The override dictionaries, one per point, in a stable order."""
        grid_keys = list(self.grid)
        grid = [
            dict(zip(grid_keys, combo, strict=True))
            for combo in itertools.product(*self.grid.values())
        ]
        n_zip = len(next(iter(self.zip.values()))) if self.zip else 1
        zipped = [{key: values[i] for key, values in self.zip.items()} for i in range(n_zip)]
        sampled = self.sample.draw(default_seed) if self.sample is not None else [{}]
        return [{**a, **b, **c} for a in grid for b in zipped for c in sampled]


class Scenario(Frozen):
    """A whole experiment: network, messages, steps, seeds, replications and sweep."""

    name: Identifier
    description: str = ""
    seed: NonNegativeInt = 0
    steps: PositiveInt = 100
    replications: PositiveInt = 1
    network: NetworkSpec
    messages: Annotated[list[Message], Field(min_length=1)]
    sweep: Sweep | None = None

    @field_validator("messages")
    @classmethod
    def _unique_names(cls, messages: list[Message]) -> list[Message]:
        names = [m.name for m in messages]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise _KeyedError("", None, f"unique message names; repeated: {', '.join(repeated)}")
        return messages

    @model_validator(mode="after")
    def _seeds_fit(self):
        n_nodes = getattr(self.network, "n", None)
        for message in self.messages:
            if n_nodes is not None and message.seeding.n_seeds > n_nodes:
                raise _KeyedError(
                    f"messages.{message.name}.seeding.count",
                    message.seeding.n_seeds,
                    f"at most the number of people, {n_nodes}",
                )
        return self

    def message(self, name: str) -> Message:
        """The message called ``name``."""
        for message in self.messages:
            if message.name == name:
                return message
        raise KeyError(name)


# ---------------------------------------------------------------------- loading
def load_scenario(path: str | Path, overrides: list[str] | None = None) -> Scenario:
    """Read, override and validate a scenario file.

    Relative edge-list paths are made absolute against the scenario's folder, and a
    missing file is reported now rather than mid-run.

    Raises
    ------
    InputError
        For anything wrong, in one line.
    """
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(source, "", None, "an existing scenario file (not found)") from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(source, "", None, f"a readable UTF-8 file ({err})") from None
    raw = parse_yaml(text, source)
    raw = apply_overrides(raw, overrides or [], f"{source} --set")
    try:
        return scenario_from_dict(raw, source=source, base_dir=path.parent)
    except InputError as error:
        overridden = [item.partition("=")[0].strip() for item in overrides or []]
        if any(error.where == key or error.where.startswith(key + ".") for key in overridden):
            raise InputError(f"{source} --set", error.where, error.value, error.allowed) from None
        raise


def parse_yaml(text: str, source: str) -> dict:
    """Parse YAML text into a mapping, reporting syntax errors by line."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise InputError(source, where, None, f"valid YAML ({problem})") from None
    if not isinstance(raw, dict):
        raise InputError(source, "", type(raw).__name__, "a mapping of scenario keys at top level")
    return raw


def scenario_from_dict(
    raw: dict,
    source: str = "<scenario>",
    base_dir: str | Path | None = None,
    *,
    check_sweep: bool = True,
) -> Scenario:
    """Validate a scenario mapping, with every error in one line.

    With ``check_sweep`` every sweep point is validated too, so a bad value in a
    sweep is reported before anything runs.
    """
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as err:
        raise _first_error(err, raw, source) from None
    if isinstance(scenario.network, EdgeList):
        scenario = _resolve_edgelist(scenario, source, base_dir)
    if check_sweep and scenario.sweep is not None:
        sweep = scenario.sweep
        part = {**dict.fromkeys(sweep.grid, "sweep.grid"), **dict.fromkeys(sweep.zip, "sweep.zip")}
        if sweep.sample is not None:
            part.update(dict.fromkeys(sweep.sample.ranges, "sweep.sample.ranges"))
        for point in sweep.points(scenario.seed):
            overrides = [f"{key}={yaml.safe_dump(value)}" for key, value in point.items()]
            apply_overrides(raw, overrides, source, validate_as=part)
    return scenario


def _resolve_edgelist(scenario: Scenario, source: str, base_dir) -> Scenario:
    given = Path(scenario.network.path).expanduser()
    resolved = given if given.is_absolute() or base_dir is None else Path(base_dir) / given
    if not resolved.is_file():
        raise InputError(
            source,
            "network.path",
            scenario.network.path,
            "an existing edge-list file (relative paths start at the scenario's folder)",
        )
    network = scenario.network.model_copy(update={"path": str(resolved.resolve())})
    return scenario.model_copy(update={"network": network})


def with_overrides(scenario: Scenario, overrides: list[str], source: str = "--set") -> Scenario:
    """A new scenario with ``key=value`` overrides applied and validated."""
    raw = scenario.model_dump(mode="json", exclude_none=True)
    return scenario_from_dict(apply_overrides(raw, overrides, source), source=source)


def with_values(scenario: Scenario, values: dict[str, Any], source: str = "sweep") -> Scenario:
    """A new scenario with dotted-key values set (used for sweep points)."""
    raw = scenario.model_dump(mode="json", exclude_none=True)
    for key, value in values.items():
        raw = _set_dotted(raw, key, value, source)
    return scenario_from_dict(raw, source=source, check_sweep=False)  # checked at load


def apply_overrides(
    raw: dict, overrides: list[str], source: str, validate_as: dict[str, str] | None = None
) -> dict:
    """Apply ``key=value`` strings (values parsed as YAML) to a copy of ``raw``.

    With ``validate_as`` (key -> prefix), the result is validated after each key and
    errors are reported under the prefix (``sweep.grid.messages.promo.rule.p``).
    """
    out = copy.deepcopy(raw)
    for item in overrides:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InputError(source, item, None, "KEY=VALUE with a dotted key, e.g. steps=50")
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError:
            raise InputError(source, key, text, "a YAML value (number, string, list)") from None
        out = _set_dotted(out, key, value, source)
        if validate_as:
            try:
                Scenario.model_validate(out)
            except ValidationError as err:
                first = _first_error(err, out, source)
                where = f"{validate_as[key]}.{key}"
                raise InputError(source, where, value, first.allowed) from None
    return out


def _set_dotted(raw: dict, key: str, value: Any, source: str) -> dict:
    out = copy.deepcopy(raw)
    parts = key.split(".")
    node: Any = out
    for depth, part in enumerate(parts[:-1]):
        here = ".".join(parts[: depth + 1])
        if isinstance(node, list):
            names = [m.get("name") for m in node if isinstance(m, dict)]
            if part not in names:
                raise InputError(
                    source, here, None, f"a message name: {', '.join(map(str, names))}"
                )
            node = node[names.index(part)]
        elif isinstance(node, dict):
            if node.get(part) is None:
                node[part] = {}
            node = node[part]
        else:
            raise InputError(source, key, value, f"a key inside a mapping ({here} is a value)")
    if not isinstance(node, dict):
        raise InputError(source, key, value, "a key inside a mapping")
    node[parts[-1]] = value
    return out


# ----------------------------------------------------------- error translation
def _first_error(err: ValidationError, raw: dict, source: str) -> InputError:
    """Translate pydantic's first error into one line with a dotted key."""
    error = err.errors(include_url=False)[0]
    loc = list(error["loc"])
    key, value, model_cls = _dotted(loc, raw)
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "union_tag_invalid":
        allowed_tags = ctx.get("expected_tags", "").replace("'", "")
        return InputError(source, _join(key, "model"), ctx.get("tag"), f"one of {allowed_tags}")
    if kind == "union_tag_not_found":
        return InputError(source, _join(key, "model"), None, "a 'model' key naming the kind")
    if kind == "extra_forbidden":
        keys = (
            ", ".join(field.alias or name for name, field in model_cls.model_fields.items())
            if model_cls
            else "see the scenario docs"
        )
        return InputError(source, key, None, f"no such key here; known keys: {keys}")
    if kind == "missing":
        return InputError(source, key, None, "a value (this key is required)")
    exc = ctx.get("error")
    if isinstance(exc, _KeyedError):
        return InputError(source, _join(key, exc.key), exc.value, exc.allowed)
    message = str(exc) if exc is not None else error["msg"]
    message = message[0].lower() + message[1:] if message else message
    return InputError(source, key, error.get("input", value), message)


def _join(key: str, leaf: str) -> str:
    return ".".join(part for part in (key, leaf) if part)


def _dotted(loc: list, raw: Any) -> tuple[str, Any, type[BaseModel] | None]:
    """Walk pydantic's ``loc`` through the raw data: list items become message names,
    discriminator tags are skipped. Returns the key, the raw value and the model class
    that holds the last key."""
    parts: list[str] = []
    node = raw
    annotation: Any = Scenario
    holder: type[BaseModel] | None = Scenario
    for index, part in enumerate(loc):
        is_last = index == len(loc) - 1
        if isinstance(node, list) and isinstance(part, int):
            item = node[part] if part < len(node) else None
            name = item.get("name") if isinstance(item, dict) else None
            parts.append(str(name) if isinstance(name, str) and name else str(part))
            node = item
            annotation = _list_item(annotation)
            continue
        if isinstance(node, dict) and part not in node and node.get("model") == part:
            annotation = _union_member(annotation, part)
            continue  # a discriminator tag pydantic put in the path
        parts.append(str(part))
        model_cls = _model_class(annotation)
        if is_last:
            holder = model_cls
        if model_cls is not None and isinstance(part, str) and part in model_cls.model_fields:
            annotation = model_cls.model_fields[part].annotation
        node = node.get(part) if isinstance(node, dict) else None
    if loc and isinstance(loc[-1], int):
        holder = None
    return ".".join(parts), node, holder


def _unwrap(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return [m for arg in typing.get_args(annotation) for m in _unwrap(arg)]
    return [annotation]


def _model_class(annotation: Any) -> type[BaseModel] | None:
    members = [m for m in _unwrap(annotation) if isinstance(m, type) and issubclass(m, BaseModel)]
    return members[0] if len(members) == 1 else None


def _union_member(annotation: Any, tag: str) -> Any:
    for member in _unwrap(annotation):
        if isinstance(member, type) and issubclass(member, BaseModel):
            field = member.model_fields.get("model")
            if field is not None and tag in typing.get_args(field.annotation):
                return member
    return annotation


def _list_item(annotation: Any) -> Any:
    for member in _unwrap(annotation):
        if typing.get_origin(member) is list:
            return typing.get_args(member)[0]
    return annotation
