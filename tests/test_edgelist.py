"""Edge-list files: formats read, errors named by line, round trips, a real SNAP file."""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import InputError
from sim.network.edgelist import read_edgelist, write_edgelist
from sim.network.generators import follower, watts_strogatz
from sim.network.graph import Graph


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def edge_set(graph: Graph) -> set[tuple]:
    """Ties as pairs of original ids (sorted pairs when undirected)."""
    src, dst = graph.edges()
    pairs = zip(graph.original_ids(src).tolist(), graph.original_ids(dst).tolist(), strict=True)
    return {p if graph.directed else tuple(sorted(p)) for p in pairs}


# ------------------------------------------------------------------- formats
def test_whitespace_comments_blank_lines_and_extra_columns(tmp_path):
    path = write(
        tmp_path,
        "ties.txt",
        "# a comment\n% another\n\n1 2\n2\t3   0.5\n   3 1 7 8\n  # indented comment\n\n",
    )
    graph = read_edgelist(path)
    assert graph.node_ids.dtype == np.int64
    assert edge_set(graph) == {(1, 2), (2, 3), (1, 3)}


def test_csv_with_header_and_weights(tmp_path):
    path = write(tmp_path, "ties.csv", "source,target,weight\n10,20,0.5\n20,30,1\n")
    graph = read_edgelist(path)
    assert graph.node_ids.tolist() == [10, 20, 30]
    assert edge_set(graph) == {(10, 20), (20, 30)}


@pytest.mark.parametrize(
    "header", ["Source,Target", "from to", "node1\tnode2", '"source","target"', "x y"]
)
def test_header_line_is_recognised(tmp_path, header):
    graph = read_edgelist(write(tmp_path, "h.txt", f"{header}\n1 2\n2 3\n"))
    assert graph.n_nodes == 3 and graph.n_edges == 2


def test_header_with_string_ids_and_crlf(tmp_path):
    path = write(tmp_path, "s.csv", "source,target\r\nann,bob\r\nbob,cat\r\n")
    assert edge_set(read_edgelist(path)) == {("ann", "bob"), ("bob", "cat")}


def test_string_ids_are_numbered_in_order_of_first_appearance(tmp_path):
    graph = read_edgelist(write(tmp_path, "s.txt", "zoe ann\nbob zoe\nann 7\n"))
    assert graph.node_ids.tolist() == ["zoe", "ann", "bob", "7"]
    assert graph.node_ids.dtype.kind == "U"
    assert graph.neighbors(0).tolist() == [1, 2]


def test_integer_ids_are_numbered_in_increasing_order(tmp_path):
    graph = read_edgelist(write(tmp_path, "i.txt", "10 -2\n-2 7\n007 +3\n"))
    assert graph.node_ids.tolist() == [-2, 3, 7, 10]
    assert edge_set(graph) == {(-2, 10), (-2, 7), (3, 7)}


def test_first_string_line_is_data_when_the_rest_are_strings_too(tmp_path):
    graph = read_edgelist(write(tmp_path, "s.txt", "alice bob\ncarol dave\n"))
    assert graph.n_edges == 2


def test_ids_like_na_stay_ids(tmp_path):
    graph = read_edgelist(write(tmp_path, "na.txt", "NA null\nnull None\n"))
    assert graph.node_ids.tolist() == ["NA", "null", "None"]


def test_self_loops_and_duplicates_are_dropped_and_counted(tmp_path):
    path = write(tmp_path, "d.txt", "1 2\n2 1\n3 3\n1 2\n2 3\n")
    graph = read_edgelist(path)
    assert graph.n_edges == 2
    assert graph.dropped_self_loops == 1
    assert graph.dropped_duplicates == 2
    directed = read_edgelist(path, directed=True)
    assert directed.n_edges == 3 and directed.dropped_duplicates == 1


def test_directed_arcs_keep_their_direction(tmp_path):
    graph = read_edgelist(write(tmp_path, "a.txt", "a b\nb c\n"), directed=True)
    assert graph.directed
    assert edge_set(graph) == {("a", "b"), ("b", "c")}


def test_gzip_input(tmp_path):
    path = tmp_path / "ties.txt.gz"
    path.write_bytes(gzip.compress(b"# gz\n1,2\n2,3\n"))
    assert read_edgelist(path).n_edges == 2


# -------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("1 2\n2 3\n4\n5 6\n", "line 3"),
        ("# c\n\n1 2\n3\n", "line 4"),
        ("ann bob\ncat\n", "line 2"),
        ("1 2 3\n4 5 6\n7,\n", "line 3"),
        ("source,target\n1,2\n3\n", "line 3"),
    ],
)
def test_malformed_line_is_named_by_number_and_file(tmp_path, text, line):
    path = write(tmp_path, "bad_ties.txt", text)
    with pytest.raises(InputError) as caught:
        read_edgelist(path)
    message = str(caught.value)
    assert line in message and "bad_ties.txt" in message
    assert "two node ids per line" in message
    assert "\n" not in message


