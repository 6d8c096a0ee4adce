"""Reading and writing edge-list files: one ``u v`` tie per line.

What :func:`read_edgelist` accepts:

- ids separated by spaces, tabs or one comma (``1 2``, ``1\\t2``, ``1,2``);
- columns after the first two (weights, timestamps) are ignored, unless ``weight``
  names the column of each tie's weight: a 1-based position (``3``) or a header
  name (``weight``); weights are numbers, finite and at least 0 (a line that breaks
  this is named in the error), and a repeated tie keeps its largest weight; and
  ``time`` names the column of each contact's time (a finite number), which makes
  the network temporal (:func:`contact_steps`);
- comment lines starting with ``#`` or ``%`` and blank lines anywhere;
- one optional header line: the first non-comment line, taken as a header when its
  ids are not integers but the next line's are, or when both are usual column names
  (``source,target``, ``from to``, ``node1 node2`` ...);
- gzip-compressed files whose name ends in ``.gz``;
- ids that are integers or arbitrary strings (no spaces or commas inside).

How people are numbered: when every id is an integer (``+7`` and ``007`` are 7), the
internal numbers follow the ids in increasing order, so a SNAP file with ids
``0 .. n-1`` keeps them as its internal numbers; otherwise every id is a string and
people are numbered in order of first appearance (reading each line left to right).
Either way :attr:`Graph.node_ids` keeps the original ids (``int64`` or ``str``).
Self-loops and repeated ties are dropped and counted on the graph.

Parsing is done by pandas' C reader; only when that fails does a line-by-line scan
run, to name the first bad line.

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "ties.csv"
>>> _ = path.write_text("source,target,weight\\n10,20,0.5\\n20,30,1.0\\n30,30,2.0\\n")
>>> g = read_edgelist(path)
>>> g.n_nodes, g.n_edges, g.node_ids.tolist(), g.dropped_self_loops
(3, 2, [10, 20, 30], 1)
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import re
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.network.graph import Graph

__all__ = ["read_edgelist", "write_edgelist"]

LINE_ALLOWED = "two node ids per line, separated by spaces, tabs or a comma"
HEADER_WORDS = frozenset(
    {
        "source", "target", "src", "dst", "from", "to", "source_id", "target_id",
        "from_id", "to_id", "node", "node1", "node2", "node_1", "node_2", "id1", "id2",
        "id_1", "id_2", "user", "user1", "user2", "user_1", "user_2", "follower",
        "followee", "followed", "friend", "neighbor", "neighbour", "weight",
    }
)  # fmt: skip
_COMMENT_LINE = re.compile(r"^[ \t]*[#%].*$", re.MULTILINE)
_INTEGER = re.compile(r"[+-]?[0-9]{1,19}")  # longer ones are beyond int64: string ids
MAX_ID_CHARS = 256
# an empty first or second field: "1,,2" or ",2" (a tie with a missing end)
_EMPTY_ID = re.compile(r"^[ \t]*,|^[ \t]*[^,\s]+[ \t]*,[ \t]*(,|$)", re.MULTILINE)


# ------------------------------------------------------------------------ reading
def read_edgelist(
    path: str | Path,
    directed: bool = False,
    source: str | None = None,
    weight: int | str | None = None,
    time: int | str | None = None,
    step_duration: float = 1.0,
) -> Graph:
    """Read a network from an edge-list file (see the module notes for the format).

    Parameters
    ----------
    path : str or Path
        The file; ``.gz`` names are decompressed.
    directed : bool
        Read ``u v`` as the arc ``u -> v`` (v sees what u shares) instead of a tie.
    source : str, optional
        The name errors give for the file; defaults to ``path``.
    weight : int or str, optional
        The column of the ties' weights: its 1-based position, or its name in the
        file's header. Without it, ties are unweighted.
    time, step_duration : int or str, float
        The column of each contact's time (a position or a header name), and the
        time a step lasts: each line is then a contact at step ``floor((t - t0) /
        step_duration)``, ``t0`` the first time in the file (a temporal network).

    Returns
    -------
    Graph
        With the original ids in ``node_ids`` and the self-loops and duplicates it
        dropped counted.

    Raises
    ------
    InputError
        The file is missing, unreadable or empty, or a line does not hold two ids
        (the error names the line number).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "friends.txt"
    >>> _ = path.write_text("# who knows whom\\nann bob\\nbob cat\\nbob ann\\n")
    >>> g = read_edgelist(path)
    >>> g.node_ids.tolist(), g.n_edges, g.dropped_duplicates
    (['ann', 'bob', 'cat'], 2, 1)
    >>> _ = path.write_text("u v strength\\n1 2 2\\n2 3 0.5\\n")
    >>> read_edgelist(path, weight="strength").strength.tolist()
    [2.0, 2.5, 0.5]
    """
    source = str(path) if source is None else source
    text = _read_text(Path(path), source)
    body, header_lineno = _drop_comments_and_header(text, source)
    pair = _parse_fast(body)
    if pair is None:  # the C reader could not cope: scan lines to find out why
        pair = _parse_by_lines(text, header_lineno, source)
    first, second = pair
    _check_id_lengths(first, second, text, header_lineno, source)
    if first.size == 0:
        raise InputError(source, "", None, "an edge list with at least one 'u v' line (none found)")
    weights = steps = None
    if weight is not None:
        column = _column(text, header_lineno, weight, "network.columns.weight", source)
        weights = _read_numbers(body, text, header_lineno, first.size, column, "weight",
                                source)
    if time is not None:
        column = _column(text, header_lineno, time, "network.columns.time", source)
        times = _read_numbers(body, text, header_lineno, first.size, column, "time", source)
        steps = contact_steps(times, step_duration)
    return _graph_from_ids(first, second, directed, weights, steps)


def _read_text(path: Path, source: str) -> str:
    """The file's text, gunzipped if its name ends in ``.gz``."""
    try:
        if path.exists() and not path.is_dir() and not path.is_file():
            # a device or a pipe (/dev/zero) could be read forever
            raise InputError(source, "", None, "a regular edge-list file (this is a device "
                             "or a pipe)")
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except FileNotFoundError:
        raise InputError(source, "", None, "an existing edge-list file (not found)") from None
    except IsADirectoryError:
        raise InputError(source, "", None, "an edge-list file (this is a folder)") from None
    except (OSError, EOFError, zlib.error) as err:  # gzip.BadGzipFile is an OSError
        raise InputError(source, "", None, f"a readable edge-list file ({err})") from None
    _check_lines(raw, source)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(source, "", None, f"a UTF-8 text file ({err.reason})") from None


