"""`make run`: the web server and a worker cluster in one foreground process group."""

import os
import secrets
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the portal (gunicorn) and run a django-q2 worker cluster; Ctrl-C stops both."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Serve the web only (scale-out: run `manage.py qcluster` on worker machines).",
        )

    def handle(self, *args, host, port, web_workers, no_worker, **options):
        call_command("migrate", interactive=False, verbosity=0)  # a fresh data directory works at once
        login = self._ensure_admin()
        python = sys.executable
        web = subprocess.Popen(
            [
                python,
                "-m",
                "gunicorn",
                "dnaportal.wsgi",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(web_workers),
                "--threads",
                "4",
                # Large uploads stream in for a while; do not kill the worker mid-upload.
                "--timeout",
                "600",
                "--access-logfile",
                "-",
            ]
        )
        children = [web]
        if not no_worker:
            children.append(subprocess.Popen([python, "manage.py", "qcluster"], cwd=settings.BASE_DIR))
        url = f"http://{host}:{port}/"
        self.stdout.write(
            f"\nDNA Portal is starting at {url}\n"
            f"  API:    {url}api/v1/  (schema at {url}api/v1/schema/; a token: make token USER=admin)\n"
            f"  {login}\n"
            f"  Data:   {settings.DATA_DIR}\n"
            f"  Import: {settings.IMPORT_ROOT}  (files here can be submitted as input {{type: path}})\n"
            "Press Ctrl-C to stop the web server and the workers.\n"
        )

        received: list[int] = []

        def stop(signum, frame):
            received.append(signum)

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        exit_code = 0
        while not received:
            exited = [child for child in children if child.poll() is not None]
            if exited:
                self.stderr.write(f"{exited[0].args[2]} exited with {exited[0].returncode}; stopping.")
                exit_code = exited[0].returncode or 1
                break
            time.sleep(0.3)
        if received and received[0] == signal.SIGINT:
            # Ctrl-C reached the whole process group already; give the children time to stop on
            # their own (a second signal mid-shutdown makes django-q2 print tracebacks).
            _wait(children, 15)
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        _wait(children, 20)
        for child in children:
            if child.poll() is None:
                child.kill()
        sys.exit(exit_code)

    def _ensure_admin(self) -> str:
        """First run: create an `admin` account with a random password kept in the data dir."""
        users = get_user_model()
        password_file = settings.DATA_DIR / "admin-password.txt"
        if users.objects.filter(is_superuser=True).exists():
            if password_file.exists():
                return f"Sign in: admin / password in {password_file}"
            return "Sign in with your superuser account (manage.py createsuperuser)."
        password = secrets.token_urlsafe(12)
        users.objects.create_superuser("admin", "", password)
        fd = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(password + "\n")
        return f"Sign in: admin / {password}  (also in {password_file}; change it in /admin/)"


def _wait(children: list[subprocess.Popen], seconds: float) -> None:
    deadline = time.time() + seconds
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            pass
