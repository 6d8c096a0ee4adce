"""Figures of a results folder, drawn with seaborn and saved as PNG.

Every function here draws from the tables and arrays it is given; nothing reads a
folder or runs a model. :func:`make_figures` draws every figure that applies to a
folder's tables (:func:`sim.batch.store.load_results`) into ``folder/figures/``:

- ``adoption.png``: fraction of people who heard and who shared, step by step,
  mean and 95% band over replications; one panel per point, one colour per message;
- ``reach.png``: final reach per point, mean with 95% confidence interval;
- ``heatmap_<message>.png``: mean reach over the grid, when exactly two keys are swept;
- ``ccdf.png``: the cascade-size distribution, P(reach >= x) over runs, log-log.

:func:`cascade_tree` draws who told whom in one run, from its state arrays;
:func:`sim.results.replay.replay_cascade_tree` re-runs a folder's first run to get
them (``buzz plot`` draws both).

Bands and intervals use Student's t, as :mod:`sim.results.statistics` does.
"""

from __future__ import annotations

import functools
import sys
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import rc_context, ticker
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from sim.config import Factor
from sim.config.labels import short_key_names, value_labels
from sim.results.statistics import (
    point_labels,
    point_table,
    scenario_factors,
    scenario_keys,
    summarize,
    t_quantile,
)

DPI = 120
# seaborn's "deep" palette and its whitegrid style at notebook scale, so that buzz run
# draws adoption.png without importing seaborn (a second of every run's start-up)
DEEP = ("#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3",
        "#8C8C8C", "#CCB974", "#64B5CD")
WHITEGRID = {
    "axes.facecolor": "white", "axes.edgecolor": ".8", "axes.grid": True,
    "axes.axisbelow": True, "axes.labelcolor": ".15", "figure.facecolor": "white",
    "grid.color": ".8", "grid.linestyle": "-", "text.color": ".15", "xtick.color": ".15",
    "ytick.color": ".15", "xtick.direction": "out", "ytick.direction": "out",
    "xtick.bottom": False, "ytick.left": False, "lines.solid_capstyle": "round",
    "patch.edgecolor": "w", "font.size": 12, "axes.labelsize": 12, "axes.titlesize": 12,
    "xtick.labelsize": 11, "ytick.labelsize": 11, "legend.fontsize": 11,
    "axes.linewidth": 1.25, "grid.linewidth": 1.0, "lines.linewidth": 1.5,
}


class _Seaborn:
    """seaborn, imported when a figure first needs it (see ``DEEP``)."""

    def __getattr__(self, name: str):
        import seaborn

        return getattr(seaborn, name)


sns = _Seaborn()


def themed(style: str) -> Callable[[Callable], Callable]:
    """Draw under seaborn's ``style`` at notebook scale, and leave matplotlib's settings
    as they were: ``sns.set_theme`` alone changes them for the whole process, and a
    figure drawn after (``adoption.png``, a notebook's own) came out otherwise."""

    def decorate(draw: Callable) -> Callable:
        @functools.wraps(draw)
        def draw_themed(*args, **kwargs):
            with rc_context():
                sns.set_theme(style=style, context="notebook")
                return draw(*args, **kwargs)

        return draw_themed

    return decorate
FIGURE_PATTERNS = ("adoption.png", "reach.png", "heatmap_*.png", "ccdf.png")


def wrapped(text: str, inches: float, fontsize: float) -> str:
    r"""``text`` broken between words into lines that fit ``inches`` at ``fontsize``
    points (a character is about 0.6 of the font size wide), keeping its own breaks.

    Examples
    --------
    >>> wrapped("product_launch: final reach per arm (mean, 95% interval)", 3.0, 12)
    'product_launch: final reach\nper arm (mean, 95% interval)'
    """
    width = max(8, int(inches * 72 / (0.6 * fontsize)))
    return "\n".join(textwrap.fill(line, width, break_long_words=False, break_on_hyphens=False)
                     for line in str(text).split("\n"))


