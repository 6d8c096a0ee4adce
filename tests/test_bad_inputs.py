"""A corpus of malformed inputs: each ends in exit 2 and one line naming the file, the key
or line, the value and what is allowed, never a traceback.

The scenarios are generated from the ready-made ones and a scenario that uses every
section: every key gets a value of the wrong type, a value out of range and an unknown
neighbour key; then YAML oddities, ``--set`` overrides, edge lists and command-line
options. They run in this process through :func:`sim.cli.main` (a few also as real
subprocesses), so the file takes seconds. A property test mutates valid scenarios at
random and asks the same of whatever comes out: valid, or one clean line.
"""

from __future__ import annotations

import copy
import gzip
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import PROJECT, buzz_in_process

READY_MADE = sorted((PROJECT / "scenarios").glob("*.yaml"))

EVERY_SECTION = {
    "name": "everything",
    "description": "every section of the schema once",
    "seed": 5,
    "steps": 40,
    "replications": 2,
    "contain_below": 5,
    "network": {"model": "watts_strogatz", "n": 200, "k": 6, "p": 0.1, "fixed": True},
    "people": {
        "activity": {"distribution": "beta", "a": 2.0, "b": 1.0},
        "susceptibility": {"distribution": "normal", "mean": 1.0, "sd": 0.2, "low": 0.0,
                           "high": 2.0},
        "influence": {"distribution": "degree_power", "scale": 1.0, "exponent": 1.0},
        "visibility": {"distribution": "uniform", "low": 0.5, "high": 1.0},
        "roles": [{"name": "hubs", "select": {"top_degree": 0.05},
                   "influence": {"distribution": "lognormal", "mu": 0.0, "sigma": 1.0}}],
    },
    "messages": [
        {"name": "complaint", "valence": "negative",
         "rule": {"model": "independent_cascade", "p": 0.1},
         "modifiers": {"negativity_bias": 1.5, "half_life": 10.0},
         "seeding": {"strategy": "random", "count": 3, "step": 0}},
        {"name": "response", "valence": "positive",
         "rule": {"model": "rumor", "variant": "maki_thompson", "lambda": 0.5, "alpha": 0.5},
         "modifiers": {"forgetting": 0.1},
         "seeding": {"count": 0}},
        {"name": "promo", "rule": {"model": "linear_threshold", "threshold": 0.2},
         "seeding": {"strategy": "top_degree", "budget": 10.0,
                     "cost": {"model": "degree", "base": 1.0, "per_neighbour": 0.5,
                              "exponent": 1.0}}},
    ],
    "interactions": [{"kind": "inoculation", "from": "response", "to": "complaint",
                      "factor": 0.5}],
    "campaign": {"budget": 100.0, "actions": [
        {"action": "broadcast", "message": "promo", "start": 1, "end": 5, "reach": 0.1,
         "convert": 0.1, "cost_per_impression": 0.01},
        {"action": "seed", "message": "promo", "step": 3,
         "seeding": {"strategy": "random", "count": 2}},
        {"action": "promotion", "message": "promo", "start": 2, "end": 8, "boost": 2.0},
        {"action": "community", "message": "promo", "end": 9, "factor": 1.5,
         "community": {"rank": 1, "method": "label_propagation"}},
    ]},
    "community_manager": {"watch": "complaint", "respond_with": "response",
                          "detect_reach": 20, "monitoring": 0.1, "delay": 1,
                          "targets": "both", "count": 5, "cost_per_seed": 1.0,
                          "budget": 50.0, "credibility": 0.8},
    "sweep": {"arms": [{"name": "as is"}, {"name": "slow", "set": {"community_manager.delay": 5}}],
              "grid": {"messages.complaint.rule.p": [0.1, 0.2]}},
}

Run = tuple[int, list[str], str]


def buzz(*args: Any) -> Run:
    """``buzz ARGS`` in this process: exit status, non-blank stderr lines, stdout."""
    done = buzz_in_process(*args)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    return done.returncode, lines, done.stdout


def assert_one_line(result: Run, *needles: str) -> str:
    status, lines, _ = result
    assert status == 2, (status, lines)
    assert len(lines) == 1, lines
    line = lines[0]
    assert line.startswith("error: ") and "Traceback" not in line, line
    assert "allowed" in line or "--help" in line, line
    for needle in needles:
        assert needle in line, (needle, line)
    return line


