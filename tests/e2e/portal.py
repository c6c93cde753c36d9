"""Run the real portal (gunicorn + django-q2 cluster, as `make run` does) in a throwaway data dir and
talk to it over HTTP like any client would."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from tests.media import REPO


def until(check, timeout: float = 90):
    """Poll `check` until it returns something true (returned), or fail after `timeout` seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError("timed out")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Portal:
    def __init__(self, root: Path, extra_env: dict[str, str] | None = None):
        self.root = root
        self.data = root / "data"
        self.import_root = root / "import"
        self.import_root.mkdir(parents=True, exist_ok=True)
        self.tmp = root / "tmp"  # the processes' temp folder (jobs/workdirs.py)
        self.tmp.mkdir(exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DNAPORTAL_", "DJANGO_"))}
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "dnaportal.settings",
                "DNAPORTAL_DATA_DIR": str(self.data),
                "DNAPORTAL_IMPORT_ROOT": str(self.import_root),
                "DNAPORTAL_ALLOWED_PRIVATE_NETWORKS": "127.0.0.0/8",
                "DNAPORTAL_WORKERS": "2",
                # These tests submit in bursts; the per-user rate is tested on its own
                # (tests/api/test_job_limits.py).
                "DNAPORTAL_SUBMIT_RATE": "",
                "DJANGO_SUPERUSER_USERNAME": "admin",
                "DJANGO_SUPERUSER_PASSWORD": "e2e-admin-pw",
                "DJANGO_SUPERUSER_EMAIL": "admin@example.com",
                "PYTHONUNBUFFERED": "1",
                "TMPDIR": str(self.tmp),
            }
        )
        env.update(extra_env or {})
        self.env = env
        self.processes: list[subprocess.Popen] = []
        self.token = ""

    def manage(self, *args: str, env: dict[str, str] | None = None) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stderr}"
        return result.stdout

    def spawn(self, *args: str, name: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        log = open(self.root / f"{name}.log", "ab")  # noqa: SIM115 - closed in stop()
        process = subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=REPO,
            env={**self.env, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: stop() ends it with all its children
        )
        process.log = log
        self.processes.append(process)
        return process

    def start(self, worker: bool = True) -> Portal:
        self.manage("migrate", "--noinput")
        self.manage("createsuperuser", "--noinput")
        self.token = self.manage("drf_create_token", "admin").split()[2]
        args = ["runportal", "--port", str(self.port)] + ([] if worker else ["--no-worker"])
        self.spawn(*args, name="portal")
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/accounts/login/", timeout=5).read()
                return self
            except OSError:  # refused while binding, or slow to answer while workers boot
                time.sleep(0.3)
        raise AssertionError(f"the portal did not start:\n{self.logs()}")

    def start_worker(self, pipeline: str = "") -> subprocess.Popen:
        if pipeline:  # a cluster serving one pipeline (docs/operations.md)
            return self.spawn("qcluster", name=f"worker-{pipeline}", env={"Q_CLUSTER_NAME": pipeline})
        return self.spawn("qcluster", name="worker")

    def kill(self, process: subprocess.Popen, sig=signal.SIGKILL) -> None:
        os.killpg(process.pid, sig)
        process.wait(timeout=30)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                # SIGTERM to the leader only: django-q2's cluster hangs when its children get
                # SIGTERM at the same time as the sentinel (see docs/operations.md).
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            try:
                os.killpg(process.pid, signal.SIGKILL)  # anything the leader left behind
            except ProcessLookupError:
                pass
            process.log.close()

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-4000:] for p in self.root.glob("*.log"))

    # -- HTTP -------------------------------------------------------------------------------------
    def request(self, method: str, path: str, body: dict | None = None, files: dict | None = None):
        headers = {"Authorization": f"Token {self.token}"}
        data = None
        if files:
            boundary = uuid.uuid4().hex
            data = _multipart(boundary, body or {}, files)
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            with error:
                return error.code, json.loads(error.read() or b"null")

    def wait_for_job(self, job_id: str, timeout: float = 60, until=("success", "fail", "cancelled")) -> dict:
        deadline = time.time() + timeout
        while time.time() < deadline:
            status, job = self.request("GET", f"/api/v1/jobs/{job_id}/")
            assert status == 200, job
            if job["status"] in until:
                return job
            time.sleep(0.2)
        raise AssertionError(f"job {job_id} still {job['status']} after {timeout}s\n{self.logs()}")


def _multipart(boundary: str, fields: dict, files: dict) -> bytes:
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, path in files.items():
        header = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{Path(path).name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        parts.append(header.encode() + Path(path).read_bytes() + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts)
