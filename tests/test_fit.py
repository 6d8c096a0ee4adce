"""``buzz fit``: recovery of a known parameter, reproducibility, resuming, the two data
forms, the executors, and bad input refused in one line before anything runs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import sim
from sim.config import scenario_from_dict
from sim.errors import InputError
from sim.fit.observed import read_observed
from sim.fit.params import FitParam
from sim.fit.simulate import Simulator

from .conftest import assert_page_fits
from .test_cli import buzz
from .test_viz import browser_or_skip

TRUE_P = 0.25
KEY = "messages.promo.rule.p"
SCENARIO = {
    "name": "known", "seed": 11, "steps": 25,
    "network": {"model": "watts_strogatz", "n": 500, "k": 6, "p": 0.1},
    "messages": [{"name": "promo", "rule": {"model": "independent_cascade", "p": TRUE_P},
                  "seeding": {"strategy": "random", "count": 5}}],
}


def simulated(steps: np.ndarray, p: float, seed: int, cascades: int = 1) -> pd.DataFrame:
    """Curves simulated by buzz itself at a known ``p`` (the data to fit back)."""
    scenario = scenario_from_dict(SCENARIO)
    layout = pd.DataFrame({"message": "promo", "cascade": 0, "step": steps, "heard": 0})
    simulator = Simulator(scenario, (FitParam(KEY, 0.0, 1.0),),
                          read_observed_frame(layout), seed)
    curves = simulator.curves((p,), runs=cascades)
    return pd.concat([pd.DataFrame({"cascade": run, "step": steps,
                                    "heard": curves[run, 0, 0, steps].astype(int),
                                    "adopters": curves[run, 0, 1, steps].astype(int)})
                      for run in range(cascades)], ignore_index=True)


def read_observed_frame(table: pd.DataFrame):
    from sim.fit.observed import Observed

    return Observed("<test>", "curves", ("heard",), table)


@pytest.fixture()
def setup(tmp_path: Path) -> tuple[Path, Path]:
    scenario = tmp_path / "known.yaml"
    scenario.write_text(yaml.safe_dump(SCENARIO))
    observed = tmp_path / "seen.csv"
    simulated(np.arange(0, 21, 2), TRUE_P, seed=999).drop(columns="cascade").to_csv(
        observed, index=False)
    return scenario, observed


def test_a_known_curve_is_fitted_back(setup, tmp_path):
    scenario, observed = setup
    result = sim.fit(scenario, observed, [f"{KEY}=0.01:0.6"], tmp_path / "fit",
                     population=40, generations=4, predictive_draws=20)
    entry = result.parameters[KEY]
    assert entry["low"] <= TRUE_P <= entry["high"], entry
    assert abs(entry["estimate"] - TRUE_P) < 0.05, entry
    assert entry["high"] - entry["low"] < 0.25  # the curve pins p well inside its prior
    facts = json.loads((tmp_path / "fit" / "fit.json").read_text())
    assert facts["level"] == 0.9 and facts["parameters"][KEY]["level"] == 0.9
    assert facts["simulations"] == result.simulations > 4 * 40
    assert [g["generation"] for g in facts["generations"]] == [0, 1, 2, 3]
    assert all(0 < g["acceptance_rate"] <= 1 for g in facts["generations"])
    posterior = pd.read_parquet(tmp_path / "fit" / "posterior.parquet")
    assert list(posterior.columns) == [KEY, "weight"]
    assert posterior["weight"].sum() == pytest.approx(1.0)
    for name in ("fit.png", "posterior.png"):
        assert (tmp_path / "fit" / "figures" / name).stat().st_size > 10_000


def test_a_serial_fit_is_reproducible_and_leaves_numpy_alone(setup, tmp_path):
    scenario, observed = setup
    np.random.seed(123)  # noqa: NPY002  (the global state must come back unchanged)
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    tables = []
    for name in ("one", "two"):
        sim.fit(scenario, observed, [f"{KEY}=0.01:0.6"], tmp_path / name,
                population=20, generations=2, predictive_draws=5)
        tables.append(pd.read_parquet(tmp_path / name / "posterior.parquet"))
    pd.testing.assert_frame_equal(*tables)
    assert np.array_equal(np.random.get_state()[1], before)  # noqa: NPY002
    other = sim.fit(scenario, observed, [f"{KEY}=0.01:0.6"], tmp_path / "three",
                    population=20, generations=2, predictive_draws=5, seed=7)
    assert not other.samples[KEY].equals(tables[0][KEY])


def test_an_interrupted_fit_resumes_from_its_database(setup, tmp_path):
    scenario, observed = setup
    folder = tmp_path / "fit"

    def stop_after_first(generation):
        if generation.generation == 0:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):  # --resume with nothing to resume starts a fit
        sim.fit(scenario, observed, [f"{KEY}=0.01:0.6"], folder, population=20,
                generations=3, resume=True, on_generation=stop_after_first)
    assert (folder / "fit.db").is_file() and not (folder / "fit.json").exists()
    with pytest.raises(InputError, match="--resume"):
        sim.fit(scenario, observed, [f"{KEY}=0.01:0.6"], folder, population=20)
    seen = []
    result = sim.fit(scenario, observed, [f"{KEY}=0.01:0.6"], folder, population=20,
                     generations=3, resume=True, predictive_draws=5,
                     on_generation=lambda g: seen.append(g.generation))
    assert seen == [1, 2]  # the first generation was kept, not drawn again
    assert [g["generation"] for g in result.generations] == [0, 1, 2]


def test_final_sizes_of_many_cascades_are_fitted(tmp_path):
    scenario = tmp_path / "known.yaml"
    scenario.write_text(yaml.safe_dump(SCENARIO))
    curves = simulated(np.array([25]), 0.2, seed=5, cascades=8)
    observed = tmp_path / "sizes.parquet"
    curves.rename(columns={"heard": "reach"})[["reach", "adopters"]].to_parquet(observed)
    result = sim.fit(scenario, observed, [f"{KEY}=0.01:0.6"], tmp_path / "fit",
                     population=20, generations=3, predictive_draws=5)
    entry = result.parameters[KEY]
    assert entry["low"] <= 0.2 <= entry["high"]
    facts = json.loads((tmp_path / "fit" / "fit.json").read_text())
    assert facts["form"] == "sizes" and facts["cascades"] == 8
    assert "reach 90th percentile" in " ".join(facts["statistics"])


def test_the_cli_fits_with_processes_and_says_what_it_found(setup, tmp_path):
    scenario, observed = setup
    out = buzz("fit", scenario, "--observed", observed, "--param", f"{KEY}=0.01:0.6",
               "--param", "network.p=0:1", "--out", tmp_path / "fit", "--population", "12",
               "--generations", "2", "--executor", "processes", "--workers", "2")
    assert out.returncode == 0, out.stderr
    assert "generation 2:" in out.stdout
    assert f"promo: chance to pass it on, per contact ({KEY}): " in out.stdout
    assert "90% interval" in out.stdout and "prior 1% to 60%" in out.stdout
    # the rewiring of a small-world network barely changes a cascade's curve
    assert "the data barely pin share of ties rewired (network.p)" in out.stdout
    facts = json.loads((tmp_path / "fit" / "fit.json").read_text())
    assert facts["executor"] == "processes"
    assert not facts["parameters"]["network.p"]["pinned"]


BAD = [
    ("time,count\n0,5\n", [], "columns", "step with heard and/or adopters"),
    ("step,heard\n0,5\n1,-3\n", [], "heard (row 2)", "a whole number, 0 or more"),
    ("step,heard\n0,5\n1,9\n2,7\n", [], "heard (step 2) = 7", "never below the step before"),
    ("reach\n12\n3.5\n", [], "reach (row 2) = 3.5", "a whole number"),
    ("step,heard\n0,5\n", ["--param", "messages.promo.rule.beta=0:1"],
     "messages.promo.rule.beta", "holds a number"),
    ("step,heard\n0,5\n", ["--param", f"{KEY}=0.5:0.2"], KEY, "finite LOW below HIGH"),
    ("step,heard\n0,5\n", ["--param", f"{KEY}=0.1:1.5"], f"{KEY} = 1.5", "1"),
    ("step,heard\n0,5\n", ["--param", "network.k=log:0:8"], "network.k", "LOW above 0"),
    ("step,heard\n0,5\n99,30\n", [], "step = 99", "raise steps"),
    ("step,heard\n0,5\n1,900\n", [], "heard = 900", "at most 500"),
]


@pytest.mark.parametrize(("data", "extra", "where", "allowed"), BAD)
def test_bad_input_is_refused_before_anything_runs(setup, tmp_path, data, extra, where,
                                                   allowed):
    scenario, _ = setup
    observed = tmp_path / "bad.csv"
    observed.write_text(data)
    params = extra[1::2] or [f"{KEY}=0.01:0.6"]
    with pytest.raises(InputError) as error:
        sim.fit(scenario, observed, params, tmp_path / "fit")
    assert where in str(error.value) and allowed in str(error.value), str(error.value)
    assert "\n" not in str(error.value)
    assert not (tmp_path / "fit").exists()


@pytest.mark.parametrize("case", [BAD[2], BAD[6]])
def test_the_cli_gives_bad_input_one_line_and_exit_2(setup, tmp_path, case):
    data, extra, where, allowed = case
    scenario, _ = setup
    observed = tmp_path / "bad.csv"
    observed.write_text(data)
    params = extra or ["--param", f"{KEY}=0.01:0.6"]
    out = buzz("fit", scenario, "--observed", observed, *params, "--out", tmp_path / "fit")
    assert out.returncode == 2, out.stdout + out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and where in lines[0] and allowed in lines[0], out.stderr
    assert not (tmp_path / "fit").exists()


def test_observed_forms_are_told_apart_by_their_columns(tmp_path):
    curves = tmp_path / "curves.csv"
    curves.write_text("message,cascade,step,adopters,note\na,x,1,4,hi\na,x,0,2,\na,y,0,1,\n")
    observed = read_observed(curves, ["a", "b"])
    assert (observed.form, observed.counts, observed.n_cascades) == ("curves", ("adopters",), 2)
    assert observed.table["step"].tolist() == [0, 1, 0]  # sorted within each cascade
    with pytest.raises(InputError, match="message = 'c'"):
        (tmp_path / "other.csv").write_text("message,reach\nc,4\n")
        read_observed(tmp_path / "other.csv", ["a", "b"])
    sizes = tmp_path / "sizes.csv"
    sizes.write_text("reach,adopters\n10,4\n")
    assert read_observed(sizes, ["a"]).form == "sizes"
    with pytest.raises(InputError, match="a message column"):
        read_observed(sizes, ["a", "b"])


@pytest.fixture(scope="module")
def small_fit(tmp_path_factory) -> Path:
    """A real (small) fit of p to the known curve."""
    folder = tmp_path_factory.mktemp("small-fit")
    observed = folder / "seen.csv"
    simulated(np.arange(0, 21, 2), TRUE_P, seed=999).drop(columns="cascade").to_csv(
        observed, index=False)
    sim.fit(scenario_from_dict(SCENARIO), observed, [f"{KEY}=0.01:0.6"], folder / "fit",
            population=20, generations=2, predictive_draws=5)
    return folder / "fit"


def test_a_forecast_draws_each_replication_from_the_posterior(small_fit, tmp_path):
    from sim.results.replay import replay_cascade_tree

    other = {**SCENARIO, "name": "next", "replications": 6,
             "sweep": {"arms": [
                 {"name": "random seeds", "set": {"messages.promo.seeding.strategy": "random"}},
                 {"name": "hubs", "set": {"messages.promo.seeding.strategy": "top_degree"}}]}}
    scenario = tmp_path / "next.yaml"
    scenario.write_text(yaml.safe_dump(other))
    tables = []
    for name in ("one", "two"):
        out = buzz("run", scenario, "--from-fit", small_fit, "--out", tmp_path / name,
                   "--quiet")
        assert out.returncode == 0, out.stderr
        tables.append(pd.read_parquet(tmp_path / name / "runs.parquet"))
    runs = tables[0]
    pd.testing.assert_frame_equal(runs.drop(columns="seed"), tables[1].drop(columns="seed"))
    drawn = runs.groupby("replication")[KEY].agg(["nunique", "first"])
    assert (drawn["nunique"] == 1).all()  # both arms of a replication share the draw
    assert drawn["first"].nunique() > 1  # replications draw different values
    posterior = pd.read_parquet(small_fit / "posterior.parquet")
    assert set(drawn["first"]) <= set(posterior[KEY])
    # each run really ran at its drawn p: the first run replays to the same reach
    assert replay_cascade_tree(tmp_path / "one") is not None


def test_a_forecast_refuses_a_folder_without_a_fit_or_a_key_it_lacks(small_fit, tmp_path):
    scenario = tmp_path / "other.yaml"
    renamed = {**SCENARIO, "messages": [{**SCENARIO["messages"][0], "name": "launch"}]}
    scenario.write_text(yaml.safe_dump(renamed))
    for folder, words in ((tmp_path, "a folder written by buzz fit"),
                          (small_fit, "messages.promo")):
        out = buzz("run", scenario, "--from-fit", folder, "--out", tmp_path / "run")
        assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1, out.stderr
        assert words in out.stderr


def test_buzz_report_on_a_fit_folder_writes_its_page(small_fit):
    out = buzz("report", small_fit)
    assert out.returncode == 0, out.stderr
    page = (small_fit / "report.html").read_text(encoding="utf-8")
    entry = json.loads((small_fit / "fit.json").read_text())["parameters"][KEY]
    low, high = (f"{100 * entry[end]:.3g}%" for end in ("low", "high"))
    assert f"{low} to {high}" in page  # a chance, as a percentage
    assert "chance to pass it on, per contact" in page  # the key in words
    assert "people who had heard and people who had shared, by step" in page
    assert "scenario_file" not in page and "step_duration" not in page  # facts in words
    assert page.count("data:image/png;base64,") == 2


def test_the_fit_report_fits_the_page_in_chromium(small_fit, tmp_path):
    sync_playwright = browser_or_skip()
    report = buzz("report", small_fit)
    assert report.returncode == 0, report.stderr
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=["--no-sandbox"])
        try:
            for width in (1280, 390):  # a laptop and a phone
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.goto((small_fit / "report.html").as_uri())
                assert_page_fits(page, width, f"fit report at {width} px")
                assert page.locator("h1").inner_text() == "known: fitted to seen.csv"
                page.screenshot(path=str(tmp_path / f"fit_{width}.png"), full_page=True)
        finally:
            browser.close()


def test_a_fit_runs_on_a_dask_scheduler(setup, tmp_path):
    """A real scheduler and worker process on 127.0.0.1, reached by its address."""
    from dask.distributed import LocalCluster

    scenario, observed = setup
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        result = sim.fit(scenario, observed, [f"{KEY}=0.01:0.6"], tmp_path / "fit",
                         population=12, generations=2, executor="dask",
                         scheduler=cluster.scheduler_address, predictive_draws=3)
    entry = result.parameters[KEY]
    assert 0.01 <= entry["low"] < entry["estimate"] < entry["high"] <= 0.6
    assert json.loads((tmp_path / "fit" / "fit.json").read_text())["executor"] == "dask"


def test_a_step_of_the_data_lasts_step_duration_scenario_steps(setup, tmp_path):
    scenario, _ = setup
    observed = tmp_path / "days.csv"
    observed.write_text("step,heard\n0,5\n13,40\n")
    with pytest.raises(InputError, match=r"step = 13: allowed: at most 12.5"):
        sim.fit(scenario, observed, [f"{KEY}=0.01:0.6"], tmp_path / "fit", step_duration=2)
    layout = read_observed(observed, ["promo"])
    simulator = Simulator(scenario_from_dict(SCENARIO), (FitParam(KEY, 0.0, 1.0),), layout,
                          seed=1, step_duration=1.5)
    curves = simulator.curves((0.3,), runs=1)
    assert simulator.last_step == 20 and curves.shape[-1] == 21  # round(13 x 1.5) = 20
    assert simulator.summary(curves).tolist() == [curves[0, 0, 0, 0], curves[0, 0, 0, 20]]
