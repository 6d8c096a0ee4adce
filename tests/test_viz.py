"""The interactive page: its model and pictures, ``buzz viz``'s errors, and the page
itself clicked through in a real browser (chromium driven by Playwright)."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from sim.config import load_scenario, with_overrides
from sim.model import BuzzModel
from sim.network.generators import to_networkx
from sim.rules.common import NEVER
from sim.viz.page import (
    STATES,
    VizModel,
    draw_curves,
    draw_network,
    finished_line,
    grow_sample,
    network_picture,
    slider_params,
    state_codes,
    status_line,
)

from .conftest import PROJECT, assert_same_state, make_scenario

QUICKSTART = PROJECT / "scenarios" / "quickstart.yaml"
CHROMIUM = Path("/usr/bin/chromium")
SMALL_WORLD = {"model": "watts_strogatz", "n": 400, "k": 6, "p": 0.1}


def ic_message(**seeding) -> dict:
    return {"name": "promo", "rule": {"model": "independent_cascade", "p": 0.3},
            "seeding": {"strategy": "random", "count": 3, **seeding}}


def sliders(params: dict) -> dict:
    return {key: spec for key, spec in params.items() if isinstance(spec, dict)}


def reset_like_the_page(params: dict, **moved) -> VizModel:
    """What the page's Reset (or a slider move) builds: the slider values, ``moved``
    ones replaced."""
    from sim.viz.app import PageSetup

    setup = PageSetup("test", params["scenario"], params["source"], None, sliders(params))
    return setup.build({**setup.initial_values(), **moved})


# ----------------------------------------------------------------- the page's model
def test_sliders_are_overrides_and_reset_rebuilds_the_same_run_as_set():
    scenario = make_scenario(SMALL_WORLD, [ic_message()], steps=30)
    params = slider_params(scenario, 400)
    assert list(sliders(params)) == [
        "messages.promo.rule.p", "messages.promo.seeding.count", "replication"]
    moved = {"messages.promo.rule.p": 0.45000000000000007, "messages.promo.seeding.count": 7,
             "replication": 2}
    page = reset_like_the_page(params, **moved)
    expected = BuzzModel(
        with_overrides(scenario, ["messages.promo.rule.p=0.45", "messages.promo.seeding.count=7"]),
        replication=2)
    assert page.scenario.messages[0].rule.p == 0.45
    assert page.tracks[0].seeds.size == 7
    while page.running:
        page.step()
    expected.run()
    assert_same_state(page, expected)


def test_huge_networks_get_no_person_agents(monkeypatch):
    import sim.viz.page

    scenario = make_scenario(SMALL_WORLD, [ic_message()])
    assert len(VizModel(scenario).people) == 400
    monkeypatch.setattr(sim.viz.page, "MAX_AGENTS", 399)
    page = VizModel(scenario)
    assert page.people == []
    expected = BuzzModel(scenario)
    page.step()
    expected.step()
    assert_same_state(page, expected)


def test_untouched_sliders_rebuild_the_scenario_as_loaded():
    scenario = load_scenario(QUICKSTART, ["network.n=600"])
    page = reset_like_the_page(slider_params(scenario, 600))
    assert page.scenario == scenario
    assert page.replication == 0


@pytest.mark.parametrize(
    ("rule", "seeding", "expected"),
    [
        ({"model": "linear_threshold", "threshold": 0.2}, {"count": 4},
         {"rule.threshold": (0.0, 1.0, 0.2), "seeding.count": (1, 100, 4)}),
        ({"model": "linear_threshold", "count": 2}, {"count": 4},
         {"rule.count": (1, 10, 2), "seeding.count": (1, 100, 4)}),
        ({"model": "linear_threshold", "threshold_distribution": "uniform"}, {"count": 4},
         {"seeding.count": (1, 100, 4)}),
        ({"model": "rumor", "lambda": 0.7, "alpha": 0.4}, {"count": 1},
         {"rule.lambda": (0.0, 1.0, 0.7), "rule.alpha": (0.0, 1.0, 0.4),
          "seeding.count": (1, 100, 1)}),
        ({"model": "bass", "p_external": 0.02, "q": 0.3}, {"count": 0},
         {"rule.p_external": (0.0, 0.2, 0.02), "rule.q": (0.0, 1.0, 0.3),
          "seeding.count": (0, 100, 0)}),
        ({"model": "independent_cascade", "p": 0.1}, {"strategy": "nodes", "nodes": [1, 2]},
         {"rule.p": (0.0, 1.0, 0.1)}),
    ],
)
def test_sliders_follow_the_first_messages_rule(rule, seeding, expected):
    scenario = make_scenario(
        SMALL_WORLD, [{"name": "m", "rule": rule, "seeding": seeding}, ic_message()])
    found = {
        key.removeprefix("messages.m."): (spec["min"], spec["max"], spec["value"])
        for key, spec in sliders(slider_params(scenario, 400)).items() if key != "replication"
    }
    assert found == expected
    # every slider at both ends builds a valid model, as a move or Reset would
    params = slider_params(scenario, 400)
    for key, spec in sliders(params).items():
        for end in ("min", "max"):
            assert reset_like_the_page(params, **{key: spec[end]}).graph.n_nodes == 400


def test_seed_slider_never_offers_more_seeds_than_people():
    scenario = make_scenario({"model": "complete", "n": 30}, [ic_message()])
    assert slider_params(scenario, 30)["messages.promo.seeding.count"]["max"] == 30


def test_steps_past_the_end_change_nothing_and_the_counter_says_so():
    scenario = make_scenario(SMALL_WORLD, [ic_message()], steps=4)
    page = VizModel(scenario)
    for _ in range(10):
        page.step()
    assert page.t == page.steps == 4
    assert not page.running
    whole = BuzzModel(scenario)
    whole.run()
    assert_same_state(page, whole)


def test_the_end_of_a_run_is_announced_with_its_reach():
    scenario = make_scenario(SMALL_WORLD, [ic_message()], steps=200)
    page = VizModel(scenario)
    assert finished_line(page) is None
    while page.running:
        page.step()
    heard, shared = page.count("heard", "promo"), page.count("adopters", "promo")
    assert finished_line(page) == (
        f"finished at step {page.t}: promo reached {heard} of 400 people "
        f"({heard / 400:.0%}), {shared} shared · nothing more can change")
    cut = VizModel(make_scenario(SMALL_WORLD, [ic_message()], steps=2))
    cut.step()
    cut.step()
    assert finished_line(cut).startswith("finished at step 2: ")
    assert finished_line(cut).endswith(" · the scenario's last step")


def test_status_line_reports_the_model_counts():
    scenario = make_scenario(SMALL_WORLD, [ic_message(), {
        "name": "ads", "rule": {"model": "bass", "p_external": 0.05, "q": 0.2},
        "seeding": {"count": 0}}])
    page = VizModel(scenario)
    page.step()
    page.step()
    line = status_line(page)
    for name in ("promo", "ads"):
        heard, shared = page.count("heard", name), page.count("adopters", name)
        assert f"{name}: heard {heard} · shared {shared}" in line
    assert line.startswith("step 2 · ")


# ----------------------------------------------------------------- who is drawn
def test_a_small_network_is_drawn_whole_and_a_ring_on_a_circle():
    scenario = make_scenario({"model": "ring_lattice", "n": 40, "k": 4}, [ic_message()])
    picture = network_picture(BuzzModel(scenario, create_agents=False))
    assert picture.note == "showing all 40 people"
    assert sorted(picture.nodes.tolist()) == list(range(40))
    assert len(picture.ties) == 80
    np.testing.assert_allclose(np.hypot(*picture.positions.T), 1.0)


def picture_and_run(network: dict, p: float, seeds: int, max_people: int):
    """A model of an independent cascade from random seeds, its picture, and the
    message's track once the same run has been played to its end."""
    scenario = make_scenario(network, [{
        "name": "promo", "rule": {"model": "independent_cascade", "p": p},
        "seeding": {"strategy": "random", "count": seeds}}])
    model = BuzzModel(scenario, create_agents=False)
    picture = network_picture(model, max_people=max_people)
    whole = BuzzModel(scenario, create_agents=False)
    whole.run()
    return model, picture, whole.tracks[0]


