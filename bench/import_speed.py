"""Bulk import speed against one core's fingerprinting speed (issue #16: an import with N worker
processes should reach >= 0.85 x N times one core's speed), beside the same files sent one API call at
a time.

Usage: python -m bench.import_speed FOLDER KIND [--workers 1 2] [--api 100]

`--workers 2 2 2` imports three times with two workers, one core timed between each: on a machine
whose speed drifts (this one's: up to 30% within minutes), the median of several is the figure.
`--side-by-side` also times, right after each import with N > 1 workers, N plain fingerprinting
processes at once over the same files: what the machine's N cores give together with nothing of the
portal around them, so that the portal's own cost is told apart from the cores' slowing each other.

FOLDER holds the files (e.g. bench/data/photos-1000 from bench/build_photo_library.py); KIND is their
media kind. In one run:
1. one core's speed: every file fingerprinted in this process, one after another, as a save job
   fingerprints it (engine.extract.fingerprint_input, query=False: what is stored);
2. for each N: a fresh portal (a new data directory, SQLite, the ORM broker) with one worker cluster
   of N processes (`manage.py qcluster`), and `manage.py import_media LIB FOLDER --save-type onlysave`;
   the time from the command's start to its end, which includes reading the folder, submitting,
   fingerprinting, storing and indexing;
3. the first `--api` files sent one at a time through the REST API to a portal with one worker
   process (`runportal --web-workers 1`), each waited for before the next, as a naive client does.
4. one core's speed again after each import, since the machine's speed drifts: each import is
   compared with the mean of the one-core timings just before and just after it (the API, with the
   mean of all).
Reports files per second for each, the import's speed as a multiple of one core's, and the CPU time
the worker clusters used per file (fingerprinting plus everything else a job does).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from core.kinds import kind_of_file
from engine.base import MediaInput
from engine.extract import fingerprint_input

REPO = Path(__file__).resolve().parent.parent


def _files(folder: Path, kind: str) -> list[Path]:
    """The files an import of the folder takes as the kind (core.kinds.EXTENSIONS)."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and kind_of_file(p.name) == kind)


def one_core(files: list[Path], kind: str) -> float:
    """Seconds to fingerprint the files in this process, on one core: the engine keeps OpenCV's and
    BLAS's thread pools to one thread (engine/__init__.py), as in a worker; the CPU time printed
    beside the wall time shows it."""
    for path in files:  # read once first: neither way in should pay for a cold page cache
        path.read_bytes()
    started, cpu = time.perf_counter(), time.process_time()
    for path in files:
        fingerprint_input(kind, MediaInput(path=path), query=False)
    wall = time.perf_counter() - started
    print(f"one core: {wall:.1f} s wall, {time.process_time() - cpu:.1f} s CPU", flush=True)
    return wall


def _fingerprint_share(files: list[Path], kind: str) -> tuple[float, float]:
    for path in files:
        path.read_bytes()
    started = time.time()
    for path in files:
        fingerprint_input(kind, MediaInput(path=path), query=False)
    return started, time.time()


def side_by_side(files: list[Path], kind: str, processes: int) -> float:
    """Seconds for `processes` plain fingerprinting processes at once, each taking every n-th file:
    what this machine's cores give when they fingerprint together, with nothing of the portal around
    them (on this machine two such processes each run up to a tenth slower than one alone)."""
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        spans = pool.starmap(_fingerprint_share, [(files[n::processes], kind) for n in range(processes)])
    wall = max(end for _, end in spans) - min(start for start, _ in spans)
    print(f"{processes} processes side by side: {wall:.1f} s wall", flush=True)
    return wall


class Portal:
    """A throwaway portal: its own data directory, the folder linked under its import root."""

    def __init__(self, folder: Path, workers: int):
        self.root = Path(tempfile.mkdtemp(prefix="dna-import-speed-"))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DNAPORTAL_", "DJANGO_"))}
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "dnaportal.settings",
                "DNAPORTAL_DATA_DIR": str(self.root / "data"),
                "DNAPORTAL_WORKERS": str(workers),
                "DNAPORTAL_SUBMIT_RATE": "",
                "DNAPORTAL_QUEUE_NAME": f"bench-{uuid.uuid4().hex[:6]}",
            }
        )
        self.env = env
        self.processes: list[subprocess.Popen] = []
        self.manage("migrate", "--noinput")
        import_root = self.root / "data" / "import"
        import_root.mkdir(parents=True, exist_ok=True)
        self.folder = import_root / "files"
        shutil.copytree(folder, self.folder)

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=REPO, env=self.env, capture_output=True, text=True
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)}: {done.stderr[-2000:]}")
        return done.stdout

    def spawn(self, *args: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=REPO,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def cluster_cpu(self) -> float:
        """CPU seconds the worker clusters' processes have used so far (Linux /proc)."""
        ticks = os.sysconf("SC_CLK_TCK")
        groups = {process.pid for process in self.processes}
        total = 0.0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) in groups:  # the process group: each cluster was started in its own
                total += (int(fields[11]) + int(fields[12])) / ticks
        return total

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
        shutil.rmtree(self.root, ignore_errors=True)


