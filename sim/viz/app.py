"""The Solara app behind ``buzz viz``: Mesa's SolaraViz page for one scenario.

``buzz viz`` validates the scenario, puts its path and ``--set`` overrides in the
environment (:data:`SCENARIO_ENV`, :data:`OVERRIDES_ENV`) and runs
``solara run sim.viz.app``. Each browser session gets its own model. The page shows
the network (a sample of at most 300 people on large networks, see :mod:`sim.viz.page`),
people coloured by their state for a chosen message, the heard and shared curves of
every message, a status line (``step 3 · promo: heard 812 · shared 230``), sliders
for the first message's rule and seeds and the replication, and SolaraViz's Reset,
Play and Step. A slider takes effect at the next Reset.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from sim.config import load_scenario
from sim.viz.page import (
    OVERRIDES_ENV,
    SCENARIO_ENV,
    VizModel,
    draw_curves,
    draw_network,
    network_picture,
    settings_line,
    slider_params,
    status_line,
)

PLAY_INTERVAL_MS = 300

# Which message the network is coloured by, per browser session.
shown_message = solara.reactive("")


@dataclass(frozen=True)
class PageSetup:
    """What a session's page starts from: the first model and the slider definitions."""

    name: str
    model: VizModel
    params: dict


def page_setup(environ: dict | None = None) -> PageSetup:
    """Load the scenario named in the environment and build the page's first model.

    Examples
    --------
    >>> from pathlib import Path
    >>> import sim
    >>> quickstart = Path(sim.__file__).parents[1] / "scenarios" / "quickstart.yaml"
    >>> setup = page_setup({SCENARIO_ENV: str(quickstart),
    ...                     OVERRIDES_ENV: '["network.n=500", "steps=20"]'})
    >>> setup.name, setup.model.graph.n_nodes, setup.model.t
    ('quickstart', 500, 0)
    """
    environ = os.environ if environ is None else environ
    path = environ.get(SCENARIO_ENV)
    if not path:
        raise RuntimeError(f"{SCENARIO_ENV} is not set: start the page with 'buzz viz SCENARIO'")
    overrides = json.loads(environ.get(OVERRIDES_ENV) or "[]")
    scenario = load_scenario(path, overrides)
    source = str(Path(path))
    model = VizModel(scenario, source=source)
    return PageSetup(scenario.name, model, slider_params(scenario, model.graph.n_nodes, source))


@solara.component
def NetworkView(model: VizModel):
    """The status line, the message chooser and the network coloured by state."""
    update_counter.get()  # redraw after every step and reset
    names = [track.message.name for track in model.tracks]
    message = shown_message.value if shown_message.value in names else names[0]
    picture = network_picture(model)
    figure = Figure(figsize=(6.4, 4.6))
    draw_network(figure, picture, model, message)
    with solara.Column(gap="4px"):
        solara.Text(status_line(model), classes=["buzz-status"],
                    style={"font-family": "monospace", "font-size": "15px"})
        if len(names) > 1:
            solara.Select("message drawn", values=names, value=message,
                          on_value=shown_message.set)
        solara.Text(settings_line(model), classes=["buzz-settings"], style={"font-size": "13px"})
        solara.Text(picture.note, classes=["buzz-sample-note"], style={"font-size": "13px"})
        solara.FigureMatplotlib(figure, format="png", dpi=90)


@solara.component
def CurvesView(model: VizModel):
    """Heard and shared over time for every message."""
    update_counter.get()
    figure = Figure(figsize=(6.4, 4.6))
    draw_curves(figure, model)
    solara.FigureMatplotlib(figure, format="png", dpi=90)


@solara.component
def Page():
    """The whole page for one browser session."""
    setup = solara.use_memo(page_setup, dependencies=[])
    SolaraViz(
        setup.model,
        components=[(NetworkView, 0), (CurvesView, 0)],
        model_params=setup.params,
        name=f"buzz: {setup.name}",
        play_interval=PLAY_INTERVAL_MS,
    )