def test_a_large_network_is_drawn_with_its_cascade_and_where_it_stops():
    model, picture, track = picture_and_run(
        {"model": "watts_strogatz", "n": 3000, "k": 10, "p": 0.1}, 0.15, 5, 200)
    reached = int((track.heard_at != NEVER).sum())
    assert reached > 200  # more than the picture holds: it must choose
    drawn = set(picture.nodes.tolist())
    assert len(drawn) == 200
    assert picture.reached == reached
    heard = track.heard_at[picture.nodes] != NEVER
    assert picture.reached_drawn == heard.sum() == 150  # three quarters from the cascade
    assert picture.note == (f"showing 200 of 3,000 people: 150 of the {reached:,} people the "
                            "run reaches, along who told whom, and 50 friends it does not "
                            "reach; only the ties among them")
    # everyone drawn from the cascade is joined to a seed by who told whom, all drawn
    for person in picture.nodes[heard].tolist():
        while track.source[person] >= 0:
            person = int(track.source[person])
            assert person in drawn
        assert person in set(track.seeds.tolist())
    # from the first people reached to the last
    steps = track.heard_at[picture.nodes[heard]]
    assert steps.min() == 0 and steps.max() == track.heard_at[track.heard_at != NEVER].max()
    # the others are friends of people drawn whom the message never reaches
    graph = to_networkx(model.graph)
    for person in picture.nodes[~heard].tolist():
        assert set(graph.neighbors(person)) & drawn
    # exactly the ties among the people drawn
    among = graph.subgraph(picture.nodes.tolist())
    names = {tuple(sorted((int(picture.nodes[a]), int(picture.nodes[b]))))
             for a, b in picture.ties}
    assert names == {tuple(sorted(edge)) for edge in among.edges()}


