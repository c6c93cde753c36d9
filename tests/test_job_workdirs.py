"""Job folders: each worker removes its own; the folders of killed workers are removed by the next
worker process that starts on the machine (jobs/workdirs.py)."""

import os
import subprocess
import sys

from jobs.workdirs import make_workdir, remove_abandoned


def _dead_pid() -> int:
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    return finished.pid


def test_only_folders_of_processes_that_are_gone_are_removed(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)  # read TMPDIR again
    mine = make_workdir("ab12")
    assert mine.parent == tmp_path and mine.name.startswith(f"dnajob-{os.getpid()}-ab12-")
    (mine / "input.mp4").write_bytes(b"in use")
    dead = tmp_path / f"dnajob-{_dead_pid()}-cd34-x1"
    (dead / "nested").mkdir(parents=True)
    (dead / "nested" / "frames.bin").write_bytes(bytes(1000))
    unnamed = tmp_path / "dnajob-cd34ef-x2"  # an older worker's: no process id in its name
    unnamed.mkdir()
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / "keep.txt").write_text("not a job folder")
    link = tmp_path / f"dnajob-{_dead_pid()}-ef56-x3"
    link.symlink_to(target)
    not_a_folder = tmp_path / f"dnajob-{_dead_pid()}-gh78-x4"
    not_a_folder.write_text("a file")

    removed = remove_abandoned()

    assert removed == [dead]
    assert not dead.exists()
    assert mine.exists() and (mine / "input.mp4").exists()
    assert unnamed.exists() and link.is_symlink() and (target / "keep.txt").exists()
    assert not_a_folder.exists()


def test_nothing_to_remove_logs_nothing(tmp_path, caplog):
    assert remove_abandoned(tmp_path) == []
    assert "killed workers" not in caplog.text
