"""A job's scratch folder on the worker's machine, and the clean-up of those killed workers left.

A worker removes its folder when the job ends, but a worker killed mid-job (SIGKILL, out of memory, a
lost machine) cannot: its download and decoded media stay in the temp folder, gigabytes for a long
video. The folder is named after the worker's process id, so each new worker process of a cluster on
that machine removes the folders of processes that no longer exist (jobs/signals.py).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

PREFIX = "dnajob-"


def make_workdir(job_id: str) -> Path:
    """A new folder for this process's work on a job: dnajob-<pid>-<job id>-<random>."""
    return Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-{job_id}-"))


def remove_abandoned(root: Path | None = None) -> list[Path]:
    """Remove the job folders whose worker process is gone; returns them. Folders without a process id
    in their name (made before it was added) are left: whose they are cannot be told."""
    root = Path(root or tempfile.gettempdir())
    removed = []
    for folder in root.glob(f"{PREFIX}*-*-*"):
        pid = folder.name[len(PREFIX) :].split("-", 1)[0]
        if not pid.isdigit() or folder.is_symlink() or not folder.is_dir() or _alive(int(pid)):
            continue
        try:
            if folder.stat().st_uid != os.getuid():  # another user's folder, whatever its name says
                continue
        except FileNotFoundError:  # another worker starting at the same moment removed it
            continue
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():  # one this process may not delete is not reported as removed
            removed.append(folder)
    if removed:
        log.warning(
            "removed %d job folder(s) left by killed workers in %s: %s",
            len(removed),
            root,
            ", ".join(folder.name for folder in removed),
        )
    return removed


def _alive(pid: int) -> bool:
    if pid <= 0:
        return True  # not a process of ours to judge
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def remove_abandoned_on_spawn(sender, **kwargs) -> None:
    """django-q2's post_spawn, in each new process of a cluster."""
    try:
        remove_abandoned()
    except OSError as exc:  # never keep a worker from starting
        log.warning("could not look for job folders left by killed workers: %s", exc)