def test_a_small_cascade_is_drawn_whole():
    _, picture, track = picture_and_run(
        {"model": "watts_strogatz", "n": 3000, "k": 6, "p": 0.1}, 0.1, 3, 300)
    reached = np.flatnonzero(track.heard_at != NEVER)
    assert reached.size < 225
    assert set(reached.tolist()) <= set(picture.nodes.tolist())
    assert picture.note.startswith(f"showing 300 of 3,000 people: all {reached.size} people")


def test_sampling_grows_from_every_start_then_past_a_small_component():
    from sim.network.graph import Graph

    # two triangles and a star: from both starts, then from the hub
    graph = Graph.from_edges([0, 1, 2, 3, 4, 5, 6, 6, 6], [1, 2, 0, 4, 5, 3, 7, 8, 9],
                             n_nodes=10)
    assert grow_sample(graph, np.array([0, 4]), 10).tolist() == [0, 4, 1, 2, 3, 5, 6, 7, 8, 9]
    assert grow_sample(graph, np.array([0]), 5).tolist() == [0, 1, 2, 6, 7]
    # people to avoid come after everyone else reachable, before a restart
    avoid = np.zeros(10, dtype=bool)
    avoid[1] = True
    assert grow_sample(graph, np.array([0]), 4, avoid=avoid).tolist() == [0, 2, 1, 6]


