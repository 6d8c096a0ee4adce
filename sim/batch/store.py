"""The results folder: Parquet tables, the resolved scenario and the manifest.

``buzz run`` writes ``runs.parquet``, ``timeseries.parquet``, ``scenario.yaml`` and
``manifest.json`` (DESIGN decision 6). Results stream to disk as chunks of runs
finish: each chunk becomes two part files in ``parts/`` (written to a temporary
name, then renamed) and the manifest, replaced atomically, lists the parts and each
run's status. A killed batch therefore loses at most the chunks in flight, and
``--resume`` skips every run the manifest calls done. When all runs are done the
parts are concatenated, in run order and one part at a time, into the two tables.
"""

from __future__ import annotations

import hashlib
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
import pyarrow as pa
import pyarrow.parquet as pq
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


def write_json_atomic(path: Path, payload: dict[str, Any]) -> None:
    """Write JSON so that readers see the old file or the new one, never half."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
    os.replace(temporary, path)


def scenario_text(scenario: Scenario) -> str:
    """The resolved scenario as YAML (defaults filled in, paths absolute)."""
    return yaml.safe_dump(scenario.model_dump(mode="json", exclude_none=True), sort_keys=False)


class ResultsStore:
    """A results folder being written by a batch.

    Parameters
    ----------
    folder : Path
        Where the results go.
    scenario : Scenario
        The resolved scenario (saved as ``scenario.yaml``; a resumed batch must match it).
    source : str
        The scenario's file, for messages and the manifest.
    n_runs : int
        How many runs the batch has in all.
    resume, force : bool
        Continue a batch in ``folder``; or replace what is there. Without either, a
        folder that already holds results is refused.
    """

    def __init__(
        self,
        folder: Path,
        scenario: Scenario,
        source: str,
        n_runs: int,
        *,
        resume: bool = False,
        force: bool = False,
    ) -> None:
        self.folder = Path(folder)
        self.parts = self.folder / "parts"
        text = scenario_text(scenario)
        digest = hashlib.sha256(text.encode()).hexdigest()
        existing = self.folder / "manifest.json"
        if resume and existing.is_file():
            self.manifest = json.loads(existing.read_text(encoding="utf-8"))
            if self.manifest.get("scenario_sha256") != digest:
                raise InputError(
                    str(self.folder),
                    "",
                    None,
                    "a folder written by the same scenario and overrides to resume "
                    "(this one was written by another: choose another results folder)",
                )
            self.manifest.update(status="running", n_runs=n_runs, command=" ".join(sys.argv))
        else:
            self._prepare(force=force or resume)
            self.manifest = {
                "scenario": scenario.name,
                "source": source,
                "command": " ".join(sys.argv),
                "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "status": "running",
                "seed": scenario.seed,
                "scenario_sha256": digest,
                "randomness": "SeedSequence(seed, spawn_key=(replication, stream[, message]))",
                "n_runs": n_runs,
                "versions": package_versions(),
                "seconds": 0.0,
                "runs": {},
                "parts": [],
            }
        self.parts.mkdir(parents=True, exist_ok=True)
        (self.folder / "scenario.yaml").write_text(text, encoding="utf-8")
        self._save_manifest()

    def _prepare(self, *, force: bool) -> None:
        if self.folder.exists() and any(self.folder.iterdir()):
            if not force:
                # run_batch's own words: the command line checks the folder first
                raise InputError(
                    str(self.folder),
                    "",
                    None,
                    "an empty or new folder (it holds results: resume=True continues "
                    "the batch in it, force=True replaces them)",
                )
            for name in (*TABLES, "manifest.json", "scenario.yaml", "report.html", "adoption.png"):
                (self.folder / name).unlink(missing_ok=True)
            for sub in ("parts", "figures"):
                shutil.rmtree(self.folder / sub, ignore_errors=True)
        self.folder.mkdir(parents=True, exist_ok=True)

    def done_runs(self) -> set[int]:
        """Runs finished in an earlier or this batch (their part is on disk)."""
        listed = {
            part["file"] for part in self.manifest["parts"] if (self.parts / part["file"]).is_file()
        }
        return {
            int(run)
            for run, info in self.manifest["runs"].items()
            if info["status"] == "done" and info["part"] in listed
        }

    def add(self, runs: pd.DataFrame, timeseries: pd.DataFrame, timings: dict[int, dict]) -> None:
        """Write one finished chunk (its runs are consecutive) and record it."""
        first, last = int(runs["run"].min()), int(runs["run"].max())
        name = f"{first:09d}-{last:09d}"
        for table, frame in (("runs", runs), ("timeseries", timeseries)):
            final = self.parts / f"{table}-{name}.parquet"
            temporary = final.with_suffix(".tmp")
            frame.to_parquet(temporary, index=False)
            os.replace(temporary, final)
        part = {"file": f"runs-{name}.parquet", "first": first, "last": last}
        self.manifest["parts"] = [p for p in self.manifest["parts"] if p["file"] != part["file"]]
        self.manifest["parts"].append(part)
        for run, info in timings.items():
            self.manifest["runs"][str(run)] = {**info, "status": "done", "part": part["file"]}
        self._save_manifest()

    def finish(self, *, complete: bool, seconds: float) -> None:
        """Record the outcome; when complete, assemble the two tables from the parts."""
        self.manifest["seconds"] = round(self.manifest.get("seconds", 0.0) + seconds, 3)
        if complete:
            parts = sorted(self.manifest["parts"], key=lambda part: part["first"])
            for table in ("runs", "timeseries"):
                files = [
                    self.parts / part["file"].replace("runs-", f"{table}-", 1) for part in parts
                ]
                _concatenate(files, self.folder / f"{table}.parquet")
        self.manifest["status"] = "complete" if complete else "interrupted"
        self.manifest["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        self._save_manifest()

    def _save_manifest(self) -> None:
        write_json_atomic(self.folder / "manifest.json", self.manifest)


def _concatenate(files: list[Path], target: Path) -> None:
    """Append part files, already in run order, into one Parquet file, one at a time."""
    temporary = target.with_suffix(".tmp")
    writer = None
    # A swept key may be int in one part and float in another when its values mix, or
    # all missing (null) in a part whose runs leave it unset: one type fits them all.
    schema = pa.unify_schemas(
        [pq.read_schema(path).remove_metadata() for path in files], promote_options="permissive"
    ) if files else None
    try:
        for path in files:
            table = pq.read_table(path).replace_schema_metadata(None)
            if not table.schema.equals(schema):
                table = table.select(schema.names).cast(schema)
            if writer is None:
                writer = pq.ParquetWriter(temporary, schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        pq.write_table(pa.table({}), temporary)
    os.replace(temporary, target)


def load_results(folder: str | Path) -> dict[str, Any]:
    """Read a results folder: ``runs`` and ``timeseries`` frames, ``scenario`` and ``manifest``.

    Raises
    ------
    InputError
        When the folder is not a results folder.
    """
    folder = Path(folder)
    missing = [name for name in (*TABLES, "manifest.json") if not (folder / name).is_file()]
    manifest_path = folder / "manifest.json"
    if missing and manifest_path.is_file():
        status = json.loads(manifest_path.read_text(encoding="utf-8")).get("status")
        if status in ("running", "interrupted"):
            raise InputError(str(folder), "", None,
                             f"a finished batch (this one is {status}: finish it with "
                             "'buzz run SCENARIO --out FOLDER --resume')")
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