def imported(folder: Path, kind: str, workers: int) -> tuple[float, str]:
    portal = Portal(folder, workers)
    try:
        portal.manage(
            "shell",
            "-c",
            "from libraries.models import Library; "
            f"Library.objects.create(name='bench', media_type='{kind}')",
        )
        portal.spawn("qcluster")
        time.sleep(3)  # the cluster's processes start
        started = time.perf_counter()
        report = str(portal.root / "failed.csv")
        out = portal.manage(
            "import_media", "bench", str(portal.folder), "--save-type", "onlysave", "--report", report
        )
        seconds = time.perf_counter() - started
        summary = next(line for line in out.splitlines() if " done: " in line)
        return seconds, summary, portal.cluster_cpu()
    finally:
        portal.close()


def through_api(folder: Path, kind: str, count: int) -> float:
    portal = Portal(folder, 1)
    try:
        port = 18000 + os.getpid() % 1000
        portal.manage(
            "shell",
            "-c",
            "from django.contrib.auth.models import User; User.objects.create_superuser('b', password='b')",
        )
        token = portal.manage("drf_create_token", "b").split()[2]
        portal.spawn("runportal", "--port", str(port), "--web-workers", "1")
        base = f"http://127.0.0.1:{port}/api/v1"
        _wait_up(base)
        library = _call(base, token, "POST", "/libraries/", {"name": "bench", "media_type": kind})["id"]
        files = _files(portal.folder, kind)[:count]
        started = time.perf_counter()
        for number, path in enumerate(files):
            body = {
                "library": library,
                "primary_key": f"f{number}",
                "media_type": kind,
                "save_type": "onlysave",
                "input": {"type": "path", "media": path.relative_to(portal.folder.parent).as_posix()},
            }
            job = _call(base, token, "POST", "/jobs/", body)["id"]
            while _call(base, token, "GET", f"/jobs/{job}/")["status"] in ("queuing", "analysing"):
                time.sleep(0.02)
        return (time.perf_counter() - started) / len(files)
    finally:
        portal.close()


def _wait_up(base: str) -> None:
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/", timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the portal did not start")


def _call(base: str, token: str, method: str, path: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Authorization", f"Token {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=600) as answer:
        return json.loads(answer.read())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", type=Path)
    parser.add_argument("kind")
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--api", type=int, default=100, help="files sent one API call at a time (0: skip)")
    parser.add_argument(
        "--side-by-side",
        action="store_true",
        help="after each import with N > 1 workers, time N plain fingerprinting processes at once",
    )
    args = parser.parse_args(argv)
    files = _files(args.folder, args.kind)
    # The machine's speed drifts (up to 30% within minutes): one core is timed before each import and
    # after the last, and each import is compared with the mean of the timings just before and after it.
    cores = [one_core(files, args.kind)]
    runs = []
    for workers in args.workers:
        seconds, summary, cpu = imported(args.folder, args.kind, workers)
        plain = side_by_side(files, args.kind, workers) if args.side_by_side and workers > 1 else None
        runs.append((workers, seconds, summary, cpu, plain))
        cores.append(one_core(files, args.kind))
    api = through_api(args.folder, args.kind, args.api) if args.api else None
    _report(args, files, cores, runs, api)


def _report(args, files: list[Path], cores: list[float], runs: list[tuple], api: float | None) -> None:
    base = sum(cores) / len(cores)
    timings = ", ".join(f"{seconds:.1f}" for seconds in cores)
    print(
        f"{len(files)} {args.kind} files; one core fingerprints them in {timings} s (before each import "
        f"and after the last): {len(files) / base:.2f} files/s on the mean"
    )
    print(
        "| way in | worker processes | seconds | files/s | x one core | per worker | worker CPU / file "
        "| x N plain processes side by side |"
    )
    print("|---|---|---|---|---|---|---|---|")
    print(
        f"| fingerprinting in one process (mean) | 1 | {base:.1f} | {len(files) / base:.2f} | 1.00 | 1.00 "
        f"| {base / len(files) * 1000:.0f} ms | |"
    )
    for number, (workers, seconds, _, cpu, plain) in enumerate(runs):
        around = (cores[number] + cores[number + 1]) / 2  # one core, just before and just after
        ratio = around / seconds
        beside = f"{plain / seconds:.2f} ({plain:.1f} s)" if plain else ""
        print(
            f"| import_media | {workers} | {seconds:.1f} | {len(files) / seconds:.2f} | {ratio:.2f} "
            f"| {ratio / workers:.2f} | {cpu / len(files) * 1000:.0f} ms | {beside} |"
        )
    if api is not None:
        share = (base / len(files)) / api
        print(
            f"| REST API, one call at a time (first {args.api}) | 1 | {api * args.api:.1f} "
            f"| {1 / api:.2f} | {share:.2f} | {share:.2f} | | |"
        )
    for workers in sorted(set(args.workers)):
        ratios = [
            (cores[number] + cores[number + 1]) / 2 / run[1] / workers
            for number, run in enumerate(runs)
            if run[0] == workers
        ]
        listed = ", ".join(f"{ratio:.2f}" for ratio in ratios)
        print(f"N = {workers}: per worker {listed}; median {statistics.median(ratios):.2f}")
    for workers, _, summary, _, _ in runs:
        print(f"N = {workers}: {summary}")


if __name__ == "__main__":
    main()
