"""Reading scenarios: YAML files, ``--set`` overrides and sweep points, validated."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.config.budget import check_fits
from sim.config.networks import EdgeList, Layered
from sim.config.scenario import Scenario
from sim.config.translate import first_error
from sim.config.yaml_input import load_yaml, read_text
from sim.errors import InputError


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
    raw = parse_yaml(read_text(path, source), source)
    raw = apply_overrides(raw, overrides or [], f"{source} --set")
    try:
        return scenario_from_dict(raw, source=source, base_dir=path.parent)
    except InputError as error:
        overridden = [item.partition("=")[0].strip() for item in overrides or []]
        if any(error.where == key or error.where.startswith(key + ".") for key in overridden):
            raise InputError(f"{source} --set", error.where, error.value, error.allowed) from None
        raise


def parse_yaml(text: str, source: str) -> dict:
    """Parse YAML text into a mapping, reporting errors by line
    (:func:`sim.config.yaml_input.load_yaml`: size, nesting, aliases and repeated
    keys are bounded)."""
    raw = load_yaml(text, source)
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
        raise first_error(err, raw, source) from None
    scenario = _resolved(scenario, source, base_dir)
    if not check_sweep:
        return scenario
    n_points = scenario.sweep.n_points() if scenario.sweep is not None else 1
    check_fits(scenario, source, n_points)
    if scenario.sweep is not None:
        for point, part in scenario.sweep.point_parts(scenario.seed):
            overrides = [f"{key}={yaml.safe_dump(value)}" for key, value in point.items()]
            out = apply_overrides(raw, overrides, source, validate_as=part)
            if any(key.split(".")[0] in _SIZING_KEYS for key in point):
                check_fits(_resolved(Scenario.model_validate(out), source, base_dir), source,
                           n_points)
    return scenario


# keys that change how much memory a run needs
_SIZING_KEYS = ("network", "steps", "messages")


def _resolved(scenario: Scenario, source: str, base_dir) -> Scenario:
    if isinstance(scenario.network, EdgeList | Layered):
        return _resolve_edgelist(scenario, source, base_dir)
    return scenario


def _resolve_edgelist(scenario: Scenario, source: str, base_dir) -> Scenario:
    """Make the edge-list paths of the network (or of its layers) absolute and check
    that the files exist."""

    def resolved(network: EdgeList, key: str) -> EdgeList:
        given = Path(network.path).expanduser()
        path = given if given.is_absolute() or base_dir is None else Path(base_dir) / given
        if not path.is_file():
            raise InputError(
                source,
                key,
                network.path,
                "an existing edge-list file (relative paths start at the scenario's folder)",
            )
        return network.model_copy(update={"path": str(path.resolve())})

    network = scenario.network
    if isinstance(network, EdgeList):
        network = resolved(network, "network.path")
    else:
        layers = [
            layer.model_copy(update={
                "network": resolved(layer.network, f"network.layers.{layer.name}.network.path")
            }) if isinstance(layer.network, EdgeList) else layer
            for layer in network.layers
        ]
        network = network.model_copy(update={"layers": layers})
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
    applied: dict[str, Any] = {}
    for item in overrides:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InputError(source, item, None, "KEY=VALUE with a dotted key, e.g. steps=50")
        if any(not part.strip() for part in key.split(".")):
            raise InputError(source, key, None,
                             "a dotted key without empty parts, e.g. network.n=500")
        try:
            value = load_yaml(text, source)
        except InputError as error:
            raise InputError(source, key, text,
                             f"a YAML value (number, string, list): {error.allowed}") from None
        try:
            out = _set_dotted(out, key, value, source)
        except InputError as error:
            if not validate_as:
                raise
            # a swept key that names nothing: say which part of the sweep sets it
            raise InputError(source, f"{validate_as[key]}.{key}", value, error.allowed) from None
        applied[key] = value
    if validate_as:
        # a point's values are checked together (one may need another, such as a
        # strategy and its list of nodes); the error names the key it concerns
        try:
            Scenario.model_validate(out)
        except ValidationError as err:
            first = first_error(err, out, source)
            key = max(applied, key=lambda k: _shared_prefix(k, first.where))
            where, value = f"{validate_as[key]}.{key}", applied[key]
            if first.where.startswith(key + "."):  # inside a section the sweep sets
                where, value = f"{where} (at {first.where})", first.value
            raise InputError(source, where, value, first.allowed) from None
    return out


def _shared_prefix(key: str, where: str) -> int:
    """How many leading dotted parts ``key`` and ``where`` have in common."""
    count = 0
    for a, b in zip(key.split("."), where.split("."), strict=False):
        if a != b:
            break
        count += 1
    return count


def _set_dotted(raw: dict, key: str, value: Any, source: str) -> dict:
    out = copy.deepcopy(raw)
    parts = key.split(".")
    node: Any = out
    for depth, part in enumerate(parts[:-1]):
        here = ".".join(parts[: depth + 1])
        if isinstance(node, list):
            node = _list_item(node, part, here, source)
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


def get_dotted(raw: dict, key: str) -> Any:
    """The value at a dotted key of a scenario mapping (messages by name, other lists
    by position), or ``None`` where nothing is set.

    Examples
    --------
    >>> get_dotted({"messages": [{"name": "a", "rule": {"p": 0.1}}]}, "messages.a.rule.p")
    0.1
    >>> get_dotted({"network": {"n": 5}}, "network.k") is None
    True
    """
    node: Any = raw
    parts = key.split(".")
    for depth, part in enumerate(parts):
        if isinstance(node, list):
            node = _list_item(node, part, ".".join(parts[: depth + 1]), "<scenario>")
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return None
    return node


def _list_item(node: list, part: str, here: str, source: str) -> Any:
    """A list's item by name (messages, roles) or else by position (interactions)."""
    names = [m.get("name") for m in node if isinstance(m, dict)]
    if part in names:
        return node[names.index(part)]
    if part.isdigit() and int(part) < len(node):
        return node[int(part)]
    allowed = (
        f"a name in {here.rpartition('.')[0] or 'the list'}: {', '.join(map(str, names))}"
        if any(names)
        else f"a position from 0 to {len(node) - 1}"
    )
    raise InputError(source, here, part, allowed)
