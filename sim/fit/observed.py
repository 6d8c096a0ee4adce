"""What was observed: a CSV or Parquet table read, recognised and checked.

Two forms, told apart by their columns:

- **curves**: ``step`` and a cumulative count, ``heard`` (people who had heard the
  message by that step) and/or ``adopters`` (people who had shared or adopted it),
  optionally ``message`` (which of the scenario's messages a row is about) and
  ``cascade`` (which of several observed cascades of the same campaign);
- **sizes**: one row per cascade with its final ``reach`` (people who heard) and/or
  ``adopters``, optionally ``message``.

A table with ``step`` is read as curves; without it, as sizes. Other columns are
ignored. Counts must be whole numbers of people, not negative, and a curve's counts
must not decrease from one step to the next.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import InputError

CURVE_COUNTS = ("heard", "adopters")
SIZE_COUNTS = ("reach", "adopters")
COUNT_WORDS = {"heard": "people who had heard", "adopters": "people who had shared",
               "reach": "people reached (final)"}


@dataclass(frozen=True)
class Observed:
    """An observed table in one of the two forms.

    ``table`` has the columns ``message``, ``cascade`` (0, 1, ...), ``step`` (curves
    only) and the count columns ``counts``; ``form`` is ``"curves"`` or ``"sizes"``.
    """

    source: str
    form: str
    counts: tuple[str, ...]
    table: pd.DataFrame

    @property
    def messages(self) -> list[str]:
        """The messages the table is about, in order of first appearance."""
        return list(dict.fromkeys(self.table["message"]))

    @property
    def n_cascades(self) -> int:
        """The most cascades observed of any one message."""
        return int(self.table.groupby("message")["cascade"].nunique().max())


def read_observed(path: str | Path, messages: list[str] | None = None) -> Observed:
    """Read and check an observed table (CSV, or Parquet by its ``.parquet`` suffix).

    Parameters
    ----------
    path : path
        The file.
    messages : list of str, optional
        The scenario's messages: a ``message`` column must name one of them, and a
        table without one is about the first (the only one allowed then).

    Raises
    ------
    InputError
        One line naming the file, the column (and row), the value and what is allowed.

    Examples
    --------
    >>> import io, tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> _ = open(os.path.join(folder, "launch.csv"), "w").write(
    ...     "step,heard\\n0,5\\n1,12\\n2,30\\n")
    >>> observed = read_observed(os.path.join(folder, "launch.csv"), ["promo"])
    >>> observed.form, observed.counts, observed.table["heard"].tolist()
    ('curves', ('heard',), [5, 12, 30])
    """
    path = Path(path)
    source = str(path)
    table = _read_table(path, source)
    form = "curves" if "step" in table.columns else "sizes"
    wanted = CURVE_COUNTS if form == "curves" else SIZE_COUNTS
    counts = tuple(column for column in wanted if column in table.columns)
    if not counts:
        shown = ", ".join(map(str, table.columns)) or "none"
        raise InputError(source, "columns", shown,
                         "step with heard and/or adopters (adoption curves), or reach "
                         "and/or adopters (one row per cascade's final size)")
    if table.empty:
        raise InputError(source, "rows", 0, "at least one row of observations")
    out = pd.DataFrame(index=table.index)
    out["message"] = _message_column(table, source, messages)
    out["cascade"] = _cascade_column(table, form)
    numeric = (["step"] if form == "curves" else []) + list(counts)
    for column in numeric:
        out[column] = _whole_numbers(table[column], column, source)
    if form == "curves":
        out = out.sort_values(["message", "cascade", "step"], kind="stable")
        _check_curves(out, counts, source)
    return Observed(source, form, counts, out.reset_index(drop=True))


def _read_table(path: Path, source: str) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(source, "", None, "an existing CSV or Parquet file (not found)")
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            return pd.read_parquet(path)
        return pd.read_csv(path)
    except (ValueError, OSError, pd.errors.ParserError) as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise InputError(source, "", None, f"a readable CSV or Parquet table ({first})") from None


def _message_column(table: pd.DataFrame, source: str, messages: list[str] | None) -> pd.Series:
    if "message" not in table.columns:
        if messages is not None and len(messages) > 1:
            raise InputError(source, "columns", "no message column",
                             f"a message column naming one of {', '.join(messages)} "
                             "(the scenario has several messages)")
        name = messages[0] if messages else "message"
        return pd.Series(name, index=table.index)
    column = table["message"].astype(str)
    if messages is not None:
        unknown = sorted(set(column) - set(messages))
        if unknown:
            raise InputError(source, "message", unknown[0],
                             f"a message of the scenario: {', '.join(messages)}")
    return column


def _cascade_column(table: pd.DataFrame, form: str) -> pd.Series:
    """Cascades numbered 0, 1, ... within each message, in order of appearance."""
    if form == "sizes":  # each row is one cascade of its message
        keys = table["message"].astype(str) if "message" in table else np.zeros(len(table))
        return table.groupby(keys).cumcount()
    if "cascade" not in table.columns:
        return pd.Series(0, index=table.index)
    return pd.Series(pd.factorize(table["cascade"].astype(str))[0], index=table.index)


def _whole_numbers(column: pd.Series, name: str, source: str) -> pd.Series:
    values = pd.to_numeric(column, errors="coerce")
    bad = values.isna() | (values < 0) | (values != np.floor(values))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        shown = column.iloc[row]
        shown = shown.item() if isinstance(shown, np.generic) else shown
        raise InputError(source, f"{name} (row {row + 1})", shown,
                         "a whole number, 0 or more" + ("" if name == "step" else
                                                        " (a count of people)"))
    return values.astype(np.int64)


def _check_curves(table: pd.DataFrame, counts: tuple[str, ...], source: str) -> None:
    groups = table.groupby(["message", "cascade"], sort=False)
    repeated = groups["step"].transform(lambda steps: steps.duplicated())
    if repeated.any():
        row = table[repeated.astype(bool)].iloc[0]
        raise InputError(source, "step", int(row["step"]),
                         "each step once per message and cascade (a cascade column tells "
                         "several curves apart)")
    for column in counts:
        drops = groups[column].diff() < 0
        if drops.any():
            row = table[drops].iloc[0]
            raise InputError(source, f"{column} (step {int(row['step'])})", int(row[column]),
                             "a cumulative count: never below the step before")