def _check_lines(raw: bytes, source: str) -> None:
    """Refuse a NUL byte (a binary file), naming its line."""
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise InputError(source, f"line {_line_of(raw, nul)}", None,
                         "a text file (this line holds a NUL byte)")


def _check_id_lengths(first: np.ndarray, second: np.ndarray, text: str,
                      header_lineno: int | None, source: str) -> None:
    """Refuse an id longer than :data:`MAX_ID_CHARS` (thousands of digits), naming its
    line; the longest id is known from the array's item size, so a good file costs
    nothing."""
    if first.dtype.kind != "U" or max(first.dtype.itemsize, second.dtype.itemsize) // 4 <= (
            MAX_ID_CHARS):
        return
    too_long = (np.char.str_len(first) > MAX_ID_CHARS) | (np.char.str_len(second) > MAX_ID_CHARS)
    index = int(np.argmax(too_long))
    lines = (line for line in _data_lines(text) if line[0] != header_lineno)
    lineno, line = next(itertools.islice(lines, index, None))
    raise InputError(source, f"line {lineno}", f"{line.strip()[:20]}...",
                     f"ids of at most {MAX_ID_CHARS} characters")


def _line_of(text: str | bytes, position: int) -> int:
    """The 1-based number of the line holding ``text[position]``."""
    return text.count("\n" if isinstance(text, str) else b"\n", 0, position) + 1


def _split(line: str) -> list[str]:
    return line.replace(",", " ").split()


def _is_data(line: str) -> bool:
    stripped = line.lstrip()
    return bool(stripped) and stripped[0] not in "#%"


def _data_lines(text: str):
    """Yield ``(line number, line)`` for non-blank, non-comment lines, lazily."""
    for lineno, line in enumerate(text.split("\n"), start=1):
        if _is_data(line):
            yield lineno, line.rstrip("\r")


def _first_data_lines(text: str, count: int) -> list[tuple[int, str]]:
    """The first ``count`` data lines, without splitting the whole text."""
    found: list[tuple[int, str]] = []
    position, lineno = 0, 0
    while len(found) < count and position < len(text):
        end = text.find("\n", position)
        end = len(text) if end < 0 else end
        lineno += 1
        line = text[position:end]
        if _is_data(line):
            found.append((lineno, line.rstrip("\r")))
        position = end + 1
    return found


def _is_header(tokens: list[str], next_tokens: list[str] | None) -> bool:
    """A header's first two fields are not ids: either they are usual column names,
    or they are not integers while the next line's are."""
    if len(tokens) < 2:
        return False
    names = [t.strip("\"'").lower() for t in tokens[:2]]
    if all(name in HEADER_WORDS for name in names):
        return True
    if any(_INTEGER.fullmatch(t) for t in tokens[:2]) or not next_tokens:
        return False
    return len(next_tokens) >= 2 and all(_INTEGER.fullmatch(t) for t in next_tokens[:2])


