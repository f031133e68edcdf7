"""Peak memory of every process a benchmark starts, however deep it sits in the process tree."""

from __future__ import annotations

import os
import threading
from pathlib import Path


def _parents() -> dict[int, int]:
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    return parents


def _descendants(root: int) -> set[int]:
    parents = _parents()
    found = {root}
    while True:
        more = {pid for pid, parent in parents.items() if parent in found} - found
        if not more:
            return found - {root}
        found |= more


class DescendantPeaks:
    """Peak RSS (VmHWM) of every process below `root` (this one by default; `root` too
    `with_root`), sampled from /proc every 0.1 s while it runs: chart workers hang off a
    forkserver and Celery's task processes sit three levels down, so
    getrusage(RUSAGE_CHILDREN) sees none of them. Each peak is kept with the process's command
    line, so a report can say which process was largest."""

    def __init__(self, root: int | None = None, *, with_root: bool = False) -> None:
        self.root = os.getpid() if root is None else root
        self.with_root = with_root
        self.peaks: dict[int, int] = {}
        self.commands: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(0.1):
            for pid in _descendants(self.root) | ({self.root} if self.with_root else set()):
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                    command = Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    continue
                for line in status.splitlines():
                    if line.startswith("VmHWM:"):
                        kb = int(line.split()[1])
                        if kb > self.peaks.get(pid, 0):
                            self.peaks[pid] = kb
                            self.commands[pid] = command.replace(b"\0", b" ").decode()[:120]

    def stop(self) -> float:
        """The largest peak of any one descendant, in MB."""
        self._stop.set()
        self._thread.join()
        return round(max(self.peaks.values(), default=0) / 1024, 1)

    def largest(self) -> str:
        """The command line of the process with the largest peak (after `stop`)."""
        if not self.peaks:
            return ""
        return self.commands[max(self.peaks, key=lambda pid: self.peaks[pid])].strip()
