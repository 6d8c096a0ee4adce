"""The Solara app behind ``buzz viz``: one scenario's run, in the browser.

``buzz viz`` validates the scenario, puts its path and ``--set`` overrides in the
environment (:data:`SCENARIO_ENV`, :data:`OVERRIDES_ENV`) and runs
``solara run sim.viz.app``. Each browser session loads the scenario again (so a file
edited while the server runs is read anew at the next page load) and gets its own run,
a Mesa model (:class:`~sim.viz.page.VizModel`).

The page, titled by the scenario's name (tab and bar):

- **Run**: Reset (the same run again from step 0), Play/Pause, Step, and the speed of
  Play in steps per second;
- **Settings**: a slider per setting of the first message (its rule, its seeds) and
  the replication, each with its value beside its name; moving one restarts the run
  at once with the new value (the run shown is always the one the sliders describe);
  a value the scenario does not allow shows the one-line error and keeps the run;
- the status line (``step 3 · promo: heard 812 · shared 230``), and when the run has
  ended, what it reached and that it is finished;
- the network (a sample of at most 300 people on large networks that includes the
  cascade, see :mod:`sim.viz.page`) coloured by each person's state, and the heard and
  shared curves of every message.

A scenario that no longer loads shows its one-line error instead of the page; the
server keeps serving, and the next page load reads the file again.

Mesa's own SolaraViz page (3.3.1) cannot show a slider's value, restart on a change,
announce the end of a run or title its tab, so this page is built with Solara around
the same Mesa model.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import solara
from matplotlib.figure import Figure

from sim.config import Scenario, load_scenario
from sim.errors import InputError
from sim.viz.page import (
    OVERRIDES_ENV,
    SCENARIO_ENV,
    VizModel,
    draw_curves,
    draw_network,
    finished_line,
    network_picture,
    settings_line,
    shown_value,
    slider_params,
    status_line,
)

SPEEDS = (1, 20)  # Play's speed slider, steps per second
DEFAULT_SPEED = 4


@dataclass(frozen=True)
class PageSetup:
    """What a session's page starts from: the scenario, its first run and its sliders
    (``sliders``: dotted key, or ``replication``, -> the slider's spec from
    :func:`~sim.viz.page.slider_params`)."""

    name: str
    scenario: Scenario
    source: str
    model: VizModel
    sliders: dict[str, dict] = field(default_factory=dict)

    def initial_values(self) -> dict[str, Any]:
        """Each slider's starting value."""
        return {key: spec["value"] for key, spec in self.sliders.items()}

    def build(self, values: dict[str, Any]) -> VizModel:
        """The run the sliders describe (``values``: slider key -> value); raises
        :class:`~sim.errors.InputError` on a value the scenario does not allow (see
        :func:`page_setup` for an example)."""
        values = dict(values)
        replication = int(values.pop("replication", 0))
        return VizModel(self.scenario, replication=replication, source=self.source, **values)


def page_setup(environ: dict | None = None) -> PageSetup:
    """Load the scenario named in the environment and build the page's first run.

    Raises :class:`~sim.errors.InputError` when the scenario does not load.

    Examples
    --------
    >>> from pathlib import Path
    >>> import sim
    >>> quickstart = Path(sim.__file__).parents[1] / "scenarios" / "quickstart.yaml"
    >>> setup = page_setup({SCENARIO_ENV: str(quickstart),
    ...                     OVERRIDES_ENV: '["network.n=500", "steps=20"]'})
    >>> setup.name, setup.model.graph.n_nodes, setup.model.t
    ('quickstart', 500, 0)
    >>> list(setup.sliders)
    ['messages.promo.rule.p', 'messages.promo.seeding.count', 'replication']

    A slider move builds the run it describes, or says what the scenario does not allow:

    >>> values = {**setup.initial_values(), "messages.promo.seeding.count": 7}
    >>> int(setup.build(values).count("heard"))  # 7 seeds at step 0
    7
    >>> try:
    ...     setup.build({**values, "messages.promo.rule.p": 1.5})
    ... except InputError as error:
    ...     print(str(error).split(": ", 1)[1])
    messages.promo.rule.p = 1.5: allowed: input should be less than or equal to 1
    """
    environ = os.environ if environ is None else environ
    path = environ.get(SCENARIO_ENV)
    if not path:
        raise RuntimeError(f"{SCENARIO_ENV} is not set: start the page with 'buzz viz SCENARIO'")
    overrides = json.loads(environ.get(OVERRIDES_ENV) or "[]")
    scenario = load_scenario(path, overrides)
    source = str(Path(path))
    model = VizModel(scenario, source=source)
    params = slider_params(scenario, model.graph.n_nodes, source)
    sliders = {key: spec for key, spec in params.items() if isinstance(spec, dict)}
    return PageSetup(scenario.name, scenario, source, model, sliders)


def _load() -> PageSetup | str:
    try:
        return page_setup()
    except InputError as error:
        return f"error: {error}"