def extend_to_last_step(timeseries: pd.DataFrame) -> pd.DataFrame:
    """Carry each run's final state forward to the batch's last step.

    Runs stop when nothing can change, at different steps; averaging curves needs
    every run present at every step, with the value it ended on: a run that has
    stopped keeps its counts (``heard``, ``adopters``, and ``share_of_voice`` and
    ``net_sentiment`` when present), and ``sharing`` (people starting to spread at
    that step) is 0 after it stops.

    Examples
    --------
    >>> frame = pd.DataFrame({"run": [0, 0, 1], "point": 0, "replication": [0, 0, 1],
    ...                       "message": "a", "step": [0, 1, 0], "heard": [1, 3, 2],
    ...                       "adopters": [1, 2, 2], "sharing": [1, 1, 2]})
    >>> extend_to_last_step(frame)[["run", "step", "heard", "sharing"]].values.tolist()
    [[0, 0, 1, 1], [0, 1, 3, 1], [1, 0, 2, 2], [1, 1, 2, 0]]
    """
    last = int(timeseries["step"].max())
    keys = ["run", "message"]
    grid = timeseries[[*keys, "point", "replication"]].drop_duplicates()
    grid = grid.merge(pd.DataFrame({"step": np.arange(last + 1)}), how="cross")
    full = grid.merge(timeseries, on=[*keys, "point", "replication", "step"], how="left")
    full = full.sort_values([*keys, "step"])
    kept = [column for column in full.columns
            if column not in {*keys, "point", "replication", "step", "sharing"}]
    full[kept] = full.groupby(keys)[kept].ffill()
    full["sharing"] = full["sharing"].fillna(0)
    counts = {"heard": "int64", "adopters": "int64", "sharing": "int64"}
    return full.astype({column: kind for column, kind in counts.items()
                        if column in full.columns}).reset_index(drop=True)


def mean_band(frame: pd.DataFrame, by: list[str], value: str) -> pd.DataFrame:
    """Mean of ``value`` per group with a t-based 95% band (``lo``, ``hi``).

    Examples
    --------
    >>> frame = pd.DataFrame({"step": [0, 0, 0, 1, 1, 1], "y": [1.0, 2, 3, 5, 5, 5]})
    >>> mean_band(frame, ["step"], "y").round(4).values.tolist()
    [[0.0, 2.0, -0.4841, 4.4841], [1.0, 5.0, 5.0, 5.0]]
    """
    grouped = frame.groupby(by, sort=True)[value].agg(["mean", "std", "count"]).reset_index()
    quantile = grouped["count"].map(lambda n: t_quantile(int(n)))
    half = (quantile * grouped["std"] / np.sqrt(grouped["count"])).fillna(0.0)
    return grouped[by].assign(
        mean=grouped["mean"], lo=grouped["mean"] - half, hi=grouped["mean"] + half
    )


def mean_curves(
    timeseries: pd.DataFrame,
    runs: pd.DataFrame | None = None,
    columns: Sequence[str] = ("heard", "adopters"),
) -> pd.DataFrame:
    """Step-by-step means over every run of each point, with 95% bands.

    Every run counts at every step up to its point's longest run: a run that has
    stopped keeps the value it ended on (:func:`extend_to_last_step`), so a
    cumulative curve (``heard``, ``adopters``) never decreases and ends at the mean
    final value. Averaging only the runs still going at each step would let the
    curve fall whenever a big run outlasts the small ones, or rise when small ones
    stop.

    Parameters
    ----------
    timeseries : pandas.DataFrame
        A results folder's ``timeseries`` table.
    runs : pandas.DataFrame, optional
        Its ``runs`` table: when given, each run's counts of people (``heard``,
        ``adopters``, ``sharing``, ``holders``) are divided by its own number of people
        (``n_nodes``), giving fractions; other columns are left as they are.
    columns : sequence of str
        The columns to average.

    Returns
    -------
    pandas.DataFrame
        One row per point, message, column and step: ``point``, ``message``,
        ``column``, ``step``, ``mean``, ``lo``, ``hi``.

    Examples
    --------
    >>> series = pd.DataFrame({"run": [0, 0, 0, 1], "point": 0, "replication": [0, 0, 0, 1],
    ...                        "message": "a", "step": [0, 1, 2, 0], "heard": [1, 5, 9, 1],
    ...                        "adopters": 1, "sharing": 0})
    >>> curves = mean_curves(series, columns=["heard"])
    >>> curves["mean"].tolist()  # run 1 stopped at step 0 and keeps its 1 person
    [1.0, 3.0, 5.0]
    """
    frame = extend_to_last_step(timeseries)
    # Each point ends at its own longest run (extend_to_last_step used the batch's).
    point_last = timeseries.groupby("point")["step"].max()
    frame = frame[frame["step"] <= frame["point"].map(point_last)]
    if runs is not None:
        sizes = runs.drop_duplicates("run").set_index("run")["n_nodes"]
        people = frame["run"].map(sizes).to_numpy(dtype=float)
        counted = [c for c in ("heard", "adopters", "sharing", "holders") if c in columns]
        frame = frame.assign(**{column: frame[column] / people for column in counted})
    parts = [
        mean_band(frame, ["point", "message", "step"], column).assign(column=column)
        for column in columns
    ]
    order = ["point", "message", "column", "step", "mean", "lo", "hi"]
    return pd.concat(parts, ignore_index=True)[order]


