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
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml

from sim.batch.lock import LOCK_NAME, FolderLock
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


# what buzz wrote in folders whose manifest predates its list of written files
LEGACY_WRITTEN = (*TABLES, "scenario.yaml", "report.html", "summary.csv", "adoption.png")


@contextmanager
def disk_errors(folder: Path) -> Iterator[None]:
    """Turn a failed write (read-only folder, full disk, file too large, a file where a
    folder should be) into one line naming the folder."""
    try:
        yield
    except OSError as err:
        reason = err.strerror or str(err).splitlines()[0]
        raise InputError(str(folder), "", None,
                         f"a folder buzz can write to ({reason}; finished runs stay "
                         "saved: free space or fix it, then --resume)") from None


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes."""
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def input_digests(source: str, data_files: list[str]) -> dict[str, dict[str, str]]:
    """What a batch reads, by role: ``scenario`` (the scenario file, when there is one)
    and each data file by its absolute path, with each file's SHA-256."""
    files = {"scenario": source} if Path(source).is_file() else {}
    files.update({path: path for path in data_files})
    digests = {}
    for role, path in files.items():
        try:
            digests[role] = {"file": str(path), "sha256": file_sha256(path)}
        except OSError as err:
            raise InputError(str(path), "", None, f"a readable file ({err.strerror})") from None
    return digests


def column_types(values: list[Mapping[str, Any]]) -> dict[str, pa.DataType]:
    """One Arrow type per swept column, from every point of the sweep, so that all part
    files agree whatever values their own runs hold.

    Examples
    --------
    >>> column_types([{"p": 0}, {"p": 0.5}])
    {'p': DataType(double)}
    """
    keys = list(dict.fromkeys(key for row in values for key in row))
    return {key: pa.array([row.get(key) for row in values]).type for key in keys}


