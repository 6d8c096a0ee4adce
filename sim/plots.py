"""Figures of a results folder, drawn with seaborn and saved as PNG."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display is needed or wanted

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns


def extend_to_last_step(timeseries: pd.DataFrame) -> pd.DataFrame:
    """Carry each run's final counts forward to the batch's last step.

    Runs stop when nothing can change, at different steps; averaging curves
    needs every run present at every step (``sharing`` is 0 after a run stops).

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
    full[["heard", "adopters"]] = full.groupby(keys)[["heard", "adopters"]].ffill()
    full["sharing"] = full["sharing"].fillna(0)
    return full.astype({"heard": "int64", "adopters": "int64", "sharing": "int64"}).reset_index(
        drop=True
    )


def adoption_curve(
    timeseries: pd.DataFrame, runs: pd.DataFrame, path: str | Path, title: str = ""
) -> Path:
    """Fraction of people who heard and who shared, mean and 95% band over replications.

    One colour per message (and per point when several points were run); each
    run's counts are divided by its own number of people (``runs.n_nodes``).
    """
    frame = extend_to_last_step(timeseries)
    sizes = runs.drop_duplicates("run").set_index("run")["n_nodes"]
    people = frame["run"].map(sizes).to_numpy(dtype=float)
    frame = frame.assign(heard=frame["heard"] / people, adopters=frame["adopters"] / people)
    long = frame.melt(
        id_vars=["run", "point", "message", "step"],
        value_vars=["heard", "adopters"],
        var_name="who",
        value_name="fraction",
    )
    if long["point"].nunique() > 1:
        long["message"] = long["message"] + " @ point " + long["point"].astype(str)
    sns.set_theme(style="whitegrid", context="notebook")
    figure, axis = plt.subplots(figsize=(8, 4.8))
    sns.lineplot(
        data=long,
        x="step",
        y="fraction",
        hue="message",
        style="who",
        errorbar=("se", 1.96),
        ax=axis,
    )
    axis.set(
        xlabel="step",
        ylabel="fraction of people",
        ylim=(0, None),
        title=title or "Adoption curve (mean, 95% band over replications)",
    )
    figure.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path
