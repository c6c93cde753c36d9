import http.server
import threading

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests import audio_clips, clips
from tests import media as test_media


@pytest.fixture(autouse=True)
def _isolated_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_ROOT = tmp_path / "import"
    settings.IMPORT_ROOT.mkdir()
    settings.INDEX_CACHE_DIR = tmp_path / "index-cache"
    from libraries.indexing import reader

    reader.forget_all()
    yield


def make_user(username: str, role: str | None) -> object:
    """An account holding one role (a group made by the roles migration), or none."""
    user = get_user_model().objects.create_user(username, password=f"pw-{username}-123")
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def user(db):
    """The API tests' client account: an admin, so every endpoint is open to it."""
    return make_user("alice", "admin")


@pytest.fixture
def api_as(db):
    """An API client holding a token of a fresh account with the given role."""

    def client(role: str | None) -> APIClient:
        account = make_user(f"{role or 'norole'}-user", role)
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=account).key}")
        return api

    return client


@pytest.fixture
def api(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def anon():
    return APIClient()


@pytest.fixture(scope="session")
def images(tmp_path_factory):
    """Library photos, their transformed copies and unrelated photos, written once per session."""
    folder = tmp_path_factory.mktemp("images")
    paths = {}
    for name in test_media.LIBRARY_PHOTOS + test_media.UNRELATED_PHOTOS:
        paths[name] = test_media.write_image(folder, name)
        if name in test_media.LIBRARY_PHOTOS:
            for transform in test_media.TRANSFORMS:
                paths[f"{name}:{transform}"] = test_media.write_image(folder, name, transform)
    return paths


@pytest.fixture
def make_library(api):
    def make(name="photos", media_type="image", **extra):
        response = api.post(
            "/api/v1/libraries/", {"name": name, "media_type": media_type, **extra}, format="json"
        )
        assert response.status_code == 201, response.content
        return response.json()

    return make


@pytest.fixture
def run_commit_hooks(django_capture_on_commit_callbacks):
    """Tests run inside a transaction; this runs what would run at commit (queued tasks, inline)."""

    def call(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return call


@pytest.fixture
def submit(api, run_commit_hooks):
    """Submit a job (multipart when a file is given); tasks run inline, so it is done on return."""

    def do(library, primary_key, media_type="image", save_type="save", file=None, **fields):
        return run_commit_hooks(_post, library, primary_key, media_type, save_type, file, **fields)

    def _post(library, primary_key, media_type, save_type, file, **fields):
        data = {
            "library": library["id"] if isinstance(library, dict) else library,
            "primary_key": primary_key,
            "media_type": media_type,
            "save_type": save_type,
            **fields,
        }
        if file is not None:
            with open(file, "rb") as handle:
                data["file"] = handle
                return api.post("/api/v1/jobs/", data, format="multipart")
        return api.post("/api/v1/jobs/", data, format="json")

    return do


def upload_image(api, library, path, primary_key="b", **fields):
    """POST an image job as multipart; inside the test transaction nothing commits, so no worker runs."""
    with open(path, "rb") as handle:
        body = {"library": library["id"], "primary_key": primary_key, "media_type": "image", **fields}
        return api.post("/api/v1/jobs/", {**body, "file": handle}, format="multipart")


@pytest.fixture
def queue_job(api, images):
    """Submit an image job without running it. Returns the job id."""

    def do(library, primary_key="b", photo="balloons.jpg", **fields):
        response = upload_image(api, library, images[photo], primary_key, **fields)
        assert response.status_code == 201, response.content
        return response.json()["id"]

    return do


@pytest.fixture
def job_result(api):
    def get(response):
        assert response.status_code == 201, response.content
        job = api.get(f"/api/v1/jobs/{response.json()['id']}/").json()
        return job

    return get


@pytest.fixture
def server():
    """A local HTTP server; tests reach it only by allow-listing loopback explicitly."""
    routes = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            status, headers, body = routes.get(self.path, (404, {}, b"missing"))
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            if isinstance(body, bytes):
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            self.end_headers()
            try:
                for chunk in body():  # a callable: chunks sent as it yields them (a slow server)
                    self.wfile.write(chunk)
                    self.wfile.flush()
            except OSError:  # the client gave up
                pass

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", routes
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def receiver():
    """A local endpoint for callbacks: (url, [(headers, body)], status codes to answer next)."""
    received = []
    replies = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(replies.pop(0) if replies else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/hook", received, replies
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def allow_loopback(settings):
    settings.ALLOWED_PRIVATE_NETWORKS = ["127.0.0.0/8"]


@pytest.fixture(scope="session")
def compat_media(tmp_path_factory):
    """A 10 s video with music, a copy of its seconds 2-7 (picture and sound), and a corrupt file."""
    folder = tmp_path_factory.mktemp("compat")
    _, dog = clips.decode("dog")
    sound = audio_clips.samples("sugar-plum", 30.0, 10.0)
    original = audio_clips.video_with_sound(folder / "dog-with-music.mp4", dog[:250], 25, sound)
    rate = audio_clips.RATE
    copy = audio_clips.video_with_sound(folder / "copy.mp4", dog[50:175], 25, sound[2 * rate : 7 * rate])
    corrupt = folder / "corrupt.mp4"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 500)
    return {"original": original, "copy": copy, "corrupt": corrupt}
