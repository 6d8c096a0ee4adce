"""Shared test helpers."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.config import Scenario, scenario_from_dict

PROJECT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT.parent / "shared" / "data"
FACEBOOK = SHARED_DATA / "facebook_combined.txt"

# a rule package that tests install on their own: importing it here would register its
# rule in every test process
collect_ignore = ["plugins"]


def buzz_in_process(*args, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``buzz ARGS`` run in this process, returned as a subprocess would be (status,
    stdout, stderr). A new interpreter costs seconds of imports; checks of messages
    and exit status do not need one (signals and start-up do: they use subprocesses)."""
    from sim.cli import main

    # with plotting loaded, `buzz run` draws its figure here, as it does in a notebook:
    # a helper process per run would cost the suite a second of CPU a run
    from sim.results import plots  # noqa: F401

    out, err = io.StringIO(), io.StringIO()
    argv, folder = sys.argv, os.getcwd()
    sys.argv = ["buzz", *map(str, args)]
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main()
                status = 0
            except SystemExit as done:
                status = done.code if isinstance(done.code, int) else int(done.code is not None)
    finally:
        sys.argv = argv
        os.chdir(folder)
    return subprocess.CompletedProcess(["buzz", *map(str, args)], status, out.getvalue(),
                                       err.getvalue())


def make_scenario(network: dict, messages: list[dict] | None = None, **top) -> Scenario:
    """A validated scenario with one IC message unless ``messages`` is given."""
    if messages is None:
        messages = [
            {
                "name": "promo",
                "rule": {"model": "independent_cascade", "p": 0.3},
                "seeding": {"strategy": "random", "count": 3},
            }
        ]
    raw = {"name": "test", "seed": 1, "steps": 200, "network": network, "messages": messages}
    raw.update(top)
    return scenario_from_dict(raw)


def message_spec(rule: dict, count: int, name: str = "m", step: int = 0, **seeding) -> dict:
    """A message section: ``rule`` seeded with ``count`` people at ``step`` (a list of
    ``nodes`` sets the count itself)."""
    seeding = {"step": step, **seeding}
    if seeding.get("strategy") != "nodes":
        seeding["count"] = count
    return {"name": name, "rule": rule, "seeding": seeding}


@pytest.fixture
def facebook_path() -> Path:
    """The SNAP ego-Facebook file, or a skip saying why it is absent."""
    if not FACEBOOK.is_file():
        pytest.skip(f"{FACEBOOK} is absent (it lives in ../shared/data beside the project)")
    return FACEBOOK


def assert_same_state(fast, slow) -> None:
    """Two models (kernel and reference) ended in exactly the same state."""
    assert fast.t == slow.t
    for fast_track, slow_track in zip(fast.tracks, slow.tracks, strict=True):
        for name, a, b in zip(
            ("heard_at", "shared_at", "source"), fast_track.state, slow_track.state, strict=True
        ):
            np.testing.assert_array_equal(a, b, err_msg=name)
        np.testing.assert_array_equal(fast_track.counts, slow_track.counts)
        assert fast_track.step == slow_track.step


def run_three_ways(scenario):
    """The same run stepped one step at a time, in one kernel call, and by the per-agent
    reference: ``(stepped, whole, slow)``."""
    from sim.model import BuzzModel
    from sim.reference import ReferenceModel

    stepped, whole, slow = BuzzModel(scenario), BuzzModel(scenario), ReferenceModel(scenario)
    while stepped.running:
        stepped.step()
    whole.run()
    slow.run()
    return stepped, whole, slow


def assert_page_fits(page, width: int, what: str = "") -> None:
    """A report open in a browser ``page`` fits its ``width``: nothing scrolls
    sideways or is cut off, and every image loaded and lies inside the page."""
    wider = """() => [...document.querySelectorAll('*')]
        .filter(e => e.scrollWidth > e.clientWidth + 1)
        .map(e => `${e.tagName}.${e.className} ${e.scrollWidth} > ${e.clientWidth}`)"""
    assert page.evaluate("document.documentElement.scrollWidth") <= width, what
    assert page.evaluate(wider) == [], (what, width)
    images = page.evaluate("""() => [...document.images].map(
        i => [i.naturalWidth, i.getBoundingClientRect().right])""")
    assert images and all(natural > 0 and right <= width for natural, right in images), what