def adoption_curve(
    timeseries: pd.DataFrame,
    runs: pd.DataFrame,
    path: str | Path,
    title: str = "",
    labels: Mapping[int, str] | None = None,
) -> Path:
    """Fraction of people who heard and who shared, mean and 95% band over replications.

    One panel per point (titled by its swept values), one colour per message;
    solid lines for *heard*, dashed for *shared* (for a message of an opinion rule, one
    solid line: the people holding its view). Each run's counts are divided by
    its own number of people (``runs.n_nodes``). Each panel ends at the last step
    of its own longest run, so a fast point is not squeezed against the axis.

    Parameters
    ----------
    timeseries, runs : pandas.DataFrame
        The tables of a results folder.
    path : path
        The PNG to write.
    title : str
        The figure title.
    labels : mapping of int to str, optional
        Point id -> panel title; default :func:`sim.results.statistics.point_labels`.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import tempfile
    >>> series = pd.DataFrame({"run": [0, 0, 1, 1], "point": 0, "replication": [0, 0, 1, 1],
    ...                        "message": "a", "step": [0, 1, 0, 1], "heard": [1, 5, 1, 7],
    ...                        "adopters": [1, 3, 1, 4], "sharing": [1, 2, 1, 3]})
    >>> runs = pd.DataFrame({"run": [0, 1], "point": 0, "n_nodes": 10})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     adoption_curve(series, runs, Path(tmp) / "a.png").stat().st_size > 1000
    True
    """
    labels = dict(labels) if labels is not None else point_labels(runs)
    opinions = "holders" in timeseries
    curves = mean_curves(timeseries, runs,
                         columns=("heard", "adopters", "holders") if opinions else ("heard",
                                                                                    "adopters"))
    point_last = curves.groupby("point")["step"].max()
    points = sorted(int(p) for p in curves["point"].unique())
    messages = list(dict.fromkeys(timeseries["message"]))
    colours = {message: DEEP[i % len(DEEP)] for i, message in enumerate(messages)}
    # an opinion rule's message: who holds its view at each step (its sharing curve)
    holding = set(timeseries.loc[timeseries["holders"].notna(), "message"]) if opinions else set()
    lines = {message: ((("holders", "-", "holding its view"),) if message in holding
                       else (("heard", "-", "heard"), ("adopters", "--", "shared")))
             for message in messages}
    with rc_context(WHITEGRID):
        return _draw_adoption(curves, point_last, points, lines, colours, labels, title,
                              path)


def _draw_adoption(curves, point_last, points, lines, colours, labels, title, path):
    columns = 2 if len(points) == 4 else min(len(points), 3)  # 4 panels: a 2x2 square
    rows = -(-len(points) // columns)
    # Share the x axis only when the points last comparably long.
    lengths = point_last.loc[points].to_numpy(dtype=float)
    share_x = bool(lengths.max() <= 3 * max(lengths.min(), 1.0))
    figure, axes = new_figure(
        rows,
        columns,
        figsize=(8 if columns == 1 else 4.6 * columns, 4.8 if rows == 1 else 3.6 * rows),
        sharex=share_x,
        sharey=True,
        squeeze=False,
        layout="constrained",
    )
    top = 0.0
    for axis, point in zip(axes.flat, points, strict=False):
        here = curves[curves["point"] == point]
        for message, drawn in lines.items():
            one = here[here["message"] == message]
            for who, style, name in drawn:
                # Fractions live in [0, 1]; a t band of a skewed sample may poke out.
                band = one[one["column"] == who][["step", "mean", "lo", "hi"]].clip(lower=0.0)
                band[["lo", "hi"]] = band[["lo", "hi"]].clip(upper=1.0)
                top = max(top, float(band["hi"].max()))
                axis.plot(
                    band["step"],
                    band["mean"],
                    style,
                    color=colours[message],
                    label=f"{message}: {name}",
                )
                axis.fill_between(
                    band["step"],
                    band["lo"],
                    band["hi"],
                    color=colours[message],
                    alpha=0.2,
                    linewidth=0,
                )
        if len(points) > 1:
            axis.set_title(wrapped(labels.get(point, f"point {point}"), 4.4, 10), fontsize=10)
        axis.set(xlabel="step", ylabel="fraction of people")
        axis.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))  # steps are whole
    # The panels share y: set its range once, from every band, after all are drawn.
    axes.flat[0].set_ylim(0, max(min(1.0, 1.05 * top), 1e-3))
    for axis in axes.flat[len(points) :]:
        axis.set_visible(False)  # an unused cell of the grid: no empty frame
    handles, names = axes.flat[0].get_legend_handles_labels()
    if len(points) == 1:
        axes.flat[0].legend(handles, names, loc="best", fontsize=9)
    else:
        figure.legend(handles, names, loc="outside lower center", ncol=min(len(names), 4),
                      fontsize=9)
    figure.suptitle(wrapped(title or "Adoption curve (mean, 95% band over replications)",
                            figure.get_figwidth(), 12))
    return _save(figure, path)


