"""``adoption.png`` drawn by the run's helper process (:mod:`sim.results.drawer`): the same
picture as drawn here, drawn here whenever the helper is gone, and no helper left
behind by a run that ended without asking for its figure. Real processes throughout;
that the helper, not the run's own process, draws a real ``buzz run``'s figure is
checked in tests/test_imports.py (the run's process never loads matplotlib)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.batch import run_batch
from sim.config import scenario_from_dict
from sim.results.drawer import FigureDrawer, draw_adoption

from .conftest import PROJECT

TITLE = "tiny: adoption (mean, 95% band)"


@pytest.fixture(scope="module")
def tables(tmp_path_factory) -> Path:
    """A results folder with its tables and no figure."""
    folder = tmp_path_factory.mktemp("drawer") / "tiny"
    scenario = scenario_from_dict({
        "name": "tiny", "seed": 3, "steps": 20, "replications": 4,
        "network": {"model": "watts_strogatz", "n": 200, "k": 4, "p": 0.1},
        "messages": [{"name": "promo", "rule": {"model": "independent_cascade", "p": 0.3},
                      "seeding": {"strategy": "random", "count": 2}}],
    })
    run_batch(scenario, folder)
    return folder


def fresh_drawer() -> FigureDrawer:
    """A drawer with a helper process, even in this process (which has matplotlib)."""
    drawer = FigureDrawer(FigureDrawer._spawn())
    assert drawer.alive
    return drawer


def test_the_helper_draws_the_figure_this_process_would_draw(tables, tmp_path):
    here = tmp_path / "here"
    shutil.copytree(tables, here)
    with fresh_drawer() as drawer:
        drawn = drawer.draw(tables, TITLE)
        assert not drawer.alive
    assert drawn == tables / "adoption.png"
    assert drawn.read_bytes() == draw_adoption(here, TITLE).read_bytes()


def test_without_its_helper_the_figure_is_drawn_here(tables, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(tables, folder)
    drawer = fresh_drawer()
    drawer.close()  # gone before the tables are ready: killed, crashed
    assert drawer.draw(folder, TITLE).stat().st_size > 1000


def test_a_failed_drawing_is_reported_here_as_before(tmp_path):
    with fresh_drawer() as drawer, pytest.raises(FileNotFoundError):
        drawer.draw(tmp_path, TITLE)  # no tables: the helper fails, then this process


def test_the_helper_ends_with_a_run_that_never_asked(tmp_path):
    """The run's process dies at once (``os._exit``, as ``kill -9`` would end it) while
    its helper is still importing: the helper finds its pipe closed and ends."""
    script = (
        "import os, sys\n"
        "from sim.results.drawer import FigureDrawer\n"
        "drawer = FigureDrawer.start()\n"
        "print(drawer.pid, flush=True)\n"
        "os._exit(0)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=PROJECT, timeout=60, check=True)
    stat = Path(f"/proc/{int(done.stdout)}/stat")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            state = stat.read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return  # ended and reaped
        if state == "Z":
            return  # ended; its new parent has not reaped it yet
        time.sleep(0.1)
    pytest.fail("the helper outlived its run by a minute")