def test_the_layout_is_computed_once_and_is_the_same_in_a_new_process():
    scenario = make_scenario({"model": "erdos_renyi", "n": 500, "mean_degree": 4},
                             [ic_message()])
    first = network_picture(BuzzModel(scenario, create_agents=False), max_people=120)
    again = network_picture(BuzzModel(scenario, create_agents=False), max_people=120)
    assert again is first  # cached: Reset does not lay the network out again
    code = "\n".join([
        "from tests.conftest import make_scenario",
        "from sim.model import BuzzModel",
        "from sim.viz.page import network_picture",
        f"s = make_scenario({{'model': 'erdos_renyi', 'n': 500, 'mean_degree': 4}}, "
        f"{[ic_message()]!r})",
        "print(network_picture(BuzzModel(s, create_agents=False), max_people=120)"
        ".positions.round(9).tolist())",
    ])
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=PROJECT)
    assert eval(out.stdout) == first.positions.round(9).tolist()


def test_state_codes_agree_with_each_persons_state():
    scenario = make_scenario({"model": "watts_strogatz", "n": 200, "k": 4, "p": 0.1},
                             [ic_message()], steps=30)
    model = BuzzModel(scenario)  # with Person agents
    names = [label for label, _ in STATES]
    word = {"unaware": "unaware", "heard": "heard", "sharing": "sharing now",
            "shared": "shared before"}
    nodes = np.arange(200)
    seen = set()
    while True:
        codes = state_codes(model, "promo", nodes)
        assert [names[c] for c in codes] == [word[p.state_of("promo")] for p in model.people]
        seen.update(codes.tolist())
        if not model.running:
            break
        model.step()
    assert seen == {0, 1, 2, 3}


def test_pictures_show_the_sampled_people_and_every_messages_curves():
    scenario = make_scenario(SMALL_WORLD, [ic_message(), {
        "name": "rumor", "rule": {"model": "rumor"}, "seeding": {"count": 2}}])
    model = BuzzModel(scenario, create_agents=False)
    for _ in range(3):
        model.step()
    picture = network_picture(model, max_people=150)
    figure = Figure()
    draw_network(figure, picture, model, "rumor")
    people = figure.axes[0].collections[-1]
    assert len(people.get_offsets()) == 150
    legend = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    counts = np.bincount(state_codes(model, "rumor", picture.nodes), minlength=4)
    assert legend == [f"{label} ({count})" for (label, _), count in zip(STATES, counts,
                                                                         strict=True)]
    figure = Figure()
    draw_curves(figure, model)
    lines = {line.get_label(): line.get_ydata().tolist() for line in figure.axes[0].get_lines()}
    for track in model.tracks:
        heard, adopters, _ = track.cumulative(model.t)
        assert lines[f"{track.message.name}: heard"] == heard.tolist()
        assert lines[f"{track.message.name}: shared"] == adopters.tolist()


# ------------------------------------------------- the page's session, without a browser
def render_page(monkeypatch, scenario_path: Path, overrides: list[str]):
    """The page as solara serves it (inside its app layout), rendered in this process."""
    solara = pytest.importorskip("solara")
    from sim.viz.app import Page
    from sim.viz.page import OVERRIDES_ENV, SCENARIO_ENV

    monkeypatch.setenv(SCENARIO_ENV, str(scenario_path))
    monkeypatch.setenv(OVERRIDES_ENV, json.dumps(overrides))

    @solara.component
    def Served():
        with solara.AppLayout():
            Page()

    _, context = solara.render(Served(), handle_error=False)
    return context


def texts(context, css: str) -> list[str]:
    return ["".join(widget.children) for widget in context.find(class_=css).widgets]


def slider(context, css: str):
    """The slider widget inside the page's part of class ``css``, and its shown value."""
    import ipyvuetify as v
    from reacton.find import Finder

    def parts(widget):
        if css in (getattr(widget, "class_", None) or "").split():
            yield widget
        children = getattr(widget, "children", None)
        for child in children if isinstance(children, list | tuple) else []:
            yield from parts(child)

    found = [part for root in context.find().widgets for part in parts(root)]
    assert len(found) == 1, css
    return Finder(found).find(v.Slider).widget, texts(context, f"{css}-value")[0]