@themed("whitegrid")
def reach_plot(
    runs: pd.DataFrame,
    path: str | Path,
    labels: Mapping[int, str] | None = None,
    title: str = "",
) -> Path:
    """Final reach per point: mean % of people reached with its 95% confidence interval.

    Examples
    --------
    >>> import tempfile
    >>> runs = pd.DataFrame({"run": range(4), "point": [0, 0, 1, 1], "message": "a",
    ...                      "replication": [0, 1, 0, 1], "network.p": [0.0, 0.0, 0.1, 0.1],
    ...                      "reach_frac": [0.1, 0.2, 0.5, 0.6], "reach": 1, "adopters": 1,
    ...                      "peak_step": 1, "t50": 1})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     reach_plot(runs, Path(tmp) / "r.png").stat().st_size > 1000
    True
    """
    labels = dict(labels) if labels is not None else point_labels(runs)
    summary = summarize(runs, by=["point", "message"])
    points = sorted(int(p) for p in summary["point"].unique())
    messages = list(dict.fromkeys(runs["message"]))
    colours = sns.color_palette("deep", len(messages))
    figure, axis = new_figure(
        figsize=(min(11.0, max(6.0, 1.0 + 1.1 * len(points) * max(len(messages), 1.3))), 4.8),
        layout="constrained")
    width = 0.8 / len(messages)
    for index, message in enumerate(messages):
        part = summary[summary["message"] == message].set_index("point").reindex(points)
        x = np.arange(len(points)) + (index - (len(messages) - 1) / 2) * width
        mean = part["reach_frac_mean"].to_numpy() * 100
        # Reach lies in [0, 100%]: a t interval poking out is clipped to it.
        low = part["reach_frac_lo"].fillna(part["reach_frac_mean"]).clip(lower=0).to_numpy() * 100
        high = part["reach_frac_hi"].fillna(part["reach_frac_mean"]).clip(upper=1).to_numpy() * 100
        axis.bar(x, mean, width=width * 0.9, color=colours[index], label=message)
        axis.errorbar(
            x,
            mean,
            yerr=[mean - low, high - mean],
            fmt="none",
            ecolor="black",
            capsize=4,
            linewidth=1.2,
        )
    axis.set_xticks(np.arange(len(points)))
    # each label wrapped to its bar group's width, never rotated
    slot = figure.get_figwidth() * 0.8 / len(points)
    axis.set_xticklabels([wrapped(labels.get(p, f"point {p}"), slot, 9) for p in points],
                         fontsize=9)
    axis.set(ylabel="people reached (%)", ylim=(0, None))
    axis.set_title(wrapped(title or "Final reach per arm (mean, 95% interval over "
                           "replications)", figure.get_figwidth(), 12))
    if len(messages) > 1:
        axis.legend(title="message", fontsize=9)
    return _save(figure, path)


