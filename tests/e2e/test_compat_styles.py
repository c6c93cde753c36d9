"""Each cloud style end to end against a real portal (gunicorn + django-q2 workers), over HTTP only:
submit through the style's API, let the workers run, read the result back through the style's API and
check the matched segments. On the embedded default (SQLite + ORM broker) and on PostgreSQL + Redis."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import shutil
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from xml.etree import ElementTree

import pytest

from tests.e2e.conftest import REDIS_URL, _postgres_database, _redis_available
from tests.e2e.portal import Portal, until

pytestmark = pytest.mark.e2e
SECRET = "e2e-callback-secret"


@pytest.fixture(scope="module", params=["sqlite+orm", "postgresql+redis"])
def running(request, tmp_path_factory, compat_media):
    env = {"DNAPORTAL_CALLBACK_SECRET": SECRET}
    database = None
    if request.param == "postgresql+redis":
        _redis_available()
        database = _postgres_database()
        env.update(
            {
                "DATABASE_URL": next(database),
                "REDIS_URL": REDIS_URL,
                "DNAPORTAL_QUEUE_NAME": f"compat-{time.time_ns()}",
            }
        )
    portal = Portal(tmp_path_factory.mktemp("compat-portal"), env).start()
    for name, source in (("lib/dog-with-music.mp4", "original"), ("queries/copy.mp4", "copy")):
        target = portal.import_root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(compat_media[source], target)
    yield portal
    portal.stop()
    if database is not None:
        next(database, None)


def call(portal, method: str, path: str, data: bytes | None = None, headers: dict | None = None):
    request = urllib.request.Request(
        portal.url + path,
        data=data,
        headers={"Authorization": f"Token {portal.token}", **(headers or {})},
        method=method,
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers.get("Content-Type", ""), error.read()


def rpc(portal, product: str, action: str, **params):
    body = urllib.parse.urlencode({"Action": action, **params}).encode()
    status, kind, raw = call(
        portal, "POST", f"/api/{product}/", body, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 200, raw
    if kind.startswith("application/xml"):
        return ElementTree.fromstring(raw)
    return json.loads(raw)


def test_alibaba_ice_end_to_end(running):
    db = rpc(running, "ice", "CreateDNADB", Name="ice-clips", Model="Video", Description="e2e")["DBInfo"]
    assert db["Model"] == "Video" and len(db["DBId"]) == 32

    def submit(key, media, save_type):
        return rpc(
            running,
            "ice",
            "SubmitDNAJob",
            DBId=db["DBId"],
            PrimaryKey=key,
            Input=json.dumps({"Type": "OSS", "Media": media}),
            Config=json.dumps({"SaveType": save_type, "MediaType": "video"}),
        )["JobId"]

    def finished(job_id):
        [job] = rpc(running, "ice", "QueryDNAJobList", JobIds=job_id)["JobList"]
        return job if job["Status"] in ("Success", "Fail") else None

    saving = submit("dog-with-music", "oss://lib/dog-with-music.mp4", "save")
    saved = until(lambda: finished(saving))
    assert saved["Status"] == "Success", saved
    querying = submit("copy", "oss://queries/copy.mp4", "nosave")
    job = until(lambda: finished(querying))
    assert job["Status"] == "Success", job
    # DNAResult: a link any HTTP client can read (no token), with the VideoMatchInfo array.
    with urllib.request.urlopen(job["DNAResult"], timeout=30) as response:
        [info] = json.loads(response.read())
    assert info["PrimaryKey"] == "dog-with-music" and info["GlobalSimilarity"] >= 0.8
    for track in ("VideoMatchSegments", "AudioMatchSegments"):
        [segment] = info[track]
        # The query is seconds 2-7 of the library video.
        assert (segment["StartTime"], segment["EndTime"]) == pytest.approx((0, 5), abs=0.5), track
        assert (segment["MasterStartTime"], segment["MasterEndTime"]) == pytest.approx((2, 7), abs=0.5), track
    files = rpc(running, "ice", "ListDNAFiles", DBId=db["DBId"])["FileList"]
    assert [f["PrimaryKey"] for f in files] == ["dog-with-music"]
    assert files[0]["InputFile"] == {"Bucket": "lib", "Location": "", "Object": "dog-with-music.mp4"}
    # The same job in the native API.
    status, native = running.request("GET", f"/api/v1/jobs/{job['Id']}/")
    assert status == 200 and native["api_style"] == "ice" and native["library"] == db["DBId"]


def test_alibaba_mps_end_to_end_with_a_signed_sdk_request(running):
    """Submitted through ICE (MPS's query reads every job), queried through MPS, signed by Alibaba's SDK."""
    from aliyunsdkcore.auth.composer.rpc_signature_composer import get_signed_url

    [db] = [d for d in rpc(running, "ice", "ListDNADB")["DBList"] if d["Name"] == "ice-clips"] or [None]
    if db is None:
        db = rpc(running, "ice", "CreateDNADB", Name="ice-clips", Model="Video")["DBInfo"]
    job_id = rpc(
        running,
        "ice",
        "SubmitDNAJob",
        DBId=db["DBId"],
        PrimaryKey="mps-copy",
        Input=json.dumps({"Type": "OSS", "Media": "oss://queries/copy.mp4"}),
        Config=json.dumps({"SaveType": "nosave", "MediaType": "video"}),
    )["JobId"]

    def query():
        url, _ = get_signed_url(
            {"Action": "QueryFpShotJobList", "JobIds": job_id}, "admin", running.token, "XML", "GET", {}
        )
        status, kind, raw = call(running, "GET", "/api/mps/" + url[1:], headers={"Authorization": ""})
        assert status == 200 and kind.startswith("application/xml"), raw
        root = ElementTree.fromstring(raw)
        return root if root.findtext("FpShotJobList/State") in ("Success", "Fail") else None

    root = until(query)
    assert root.findtext("FpShotJobList/State") == "Success"
    if root.find("FpShotJobList/FpShotResult/FpShots") is None:
        pytest.fail("no video match: " + ElementTree.tostring(root, encoding="unicode"))
    shot = root.find("FpShotJobList/FpShotResult/FpShots")
    assert shot.findtext("PrimaryKey") == "dog-with-music"
    assert float(shot.findtext("FpShotSlices/Input/Start")) == pytest.approx(0, abs=0.5)
    assert float(shot.findtext("FpShotSlices/Input/Duration")) == pytest.approx(5, abs=0.5)
    assert float(shot.findtext("FpShotSlices/Duplication/Start")) == pytest.approx(2, abs=0.5)
    audio = root.find("FpShotJobList/FpShotResult/AudioFpShots")
    assert float(audio.findtext("FpShotSlices/Duplication/Start")) == pytest.approx(2, abs=0.5)


@pytest.fixture
def hook():
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            received.append((dict(self.headers), self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/dna", received
    server.shutdown()
    server.server_close()


def test_tencent_ci_end_to_end_with_an_xml_callback(running, hook):
    url, received = hook
    status, library = running.request(
        "POST", "/api/v1/libraries/", {"name": "ci-clips", "media_type": "video"}
    )
    assert status == 201, library

    def post(object_key: str, rule: str, callback: str = "") -> str:
        body = (
            f"<Request><Tag>DNA</Tag><Input><Object>{object_key}</Object></Input><Operation><DnaConfig>"
            f"<RuleType>{rule}</RuleType><DnaDbId>{library['id']}</DnaDbId></DnaConfig>"
            f"<UserData>e2e</UserData><JobLevel>2</JobLevel></Operation>"
            f"{f'<CallBack>{callback}</CallBack>' if callback else ''}</Request>"
        )
        status, kind, raw = call(
            running, "POST", "/api/ci/jobs", body.encode(), {"Content-Type": "application/xml"}
        )
        assert status == 200 and kind.startswith("application/xml"), raw
        detail = ElementTree.fromstring(raw).find("JobsDetail")
        assert detail.findtext("State") == "Submitted"
        return detail.findtext("JobId")

    def read(job_id: str):
        status, _, raw = call(running, "GET", f"/api/ci/jobs/{job_id}")
        assert status == 200, raw
        detail = ElementTree.fromstring(raw).find("JobsDetail")
        return detail if detail.findtext("State") in ("Success", "Failed") else None

    saving = post("lib/dog-with-music.mp4", "GetFingerPrint")
    saved = until(lambda: read(saving))
    assert saved.findtext("State") == "Success"
    library_video = saved.findtext("Operation/DNAResult/VideoId")
    querying = post("queries/copy.mp4", "FindSimilarVideo", url)
    detail = until(lambda: read(querying))
    assert detail.findtext("State") == "Success" and detail.findtext("Operation/JobLevel") == "2"
    [detection] = detail.findall("Operation/DNAResult/Detection")
    assert detection.findtext("VideoId") == library_video and int(detection.findtext("Similar")) >= 80
    match = detection.find("MatchDetail")
    assert [
        int(match.findtext(k)) for k in ("SrcStartTime", "SrcEndTime", "MatchStartTime", "MatchEndTime")
    ] == [0, 5, 2, 7]
    # The callback: XML (CI's default), signed with the configured secret, delivered once.
    headers, body = until(lambda: received[0] if received else None, timeout=30)
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-DNAPortal-Signature"] == expected and headers["Content-Type"] == "application/xml"
    assert ElementTree.fromstring(body).findtext("JobsDetail/JobId") == detail.findtext("JobId")
    status, native = running.request("GET", f"/api/v1/jobs/{detail.findtext('JobId')}/")
    assert native["callback_attempts"][0]["delivered"] is True
