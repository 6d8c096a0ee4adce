"""A fit's figures: the observed data over the posterior predictive band
(``figures/fit.png``) and the posterior's marginals and pairs (``figures/posterior.png``).

The predictive band comes from simulations at parameter values drawn from the
posterior (each with its own randomness, :meth:`sim.fit.simulate.Simulator.curves`
with a ``salt``): it holds both what the data left unknown and the chance of a single
cascade. Labels are in words; keys appear as the scenario names them.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from sim.fit.observed import COUNT_WORDS
from sim.fit.params import FitParam, is_percent, key_words
from sim.fit.posterior import LEVEL, weighted_quantile
from sim.fit.simulate import Simulator
from sim.results.plots import DEEP, WHITEGRID
from sim.results.plots import _save as save_figure

PREDICTIVE_SALT = 7_919  # predictive runs draw other replications than the fit's own


def predictive_curves(simulator: Simulator, draws: pd.DataFrame) -> np.ndarray:
    """One simulated run per posterior draw: ``(draws, messages, 2, steps + 1)``."""
    keys = [param.key for param in simulator.params]
    runs = 1 if simulator.observed.form == "curves" else simulator.n_runs
    return np.stack([
        simulator.curves(tuple(row), runs=runs, salt=PREDICTIVE_SALT + index)
        for index, row in enumerate(draws[keys].itertuples(index=False))
    ])


def fit_figure(simulator: Simulator, predictive: np.ndarray, path: Path,
               step_unit: str = "step") -> Path:
    """Observed data over the 90% posterior predictive band and its median."""
    observed = simulator.observed
    table = observed.table
    panels = [(message, column) for message in observed.messages for column in observed.counts]
    with plt.rc_context(WHITEGRID):
        width = max(6.4, 5.2 * len(panels))
        figure, axes = plt.subplots(1, len(panels), figsize=(width, 4.6), squeeze=False)
        for axis, (message, column) in zip(axes[0], panels, strict=True):
            index = simulator.messages.index(message)
            rows = table[table["message"] == message]
            if observed.form == "curves":
                which = 0 if column == "heard" else 1
                curves = predictive[:, 0, index, which, :]  # first run of each draw
                steps = np.arange(curves.shape[1]) / simulator.step_duration
                _band(axis, steps, curves)
                for number, (_, cascade) in enumerate(rows.groupby("cascade")):
                    axis.plot(cascade["step"], cascade[column], "o", ms=4, color=DEEP[1],
                              label="observed" if number == 0 else None)
                axis.set_xlabel(f"time ({step_unit}s of the data)")
                axis.xaxis.set_major_locator(MaxNLocator(integer=True))
                axis.set_ylabel(f"{COUNT_WORDS[column]}\n(cumulative, people)")
            else:
                which = 0 if column == "reach" else 1
                sizes = np.sort(rows[column].to_numpy(float))
                share = (np.arange(sizes.size) + 0.5) / sizes.size
                finals = np.sort(predictive[:, : sizes.size, index, which, -1], axis=1)
                _band(axis, share, finals)
                axis.plot(share, sizes, "o", ms=4, color=DEEP[1], label="observed")
                axis.set_xlabel("share of cascades, smallest to largest")
                final = "people who shared (final)" if column == "adopters" else \
                    COUNT_WORDS[column]
                axis.set_ylabel(f"{final}\nper cascade (people)")
            axis.set_title(message)
        title = ("Observed data and what the fitted scenario simulates "
                 f"(median, {LEVEL:.0%} band)")
        figure.suptitle("\n".join(textwrap.wrap(title, int(7 * width))))
        figure.legend(*axes[0][0].get_legend_handles_labels(), loc="lower center", ncol=3,
                      frameon=False)
        figure.tight_layout(rect=(0, 0.07, 1, 1))
        return save_figure(figure, path)


def _band(axis, x: np.ndarray, curves: np.ndarray) -> None:
    """The median and the central band of simulated curves (one per row)."""
    tail = (1 - LEVEL) / 2 * 100
    low, middle, high = np.percentile(curves, [tail, 50, 100 - tail], axis=0)
    axis.fill_between(x, low, high, color=DEEP[0], alpha=0.25, lw=0,
                      label=f"simulated: {LEVEL:.0%} band")
    axis.plot(x, middle, color=DEEP[0], label="simulated: median")


def posterior_figure(samples: pd.DataFrame, weights: np.ndarray, params: list[FitParam],
                     path: Path) -> Path:
    """Each key's weighted posterior (histogram over its prior range, estimate and 90%
    interval marked) and, below the diagonal, each pair's weighted samples."""
    n = len(params)
    tail = (1 - LEVEL) / 2
    size = 3.4 if n > 1 else 5.2
    with plt.rc_context(WHITEGRID):
        figure, axes = plt.subplots(n, n, figsize=(size * n + 0.6, size * n), squeeze=False)
        for row, first in enumerate(params):
            for column, second in enumerate(params):
                axis = axes[row][column]
                if column > row:
                    axis.set_visible(False)
                    continue
                if row == column:
                    values = samples[first.key].to_numpy(float)
                    ends = values.min(), max(values.max(), values.min() * 1.0001 + 1e-12)
                    bins = np.geomspace(*ends, 21) if first.log else np.linspace(*ends, 21)
                    axis.hist(values, bins=bins, weights=weights, density=True,
                              color=DEEP[0], alpha=0.7, label="posterior")
                    estimate = weighted_quantile(values, weights, 0.5)
                    low, high = (weighted_quantile(values, weights, q) for q in (tail, 1 - tail))
                    axis.axvspan(low, high, color=DEEP[1], alpha=0.15,
                                 label=f"{LEVEL:.0%} interval")
                    axis.axvline(estimate, color=DEEP[1], label="estimate (median)")
                    axis.set_xlim(first.low, first.high)
                    axis.set_ylabel("how plausible (posterior density)")
                    if n == 1:
                        axis.legend(frameon=False, fontsize=9)
                    elif row == 0:  # once, in the empty corner above the diagonal
                        figure.legend(*axis.get_legend_handles_labels(), loc="upper right",
                                      bbox_to_anchor=(0.98, 0.86), frameon=False)
                else:
                    axis.scatter(samples[second.key], samples[first.key],
                                 s=6 + 400 * weights / weights.sum(), alpha=0.5, color=DEEP[0])
                    axis.set_xlim(second.low, second.high)
                    axis.set_ylim(first.low, first.high)
                    axis.set_ylabel("\n".join(textwrap.wrap(key_words(first.key), 28)))
                    if first.log:
                        axis.set_yscale("log")
                if second.log:
                    axis.set_xscale("log")
                _units(axis.xaxis, second)
                if row != column:
                    _units(axis.yaxis, first)
                label = key_words(second.key) + (" (log scale)" if second.log else "")
                axis.set_xlabel("\n".join(textwrap.wrap(label, 34 if n > 1 else 60)))
        figure.suptitle("What the data say about each fitted value\n"
                        "(each axis spans the prior range)")
        figure.tight_layout()
        return save_figure(figure, path)


def _units(axis, param: FitParam) -> None:
    """Ticks of a chance or a share as percentages (on a log scale too, where the
    minor ticks' labels would crowd them)."""
    if not is_percent(param.key):
        return
    if param.log:  # 1, 2 and 5 of each decade: a prior may span barely one decade
        axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        axis.set_minor_formatter(NullFormatter())
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{100 * value:.3g}%"))