# ---------------------------------------------------------------- the generated cases
def _absolute_paths(raw: Any, folder: Path) -> Any:
    """Edge-list paths made absolute, so a mutated copy validates from anywhere."""
    if isinstance(raw, dict):
        out = {key: _absolute_paths(value, folder) for key, value in raw.items()}
        if out.get("model") == "edgelist" and isinstance(out.get("path"), str):
            out["path"] = str((folder / out["path"]).resolve())
        return out
    if isinstance(raw, list):
        return [_absolute_paths(item, folder) for item in raw]
    return raw


def _leaves(node: Any, path: tuple = ()) -> list[tuple]:
    """Every path to a scalar, list or mapping value under a scenario (sweep values as
    one leaf each: their inside is checked point by point)."""
    out = [path] if path else []
    if path[:1] == ("sweep",) and len(path) >= 3:
        return out
    if isinstance(node, dict):
        for key, value in node.items():
            out += _leaves(value, (*path, key))
    elif isinstance(node, list) and node and all(isinstance(item, dict) for item in node):
        for index, item in enumerate(node):
            out += _leaves(item, (*path, index))
    return out


def _get(raw: Any, path: tuple) -> Any:
    for part in path:
        raw = raw[part]
    return raw


def _dotted(raw: Any, path: tuple) -> str:
    """The key the error should name: list items by their name, else by position."""
    parts, node = [], raw
    for part in path:
        item = node[part]
        if isinstance(part, int) and isinstance(item, dict) and isinstance(item.get("name"), str):
            parts.append(item["name"])
        else:
            parts.append(str(part))
        node = item
    return ".".join(parts)


def _wrong_type(value: Any) -> Any:
    if isinstance(value, bool):
        return "perhaps"
    if isinstance(value, int | float):
        return "many"
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return 7
    return "many"  # a mapping (some keys take a number or a mapping)


def _out_of_range(value: Any) -> Any | None:
    if isinstance(value, bool):
        return 3
    if isinstance(value, int):
        return -(2**64)
    if isinstance(value, float):
        return float("nan")
    if isinstance(value, str):
        return "no such " * 20  # a name too long, or not one of the choices
    return None


# keys whose wrong values cannot be wrong: free text
_FREE = {"description"}
# keys checked when the edge list is read (its header names the columns), not before
_READ_LATER = {"columns"}


def _cases() -> list[Any]:
    bases = [("everything", EVERY_SECTION, PROJECT)]
    for path in READY_MADE:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        bases.append((path.stem, _absolute_paths(raw, path.parent), path.parent))
    cases, seen = [], set()
    for base_name, raw, _ in bases:
        for path in _leaves(raw):
            if path[-1] in _FREE:
                continue
            value = _get(raw, path)
            # one case per key of the schema and mutation (list positions alike)
            shape = tuple("#" if isinstance(p, int) else p for p in path)
            key = _dotted(raw, path)
            mutations = [("type", _wrong_type(value)), ("range", _out_of_range(value))]
            if isinstance(value, dict) and not path[:1] == ("sweep",):
                mutations.append(("unknown", {**value, "zz_unknown": 1}))
            for kind, new in mutations:
                if kind == "range" and _READ_LATER & set(map(str, path)):
                    continue
                if new is None or (shape, kind) in seen:
                    continue
                seen.add((shape, kind))
                needle = f"{key}.zz_unknown" if kind == "unknown" else key
                cases.append(pytest.param(raw, path, new, needle,
                                          id=f"{base_name}:{key}:{kind}"))
    return cases


CASES = _cases()


