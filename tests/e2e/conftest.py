import threading
import uuid

import pytest

from tests.e2e.portal import Portal

POSTGRES = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "dbname": "test"}
REDIS_URL = "redis://127.0.0.1:6379/0"


def _postgres_database():
    """Create a throwaway database on the local PostgreSQL; yield its URL; drop it."""
    import psycopg

    try:
        admin = psycopg.connect(**POSTGRES, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable at 127.0.0.1:5432 ({exc}); scale-out path not tested")
    name = f"dnaportal_e2e_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://postgres@127.0.0.1:5432/{name}"
    finally:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name])
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


def _redis_available() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({exc}); scale-out path not tested")


@pytest.fixture(params=["sqlite+orm", "postgresql+redis"])
def backend_env(request):
    if request.param == "sqlite+orm":
        yield {}
        return
    _redis_available()
    database = _postgres_database()
    url = next(database)
    yield {"DATABASE_URL": url, "REDIS_URL": REDIS_URL, "DNAPORTAL_QUEUE_NAME": f"e2e-{uuid.uuid4().hex[:8]}"}
    next(database, None)


@pytest.fixture
def portal(tmp_path, backend_env):
    running = Portal(tmp_path, backend_env)
    yield running
    running.stop()


@pytest.fixture
def stalling_server():
    """Serves files; requests for /stall/* hang until `release` is set (a worker stuck mid-download)."""
    import http.server

    files: dict[str, bytes] = {}
    release = threading.Event()
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            if self.path.startswith("/stall/"):
                release.wait(timeout=120)
            body = files.get(self.path.rsplit("/", 1)[-1])
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", files, release, hits
    release.set()
    httpd.shutdown()
    httpd.server_close()
