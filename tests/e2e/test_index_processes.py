"""Libraries' indexes across processes, as workers use them: one process saves and another finds the
item at once; a restarted process answers from the segment files without rebuilding; a damaged or
missing file is rebuilt from the rows with a log line; a process killed during a merge loses and
doubles nothing. Each "worker" is a real process (tests/e2e/index_worker.py) on one data directory."""

import json
import random
import signal
import subprocess
import sys
import time

import pytest

from tests.e2e.portal import Portal
from tests.media import REPO

pytestmark = pytest.mark.e2e

WORDS = (
    "river stone lantern copper meadow whisper harbor velvet signal orchard ember quiet thunder "
    "marble canvas falcon garden silver morning crystal shadow willow anchor breeze"
).split()


def text(seed: int, words: int = 60) -> str:
    pick = random.Random(seed)
    return " ".join(pick.choice(WORDS) + str(pick.randrange(50)) for _ in range(words))


class Worker:
    def __init__(self, portal: Portal):
        self.process = subprocess.Popen(
            [sys.executable, "tests/e2e/index_worker.py"],
            cwd=REPO,
            env=portal.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def ask(self, *words):
        self.process.stdin.write(" ".join(str(w) for w in words) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, f"the worker died: {self.close()}"
        return json.loads(line)

    def close(self) -> str:
        """Ends the worker; returns what it logged."""
        _, log = self.process.communicate(timeout=60)
        return log


@pytest.fixture
def portal(tmp_path):
    portal = Portal(tmp_path)
    portal.manage("migrate", "--noinput")
    return portal


def test_an_item_saved_by_one_worker_is_found_by_another_at_once(portal):
    a, b = Worker(portal), Worker(portal)
    try:
        a.ask("library", "books")
        assert b.ask("search", "books", text(1)) == []  # b now holds the (empty) index
        a.ask("save", "books", "one", text(1))
        assert b.ask("search", "books", text(1)) == ["one"]
        a.ask("save", "books", "two", text(2))
        assert b.ask("search", "books", text(2)) == ["two"]
        a.ask("delete", "books", "one")
        assert b.ask("search", "books", text(1)) == []  # the tombstone hides it at once
        assert b.ask("search", "books", text(2)) == ["two"]
    finally:
        a.close(), b.close()


def test_a_restarted_worker_answers_from_the_files_without_rebuilding(portal):
    a = Worker(portal)
    a.ask("library", "books")
    for n in range(3):
        a.ask("save", "books", f"k{n}", text(n))
    a.close()
    restarted = Worker(portal)
    assert [restarted.ask("search", "books", text(n)) for n in range(3)] == [["k0"], ["k1"], ["k2"]]
    assert restarted.ask("stats") == {"rebuilds": 0}
    restarted.close()


@pytest.mark.parametrize("damage", ["flipped byte", "truncated", "missing"])
def test_a_damaged_segment_file_is_rebuilt_from_the_rows_with_a_log_line(portal, damage):
    a = Worker(portal)
    a.ask("library", "books")
    a.ask("save", "books", "k0", text(0))
    a.close()
    [segment] = (portal.data / "media" / "indexes").glob("*/*.seg")
    data = bytearray(segment.read_bytes())
    if damage == "flipped byte":
        data[-3] ^= 0xFF
        segment.write_bytes(data)
    elif damage == "truncated":
        segment.write_bytes(data[: len(data) // 2])
    else:
        segment.unlink()
    b = Worker(portal)
    assert b.ask("search", "books", text(0)) == ["k0"]
    assert b.ask("stats") == {"rebuilds": 1}
    assert b.ask("search", "books", text(0)) == ["k0"]
    log = b.close()
    assert "rebuilding the text" in log and "cannot be used" in log, log
    assert "Traceback" not in log
    assert ", ok" in portal.manage("index", "check", "books")


@pytest.mark.parametrize("moment", ["die-before-commit", "die-inside-commit"])
def test_a_worker_killed_during_a_merge_loses_and_doubles_nothing(portal, moment):
    # A merge takes its inputs for this long, renewed while it runs: the dead one's lapse so.
    portal.env["DNAPORTAL_INDEX_MERGE_LEASE"] = "3"
    a = Worker(portal)
    a.ask("library", "books")
    for n in range(8):  # eight one-item segments: a full level, due for a merge
        a.ask("save", "books", f"k{n}", text(n))
    a.close()
    assert "8 segments, 8 of 8 items" in portal.manage("index", "check", "books")

    killed = Worker(portal)
    killed.process.stdin.write(f"merge books {moment}\n")
    killed.process.stdin.flush()
    killed.close()
    assert killed.process.returncode == -signal.SIGKILL

    after = Worker(portal)
    assert [after.ask("search", "books", text(n)) for n in range(8)] == [[f"k{n}"] for n in range(8)]
    assert "8 segments, 8 of 8 items" in portal.manage("index", "check", "books")
    time.sleep(3)  # the dead merge's lease runs out
    assert after.ask("merge", "books") == 1  # the merge runs again, whole
    assert [after.ask("search", "books", text(n)) for n in range(8)] == [[f"k{n}"] for n in range(8)]
    assert after.ask("stats") == {"rebuilds": 0}
    after.close()
    assert "1 segments, 8 of 8 items" in portal.manage("index", "check", "books")
