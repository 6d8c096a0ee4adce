"""The results folder: Parquet tables, the resolved scenario and the manifest.

``buzz run`` writes ``runs.parquet``, ``timeseries.parquet``, ``scenario.yaml`` and
``manifest.json`` (DESIGN decision 6). The manifest is replaced atomically (write
to a temporary file, then rename), so a reader never sees half of it, and it
records each run's status so that an interrupted batch says what it finished.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.config import Scenario
from sim.errors import InputError

TABLES = ("runs.parquet", "timeseries.parquet")
PACKAGES = ("buzz-sim", "numpy", "numba", "mesa", "pandas", "pyarrow", "pydantic", "networkx")


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages a result depends on."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def prepare_folder(out: Path, *, force: bool = False) -> None:
    """Create ``out``; refuse a folder that already holds results unless ``force``."""
    if out.exists() and any(out.iterdir()):
        if not force:
            raise InputError(
                str(out),
                "--out",
                None,
                "an empty or new folder; add --force to replace the results in it",
            )
        for name in (*TABLES, "manifest.json", "scenario.yaml"):
            (out / name).unlink(missing_ok=True)
        shutil.rmtree(out / "figures", ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)


def write_json_atomic(path: Path, payload: dict[str, Any]) -> None:
    """Write JSON so that readers see the old file or the new one, never half."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
    os.replace(temporary, path)


def write_scenario(out: Path, scenario: Scenario) -> None:
    """Save the resolved scenario (defaults filled in, paths absolute)."""
    text = yaml.safe_dump(scenario.model_dump(mode="json", exclude_none=True), sort_keys=False)
    (out / "scenario.yaml").write_text(text, encoding="utf-8")


def write_tables(out: Path, runs: pd.DataFrame, timeseries: pd.DataFrame) -> None:
    """Write both tables, sorted by run, message and step."""
    runs.sort_values(["run", "message"]).to_parquet(out / "runs.parquet", index=False)
    timeseries.sort_values(["run", "message", "step"]).to_parquet(
        out / "timeseries.parquet", index=False
    )


def new_manifest(scenario: Scenario, source: str, n_runs: int) -> dict[str, Any]:
    """The manifest of a batch about to start."""
    return {
        "scenario": scenario.name,
        "source": source,
        "command": " ".join(sys.argv),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "status": "running",
        "seed": scenario.seed,
        "seeding": "SeedSequence(seed, spawn_key=(replication, stream[, message]))",
        "n_runs": n_runs,
        "versions": package_versions(),
        "runs": {},
    }


def load_results(folder: str | Path) -> dict[str, Any]:
    """Read a results folder: ``runs`` and ``timeseries`` frames, ``scenario`` and ``manifest``.

    Raises
    ------
    InputError
        When the folder is not a results folder.
    """
    folder = Path(folder)
    missing = [name for name in (*TABLES, "manifest.json") if not (folder / name).is_file()]
    if missing:
        raise InputError(
            str(folder),
            "",
            None,
            f"a results folder written by 'buzz run' (missing {', '.join(missing)})",
        )
    return {
        "runs": pd.read_parquet(folder / "runs.parquet"),
        "timeseries": pd.read_parquet(folder / "timeseries.parquet"),
        "scenario": yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8")),
        "manifest": json.loads((folder / "manifest.json").read_text(encoding="utf-8")),
    }