def test_a_slider_move_restarts_the_run_at_once_and_a_bad_value_keeps_it(monkeypatch):
    page = render_page(monkeypatch, QUICKSTART, ["network.n=500"])
    assert texts(page, "buzz-status") == ["step 0 · promo: heard 20 · shared 20"]
    # every slider shows its value: p and seeds of the first message, the replication
    shown = {css: slider(page, css)[1] for css in
             ("buzz-speed", "buzz-slider-0", "buzz-slider-1", "buzz-slider-2")}
    assert shown == {"buzz-speed": "4", "buzz-slider-0": "0.12", "buzz-slider-1": "20",
                     "buzz-slider-2": "0"}
    speed, p, seeds = (slider(page, css)[0] for css in
                       ("buzz-speed", "buzz-slider-0", "buzz-slider-1"))
    seeds.v_model = 7
    assert slider(page, "buzz-slider-1")[1] == "7"
    assert texts(page, "buzz-status") == ["step 0 · promo: heard 7 · shared 7"]
    p.v_model = 0.45000000000000007  # what a slider hands back
    assert slider(page, "buzz-slider-0")[1] == "0.45"
    assert texts(page, "buzz-settings") == [
        "promo: independent_cascade p=0.45 · 7 seeds (top_degree) · replication 0"]
    # a value the scenario does not allow: one line, and the run shown stays
    p.v_model = 1.5
    assert texts(page, "buzz-error") == [
        f"error: {QUICKSTART} (page): messages.promo.rule.p = 1.5: allowed: input should "
        "be less than or equal to 1"]
    assert texts(page, "buzz-settings") == [
        "promo: independent_cascade p=0.45 · 7 seeds (top_degree) · replication 0"]
    p.v_model = 0.3  # and the page goes on
    assert texts(page, "buzz-error") == []
    assert texts(page, "buzz-settings")[0].startswith("promo: independent_cascade p=0.3 ")
    speed.v_model = 12
    assert slider(page, "buzz-speed")[1] == "12"


