"""A fit's answer: the posterior's estimates and 90% intervals, what the data could not
pin down (in words), and the files that hold them (``fit.json``, ``posterior.parquet``).

``estimate`` is the weighted posterior median; ``low`` and ``high`` bound the central
90% credible interval (the weighted 5th and 95th percentiles). A parameter is called
**barely pinned** when its 90% interval is more than 60% as wide as its prior's own
central 90% range (both measured on the scale sampled: log10 for a log-uniform prior),
and two
parameters **trade off** when their weighted posterior correlation is beyond ±0.7:
the data then fix a combination of them rather than each one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.fit.params import FitParam, format_fitted, key_words

LEVEL = 0.9
WIDE = 0.6  # interval / prior range above which a parameter is barely pinned
TRADE_OFF = 0.7  # |correlation| above which two parameters trade off
FIT_JSON = "fit.json"
POSTERIOR = "posterior.parquet"


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The ``q`` quantile of weighted values (the inverse of the weighted distribution
    function, interpolated between points' midpoints).

    Examples
    --------
    >>> weighted_quantile(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 1.0]), 0.5)
    2.0
    >>> weighted_quantile(np.array([1.0, 2.0, 3.0]), np.array([0.0, 0.0, 1.0]), 0.5)
    3.0
    """
    order = np.argsort(values)
    values, weights = values[order], weights[order]
    keep = weights > 0
    values, weights = values[keep], weights[keep]
    cumulative = (np.cumsum(weights) - 0.5 * weights) / weights.sum()
    return float(np.interp(q, cumulative, values))


def weighted_correlation(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> float:
    """Pearson's correlation of weighted points (0 when either is constant)."""
    w = weights / weights.sum()
    dx, dy = x - np.sum(w * x), y - np.sum(w * y)
    spread = np.sqrt(np.sum(w * dx**2) * np.sum(w * dy**2))
    return float(np.sum(w * dx * dy) / spread) if spread > 0 else 0.0


@dataclass(frozen=True)
class Summary:
    """A fit's numbers: per key its estimate and interval, and the notes in words."""

    parameters: dict[str, dict[str, Any]]
    notes: list[str]


def summarise(samples: pd.DataFrame, weights: np.ndarray, params: list[FitParam]) -> Summary:
    """Estimates, intervals and notes from weighted posterior samples (one column per
    key, in the key's own units).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> samples = pd.DataFrame({"p": rng.normal(0.2, 0.01, 500)})
    >>> out = summarise(samples, np.ones(500), [FitParam("p", 0.0, 1.0)])
    >>> round(out.parameters["p"]["estimate"], 2), out.notes
    (0.2, [])
    """
    parameters: dict[str, dict[str, Any]] = {}
    notes = []
    tail = (1 - LEVEL) / 2
    sampled = {}
    for param in params:
        values = samples[param.key].to_numpy(dtype=float)
        scale = np.log10(values) if param.log else values
        sampled[param.key] = scale
        low, high = (weighted_quantile(values, weights, q) for q in (tail, 1 - tail))
        scale_low, scale_high = (weighted_quantile(scale, weights, q) for q in (tail, 1 - tail))
        prior_low, prior_high = param.bounds
        share = (scale_high - scale_low) / (LEVEL * (prior_high - prior_low))
        entry = {
            "estimate": weighted_quantile(values, weights, 0.5),
            "low": low, "high": high, "level": LEVEL,
            "prior": {"low": param.low, "high": param.high,
                      "shape": "log-uniform" if param.log else "uniform"},
            "interval_share_of_prior": round(float(share), 3),
            "pinned": bool(share <= WIDE),
        }
        parameters[param.key] = entry
        if share > WIDE:
            notes.append(
                f"the data barely pin {key_words(param.key)}: its 90% interval "
                f"({format_fitted(param.key, low)} to {format_fitted(param.key, high)}) is "
                f"{share:.0%} as wide as the prior's own; read it as 'not determined by "
                "these data', and widen the data rather than trust the estimate")
    keys = [param.key for param in params]
    for first in range(len(keys)):
        for second in range(first + 1, len(keys)):
            a, b = keys[first], keys[second]
            r = weighted_correlation(sampled[a], sampled[b], weights)
            parameters[a].setdefault("correlations", {})[b] = round(r, 3)
            parameters[b].setdefault("correlations", {})[a] = round(r, 3)
            if abs(r) > TRADE_OFF:
                direction = "raising one while lowering the other" if r < 0 else \
                    "raising both together"
                notes.append(
                    f"{key_words(a)} and {key_words(b)} trade off (posterior correlation "
                    f"{r:+.2f}): the data fit "
                    f"about as well {direction}, so they fix a combination of the two "
                    "rather than each one")
    return Summary(parameters, notes)


def estimate_words(key: str, entry: dict[str, Any]) -> str:
    """One fitted key's answer in a line: its estimate, 90% interval and prior, with
    units.

    Examples
    --------
    >>> print(estimate_words("messages.a.rule.p", {"estimate": 0.2657, "low": 0.2147,
    ...     "high": 0.4148, "prior": {"low": 0.01, "high": 0.6}}))  # doctest: +NORMALIZE_WHITESPACE
    a: chance to pass it on, per contact (messages.a.rule.p): 26.6%
    (90% interval 21.5% to 41.5%; prior 1% to 60%)
    """
    low, estimate, high, prior_low, prior_high = (format_fitted(key, value) for value in (
        entry["low"], entry["estimate"], entry["high"], entry["prior"]["low"],
        entry["prior"]["high"]))
    return (f"{key_words(key)}: {estimate} ({LEVEL:.0%} interval {low} to {high}; "
            f"prior {prior_low} to {prior_high})")


def write_outputs(folder: Path, samples: pd.DataFrame, weights: np.ndarray,
                  summary: Summary, facts: dict[str, Any]) -> None:
    """Write ``posterior.parquet`` (the last population: one row per sample, its keys
    and ``weight``) and ``fit.json`` (``facts`` plus the parameters and notes)."""
    table = samples.copy()
    table["weight"] = weights / weights.sum()
    table.to_parquet(folder / POSTERIOR, index=False)
    document = {**facts, "level": LEVEL, "parameters": summary.parameters,
                "notes": summary.notes}
    (folder / FIT_JSON).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def read_fit(folder: str | Path) -> tuple[dict[str, Any], pd.DataFrame]:
    """``fit.json`` and ``posterior.parquet`` of a fit folder.

    Raises
    ------
    InputError
        When the folder holds no finished fit.
    """
    folder = Path(folder)
    try:
        facts = json.loads((folder / FIT_JSON).read_text(encoding="utf-8"))
        samples = pd.read_parquet(folder / POSTERIOR)
    except (OSError, ValueError):
        raise InputError(str(folder), "", None,
                         f"a folder written by buzz fit (with {FIT_JSON} and {POSTERIOR})"
                         ) from None
    return facts, samples


def draw_posterior(samples: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """``n`` draws of the fitted keys from weighted posterior samples (with
    replacement, each sample in proportion to its weight).

    Examples
    --------
    >>> samples = pd.DataFrame({"p": [0.1, 0.2], "weight": [0.0, 1.0]})
    >>> draw_posterior(samples, 3, np.random.default_rng(0))["p"].tolist()
    [0.2, 0.2, 0.2]
    """
    weights = samples["weight"].to_numpy(dtype=float)
    rows = rng.choice(len(samples), size=n, p=weights / weights.sum())
    return samples.drop(columns="weight").iloc[rows].reset_index(drop=True)