@themed("white")
def reach_heatmap(
    runs: pd.DataFrame,
    message: str,
    keys: Sequence[str],
    path: str | Path,
    title: str = "",
    factors: Sequence[Factor] | None = None,
) -> Path:
    """Mean % reached for one message over a two-factor grid (rows: the first).

    The factors are two swept keys (``keys``), or, given ``factors`` (the
    scenario's, :func:`sim.results.statistics.scenario_factors`), two factors of the
    sweep, named arms included; rows and columns are labelled in words.

    Examples
    --------
    >>> import tempfile
    >>> runs = pd.DataFrame({"point": [0, 1, 2, 3], "message": "a", "x.a": [1, 1, 2, 2],
    ...                      "x.b": ["u", "v", "u", "v"], "reach_frac": [0.1, 0.2, 0.3, 0.4]})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     reach_heatmap(runs, "a", ["x.a", "x.b"], Path(tmp) / "h.png").stat().st_size > 1000
    True
    """
    frame = runs[runs["message"] == message]
    if factors is not None:
        row_factor, column_factor = factors
        row_label, column_label = row_factor.name, column_factor.name
        row_of = dict(enumerate(row_factor.labels))
        column_of = dict(enumerate(column_factor.labels))
        frame = frame.assign(_row=frame["point"].map(row_of),
                             _column=frame["point"].map(column_of))
    else:
        row_key, column_key = keys
        names = short_key_names(list(keys))
        row_label, column_label = names[row_key], names[column_key]
        points = runs.drop_duplicates("point").sort_values("point")
        row_of = dict(zip(points["point"], value_labels(points[row_key].tolist()), strict=True))
        column_of = dict(zip(points["point"], value_labels(points[column_key].tolist()),
                             strict=True))
        frame = frame.assign(_row=frame["point"].map(row_of),
                             _column=frame["point"].map(column_of))
    # Keep the grid's own order of values (order of first appearance by point).
    ordered = frame.sort_values("point")
    row_values = list(dict.fromkeys(ordered["_row"]))
    column_values = list(dict.fromkeys(ordered["_column"]))
    table = (
        frame.groupby(["_row", "_column"])["reach_frac"]
        .mean()
        .mul(100)
        .unstack("_column")
        .reindex(index=row_values, columns=column_values)
    )
    longest = max(len(str(value)) for value in row_values)
    figure, axis = new_figure(
        figsize=(max(5.5, 2.4 + 0.07 * min(longest, 30) + 1.3 * len(column_values)),
                 max(3.8, 1.8 + 0.8 * len(row_values))),
        layout="constrained",
    )
    sns.heatmap(
        table,
        annot=True,
        fmt=".1f",
        cmap="viridis",
        vmin=0,
        ax=axis,
        cbar_kws={"label": "mean people reached (%)"},
    )
    axis.set_xticklabels([wrapped(str(value), 1.2, 9) for value in column_values],
                         rotation=0, fontsize=9)
    axis.set_yticklabels([wrapped(str(value), 2.2, 9) for value in row_values], rotation=0,
                         fontsize=9)
    axis.set(xlabel=column_label, ylabel=row_label)
    axis.set_title(wrapped(title or f"{message}: mean reach (%) over the grid",
                           figure.get_figwidth(), 12))
    return _save(figure, path)


@themed("whitegrid")
def cascade_ccdf(
    runs: pd.DataFrame,
    path: str | Path,
    labels: Mapping[int, str] | None = None,
    title: str = "",
) -> Path | None:
    """The cascade-size CCDF, P(reach >= x) over runs, per point and message, log-log.

    A heavy tail (a straight, slowly falling line) means rare huge cascades; a
    cliff means every run ends about the same size. Returns ``None`` (and draws
    nothing) when no run reached anyone.

    Examples
    --------
    >>> import tempfile
    >>> runs = pd.DataFrame({"point": 0, "message": "a", "reach": [1, 3, 3, 40, 200]})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     cascade_ccdf(runs, Path(tmp) / "c.png").stat().st_size > 1000
    True
    """
    labels = dict(labels) if labels is not None else point_labels(runs)
    points = sorted(int(p) for p in runs["point"].unique())
    messages = list(dict.fromkeys(runs["message"]))
    palette = sns.color_palette("deep" if len(points) <= 10 else "husl", len(points))
    colours = dict(zip(points, palette, strict=True))
    dashes = ["-", "--", ":", "-."]
    curves = []
    for (point, message), frame in runs.groupby(["point", "message"], sort=True):
        sizes = np.sort(frame["reach"].to_numpy(dtype=float))
        values = np.unique(sizes[sizes > 0])  # log axes: a size of 0 has no place
        if values.size == 0:
            continue
        # P(reach >= v) = share of runs at or above v (runs of size 0 included).
        share = 1.0 - np.searchsorted(sizes, values, side="left") / sizes.size
        parts = [labels.get(int(point), f"point {point}")] if len(points) > 1 else []
        parts += [str(message)] if len(messages) > 1 or not parts else []
        style = dashes[messages.index(message) % len(dashes)]
        curves.append((": ".join(parts), values, share, colours[int(point)], style))
    if not curves:
        return None
    figure, axis = new_figure(figsize=(8, 4.8), layout="constrained")
    for name, values, share, colour, style in curves:
        # P(reach >= x) for x between two observed sizes is the value at the upper
        # one: hence steps-pre.
        axis.plot(
            values,
            share,
            style,
            drawstyle="steps-pre",
            marker="o",
            markersize=3,
            color=colour,
            label=name,
        )
    axis.set(
        xscale="log",
        yscale="log",
        xlabel="cascade size x (people who heard)",
        ylabel="P(reach ≥ x) over runs",
    )
    axis.set_title(wrapped(title or "Cascade sizes: share of runs reaching at least x people",
                           figure.get_figwidth(), 12))
    plain = ticker.FuncFormatter(lambda value, _: f"{value:g}")
    for ticks in (axis.xaxis, axis.yaxis):
        ticks.set_major_formatter(plain)
        ticks.set_minor_formatter(plain if ticks is axis.yaxis else ticker.NullFormatter())
    if len(curves) > 6:  # many curves: the legend beside the axes, not over them
        figure.legend(fontsize=8, loc="outside right upper")
    else:
        axis.legend(fontsize=8, loc="lower left")
    return _save(figure, path)