def _header_line(text: str) -> int | None:
    """The line number of the header, or ``None`` if the file has none."""
    first_two = _first_data_lines(text, 2)
    if not first_two:
        return None
    next_tokens = _split(first_two[1][1]) if len(first_two) > 1 else None
    return first_two[0][0] if _is_header(_split(first_two[0][1]), next_tokens) else None


def _drop_comments_and_header(text: str, source: str) -> tuple[str, int | None]:
    """The data lines only (commas turned into spaces), and the header's line number.

    Comment lines become empty lines, which the reader skips.
    """
    header_lineno = _header_line(text)
    if header_lineno is not None:
        lines = text.split("\n", header_lineno)
        lines[header_lineno - 1] = ""
        text = "\n".join(lines)
    if "#" in text or "%" in text:
        text = _COMMENT_LINE.sub("", text)
    if "," in text:
        empty = _EMPTY_ID.search(text)
        if empty is not None:
            lineno = _line_of(text, empty.start())
            line = text.split("\n", lineno)[lineno - 1].strip()
            raise InputError(source, f"line {lineno}", line,
                             f"{LINE_ALLOWED} (an id is missing between commas)")
        text = text.replace(",", " ")
    return text, header_lineno


def _parse_fast(body: str) -> tuple[np.ndarray, np.ndarray] | None:
    """First two columns as int64 arrays (all ids integers) or str arrays; ``None``
    when some line has fewer than two fields or the reader fails."""
    if not body.strip():
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    try:
        table = _read_two_columns(body, dtype=None)
        if all(dtype == np.int64 for dtype in table.dtypes):
            return table[0].to_numpy(), table[1].to_numpy()
        table = _read_two_columns(body, dtype=str)  # exact tokens, not inferred values
    except (pd.errors.ParserError, ValueError):
        return None
    first = table[0].to_numpy(dtype=str)
    second = table[1].to_numpy(dtype=str)
    if (first == "").any() or (second == "").any():  # a line with a single field
        return None
    return _as_ids(first, second)


def _read_two_columns(body: str, dtype) -> pd.DataFrame:
    return pd.read_csv(
        io.StringIO(body),
        sep=r"\s+",
        header=None,
        usecols=[0, 1],
        dtype=dtype,
        quoting=csv.QUOTE_NONE,
        na_filter=False,  # "NA" or "null" are ids like any other
        engine="c",
    )


def _parse_by_lines(
    text: str, header_lineno: int | None, source: str
) -> tuple[np.ndarray, np.ndarray]:
    """The slow path: split line by line, raising on the first line without two ids."""
    first: list[str] = []
    second: list[str] = []
    for lineno, line in _data_lines(text):
        if lineno == header_lineno:
            continue
        tokens = _split(line)
        if len(tokens) < 2:
            raise InputError(source, f"line {lineno}", line.strip(), LINE_ALLOWED)
        first.append(tokens[0])
        second.append(tokens[1])
    return _as_ids(np.asarray(first, dtype=str), np.asarray(second, dtype=str))


def _column(text: str, header_lineno: int | None, column: int | str, key: str,
            source: str) -> int:
    """The 0-based position of a column given as a 1-based position or a header name."""
    if isinstance(column, int):
        if column < 3:
            raise InputError(source, key, column,
                             "a position of 3 or more (columns 1 and 2 are the ids)")
        return column - 1
    names = []
    if header_lineno is not None:
        header = text.split("\n", header_lineno)[header_lineno - 1]
        names = [token.strip("\"'") for token in _split(header)]
    lowered = [name.lower() for name in names]
    if column.lower() not in lowered:
        allowed = (f"a column of the header ({', '.join(names)}) or a position (3, 4, ...)"
                   if names else "a position (3, 4, ...): the file has no header line")
        raise InputError(source, key, column, allowed)
    position = lowered.index(column.lower())
    if position < 2:
        raise InputError(source, key, column, "a column after the two ids")
    return position


def _read_numbers(body: str, text: str, header_lineno: int | None, n_pairs: int,
                  column: int, what: str, source: str) -> np.ndarray:
    """The numbers of ``column`` (0-based) on each line, as float64: finite, and at
    least 0 for weights. The C reader first; if it fails or a value is refused, a scan
    line by line names the first bad line."""
    try:
        table = pd.read_csv(
            io.StringIO(body), sep=r"\s+", header=None, usecols=[column], dtype=str,
            quoting=csv.QUOTE_NONE, na_filter=False, engine="c",
        )
        values = pd.to_numeric(table[column].to_numpy(dtype=str), errors="coerce")
        values = np.asarray(values, dtype=np.float64)
        if values.size == n_pairs and _acceptable(values, what).all():
            return values
    except (pd.errors.ParserError, ValueError):
        pass
    values = []
    where = f"a {what} in column {column + 1}"
    for lineno, line in _data_lines(text):
        if lineno == header_lineno:
            continue
        tokens = _split(line)
        if len(tokens) <= column:
            raise InputError(source, f"line {lineno}", line.strip(), f"{where} (none there)")
        try:
            value = float(tokens[column])
        except ValueError:
            raise InputError(source, f"line {lineno}", tokens[column],
                             f"{where} that is a number") from None
        if not _acceptable(np.array([value]), what)[0]:
            limits = "finite and at least 0" if what == "weight" else "finite"
            raise InputError(source, f"line {lineno}", tokens[column], f"{where} that is {limits}")
        values.append(value)
    return np.asarray(values, dtype=np.float64)