def test_error_names_the_given_source(tmp_path):
    path = write(tmp_path, "x.txt", "1\n")
    with pytest.raises(InputError, match=r"^scenario\.yaml \(network\.path\): line 1"):
        read_edgelist(path, source="scenario.yaml (network.path)")


@pytest.mark.parametrize("text", ["", "\n\n", "# nothing but comments\n%\n", "source target\n"])
def test_file_without_ties_is_an_input_error(tmp_path, text):
    path = write(tmp_path, "empty.txt", text)
    with pytest.raises(InputError, match=r"empty\.txt.*at least one"):
        read_edgelist(path)


def test_missing_unreadable_and_corrupt_files(tmp_path):
    with pytest.raises(InputError, match=r"nope\.txt.*not found"):
        read_edgelist(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="folder"):
        read_edgelist(tmp_path)
    (tmp_path / "bad.gz").write_bytes(b"not gzip at all")
    with pytest.raises(InputError, match=r"bad\.gz"):
        read_edgelist(tmp_path / "bad.gz")
    (tmp_path / "latin.txt").write_bytes(b"caf\xe9 bar\n")
    with pytest.raises(InputError, match="UTF-8"):
        read_edgelist(tmp_path / "latin.txt")


# ---------------------------------------------------------------- round trips
@pytest.mark.parametrize("name", ["ties.txt", "ties.txt.gz"])
def test_write_then_read_gives_the_same_graph(tmp_path, name):
    graph = watts_strogatz(300, 6, 0.2, rng=np.random.default_rng(0))
    path = tmp_path / name
    write_edgelist(graph, path)
    back = read_edgelist(path)
    assert np.array_equal(back.indptr, graph.indptr)
    assert np.array_equal(back.indices, graph.indices)
    assert back.node_ids.tolist() == list(range(300))


def test_write_is_plain_text_with_a_comment_header(tmp_path):
    graph = Graph.from_edges([0, 1], [1, 2], 3, node_ids=np.array(["ann", "bob", "cat"]))
    path = tmp_path / "ties.txt"
    write_edgelist(graph, path)
    lines = path.read_text().splitlines()
    assert lines[0].startswith("# ")
    assert lines[1:] == ["ann bob", "bob cat"]
    gz_path = tmp_path / "ties.txt.gz"
    write_edgelist(graph, gz_path)
    assert gzip.decompress(gz_path.read_bytes()).decode().splitlines() == lines


def test_directed_round_trip(tmp_path):
    graph = follower(200, 2, 0.5, rng=np.random.default_rng(1))
    write_edgelist(graph, tmp_path / "arcs.txt")
    back = read_edgelist(tmp_path / "arcs.txt", directed=True)
    assert np.array_equal(back.indptr, graph.indptr)
    assert np.array_equal(back.indices, graph.indices)


def test_ids_that_cannot_be_written_are_refused(tmp_path):
    graph = Graph.from_edges([0], [1], 2, node_ids=np.array(["ann smith", "bob"]))
    with pytest.raises(ValueError, match="ann smith"):
        write_edgelist(graph, tmp_path / "x.txt")


names = st.text(alphabet="abcdefghij_-.:", min_size=1, max_size=4)


@settings(max_examples=40, deadline=None)
@given(pairs=st.lists(st.tuples(names, names), min_size=1, max_size=30), directed=st.booleans())
def test_any_string_edge_list_survives_a_round_trip(tmp_path_factory, pairs, directed):
    folder = tmp_path_factory.mktemp("rt")
    text = "".join(f"{u},{v}\n" for u, v in pairs)
    first = read_edgelist(write(folder, "in.csv", text), directed=directed)
    expected = {(u, v) if directed else tuple(sorted((u, v))) for u, v in pairs if u != v}
    assert edge_set(first) == expected
    if first.n_edges:
        write_edgelist(first, folder / "out.txt")
        again = read_edgelist(folder / "out.txt", directed=directed)
        assert edge_set(again) == expected


# --------------------------------------------------------------- a SNAP file
def test_facebook_snap_file_reads_fast(facebook_path):
    # facebook_path (conftest) is ../shared/data/facebook_combined.txt, or a skip saying so
    read_edgelist(facebook_path)  # warm-up: imports and compiled kernels
    started = time.perf_counter()
    graph = read_edgelist(facebook_path)
    elapsed = time.perf_counter() - started
    assert graph.n_nodes == 4039
    assert graph.n_edges == 88234
    assert graph.dropped_self_loops == 0 and graph.dropped_duplicates == 0
    assert graph.node_ids.tolist() == list(range(4039))
    assert elapsed < 1.0, f"reading took {elapsed:.2f} s"