def make_figures(results: Mapping[str, Any], folder: str | Path) -> list[Path]:
    """Draw every figure that applies to a results folder into ``folder/figures/``.

    Figures that do not apply are skipped, never drawn empty: no heatmap unless
    exactly two keys are swept, no adoption curve without a time series, nothing
    without runs. Figures this function wrote before are removed first, so the
    folder never mixes two batches.

    Parameters
    ----------
    results : mapping
        The folder's ``runs`` and ``timeseries`` tables and its ``scenario``, as
        :func:`sim.batch.store.load_results` reads them.
    folder : path
        The results folder: figures go to its ``figures/``, and its name titles them
        when the scenario has none.

    Returns
    -------
    list of Path
        The PNG files written, in the order adoption, reach, heatmaps, CCDF.

    Examples
    --------
    >>> import tempfile
    >>> from sim.config import scenario_from_dict
    >>> from sim import load_results, run_batch
    >>> scenario = scenario_from_dict({
    ...     "name": "demo", "replications": 3, "seed": 5,
    ...     "network": {"model": "watts_strogatz", "n": 200, "k": 6, "p": 0.1},
    ...     "messages": [{"name": "a", "rule": {"model": "independent_cascade", "p": 0.3}}],
    ...     "sweep": {"grid": {"messages.a.rule.p": [0.2, 0.3]}}})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = run_batch(scenario, tmp)
    ...     [path.name for path in make_figures(load_results(tmp), tmp)]
    ['adoption.png', 'reach.png', 'ccdf.png']
    """
    folder = Path(folder)
    runs, timeseries = results["runs"], results["timeseries"]
    keys = scenario_keys(results["scenario"], runs)
    out = folder / "figures"
    for pattern in FIGURE_PATTERNS:
        for old in out.glob(pattern):
            old.unlink()
    if runs.empty:
        return []
    labels = dict(zip(*point_table(runs, keys)[["point", "label"]].T.values, strict=True))
    labels = {int(point): label for point, label in labels.items()}
    name = (results["scenario"] or {}).get("name", "") or folder.name
    written: list[Path] = []
    if not timeseries.empty:
        written.append(
            adoption_curve(
                timeseries,
                runs,
                out / "adoption.png",
                title=f"{name}: adoption (mean, 95% band over replications)",
                labels=labels,
            )
        )
    written.append(
        reach_plot(
            runs,
            out / "reach.png",
            labels=labels,
            title=f"{name}: final reach per arm (mean, 95% interval)",
        )
    )
    factors = [f for f in scenario_factors(results["scenario"]) if len(set(f.labels)) > 1]
    if len(factors) == 2 or (not factors and len(keys) == 2):
        for message in dict.fromkeys(runs["message"]):
            written.append(
                reach_heatmap(
                    runs,
                    str(message),
                    keys,
                    out / f"heatmap_{message}.png",
                    title=f"{name}, {message}: mean reach (%)",
                    factors=factors or None,
                )
            )
    ccdf = cascade_ccdf(
        runs,
        out / "ccdf.png",
        labels=labels,
        title=f"{name}: cascade sizes, P(reach ≥ x) over runs",
    )
    if ccdf is not None:
        written.append(ccdf)
    from sim.batch.store import record_written  # the store imports pandas and pyarrow

    record_written(folder, written)  # buzz's own files: --force may remove them later
    return written