def _acceptable(values: np.ndarray, what: str) -> np.ndarray:
    """Weights are finite and at least 0; times are finite."""
    finite = np.isfinite(values)
    return finite & (values >= 0) if what == "weight" else finite


def contact_steps(times: np.ndarray, step_duration: float) -> np.ndarray:
    """The step of each contact: ``floor((t - t0) / step_duration)``, ``t0`` the first
    time.

    Examples
    --------
    >>> contact_steps(np.array([7200.0, 3600.0, 0.0, 5000.0]), 3600.0).tolist()
    [2, 1, 0, 1]
    """
    return np.floor((times - times.min()) / step_duration).astype(np.int64)


def _as_ids(first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer ids if every token is an int64, else the strings unchanged."""
    both = np.concatenate([first, second])
    if both.size and all(_INTEGER.fullmatch(token) for token in both.tolist()):
        try:
            return first.astype(np.int64), second.astype(np.int64)
        except OverflowError:
            pass  # beyond int64: keep them as strings
    return first, second


def _graph_from_ids(
    first: np.ndarray,
    second: np.ndarray,
    directed: bool,
    weights: np.ndarray | None = None,
    steps: np.ndarray | None = None,
) -> Graph:
    """Number the people (sorted integers, or strings by first appearance) and build
    (with one weight, or one contact step, per line when given)."""
    if first.dtype.kind == "i":
        codes, ids = pd.factorize(np.concatenate([first, second]), sort=True)
        src, dst = codes[: first.size], codes[first.size :]
    else:
        in_line_order = np.empty(2 * first.size, dtype=object)
        in_line_order[0::2], in_line_order[1::2] = first, second
        codes, ids = pd.factorize(in_line_order, sort=False)
        src, dst = codes[0::2], codes[1::2]
        ids = np.asarray(ids, dtype=str)
    if steps is not None:
        return Graph.from_contacts(
            src, dst, steps, len(ids), directed=directed, node_ids=np.asarray(ids)
        )
    if weights is not None:
        return Graph.from_weighted_edges(
            src, dst, weights, len(ids), directed=directed, node_ids=np.asarray(ids)
        )
    return Graph.from_edges(src, dst, len(ids), directed=directed, node_ids=np.asarray(ids))


# ------------------------------------------------------------------------ writing
def write_edgelist(graph: Graph, path: str | Path) -> None:
    """Write the ties as ``u v`` lines of original ids, under a ``#`` comment line.

    Each undirected tie is written once; a directed arc ``u v`` means ``u -> v``.
    People without ties do not appear (an edge list cannot hold them). Names ending in
    ``.gz`` are gzip-compressed. :func:`read_edgelist` reads the file back, though
    string ids that all look like integers come back as integers.

    Raises
    ------
    ValueError
        An id holds whitespace or a comma, or starts with ``#`` or ``%``, and so could
        not be read back.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "ring.txt"
    >>> write_edgelist(Graph.from_edges([0, 1, 2], [1, 2, 0]), path)
    >>> print(path.read_text(), end="")
    # buzz edge list: 3 people, 3 ties, undirected
    0 1
    0 2
    1 2
    """
    if graph.node_ids is not None and graph.node_ids.dtype.kind in "USO":
        _check_writable_ids(graph.node_ids)
    src, dst = graph.edges()
    kind = "directed (u v: v sees what u shares)" if graph.directed else "undirected"
    header = f"# buzz edge list: {graph.n_nodes} people, {graph.n_edges} ties, {kind}\n"
    table = pd.DataFrame({"u": graph.original_ids(src), "v": graph.original_ids(dst)})
    path = Path(path)
    if path.suffix == ".gz":
        handle = gzip.open(path, "wt", encoding="utf-8", compresslevel=6)
    else:
        handle = path.open("w", encoding="utf-8")
    with handle:
        handle.write(header)
        table.to_csv(handle, sep=" ", header=False, index=False, quoting=csv.QUOTE_NONE)


def _check_writable_ids(ids: np.ndarray) -> None:
    for node_id in ids.tolist():
        text = str(node_id)
        if not text or any(c.isspace() or c == "," for c in text) or text[0] in "#%":
            raise ValueError(f"id {text!r} cannot be written to an edge list")