def _write(folder: Path, raw: dict, name: str = "bad.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(("raw", "path", "value", "needle"), CASES)
def test_every_key_refuses_a_wrong_value_in_one_line(tmp_path, capsys, monkeypatch,
                                                      raw, path, value, needle):
    changed = copy.deepcopy(raw)
    _get(changed, path[:-1])[path[-1]] = value
    scenario = _write(tmp_path, changed)
    line = assert_one_line(buzz("validate", scenario), str(scenario))
    where = line.split(": ")[2] if line.count(": ") >= 3 else line
    # the key itself, or (a sweep's point) the sweep key that sets it
    assert needle in line or needle.split(".")[0] in where, (needle, line)
    if not needle.endswith("zz_unknown"):  # the value, as the line shows it
        shown = repr(value)[:30] if not isinstance(value, float) else "nan"
        assert f"= {shown}" in line, (shown, line)


def test_the_corpus_is_large():
    assert len(CASES) + len(YAML_ODDITIES) + len(OVERRIDES) + len(EDGE_LISTS) + len(
        OPTIONS) >= 150


# ---------------------------------------------------------------- YAML oddities
BASE = yaml.safe_dump({
    "name": "tiny", "seed": 3, "steps": 20,
    "network": {"model": "watts_strogatz", "n": 100, "k": 4, "p": 0.1},
    "messages": [{"name": "promo", "rule": {"model": "independent_cascade", "p": 0.3},
                  "seeding": {"strategy": "random", "count": 2}}],
}, sort_keys=False)

_BOMB = "".join(
    f"x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 9)
)

YAML_ODDITIES = {
    "unclosed bracket": ("name: x\nnetwork: {model: complete\n", "line"),
    "tab indent": ("name: x\nnetwork:\n\tmodel: complete\n", "line"),
    "top-level list": ("- 1\n- 2\n", "mapping"),
    "top-level scalar": ("just words\n", "mapping"),
    "empty file": ("", "mapping"),
    "two documents": (BASE + "---\n" + BASE, "YAML"),
    "python tag": (BASE + "description: !!python/object/apply:os.system ['true']\n", "YAML"),
    "duplicate key": (BASE + "steps: 30\n", "steps is repeated"),
    "duplicate nested key": (BASE.replace("  k: 4\n", "  k: 4\n  k: 6\n"), "k is repeated"),
    "self alias": (BASE + "description: &d [*d]\n", "inside its own anchor"),
    "alias bomb": (BASE + "a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + _BOMB, "aliases"),
    "deep nesting": (BASE + "description: " + "[" * 5000 + "]" * 5000 + "\n", "nesting"),
    "steps true": (BASE.replace("steps: 20", "steps: true"), "steps = True"),
    "steps float": (BASE.replace("steps: 20", "steps: 20.0"), "steps = 20.0"),
    "steps 10^12": (BASE.replace("steps: 20", "steps: 1000000000000"), "steps"),
    "seed 2^64": (BASE.replace("seed: 3", "seed: 18446744073709551616"), "seed"),
    "seed of 4,301 digits": (BASE.replace("seed: 3", "seed: " + "9" * 4301), "line 2"),
    "steps in hex of 5,000 digits": (BASE.replace("steps: 20", "steps: 0x" + "f" * 5000),
                                     "line 3 = '0xfff"),
    "seed negative": (BASE.replace("seed: 3", "seed: -1"), "seed"),
    "n 10^12": (BASE.replace("n: 100", "n: 1000000000000"), "network.n"),
    "n too big for memory": (BASE.replace("n: 100", "n: 2000000000"), "memory"),
    "replications 10^12": (BASE + "replications: 1000000000000\n", "replications"),
    "p as text": (BASE.replace("p: 0.3", "p: '0.3'"), "messages.promo.rule.p"),
    "p infinite": (BASE.replace("p: 0.3", "p: .inf"), "messages.promo.rule.p"),
    "string node on a generated network": (
        BASE.replace("strategy: random\n    count: 2", "strategy: nodes\n    nodes: [ann]"),
        "messages.promo.seeding.nodes"),
    "seeding after the last step": (BASE.replace("count: 2", "count: 2\n    step: 25"),
                                    "messages.promo.seeding.step"),
    "distribution unknown": (BASE + "people: {activity: {distribution: pareto}}\n",
                             "people.activity.distribution"),
    "distribution a 0": (BASE + "people: {activity: {distribution: beta, a: 0, b: 1}}\n",
                         "people.activity.a = 0"),
    "distribution sd -1": (
        BASE + "people: {susceptibility: {distribution: normal, mean: 1, sd: -1}}\n",
        "people.susceptibility.sd = -1"),
    "uniform low above high": (
        BASE + "people: {activity: {distribution: uniform, low: 0.9, high: 0.1}}\n",
        "people.activity.high"),
    "normal low above high": (
        BASE + "people: {influence: {distribution: normal, mean: 1, sd: 1, low: 5, high: 1}}\n",
        "people.influence.high"),
    "distribution unknown key": (
        BASE + "people: {activity: {distribution: beta, a: 1, b: 1, c: 2}}\n",
        "people.activity.c"),
    "action unknown": (BASE + "campaign: {actions: [{action: dance, message: promo}]}\n",
                       "campaign.actions.0.action"),
    "layers list refused": (
        BASE.replace("model: watts_strogatz", "model: layers").replace("  k: 4\n  p: 0.1\n",
                                                                       "  layers: 5\n"),
        "network.layers = 5"),
    "repeated layers": (
        BASE.replace("model: watts_strogatz", "model: layers").replace(
            "  k: 4\n  p: 0.1\n",
            "  layers: [{name: a, network: {model: complete}}, "
            "{name: a, network: {model: complete}}]\n"),
        "network.layers = ['a']"),
    "too many blocks": (
        BASE.replace("model: watts_strogatz", "model: stochastic_block").replace(
            "  n: 100\n  k: 4\n  p: 0.1\n", "  sizes: " + str([1] * 1001) + "\n"),
        "network.sizes"),
    "blocks beyond 2^31 people": (
        BASE.replace("model: watts_strogatz", "model: stochastic_block").replace(
            "  n: 100\n  k: 4\n  p: 0.1\n", "  sizes: [2000000000, 2000000000]\n"),
        "network.sizes"),
    "sweep of replications": (BASE + "sweep: {grid: {replications: [1, 2]}}\n",
                              "sweep.grid.replications"),
    "sweep of a ghost message": (BASE + "sweep: {grid: {messages.ghost.rule.p: [0.1]}}\n",
                                 "sweep.grid.messages.ghost.rule.p"),
    "sweep of a section with a mistake inside": (
        BASE + "sweep: {grid: {network: [{model: complete, n: 0}]}}\n",
        "sweep.grid.network (at network.n) = 0"),
    "sweep too large": (
        BASE + "sweep: {grid: {steps: " + str(list(range(1, 401))) + ", seed: "
        + str(list(range(400))) + "}}\n", "points"),
}


@pytest.mark.parametrize("name", list(YAML_ODDITIES))
def test_yaml_oddities_are_one_line(tmp_path, capsys, monkeypatch, name):
    text, needle = YAML_ODDITIES[name]
    scenario = tmp_path / "odd.yaml"
    scenario.write_text(text, encoding="utf-8")
    assert_one_line(buzz("validate", scenario), str(scenario), needle)


def test_a_batch_too_large_for_memory_names_what_to_lower(tmp_path, capsys, monkeypatch):
    scenario = tmp_path / "base.yaml"
    scenario.write_text(BASE + "replications: 100000\n", encoding="utf-8")
    status, _, _ = buzz("validate", scenario)
    assert status == 0
    monkeypatch.setenv("BUZZ_MEMORY_BYTES", str(2**20))  # a machine of 1 MiB
    assert_one_line(buzz("validate", scenario), "replications = 100000",
                    "memory", "1.0 MiB here", "lower replications")
    sized = yaml.safe_load(BASE)
    sized["network"] = {"model": "stochastic_block", "sizes": [2_000_000_000, 10]}
    scenario = _write(tmp_path, sized)
    monkeypatch.delenv("BUZZ_MEMORY_BYTES")
    assert_one_line(buzz("validate", scenario), "network.sizes",
                    "lower network.sizes")


def test_files_that_are_not_scenarios(tmp_path, capsys, monkeypatch):
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00name")
    assert_one_line(buzz("validate", binary), str(binary), "UTF-8")
    huge = tmp_path / "huge.yaml"
    huge.write_text("#" * (5 * 2**20), encoding="utf-8")
    assert_one_line(buzz("validate", huge), str(huge), "MiB")
    assert_one_line(buzz("validate", tmp_path), str(tmp_path), "folder")
    assert_one_line(buzz("validate", "/dev/zero"), "/dev/zero", "MiB")


# ---------------------------------------------------------------- overrides
OVERRIDES = {
    "no equals sign": ("steps", "KEY=VALUE"),
    "empty key": ("=5", "KEY=VALUE"),
    "empty part": ("network..n=5", "network..n"),
    "leading dot": (".steps=5", ".steps"),
    "bad YAML value": ("steps=[1", "steps"),
    "self alias value": ("description=&a [*a]", "description"),
    "unknown key": ("colour=blue", "colour"),
    "unknown nested key": ("network.q=1", "network.q"),
    "key through a value": ("network.n.x=5", "network.n.x"),
    "unknown message": ("messages.nobody.rule.p=0.1", "messages.nobody"),
    "out of range": ("messages.promo.rule.p=2", "messages.promo.rule.p"),
    "wrong type": ("steps=many", "steps"),
    "bool for int": ("steps=true", "steps"),
    "n 10^12": ("network.n=1000000000000", "network.n"),
    "seed 2^64": ("seed=18446744073709551616", "seed"),
    "seed of 4,400 digits": ("seed=" + "9" * 4400, "seed"),
    "distribution inside": ("people.activity={distribution: beta, a: 0, b: 1}",
                            "people.activity.a"),
}


@pytest.mark.parametrize("name", list(OVERRIDES))
def test_bad_overrides_are_one_line(tmp_path, capsys, monkeypatch, name):
    override, needle = OVERRIDES[name]
    scenario = tmp_path / "base.yaml"
    scenario.write_text(BASE, encoding="utf-8")
    assert_one_line(buzz("validate", scenario, "--set", override),
                    "--set", needle)


# ---------------------------------------------------------------- edge lists
EDGE_LISTS = {
    "empty": (b"", ""),
    "comments only": (b"# nothing\n% here\n", ""),
    "one column": (b"1 2\n3\n", "line 2"),
    "missing id between commas": (b"1,2\n1,,2\n", "line 2"),
    "missing first id": (b",2\n", "line 1"),
    "missing second id": (b"1,\n2,3\n", "line 1"),
    "NUL byte": (b"1 2\n\x00\x00\n", "line 2"),
    "id of 4,301 digits": (b"1 2\n1 " + b"9" * 4301 + b"\n", "line 2"),
    "id of 300 letters after a header": (b"# c\nu v\n1 2\n1 " + b"a" * 300 + b"\n", "line 4"),
    "not UTF-8": (b"1 2\n\xff\xfe 3\n", "UTF-8"),
    "bad gzip": (b"not gzip at all", "readable"),
}


@pytest.mark.parametrize("name", list(EDGE_LISTS))
def test_bad_edge_lists_are_one_line(tmp_path, capsys, monkeypatch, name):
    content, needle = EDGE_LISTS[name]
    edges = tmp_path / ("edges.txt.gz" if name == "bad gzip" else "edges.txt")
    edges.write_bytes(content)
    assert_one_line(buzz("network-stats", edges), str(edges), needle)
    raw = yaml.safe_load(BASE)
    raw["network"] = {"model": "edgelist", "path": edges.name}
    scenario = _write(tmp_path, raw)
    # the scenario names the file; reading it (network-stats) names the line
    assert_one_line(buzz("network-stats", scenario), str(edges), needle)


def test_edge_list_columns_and_devices(tmp_path, capsys, monkeypatch):
    edges = tmp_path / "weighted.txt"
    edges.write_text("u v w\n1 2 0.5\n2 3 -1\n3 1 x\n", encoding="utf-8")
    assert_one_line(buzz("network-stats", edges, "--weight", "w"),
                    str(edges), "line 3", "at least 0")
    assert_one_line(buzz("network-stats", edges, "--weight", "nosuch"),
                    str(edges), "nosuch")
    assert_one_line(buzz("network-stats", edges, "--weight", "1"),
                    str(edges), "position of 3")
    assert_one_line(buzz("network-stats", "/dev/zero"), "/dev/zero",
                    "regular")
    assert_one_line(buzz("network-stats", tmp_path / "absent.txt"),
                    "absent.txt", "not found")
    good = tmp_path / "good.txt.gz"
    good.write_bytes(gzip.compress(b"1 2\n2 3\n"))
    status, _, out = buzz("network-stats", good)
    assert status == 0 and '"nodes": 3' in out


def test_an_id_missing_between_commas_is_not_a_tie(tmp_path, capsys, monkeypatch):
    """Read before as the tie 1-2 (the commas were turned into spaces)."""
    edges = tmp_path / "edges.csv"
    edges.write_text("source,target,weight\n1,2,\n2,3,\n", encoding="utf-8")
    status, _, out = buzz("network-stats", edges)
    assert status == 0 and '"edges": 2' in out  # an empty third column is no id
    edges.write_text("1,2\n1,,3\n", encoding="utf-8")
    assert_one_line(buzz("network-stats", edges), "line 2", "'1,,3'")


# ---------------------------------------------------------------- command-line options
OPTIONS = {
    "network-stats negative seed": (["network-stats", "{edges}", "--seed", "-1"], "--seed"),
    "network-stats seed 2^64": (["network-stats", "{edges}", "--seed", str(2**64)], "--seed"),
    "network-stats no sources": (["network-stats", "{edges}", "--sources", "0"], "--sources"),
    "network-stats exact limit 0": (["network-stats", "{edges}", "--exact-limit", "0"],
                                    "--exact-limit"),
    "network-stats unknown option": (["network-stats", "{edges}", "--colour"], "--colour"),
    "network-stats no file": (["network-stats"], "NETWORK"),
    "validate no file": (["validate"], "SCENARIO"),
    "validate unknown option": (["validate", "{scenario}", "--fast"], "--fast"),
    "unknown command": (["simulate"], "simulate"),
    "run workers 0": (["run", "{scenario}", "--workers", "0"], "--workers"),
    "run replications 0": (["run", "{scenario}", "--replications", "0"], "--replications"),
    "run replications 10^12": (["run", "{scenario}", "--replications", "1000000000000"],
                               "--replications"),
    "run workers 10^6": (["run", "{scenario}", "--workers", "1000000"], "--workers"),
    "run replications text": (["run", "{scenario}", "--replications", "many"],
                              "--replications"),
    "run executor garbage": (["run", "{scenario}", "--executor", "garbage"], "garbage"),
    "run scheduler without dask": (["run", "{scenario}", "--scheduler", "tcp://1.2.3.4:1"],
                                   "--scheduler"),
}


@pytest.mark.parametrize("name", list(OPTIONS))
def test_bad_options_are_one_line(tmp_path, capsys, monkeypatch, name):
    args, needle = OPTIONS[name]
    edges = tmp_path / "edges.txt"
    edges.write_text("1 2\n2 3\n", encoding="utf-8")
    scenario = tmp_path / "base.yaml"
    scenario.write_text(BASE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # a run that got through would write here, not in the tree
    args = [arg.format(edges=edges, scenario=scenario) for arg in args]
    assert_one_line(buzz(*args), needle)
    assert not (tmp_path / "results").exists()


# ---------------------------------------------------------------- real processes
@pytest.mark.parametrize(("content", "needle"), [
    ("a: " + "[" * 50_000 + "]" * 50_000 + "\n", "nesting"),
    ("name: &a [*a]\n", "inside its own anchor"),
])
def test_a_real_process_gives_one_line(tmp_path, content, needle):
    scenario = tmp_path / "odd.yaml"
    scenario.write_text(content, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "sim.cli", "validate", str(scenario)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().count("\n") == 0 and needle in result.stderr, result.stderr
    stats = subprocess.run([sys.executable, "-m", "sim.cli", "network-stats", "/dev/zero"],
                           capture_output=True, text=True, timeout=120)
    assert stats.returncode == 2 and "regular" in stats.stderr, stats.stderr


# ---------------------------------------------------------------- random mutations
_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
    st.lists(st.integers(-5, 5), max_size=4),
    st.dictionaries(st.sampled_from(["model", "distribution", "p", "n", "x"]),
                    st.one_of(st.integers(-3, 3), st.text(max_size=8)), max_size=3),
)
_MUTABLE = [(raw, path) for raw, path in (
    (case.values[0], case.values[1]) for case in CASES)]


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=st.sampled_from(_MUTABLE), value=_VALUES, drop=st.booleans())
def test_random_mutations_are_valid_or_one_clean_line(tmp_path, capsys, monkeypatch,
                                                       target, value, drop):
    raw, path = target
    changed = copy.deepcopy(raw)
    parent = _get(changed, path[:-1])
    if drop:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    scenario = _write(tmp_path, changed)
    status, lines, out = buzz("validate", scenario)
    if status == 0:
        assert not lines and ": ok (" in out
    else:
        assert_one_line((status, lines, out), str(scenario))