NEVER = np.iinfo(np.int32).max  # sim.rules.common.NEVER: not heard, not shared
TREE_COLOURS = {"started": "#222222", "shared": "#c0392b", "heard": "#f2b134"}


@dataclass(frozen=True)
class CascadeTree:
    """What :func:`cascade_tree` drew.

    ``nodes``: people drawn; ``edges``: who-told-whom links drawn; ``depth``: most
    hops from a starter to a person drawn; ``reached``: people who heard in the run;
    ``roots``: people drawn whom nobody drawn told (seeds, or an ad for Bass);
    ``drawn``: their indices, in the order reached; ``xy``: each one's (step, row);
    ``title``: the title drawn.
    """

    path: Path
    nodes: int
    edges: int
    depth: int
    reached: int
    roots: int
    drawn: np.ndarray
    xy: np.ndarray
    title: str

    @property
    def truncated(self) -> bool:
        """Whether only the first people reached were drawn."""
        return self.nodes < self.reached


@themed("white")
def cascade_tree(
    heard_at: np.ndarray,
    shared_at: np.ndarray,
    source: np.ndarray,
    path: str | Path,
    *,
    max_nodes: int = 300,
    node_ids: np.ndarray | None = None,
    title: str = "",
) -> CascadeTree | None:
    """Draw one run's cascade: who told whom, step by step, as a tree.

    Each person who heard is a dot linked to the person who told them (``source``:
    for people who shared, the one who made them share; for the others, the first
    to expose them). A dot sits at the step that link acted (x): when the person
    started sharing, or, if they only heard, when they heard. A teller acts at an
    earlier step (the step before, for independent cascade and linear threshold), so
    links always point right. Children sit together beside their parent, a branch is
    a block of rows (a tidy tree: leaves one row apart, a parent
    centred on its children). Black diamonds started it (seeds; for Bass, people the
    ad reached), red dots shared, yellow dots only heard. Beyond ``max_nodes``
    people, the first ``max_nodes`` told (by that step, then index) are drawn and the
    title says so; tellers come before the people they told, so no link is cut.
    Up to 40 people, dots are labelled with ``node_ids`` (default: indices).

    Parameters
    ----------
    heard_at, shared_at, source : numpy.ndarray
        A message's state arrays after a run (``MessageTrack.state``).
    path : path
        The PNG to write.
    max_nodes : int
        Most people drawn.
    node_ids : numpy.ndarray, optional
        The ids people have in the user's data, for labels.
    title : str
        The figure title; the truncation note is added to it.

    Returns
    -------
    CascadeTree or None
        What was drawn; ``None`` (and no file) when nobody heard.

    Examples
    --------
    >>> import tempfile
    >>> never = np.iinfo(np.int32).max
    >>> heard = np.array([0, 1, 1, 2, never])      # 0 told 1 and 2; 1 told 3
    >>> shared = np.array([0, 1, never, never, never])
    >>> source = np.array([-1, 0, 0, 1, -1])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     tree = cascade_tree(heard, shared, source, Path(tmp) / "t.png")
    >>> tree.nodes, tree.edges, tree.depth, tree.roots
    (4, 3, 2, 1)
    >>> tree.xy.tolist()  # (step, row): 3 is 1's only child; 0 is centred on 1 and 2
    [[0.0, 0.5], [1.0, 0.0], [1.0, 1.0], [2.0, 0.0]]
    """
    heard_at, shared_at, source = (np.asarray(a) for a in (heard_at, shared_at, source))
    reached = np.flatnonzero(heard_at != NEVER)
    if reached.size == 0:
        return None
    # the step each person's link acted: started sharing, or else heard
    told_at = np.where(shared_at != NEVER, shared_at, heard_at)
    drawn = reached[np.lexsort((reached, told_at[reached]))][: int(max_nodes)]
    n = drawn.size
    row_of = np.full(heard_at.size, -1, dtype=np.int64)
    row_of[drawn] = np.arange(n)
    teller = source[drawn].astype(np.int64)
    parent = np.where(teller >= 0, row_of[np.clip(teller, 0, None)], -1)
    # Every rule has a teller act at an earlier step; should one not, the person
    # is drawn as a root, so the drawing is a forest whatever the arrays hold.
    parent[parent >= np.arange(n)] = -1
    depth = np.zeros(n, dtype=np.int64)
    children: list[list[int]] = [[] for _ in range(n)]
    for row in range(n):  # parents come first in reach order
        if parent[row] >= 0:
            depth[row] = depth[parent[row]] + 1
            children[parent[row]].append(row)
    y = _tidy_rows(children, [row for row in range(n) if parent[row] < 0])
    x = told_at[drawn].astype(float)

    roots = parent < 0
    shared = shared_at[drawn] != NEVER
    kind = np.where(roots & (teller < 0), "started", np.where(shared, "shared", "heard"))
    leaves = sum(1 for row in range(n) if not children[row])
    span = float(x.max() - x.min())
    height = float(np.clip(1.6 + 0.05 * leaves, 3.6, 16.0))
    figure, axis = new_figure(figsize=(float(np.clip(3.0 + 0.9 * span, 6.0, 16.0)), height),
                                layout="constrained")
    links = [((x[parent[row]], y[parent[row]]), (x[row], y[row]))
             for row in range(n) if parent[row] >= 0]
    if links:
        axis.add_collection(LineCollection(links, colors="#8a8a8a", linewidths=0.7, zorder=1))
    pitch = 0.75 * 72 * height / (leaves + 1.6)  # points between two rows
    size = float(np.clip((0.8 * pitch) ** 2, 6, 80))  # marker area: dots do not overlap
    names = {"started": "started it", "shared": "shared", "heard": "heard only"}
    for which, colour in TREE_COLOURS.items():
        mask = kind == which
        if mask.any():
            axis.scatter(x[mask], y[mask], s=size * (1.6 if which == "started" else 1.0),
                         marker="D" if which == "started" else "o", c=colour,
                         edgecolors="white", linewidths=0.4, zorder=2,
                         label=f"{names[which]} ({int(mask.sum())})")
    if n <= 40:
        ids = drawn if node_ids is None else np.asarray(node_ids)[drawn]
        for row in range(n):
            axis.annotate(str(ids[row]), (x[row], y[row]), xytext=(4, 3),
                          textcoords="offset points", fontsize=7, color="#333333")
    axis.set_xlim(x.min() - 0.5, x.max() + 0.8)
    axis.set_ylim(y.max() + 0.8, y.min() - 0.8)  # first branch on top
    axis.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    axis.set_yticks([])
    axis.set_xlabel("step told (shared, or heard if only heard)")
    for side in ("left", "right", "top"):
        axis.spines[side].set_visible(False)
    note = (f"first {n} of {reached.size} people reached, by step told" if n < reached.size
            else f"{n} people reached")
    heading = f"{title}\n{note}" if title else f"Who told whom: {note}"
    axis.set_title(wrapped(heading, figure.get_figwidth() - 1.8, 11), fontsize=11)
    figure.legend(loc="outside right upper", fontsize=9, frameon=False)
    _save(figure, path)
    edges = int((parent >= 0).sum())
    return CascadeTree(Path(path), n, edges, int(depth.max()), int(reached.size),
                       int(roots.sum()), drawn, np.column_stack([x, y]), heading)


