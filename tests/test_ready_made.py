"""The ready-made scenarios as a user meets them.

Every command quoted in a scenario's header or in the README runs (the crisis's twice
in a row: running again is the common case), each ``buzz run`` with ``--replications 2`` so the
suite stays fast; what they write is then read as a user would: every scenario's
report in chromium at a laptop's and a phone's width, and every figure drawn on the
way checked for text outside its picture.

The commands run in this process, through the command line's own ``app`` (the
same code ``buzz`` runs), in a temporary folder where ``scenarios/`` is the
project's: results never land in the repository.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import matplotlib.text
import pytest
from typer.testing import CliRunner

from sim.cli import app

from .conftest import PROJECT, assert_page_fits
from .test_viz import browser_or_skip

SCENARIOS = sorted((PROJECT / "scenarios").glob("*.yaml"))
README = PROJECT / "README.md"
REPLICATIONS = "2"


def header_commands(path: Path) -> list[str]:
    """The ``buzz`` commands a scenario's opening comment quotes."""
    commands = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        text = line.lstrip("#").strip()
        if text.startswith("buzz "):
            commands += [part.strip() for part in text.split("&&")]
    return commands


def readme_commands() -> list[str]:
    """The ``buzz`` commands in the README's shell blocks (``.venv/bin/buzz`` too)."""
    text = README.read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```(?:bash|sh|console)\n(.*?)```", text, re.DOTALL):
        for line in block.splitlines():
            for part in line.split("&&"):
                part = part.strip().removeprefix("$ ").removeprefix(".venv/bin/")
                if part.startswith("buzz "):
                    commands.append(part)
    return commands


def quoted_commands() -> list[str]:
    commands = [command for path in SCENARIOS for command in header_commands(path)]
    return commands + readme_commands()


def test_the_commands_are_found():
    commands = quoted_commands()
    assert len(commands) >= 20
    assert "buzz run scenarios/crisis.yaml" in commands
    assert any(command.startswith("buzz report") for command in readme_commands())
    # every ready-made scenario quotes how to run it
    for path in SCENARIOS:
        assert any(command.startswith(f"buzz run scenarios/{path.name}")
                   for command in header_commands(path)), path.name


def texts_outside(figure) -> list[str]:
    """What a figure draws outside itself: its texts (titles, labels, tick labels,
    legends) whose box leaves the picture, judged as matplotlib lays the figure out
    (``get_tightbbox``: only what is drawn, such as ticks inside the axes' range)."""
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    drawn = figure.get_tightbbox(renderer)  # inches
    width, height = figure.get_size_inches()
    tolerance = 1.0 / figure.dpi
    if (drawn.x0 >= -tolerance and drawn.y0 >= -tolerance and drawn.x1 <= width + tolerance
            and drawn.y1 <= height + tolerance):
        return []
    frame = figure.bbox
    named = [text.get_text() for text in figure.findobj(matplotlib.text.Text)
             if text.get_visible() and text.get_text().strip() and text.get_in_layout()
             and not frame.contains(*text.get_window_extent(renderer).min)]
    return named or [f"something drawn at {drawn} outside 0, 0, {width}, {height} inches"]


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    """Every quoted command run (the crisis twice in a row); then a report for every ready-made
    scenario. Returns the folder they ran in, each command's two outcomes and the
    texts outside every figure drawn."""
    import sim.results.plots as plots

    folder = tmp_path_factory.mktemp("user")
    (folder / "scenarios").symlink_to(PROJECT / "scenarios", target_is_directory=True)
    runner = CliRunner()
    outcomes: dict[str, list] = {}
    figures: dict[str, list[str]] = {}
    save = plots._save

    def checked_save(figure, path):
        figures[str(path)] = texts_outside(figure)
        return save(figure, path)

    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        patch.setattr(plots, "_save", checked_save)
        for command in quoted_commands():
            args = shlex.split(command)[1:]
            if args[0] == "run":
                args += ["--replications", REPLICATIONS]
            # once each; the crisis twice: a second run keeps the first's results
            # under a numbered folder (running every command twice doubled the suite's
            # longest fixture and checked nothing more)
            times = 2 if command == "buzz run scenarios/crisis.yaml" else 1
            outcomes[command] = [runner.invoke(app, args) for _ in range(times)]
        for path in SCENARIOS:
            name = path.stem
            if not (folder / "results" / name / "report.html").is_file():
                outcomes[f"buzz report results/{name}"] = [
                    runner.invoke(app, ["report", f"results/{name}"])]
    return folder, outcomes, figures


def test_every_quoted_command_works_and_again_in_a_row(ran):
    folder, outcomes, _ = ran
    for command, results in outcomes.items():
        for attempt, result in enumerate(results, start=1):
            assert result.exit_code == 0 and result.exception is None, (
                f"{command} (run {attempt}): {result.output}\n{result.exception!r}")
    # running again kept the earlier results, under a numbered folder
    assert (folder / "results" / "crisis.1" / "runs.parquet").is_file()
    assert "earlier results: results/crisis.1/" in outcomes["buzz run scenarios/crisis.yaml"][
        1].output


def test_every_figure_keeps_its_texts_inside(ran):
    _, _, figures = ran
    names = {Path(path).name for path in figures}
    assert {"adoption.png", "reach.png", "ccdf.png", "cascade_tree.png"} <= names
    assert any(name.startswith("heatmap_") for name in names)
    outside = {path: texts for path, texts in figures.items() if texts}
    assert outside == {}


@pytest.mark.parametrize("width", [1280, 390])
def test_every_report_fits_the_page_in_chromium(ran, width, tmp_path):
    folder, _, _ = ran
    sync_playwright = browser_or_skip()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            for path in SCENARIOS:
                report = folder / "results" / path.stem / "report.html"
                page.goto(report.as_uri())
                assert_page_fits(page, width, path.stem)
                assert page.locator("h1").inner_text() == path.stem
                page.screenshot(path=str(tmp_path / f"{path.stem}_{width}.png"), full_page=True)
        finally:
            browser.close()
    assert len(list(tmp_path.glob("*.png"))) == len(SCENARIOS)
