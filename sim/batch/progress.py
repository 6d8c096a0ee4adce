"""Progress of a batch: a rich bar on a terminal, plain lines in logs, or nothing."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)


class BatchProgress:
    """Report ``(done, total)`` runs with rate and time left.

    On a terminal a rich progress bar; elsewhere (CI logs, pipes) a plain line at
    most every ``every`` seconds and at the end; nothing when ``quiet``.

    Examples
    --------
    >>> import io
    >>> stream = io.StringIO()
    >>> with BatchProgress(stream=stream, every=0.0) as progress:
    ...     progress(5, 10)
    ...     progress(10, 10)
    >>> "10/10 runs" in stream.getvalue()
    True
    """

    def __init__(self, *, quiet: bool = False, stream: TextIO | None = None,
                 every: float = 5.0) -> None:
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.every = every
        self.bar: Progress | None = None
        self._started = time.perf_counter()
        self._first_done: int | None = None
        self._last_line = -float("inf")

    def __enter__(self) -> BatchProgress:
        if not self.quiet and self.stream.isatty():
            self.bar = Progress(
                TextColumn("[bold]buzz run"), BarColumn(), MofNCompleteColumn(),
                TaskProgressColumn(), TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
                console=Console(file=self.stream), transient=True)
            self.bar.__enter__()
            self._task = self.bar.add_task("runs", total=None, rate="")
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def __call__(self, done: int, total: int) -> None:
        """Record that ``done`` of ``total`` runs are finished."""
        now = time.perf_counter()
        if self._first_done is None:  # runs finished before a resume do not count in the rate
            self._first_done, self._started = done, now
        elapsed = now - self._started
        rate = (done - self._first_done) / elapsed if elapsed > 0 else 0.0
        if self.bar is not None:
            self.bar.update(self._task, completed=done, total=total, rate=f"{rate:.1f} runs/s")
        elif not self.quiet and (done == total or now - self._last_line >= self.every):
            left = ""
            if rate > 0 and done < total:
                left = f", about {(total - done) / rate:.0f} s left"
            print(f"buzz run: {done}/{total} runs ({100 * done / max(total, 1):.0f}%), "
                  f"{rate:.1f} runs/s{left}", file=self.stream, flush=True)
            self._last_line = now