@solara.component
def Page():
    """The whole page for one browser session."""
    setup = solara.use_memo(_load, dependencies=[])
    if isinstance(setup, str):  # the scenario does not load: say why, in one line
        solara.Title("buzz: the scenario does not load")
        solara.AppBarTitle("buzz: the scenario does not load")
        solara.Error(setup, classes=["buzz-error"])
        solara.Text("Correct the file, then reload this page.")
        return
    Session(setup)


@solara.component
def Session(setup: PageSetup):
    """A scenario's page: run controls, settings, status and pictures."""
    values = solara.use_reactive(setup.initial_values())
    model = solara.use_reactive(solara.use_memo(lambda: setup.model, []))
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(DEFAULT_SPEED)
    problem = solara.use_reactive(None)
    tick = solara.use_reactive(0)  # bumped after every step, so pictures redraw
    lock = solara.use_memo(threading.Lock, [])

    def restart(new_values: dict[str, Any]) -> None:
        try:
            built = setup.build(new_values)
        except InputError as error:  # keep the run shown; say what is wrong
            problem.set(f"error: {error}")
            return
        problem.set(None)
        with lock:
            model.set(built)
        tick.set(tick.value + 1)

    def move(key: str, value: Any) -> None:
        new_values = {**values.value, key: value}
        values.set(new_values)
        restart(new_values)

    def step() -> None:
        with lock:
            model.value.step()
        tick.set(tick.value + 1)

    def play(cancel: threading.Event) -> None:
        shown = model.value
        while playing.value and shown.running and not cancel.is_set():
            time.sleep(1.0 / speed.value)
            if cancel.is_set():
                return
            with lock:
                shown.step()
            tick.set(tick.value + 1)
        if not shown.running and not cancel.is_set():
            playing.set(False)

    solara.use_thread(play, dependencies=[playing.value, model.value], intrusive_cancel=False)

    current = model.value
    name = f"buzz: {setup.name}"
    solara.Title(name)
    solara.AppBarTitle(name)
    with solara.Sidebar():
        with solara.Card("Run"), solara.Column(gap="16px"):
            with solara.Row():
                solara.Button("Reset", color="primary", on_click=lambda: restart(values.value))
                solara.Button("Pause" if playing.value else "Play", color="primary",
                              on_click=lambda: playing.set(not playing.value),
                              disabled=not current.running)
                solara.Button("Step", color="primary", on_click=step,
                              disabled=playing.value or not current.running)
            LabelledSlider("speed (steps per second)", "SliderInt", speed.value,
                           {"type": "SliderInt", "min": SPEEDS[0], "max": SPEEDS[1], "step": 1},
                           speed.set, "buzz-speed")
        with solara.Card("Settings"):
            solara.Text("Moving a slider restarts the run at step 0 with the new value.",
                        style={"font-size": "13px"})
            for index, (key, spec) in enumerate(setup.sliders.items()):
                LabelledSlider(spec["label"], spec["type"], values.value[key], spec,
                               lambda value, key=key: move(key, value), f"buzz-slider-{index}")
            if problem.value:
                solara.Error(problem.value, classes=["buzz-error"])
    tick.get()  # redraw the pictures after every step
    with solara.Column(gap="6px"):
        solara.Text(status_line(current), classes=["buzz-status"],
                    style={"font-family": "monospace", "font-size": "15px"})
        finished = finished_line(current)
        if finished:
            solara.Success(finished, classes=["buzz-finished"], dense=True)
        solara.Text(settings_line(current), classes=["buzz-settings"],
                    style={"font-size": "13px"})
        with solara.Columns([3, 2]):
            NetworkView(current, tick.value)
            CurvesView(current, tick.value)


@solara.component
def LabelledSlider(label: str, kind: str, value: Any, spec: dict, on_value, css: str):
    """A slider with its name and current value written above it (the value's class:
    ``css`` and ``-value``)."""
    with solara.Column(gap="0px", classes=[css]):
        with solara.Row(justify="space-between"):
            solara.Text(label, style={"font-size": "13px"})
            solara.Text(shown_value(spec, value), classes=[f"{css}-value"],
                        style={"font-weight": "bold", "font-size": "13px"})
        slider = solara.SliderInt if kind == "SliderInt" else solara.SliderFloat
        slider("", value=value, min=spec["min"], max=spec["max"], step=spec["step"],
               on_value=on_value, thumb_label=False)


@solara.component
def NetworkView(model: VizModel, tick: int):
    """The message chooser and the network coloured by state."""
    names = [track.message.name for track in model.tracks]
    chosen, choose = solara.use_state(names[0])
    message = chosen if chosen in names else names[0]
    picture = network_picture(model)
    figure = Figure(figsize=(7.2, 5.4))
    draw_network(figure, picture, model, message)
    with solara.Column(gap="4px"):
        if len(names) > 1:
            solara.Select("message drawn", values=names, value=message, on_value=choose)
        solara.Text(picture.note, classes=["buzz-sample-note"], style={"font-size": "13px"})
        solara.FigureMatplotlib(figure, format="png", dpi=90)


@solara.component
def CurvesView(model: VizModel, tick: int):
    """Heard and shared over time for every message."""
    figure = Figure(figsize=(5.2, 4.4))
    draw_curves(figure, model)
    solara.FigureMatplotlib(figure, format="png", dpi=90)