def test_a_scenario_that_does_not_load_shows_its_one_line_error(monkeypatch, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(QUICKSTART.read_text().replace("p: 0.12", "p: 1.5"))
    page = render_page(monkeypatch, bad, [])
    assert texts(page, "buzz-error") == [
        f"error: {bad}: messages.promo.rule.p = 1.5: allowed: input should be less than "
        "or equal to 1"]
    assert texts(page, "buzz-status") == []


# ------------------------------------------------------------------ buzz viz, errors
def test_viz_with_a_bad_scenario_fails_in_one_line_before_serving(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(QUICKSTART.read_text().replace("p: 0.12", "p: 1.5"))
    result = subprocess.run(
        [sys.executable, "-m", "sim.cli", "viz", str(bad), "--port", str(free_port())],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [f"error: {bad}: messages.promo.rule.p = 1.5: allowed: "
                     "input should be less than or equal to 1"]
    assert "Solara server" not in result.stdout


def test_viz_with_a_bad_override_names_it(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "sim.cli", "viz", str(QUICKSTART), "--set", "network.n=-5"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"error: {QUICKSTART} --set: network.n = -5")
    assert len(result.stderr.strip().splitlines()) == 1


# ------------------------------------------------------------- the page, in chromium
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def browser_or_skip():
    """Chromium and Playwright, or a skip saying why; under CI their absence fails."""
    under_ci = bool(os.environ.get("CI"))
    if not CHROMIUM.is_file():
        message = f"{CHROMIUM} is absent (.ci/run installs Debian's chromium)"
        if under_ci:
            pytest.fail(message + " and CI is set: the browser test must run in CI")
        pytest.skip(message)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if under_ci:
            pytest.fail("playwright is not installed (it is in the viz extra)")
        pytest.skip("playwright is not installed (pip install -e '.[viz]')")
    return sync_playwright


ASSET_FAILURE = re.compile(r'"GET [^"]*" (4\d\d|5\d\d)|Could not load URL|Traceback')
STATUS = re.compile(r"^step (\d+) · promo: heard (\d+) · shared (\d+)$")


def read_status(page) -> tuple[int, int, int]:
    text = page.locator(".buzz-status").inner_text().strip()
    found = STATUS.match(text)
    assert found, text
    return tuple(int(group) for group in found.groups())


def wait_for_text(page, css: str, expected: str, timeout: float = 60_000) -> None:
    """Wait until the element of class ``css`` reads ``expected``."""
    page.wait_for_function(
        "([css, text]) => { const e = document.querySelector('.' + css);"
        " return e !== null && e.innerText.trim() === text; }",
        arg=[css, expected], timeout=timeout)


def test_the_page_responds_in_a_real_browser_offline(tmp_path):
    sync_playwright = browser_or_skip()
    port = free_port()
    log_path = tmp_path / "server.log"
    url = f"http://127.0.0.1:{port}/"
    scenario = tmp_path / "quickstart.yaml"  # a copy, edited below while the page is served
    scenario.write_text(QUICKSTART.read_text())
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "sim.cli", "viz", str(scenario), "--port", str(port),
             "--log-requests"],
            stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path,
        )
    try:
        wait_until_serving(url, server, log_path, timeout=90)
        failed_requests: list[str] = []
        bad_responses: list[str] = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                 args=["--no-sandbox"])
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.on("requestfailed",
                        lambda request: failed_requests.append(f"{request.url} {request.failure}"))
                page.on("response", lambda response: bad_responses.append(
                    f"{response.url} {response.status}") if response.status >= 400 else None)
                page.goto(url)
                page.locator(".buzz-status").wait_for(timeout=60_000)
                assert page.title() == "buzz: quickstart"
                note = page.locator(".buzz-sample-note").inner_text()
                assert note.startswith("showing 300 of 10,000 people: 225 of the ")
                assert read_status(page) == (0, 20, 20)  # 20 hubs seeded, nothing spread yet
                # every slider shows its value
                shown = {css: page.locator(f".{css}-value").inner_text() for css in
                         ("buzz-speed", "buzz-slider-0", "buzz-slider-1", "buzz-slider-2")}
                assert shown == {"buzz-speed": "4", "buzz-slider-0": "0.12",
                                 "buzz-slider-1": "20", "buzz-slider-2": "0"}

                step = page.get_by_role("button", name="Step")
                seen = [read_status(page)]
                for _ in range(3):
                    step.click()
                    page.wait_for_function(
                        "text => document.querySelector('.buzz-status').innerText.trim() != text",
                        arg=page.locator(".buzz-status").inner_text().strip(), timeout=60_000)
                    seen.append(read_status(page))
                assert [status[0] for status in seen] == [0, 1, 2, 3]
                heard = [status[1] for status in seen]
                assert heard == sorted(heard) and heard[-1] > heard[0]
                assert seen[-1][2] > seen[0][2]  # more people shared

                # a slider move restarts the run at once, with the value it shows
                page.locator(".buzz-slider-1").get_by_role("slider").press("ArrowRight")
                wait_for_text(page, "buzz-slider-1-value", "21")
                wait_for_text(page, "buzz-status", "step 0 · promo: heard 21 · shared 21")
                p_slider = page.locator(".buzz-slider-0").get_by_role("slider")
                for _ in range(2):  # 0.12 -> 0.1: a run of a dozen steps
                    p_slider.press("ArrowLeft")
                wait_for_text(page, "buzz-slider-0-value", "0.1")
                wait_for_text(page, "buzz-settings",
                              "promo: independent_cascade p=0.1 · 21 seeds (top_degree) "
                              "· replication 0")

                # Play at the slowest speed, one step a second: it plays, slowly
                speed = page.locator(".buzz-speed").get_by_role("slider")
                speed.press("Home")
                wait_for_text(page, "buzz-speed-value", "1")
                started = time.monotonic()
                page.get_by_role("button", name="Play").click()
                page.wait_for_function(
                    "() => !document.querySelector('.buzz-status').innerText.startsWith('step 0')",
                    timeout=30_000)
                page.get_by_role("button", name="Pause").click()
                page.get_by_role("button", name="Play").wait_for(timeout=10_000)
                played = read_status(page)[0]
                assert 1 <= played <= time.monotonic() - started + 1
                # then the fastest, to the end, which the page announces
                speed.press("End")
                wait_for_text(page, "buzz-speed-value", "20")
                page.get_by_role("button", name="Play").click()
                # each step is drawn: under load that, not the speed, sets the pace
                page.locator(".buzz-finished").wait_for(timeout=180_000)
                expected = BuzzModel(with_overrides(load_scenario(QUICKSTART), [
                    "messages.promo.rule.p=0.1", "messages.promo.seeding.count=21"]))
                expected.run()
                assert page.locator(".buzz-finished").inner_text().strip() == finished_line(
                    expected)
                assert read_status(page) == (expected.t, expected.count("heard"),
                                             expected.count("adopters"))
                assert page.get_by_role("button", name="Play").is_disabled()
                assert page.get_by_role("button", name="Step").is_disabled()
                shot = tmp_path / "buzz_viz.png"
                page.screenshot(path=str(shot), full_page=True)
                assert shot.stat().st_size > 10_000

                # the file breaks while the page is served: the next load says why, in
                # one line, and the server goes on serving
                scenario.write_text(QUICKSTART.read_text().replace("p: 0.12", "p: 1.5"))
                page.reload()
                page.locator(".buzz-error").wait_for(timeout=60_000)
                assert page.locator(".buzz-error").inner_text().strip() == (
                    f"error: {scenario}: messages.promo.rule.p = 1.5: allowed: input should "
                    "be less than or equal to 1")
                assert page.title() == "buzz: the scenario does not load"
                assert server.poll() is None
                scenario.write_text(QUICKSTART.read_text())
                page.reload()
                page.locator(".buzz-status").wait_for(timeout=60_000)
                assert read_status(page) == (0, 20, 20)
            finally:
                browser.close()
        assert failed_requests == []
        assert bad_responses == []
    finally:
        stop(server)
    log_text = log_path.read_text()
    assert server.returncode == 0, log_text  # Ctrl-C is a clean stop
    assert "buzz viz: stopped" in log_text
    assert '"GET / HTTP/1.1" 200' in log_text  # requests were logged, so the scan means something
    assert not [line for line in log_text.splitlines() if ASSET_FAILURE.search(line)], log_text


