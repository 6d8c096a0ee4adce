"""One writer per results folder: a lock file holding the writer's process id.

``buzz run`` takes the lock before it touches a folder and removes it when done, so a
second ``--resume`` or a ``--force`` while a batch writes is refused in one line
instead of two writers crashing each other. A lock left by a process that no longer
exists (killed with ``kill -9``, a crashed machine) is stale and is cleared.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from sim.errors import InputError

LOCK_NAME = "buzz.lock"


def _started(pid: int) -> str:
    """When process ``pid`` started (clock ticks since boot, from /proc), or ``""``
    where /proc is missing: with it a recycled pid is not taken for the holder."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rpartition(")")[2].split()[19]


def _alive(pid: int, started: str) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return not started or not _started(pid) or _started(pid) == started


class FolderLock:
    """The lock of a results folder, held from :meth:`acquire` to :meth:`release`.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> lock = FolderLock(folder).acquire()
    >>> (folder / LOCK_NAME).read_text().split()[0] == str(os.getpid())
    True
    >>> try:
    ...     FolderLock(folder).acquire()
    ... except InputError as error:
    ...     print(str(error).split(": ")[1])
    allowed
    >>> lock.release(); (folder / LOCK_NAME).exists()
    False
    """

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / LOCK_NAME
        self.held = False

    def acquire(self) -> FolderLock:
        """Take the lock, clearing a stale one; raise :class:`InputError` when a live
        process holds it."""
        for attempt in range(3):  # another process may clear a stale lock at the same time
            try:
                handle = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                pid, started = self._holder()
                if pid == 0 and attempt == 0:  # being written this instant: look again
                    time.sleep(0.1)
                    continue
                if pid and _alive(pid, started):
                    raise InputError(
                        str(self.path.parent), "", None,
                        f"a folder no other buzz run is writing (process {pid} holds "
                        f"{self.path}; wait for it to end)") from None
                self.path.unlink(missing_ok=True)  # stale: its holder is gone
                continue
            with os.fdopen(handle, "w") as file:
                file.write(f"{os.getpid()} {_started(os.getpid())}\n")
            self.held = True
            return self
        raise InputError(str(self.path.parent), "", None,
                         f"a folder whose lock {self.path} can be taken (it keeps changing)")

    def _holder(self) -> tuple[int, str]:
        try:
            fields = self.path.read_text().split()
            return int(fields[0]), fields[1] if len(fields) > 1 else ""
        except (OSError, ValueError, IndexError):
            return 0, ""

    def release(self) -> None:
        """Remove the lock if this object holds it."""
        if self.held:
            self.path.unlink(missing_ok=True)
            self.held = False