def with_types(table: pa.Table, types: Mapping[str, pa.DataType]) -> pa.Table:
    """``table`` with the named columns cast to their types."""
    for name, kind in types.items():
        index = table.schema.get_field_index(name)
        if index >= 0 and table.schema.field(name).type != kind:
            table = table.set_column(index, pa.field(name, kind), pc.cast(table[name], kind))
    return table


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """A folder's manifest, ``None`` when there is none; a damaged one is refused in
    one line."""
    path = Path(folder) / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as err:
        raise InputError(str(path), "", None,
                         f"a manifest written by buzz run (it cannot be read: {err})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("runs"), dict):
        raise InputError(str(path), "", None,
                         "a manifest written by buzz run (this one has no runs)")
    return manifest


def _inside(folder: Path, name: str) -> Path | None:
    """``folder / name`` when ``name`` is a relative path that stays inside ``folder``."""
    path = folder / name
    if Path(name).is_absolute() or ".." in Path(name).parts:
        return None
    return path


def record_written(folder: str | Path, paths: list[Path]) -> None:
    """Add files that ``buzz plot``, ``buzz report`` or ``buzz run`` wrote to the
    manifest's list of what buzz wrote, so that ``--force`` may remove them later."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    if manifest is None:
        return
    root = folder.resolve()
    names = [Path(path).resolve().relative_to(root).as_posix() for path in paths
             if Path(path).resolve().is_relative_to(root)]
    written = manifest.setdefault("written", list(LEGACY_WRITTEN))
    written.extend(name for name in names if name not in written)
    with disk_errors(folder):
        write_json_atomic(folder / "manifest.json", manifest)


def _same_file(first: Path, second: Path) -> bool:
    try:
        return first.samefile(second)
    except OSError:
        return False


class ResultsStore:
    """A results folder being written by a batch.

    The folder is locked (:class:`sim.batch.lock.FolderLock`) from here to
    :meth:`finish` or :meth:`discard`. The manifest records the digests of every file
    the batch reads and its number of runs: a resume that would mix inputs or run
    counts is refused, and ``force`` removes only the files buzz listed as its own.

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
        Continue a batch in ``folder``; or replace what buzz wrote there. Without
        either, a folder that already holds anything is refused.
    inputs : dict, optional
        The digests of the files the batch reads (:func:`input_digests`).
    types : dict, optional
        The Arrow type of each swept column (:func:`column_types`).
    replications : int, optional
        Replications per point, for the messages about a changed run count.
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
        inputs: dict[str, dict[str, str]] | None = None,
        types: Mapping[str, pa.DataType] | None = None,
        replications: int | None = None,
    ) -> None:
        self.folder = Path(folder)
        self.parts = self.folder / "parts"
        self.types = dict(types or {})
        self.fresh = True  # nothing of an earlier batch is kept here
        if self.folder.exists() and not self.folder.is_dir():
            raise InputError(str(self.folder), "", None,
                             "a folder for the results (this is a file)")
        self._created = not self.folder.exists()
        with disk_errors(self.folder):
            self.folder.mkdir(parents=True, exist_ok=True)
            self.lock = FolderLock(self.folder).acquire()
        try:
            self._open(scenario, source, n_runs, resume=resume, force=force,
                       inputs=inputs or {}, replications=replications)
        except BaseException:
            self.lock.release()
            raise

    def _open(self, scenario, source, n_runs, *, resume, force, inputs, replications) -> None:
        text = scenario_text(scenario)
        digest = hashlib.sha256(text.encode()).hexdigest()
        own_scenario = self.folder / "scenario.yaml"
        input_is_ours = _same_file(Path(source), own_scenario)
        existing = read_manifest(self.folder) if resume else None
        if existing is not None:
            self.manifest = existing
            self._check_resume(digest, n_runs, inputs, replications)
            self.fresh = not self.manifest["runs"]
            self.manifest.update(status="running", command=" ".join(sys.argv))
        else:
            if input_is_ours:
                raise InputError(str(self.folder), "", None,
                                 f"a results folder other than the one holding the input "
                                 f"scenario {source} (buzz writes its own scenario.yaml "
                                 "there): choose another --out")
            self._prepare(force=force or resume)
            self.manifest = {
                "scenario": scenario.name,
                "source": source,
                "command": " ".join(sys.argv),
                "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "status": "running",
                "seed": scenario.seed,
                "scenario_sha256": digest,
                "inputs": inputs,
                "randomness": "SeedSequence(seed, spawn_key=(replication, stream[, message]))",
                "n_runs": n_runs,
                "replications": replications,
                "versions": package_versions(),
                "seconds": 0.0,
                "runs": {},
                "parts": [],
                "written": [*TABLES, "scenario.yaml"],
            }
        with disk_errors(self.folder):
            self.parts.mkdir(parents=True, exist_ok=True)
            if not input_is_ours:  # resuming from the folder's own scenario.yaml: keep it
                own_scenario.write_text(text, encoding="utf-8")
            self._save_manifest()

    def _check_resume(self, digest: str, n_runs: int, inputs: dict, replications) -> None:
        """Refuse, in one line, a resume that would mix scenarios, inputs or run counts."""
        if self.manifest.get("scenario_sha256") != digest:
            raise InputError(
                str(self.folder), "", None,
                "a folder written by the same scenario and overrides to resume "
                "(this one was written by another: choose another results folder)")
        before = int(self.manifest.get("n_runs", n_runs))
        if before != n_runs:
            had = self.manifest.get("replications")
            count = f" ({had} replications)" if had else ""
            raise InputError(
                str(self.folder), "replications", replications,
                f"the batch's own run count to resume: it has {before} runs{count}, "
                f"this asks for {n_runs} (resume with the same replications, or run the "
                "new count in another folder)")
        for role, recorded in (self.manifest.get("inputs") or {}).items():
            now = inputs.get(role)
            if now is not None and now["sha256"] != recorded.get("sha256"):
                raise InputError(
                    now["file"], "", None,
                    f"the same file as when the batch in {self.folder} began (its contents "
                    "changed since: resuming would mix two inputs; run it in another "
                    "folder, or put the file back)")

    def _prepare(self, *, force: bool) -> None:
        if all(entry.name == LOCK_NAME for entry in self.folder.iterdir()):
            return
        if not force:
            # run_batch's own words: the command line checks the folder first
            raise InputError(
                str(self.folder),
                "",
                None,
                "an empty or new folder (it holds results: resume=True continues "
                "the batch in it, force=True replaces them)",
            )
        manifest = read_manifest(self.folder)
        if manifest is None:
            raise InputError(str(self.folder), "", None,
                             "a results folder written by buzz run to replace (this one has "
                             "no manifest.json, so nothing in it is buzz's to delete): "
                             "choose another folder")
        names = [*manifest.get("written", LEGACY_WRITTEN)]
        for part in manifest.get("parts", []):
            names += ["parts/" + part["file"],
                      "parts/" + part["file"].replace("runs-", "timeseries-", 1)]
        with disk_errors(self.folder):
            for name in [*names, "manifest.json"]:
                path = _inside(self.folder, str(name))
                if path is not None and path.is_file():
                    path.unlink()
            for sub in ("parts", "figures"):  # left where they hold someone's files
                if (self.folder / sub).is_dir() and not any((self.folder / sub).iterdir()):
                    (self.folder / sub).rmdir()

    def done_runs(self) -> set[int]:
        """Runs finished in an earlier or this batch (both their parts are on disk and
        readable; a damaged part's runs run again)."""
        readable = [part for part in self.manifest["parts"] if self._readable(part["file"])]
        # a damaged part leaves the list: its runs are written again, maybe in parts
        # of other bounds, and the tables are assembled from the list
        self.manifest["parts"] = readable
        listed = {part["file"] for part in readable}
        return {
            int(run)
            for run, info in self.manifest["runs"].items()
            if info.get("status") == "done" and info.get("part") in listed
        }

    def _readable(self, name: str) -> bool:
        for table in ("runs", "timeseries"):
            try:
                pq.read_metadata(self.parts / name.replace("runs-", f"{table}-", 1))
            except (OSError, pa.ArrowException):
                return False
        return True

    def add(self, runs: pd.DataFrame, timeseries: pd.DataFrame, timings: dict[int, dict]) -> None:
        """Write one finished chunk (its runs are consecutive) and record it."""
        first, last = int(runs["run"].min()), int(runs["run"].max())
        name = f"{first:09d}-{last:09d}"
        with disk_errors(self.folder):
            for table, frame in (("runs", runs), ("timeseries", timeseries)):
                final = self.parts / f"{table}-{name}.parquet"
                temporary = final.with_suffix(".tmp")
                arrow = pa.Table.from_pandas(frame, preserve_index=False)
                pq.write_table(with_types(arrow, self.types), temporary)
                os.replace(temporary, final)
            part = {"file": f"runs-{name}.parquet", "first": first, "last": last}
            self.manifest["parts"] = [p for p in self.manifest["parts"]
                                      if p["file"] != part["file"]]
            self.manifest["parts"].append(part)
            for run, info in timings.items():
                self.manifest["runs"][str(run)] = {**info, "status": "done",
                                                   "part": part["file"]}
            self._save_manifest()
        self.fresh = False

    def finish(self, *, complete: bool, seconds: float) -> None:
        """Record the outcome; when complete, assemble the two tables from the parts.
        The lock is released whatever happens."""
        try:
            self.manifest["seconds"] = round(self.manifest.get("seconds", 0.0) + seconds, 3)
            with disk_errors(self.folder):
                if complete:
                    parts = sorted(self.manifest["parts"], key=lambda part: part["first"])
                    for table in ("runs", "timeseries"):
                        files = [self.parts / part["file"].replace("runs-", f"{table}-", 1)
                                 for part in parts]
                        _concatenate(files, self.folder / f"{table}.parquet", self.types)
                self.manifest["status"] = "complete" if complete else "interrupted"
                self.manifest["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
                self._save_manifest()
        finally:
            self.lock.release()

    def discard(self) -> None:
        """Remove what this batch wrote when it ended before any run finished, so the
        folder is as it was (and free for the next command); releases the lock."""
        try:
            for name in ("manifest.json", "scenario.yaml"):
                (self.folder / name).unlink(missing_ok=True)
            if self.parts.is_dir() and not any(self.parts.iterdir()):
                self.parts.rmdir()
        except OSError:
            pass  # what cannot be removed stays; the batch's own error is the news
        finally:
            self.lock.release()
            if self._created and self.folder.is_dir() and not any(self.folder.iterdir()):
                self.folder.rmdir()

    def _save_manifest(self) -> None:
        write_json_atomic(self.folder / "manifest.json", self.manifest)


def _concatenate(files: list[Path], target: Path,
                 types: Mapping[str, pa.DataType] | None = None) -> None:
    """Append part files, already in run order, into one Parquet file, one at a time."""
    temporary = target.with_suffix(".tmp")
    writer = None
    types = dict(types or {})
    # Swept columns take the sweep's own types (parts written before the types were
    # fixed may differ); a column all missing (null) in a part takes the others' type.
    schemas = []
    for path in files:
        schema = pq.read_schema(path).remove_metadata()
        for name, kind in types.items():
            index = schema.get_field_index(name)
            if index >= 0:
                schema = schema.set(index, pa.field(name, kind))
        schemas.append(schema)
    schema = pa.unify_schemas(schemas, promote_options="permissive") if files else None
    try:
        for path in files:
            table = with_types(pq.read_table(path).replace_schema_metadata(None), types)
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
        When the folder is not a finished results folder, or a file in it is damaged.
    """
    folder = Path(folder)
    missing = [name for name in (*TABLES, "manifest.json") if not (folder / name).is_file()]
    manifest = read_manifest(folder) if (folder / "manifest.json").is_file() else None
    if missing and manifest is not None:
        status = manifest.get("status")
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
    tables = {}
    for name in TABLES:
        try:
            tables[name] = pd.read_parquet(folder / name)
        except (OSError, pa.ArrowException) as err:
            raise InputError(str(folder / name), "", None,
                             f"a Parquet table written by buzz run (it cannot be read: "
                             f"{str(err).splitlines()[0]}; run the batch again)") from None
    try:
        scenario = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise InputError(str(folder / "scenario.yaml"), "", None,
                         f"the scenario buzz run saved (it cannot be read: "
                         f"{str(err).splitlines()[0]})") from None
    return {
        "runs": tables["runs.parquet"],
        "timeseries": tables["timeseries.parquet"],
        "scenario": scenario,
        "manifest": manifest,
    }