def wait_until_serving(url: str, server: subprocess.Popen, log_path: Path, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"buzz viz exited with {server.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"buzz viz did not answer on {url} within {timeout} s:\n{log_path.read_text()}")


def stop(server: subprocess.Popen) -> None:
    """Ctrl-C, as a user would; a kill only if that does not stop it."""
    if server.poll() is None:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()



def test_every_ready_made_scenario_gets_sliders_and_steps():
    """Each scenario in scenarios/ opens on the page: its sliders are valid values
    (a budget slider where seeds are bought with a budget) and Step moves it."""
    from sim.config import load_scenario
    from sim.network.generators import build_network
    from sim.viz.page import VizModel, slider_params

    for path in sorted((PROJECT / "scenarios").glob("*.yaml")):
        scenario = load_scenario(path)
        n_people = getattr(scenario.network, "n", None)
        if n_people is None:  # an edge list: as many people as it names
            n_people = build_network(scenario.network, np.random.default_rng(0)).n_nodes
        params = slider_params(scenario, n_people)
        values = {key: spec["value"] for key, spec in params.items()
                  if isinstance(spec, dict) and key != "replication"}
        seeding = scenario.messages[0].seeding
        if seeding.count is None and seeding.budget is not None:
            assert any(key.endswith("seeding.budget") for key in values), path.name
        model = VizModel(scenario, source=str(path), **values)
        model.step()
        assert model.t == 1, path.name
