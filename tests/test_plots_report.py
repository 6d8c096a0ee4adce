"""Figures and the HTML report of small results folders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim import load_results, run_batch
from sim.config import scenario_from_dict
from sim.results.plots import make_figures
from sim.results.report import write_report

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def tiny_scenario(name: str, grid: dict) -> dict:
    return {
        "name": name,
        "description": "Seeding <strategies> & virality, compared",
        "seed": 11,
        "steps": 100,
        "replications": 4,
        "network": {"model": "watts_strogatz", "n": 400, "k": 6, "p": 0.1},
        "messages": [
            {
                "name": "promo",
                "rule": {"model": "independent_cascade", "p": 0.2},
                "seeding": {"strategy": "random", "count": 3},
            },
            {
                "name": "complaint",
                "valence": "negative",
                "rule": {"model": "independent_cascade", "p": 0.3},
                "seeding": {"strategy": "random", "count": 1},
            },
        ],
        "sweep": {"grid": grid},
    }


@pytest.fixture(scope="module")
def grid_folder(tmp_path_factory) -> Path:
    """A 2x2 sweep: two keys, so heatmaps apply."""
    folder = tmp_path_factory.mktemp("grid")
    grid = {
        "messages.promo.rule.p": [0.15, 0.3],
        "messages.promo.seeding.strategy": ["random", "top_degree"],
    }
    run_batch(scenario_from_dict(tiny_scenario("launch_grid", grid)), folder, force=True)
    return folder


@pytest.fixture(scope="module")
def line_folder(tmp_path_factory) -> Path:
    """A one-key sweep: no heatmap."""
    folder = tmp_path_factory.mktemp("line")
    grid = {"network.p": [0.0, 0.2]}
    run_batch(scenario_from_dict(tiny_scenario("rewiring", grid)), folder, force=True)
    return folder


def assert_png(path: Path) -> None:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, path
    assert len(data) > 5_000, path  # a drawn figure, not an empty canvas


def test_figures_with_two_swept_keys_include_one_heatmap_per_message(grid_folder):
    paths = make_figures(load_results(grid_folder), grid_folder)
    names = [path.name for path in paths]
    assert names[:2] == ["adoption.png", "reach.png"] and names[-1] == "ccdf.png"
    assert sorted(names[2:-1]) == ["heatmap_complaint.png", "heatmap_promo.png"]
    for path in paths:
        assert path.parent == grid_folder / "figures"
        assert_png(path)


def test_figures_with_one_swept_key_have_no_heatmap(line_folder):
    paths = make_figures(load_results(line_folder), line_folder)
    assert [path.name for path in paths] == ["adoption.png", "reach.png", "ccdf.png"]
    for path in paths:
        assert_png(path)
    assert not list((line_folder / "figures").glob("heatmap_*"))


def test_report_is_one_self_contained_page(grid_folder):
    path = write_report(grid_folder)
    assert path == grid_folder / "report.html"
    text = path.read_text(encoding="utf-8")
    assert "<h1>launch_grid</h1>" in text
    # text is escaped, never injected
    assert "Seeding &lt;strategies&gt; &amp; virality, compared" in text
    assert "<strategies>" not in text
    assert "<h2>Arms ranked by reach</h2>" in text and "<h2>Reach and speed</h2>" in text
    assert "What changing one setting does" in text
    assert "p=0.15, strategy=random" in text and "random → top_degree" in text
    assert "16 of 16" in text and "complete" in text
    # the complaint is negative: the sentiment table is there, with its time to contain
    assert "<h2>Sentiment</h2>" in text and "time to contain (steps)" in text
    assert (grid_folder / "summary.csv").is_file()
    assert "model: watts_strogatz" in text  # the scenario, in a <pre>
    figures = sorted((grid_folder / "figures").glob("*.png"))
    assert len(figures) == 5
    assert text.count('src="data:image/png;base64,') == len(figures)
    # Nothing fetched from anywhere: no external src/href, no script, no @import.
    assert not re.search(r"(src|href)\s*=\s*[\"']?\s*(https?:)?//", text, re.IGNORECASE)
    assert "http://" not in text and "https://" not in text
    assert "<script" not in text.lower() and "@import" not in text


def test_report_without_a_second_point_has_no_comparison(tmp_path):
    raw = tiny_scenario("single", {"network.p": [0.1]})
    run_batch(scenario_from_dict(raw), tmp_path, force=True)
    text = write_report(tmp_path).read_text(encoding="utf-8")
    assert "<h2>Reach and speed</h2>" in text
    assert "Arms ranked" not in text  # one arm: nothing to rank
    assert "What changing one setting does" not in text
    assert text.count("data:image/png;base64,") == 3