def _tidy_rows(children: list[list[int]], roots: list[int]) -> np.ndarray:
    """Row of each node: leaves one apart in depth-first order, parents centred."""
    y = np.zeros(len(children))
    next_leaf = 0
    for root in roots:
        stack = [(root, False)]
        while stack:  # iterative post-order: a long chain must not hit the recursion limit
            node, expanded = stack.pop()
            if not children[node]:
                y[node] = next_leaf
                next_leaf += 1
            elif expanded:
                y[node] = (y[children[node][0]] + y[children[node][-1]]) / 2
            else:
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(children[node]))
    return y


def new_figure(nrows: int = 1, ncols: int = 1, *, figsize: tuple[float, float],
               layout: str | None = None, **options: Any) -> tuple[Figure, Any]:
    """A figure on an Agg canvas and its axes, as ``pyplot.subplots`` makes them with
    its default backend, without pyplot: its import (backends, the figure registry)
    costs every ``buzz run`` a third of a second, and a figure saved to a file needs
    none of it. ``options`` go to :meth:`matplotlib.figure.Figure.subplots`.

    Examples
    --------
    >>> figure, axes = new_figure(1, 2, figsize=(6, 3), squeeze=False)
    >>> axes.shape
    (1, 2)
    """
    figure = Figure(figsize=figsize, layout=layout)
    FigureCanvasAgg(figure)  # what text is measured with, before the figure is saved
    return figure, figure.subplots(nrows, ncols, **options)


def _save(figure: Figure, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=DPI)
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(figure)  # one pyplot made (sim.fit's figures) is let go
    return path
