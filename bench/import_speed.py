"""Bulk import speed against one core's fingerprinting speed (issue #16: an import with N worker
processes should reach >= 0.85 x N times one core's speed), beside the same files sent one API call at
a time.

Usage: python -m bench.import_speed FOLDER KIND [--workers 1 2] [--api 100]

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
Reports files per second for each, and the import's speed as a multiple of one core's.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from engine.base import MediaInput
from engine.extract import fingerprint_input

REPO = Path(__file__).resolve().parent.parent
ENDINGS = {".jpg", ".jpeg", ".png", ".webp", ".mp4", ".mkv", ".webm", ".wav", ".mp3", ".flac", ".ogg", ".txt"}


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in ENDINGS)


def one_core(files: list[Path], kind: str) -> float:
    started = time.perf_counter()
    for path in files:
        fingerprint_input(kind, MediaInput(path=path), query=False)
    return time.perf_counter() - started


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
        return time.perf_counter() - started, out.strip().splitlines()[-1]
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
        files = _files(portal.folder)[:count]
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
    args = parser.parse_args(argv)
    files = _files(args.folder)
    base = one_core(files, args.kind)
    print(
        f"{len(files)} {args.kind} files; one core fingerprints them in {base:.1f} s: "
        f"{len(files) / base:.2f} files/s"
    )
    print("| way in | worker processes | seconds | files/s | x one core | per worker |")
    print("|---|---|---|---|---|---|")
    print(
        f"| fingerprinting in one process | 1 | {base:.1f} | {len(files) / base:.2f} | 1.00 | 1.00 |",
        flush=True,
    )
    for workers in args.workers:
        seconds, summary = imported(args.folder, args.kind, workers)
        ratio = base / seconds
        print(
            f"| import_media | {workers} | {seconds:.1f} | {len(files) / seconds:.2f} | {ratio:.2f} "
            f"| {ratio / workers:.2f} |",
            flush=True,
        )
        print(f"  ({summary})", flush=True)
    if args.api:
        per_file = through_api(args.folder, args.kind, args.api)
        share = (base / len(files)) / per_file
        print(
            f"| REST API, one call at a time (first {args.api}) | 1 | {per_file * args.api:.1f} "
            f"| {1 / per_file:.2f} | {share:.2f} | {share:.2f} |"
        )


if __name__ == "__main__":
    main()
