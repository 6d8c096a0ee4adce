"""Readable names for swept keys and values: what tables, figures and reports show.

A swept key is a dotted path (``messages.promo.rule.p``); a table shows the shortest
suffix that tells it apart from the other swept keys (``p``). A value is shown the way
people write it (``0.1``, ``top_degree``); a whole section (a swept network) by its
model and the parameters that tell it apart from the other values swept, never as
JSON (``Barabási-Albert m=5``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

NETWORK_NAMES = {
    "barabasi_albert": "Barabási-Albert",
    "watts_strogatz": "Watts-Strogatz",
    "newman_watts": "Newman-Watts",
    "erdos_renyi": "Erdős-Rényi",
    "holme_kim": "Holme-Kim",
    "stochastic_block": "stochastic block",
    "ring_lattice": "ring lattice",
    "edgelist": "edge list",
}


def short_key_names(keys: Sequence[str]) -> dict[str, str]:
    """Shortest dotted suffix of each key that tells it apart from the others.

    Examples
    --------
    >>> short_key_names(["messages.promo.rule.p", "messages.promo.seeding.strategy"])
    {'messages.promo.rule.p': 'p', 'messages.promo.seeding.strategy': 'strategy'}
    >>> short_key_names(["network.p", "messages.promo.rule.p"])
    {'network.p': 'network.p', 'messages.promo.rule.p': 'rule.p'}
    """
    parts = {key: key.split(".") for key in keys}
    names = {}
    for key, path in parts.items():
        for length in range(1, len(path) + 1):
            suffix = ".".join(path[-length:])
            clash = any(
                other != key and ".".join(other_path[-length:]) == suffix
                for other, other_path in parts.items()
            )
            if not clash:
                break
        names[key] = suffix
    return names


def format_value(value: Any) -> str:
    """A swept value as people write it: ``0.1``, ``1e-05``, ``random``, ``[1, 2]``.

    Examples
    --------
    >>> format_value(0.10), format_value(2.0), format_value("top_degree"), format_value(3)
    ('0.1', '2', 'top_degree', '3')
    >>> format_value(None), format_value(float("nan")), format_value(list(range(20)))
    ('none', 'none', '[0, 1, …, 19] (20)')
    """
    if value is None or (isinstance(value, float | np.floating) and value != value):
        return "none"
    if isinstance(value, bool | np.bool_):
        return str(bool(value)).lower()
    if isinstance(value, float | np.floating):
        return f"{float(value):g}"
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, str) and value.startswith("["):
        try:  # a list a table keeps as JSON text
            value = json.loads(value)
        except ValueError:
            return value
    if isinstance(value, list | tuple) and len(value) > 4:
        # a long list (seed ids) by its ends and its length
        return f"[{format_value(value[0])}, {format_value(value[1])}, …, " \
               f"{format_value(value[-1])}] ({len(value)})"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(format_value(item) for item in value) + "]"
    return str(value)


def as_mapping(value: Any) -> Mapping[str, Any] | None:
    """A swept section as a mapping: itself, or parsed from the JSON text a table
    holds (``runs.parquet`` keeps a swept section as compact JSON); else ``None``.

    Examples
    --------
    >>> as_mapping('{"model":"complete","n":5}'), as_mapping(0.1)
    ({'model': 'complete', 'n': 5}, None)
    """
    if isinstance(value, Mapping):
        return value
    if isinstance(value, str) and value.startswith("{"):
        try:
            parsed = json.loads(value)
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None
    return None


def value_labels(values: Sequence[Any]) -> list[str]:
    """Labels of the values one key takes, each telling its value apart from the others.

    Plain values are formatted (:func:`format_value`). Sections (mappings, or their
    JSON text) are named by their ``model`` and the parameters whose values differ
    between them; parameters they share are left out.

    Examples
    --------
    >>> value_labels([0.1, 0.25])
    ['0.1', '0.25']
    >>> value_labels([{"model": "barabasi_albert", "n": 10000, "m": 5},
    ...               {"model": "watts_strogatz", "n": 10000, "k": 10, "p": 0.1}])
    ['Barabási-Albert m=5', 'Watts-Strogatz k=10, p=0.1']
    >>> value_labels([{"model": "erdos_renyi", "n": 100, "p": 0.1},
    ...               {"model": "erdos_renyi", "n": 200, "p": 0.1}])
    ['Erdős-Rényi n=100', 'Erdős-Rényi n=200']
    """
    mappings = [as_mapping(value) for value in values]
    if not all(mapping is not None for mapping in mappings):
        return [format_value(value) for value in values]
    keys = list(dict.fromkeys(key for mapping in mappings for key in mapping))
    differing = [
        key for key in keys if key != "model"
        and len({json.dumps(mapping.get(key), sort_keys=True) for mapping in mappings}) > 1
    ]
    labels = []
    for mapping in mappings:
        model = str(mapping.get("model", ""))
        name = NETWORK_NAMES.get(model, model.replace("_", " "))
        shown = [f"{key}={_compact(mapping[key])}" for key in differing if key in mapping]
        labels.append(" ".join(part for part in (name, ", ".join(shown)) if part) or "{}")
    return labels


def _compact(value: Any) -> str:
    if isinstance(value, Mapping | list):
        return json.dumps(value, separators=(",", ":"))
    return format_value(value)
