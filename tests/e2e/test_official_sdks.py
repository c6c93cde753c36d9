"""The clouds' current official SDKs, from PyPI, unmodified and at their default settings, against a
live portal (gunicorn + workers) behind a reverse proxy on a port of its own, as docs/compat.md sets
them up: the proxy maps the SDK's host root to the style's path and passes the Host header on.

- Alibaba Cloud ICE (alibabacloud_ice20201109) and MPS (alibabacloud_mts20140618), on
  alibabacloud_tea_openapi: they sign with signature V3 (ACS3-HMAC-SHA256) and parse answers into
  their models (MPS lists through their wrappers: `FpShotJobList.FpShotJob`).
- Tencent Cloud COS (cos-python-sdk-v5) for CI: it signs the host without the port, and reads an
  error's code from elements of the <Error> it needs all of.
"""

from __future__ import annotations

import json
import shutil

import pytest

from tests.e2e.portal import Portal, until
from tests.e2e.proxy import PathProxy

pytestmark = pytest.mark.e2e
ADMIN = "admin"  # AccessKeyId / SecretId: the portal user name; the secret is its API token


@pytest.fixture(scope="module")
def running(tmp_path_factory, compat_media):
    portal = Portal(tmp_path_factory.mktemp("sdk-portal")).start()
    for name, source in (("lib/dog-with-music.mp4", "original"), ("queries/copy.mp4", "copy")):
        target = portal.import_root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(compat_media[source], target)
    yield portal
    portal.stop()


@pytest.fixture(scope="module")
def proxies(running):
    made = {name: PathProxy(running.port, f"/api/{name}") for name in ("ice", "mps", "ci")}
    yield made
    for proxy in made.values():
        proxy.close()


def _alibaba_config(endpoint: str, secret: str):
    from alibabacloud_tea_openapi import models as open_api_models

    # Everything else at the SDK's defaults (signature V3, JSON); http because the proxy has no TLS.
    return open_api_models.Config(
        access_key_id=ADMIN, access_key_secret=secret, endpoint=endpoint, protocol="http"
    )


@pytest.fixture(scope="module")
def ice(running, proxies):
    from alibabacloud_ice20201109.client import Client

    return Client(_alibaba_config(proxies["ice"].endpoint, running.token))


@pytest.fixture(scope="module")
def mps(running, proxies):
    from alibabacloud_mts20140618.client import Client

    return Client(_alibaba_config(proxies["mps"].endpoint, running.token))


@pytest.fixture(scope="module")
def finished_jobs(ice, running):
    """A library with one saved video and a finished query job, made through the ICE SDK."""
    from alibabacloud_ice20201109 import models

    created = ice.create_dnadb(models.CreateDNADBRequest(name="sdk-clips", model="Video"))
    db_id = created.body.dbinfo.dbid
    assert len(db_id) == 32, created.body.to_map()

    def submit(key: str, media: str, save_type: str) -> str:
        answer = ice.submit_dnajob(
            models.SubmitDNAJobRequest(
                dbid=db_id,
                primary_key=key,
                input=models.SubmitDNAJobRequestInput(type="OSS", media=media),
                config=json.dumps({"SaveType": save_type, "MediaType": "video"}),
            )
        )
        assert answer.status_code == 200 and answer.body.request_id
        return answer.body.job_id

    def finished(job_id: str):
        [job] = ice.query_dnajob_list(models.QueryDNAJobListRequest(job_ids=job_id)).body.job_list
        return job if job.status in ("Success", "Fail") else None

    saving = submit("dog-with-music", "oss://lib/dog-with-music.mp4", "save")
    saved = until(lambda: finished(saving))
    assert saved.status == "Success", saved.to_map()
    querying = submit("copy", "oss://queries/copy.mp4", "nosave")
    queried = until(lambda: finished(querying))
    assert queried.status == "Success", queried.to_map()
    return db_id, saved, queried


def test_the_ice_sdk_submits_queries_and_lists_with_signature_v3(ice, finished_jobs, proxies):
    from alibabacloud_ice20201109 import models

    db_id, saved, queried = finished_jobs
    assert queried.dbid == db_id and queried.primary_key == "copy"
    assert queried.dnaresult.startswith("http") and queried.input.media == "oss://queries/copy.mp4"
    dbs = ice.list_dnadb(models.ListDNADBRequest()).body.dblist
    assert [(d.dbid, d.name, d.model) for d in dbs] == [(db_id, "sdk-clips", "Video")]
    # Signature V3, unchanged: the action in a header, an ACS3 Authorization header.
    method, path, headers = proxies["ice"].requests[-1]
    assert method == "POST" and path.split("?")[0] == "/api/ice/"
    assert headers["authorization"].startswith("ACS3-HMAC-SHA256 Credential=admin,")
    assert headers["x-acs-action"] == "ListDNADB" and "Action=" not in path


def test_the_ice_sdk_reads_a_refused_signature_as_its_code(running, proxies, finished_jobs):
    from alibabacloud_ice20201109 import models
    from alibabacloud_ice20201109.client import Client
    from alibabacloud_tea_openapi.exceptions import ClientException

    forged = Client(_alibaba_config(proxies["ice"].endpoint, "not-the-token"))
    with pytest.raises(ClientException) as refused:
        forged.list_dnadb(models.ListDNADBRequest())
    assert refused.value.code == "SignatureDoesNotMatch" and refused.value.status_code == 400


def test_the_mps_sdk_reads_a_non_empty_job_list(mps, finished_jobs):
    from alibabacloud_mts20140618 import models

    _db_id, saved, queried = finished_jobs
    body = mps.query_fp_shot_job_list(
        models.QueryFpShotJobListRequest(job_ids=f"{queried.id},{saved.id},{'0' * 32}")
    ).body
    assert body.request_id, body.to_map()
    jobs = {job.id: job for job in body.fp_shot_job_list.fp_shot_job}
    assert set(jobs) == {queried.id, saved.id}
    assert body.non_exist_ids.string == ["0" * 32]
    job = jobs[queried.id]
    assert job.state == "Success" and job.fp_shot_config.primary_key == "copy"
    [shot] = job.fp_shot_result.fp_shots.fp_shot
    assert shot.primary_key == "dog-with-music"
    [piece] = shot.fp_shot_slices.fp_shot_slice
    # The query is seconds 2-7 of the library video.
    assert float(piece.input.start) == pytest.approx(0, abs=0.5)
    assert float(piece.duplication.start) == pytest.approx(2, abs=0.5)
    # The list without JobIds: a page of every job, newest first.
    page = mps.query_fp_shot_job_list(models.QueryFpShotJobListRequest(maximum_page_size=10)).body
    assert [j.id for j in page.fp_shot_job_list.fp_shot_job][:2] == [queried.id, saved.id]


def _cos_client(proxy: PathProxy, secret: str):
    from qcloud_cos import CosConfig, CosS3Client

    # Defaults but the address (the proxy's host:port as the custom domain) and http (no TLS).
    config = CosConfig(
        Region="ap-beijing", SecretId=ADMIN, SecretKey=secret, Domain=proxy.endpoint, Scheme="http"
    )
    return CosS3Client(config)


def test_the_cos_sdk_reads_a_ci_job_through_a_proxy_on_another_port(running, proxies, finished_jobs):
    _db_id, _saved, queried = finished_jobs
    client = _cos_client(proxies["ci"], running.token)
    answer = client.ci_get_media_jobs(Bucket="dna-1250000000", JobIDs=queried.id)
    [detail] = answer["JobsDetail"] if isinstance(answer["JobsDetail"], list) else [answer["JobsDetail"]]
    assert detail["JobId"] == queried.id and detail["State"] == "Success"
    # It signed the host without the port the Host header carries.
    _method, path, headers = proxies["ci"].requests[-1]
    assert path == f"/api/ci/jobs/{queried.id}" and headers["host"] == proxies["ci"].endpoint
    assert "q-header-list=host" in headers["authorization"]


def test_the_cos_sdk_reads_each_ci_error_code(running, proxies):
    from qcloud_cos.cos_exception import CosServiceError

    client = _cos_client(proxies["ci"], running.token)
    with pytest.raises(CosServiceError) as missing:
        client.ci_get_media_jobs(Bucket="dna-1250000000", JobIDs="0" * 32)
    assert missing.value.get_status_code() == 404
    assert missing.value.get_error_code() == "NoSuchResource"
    assert missing.value.get_error_msg() and missing.value.get_request_id() not in ("", "Unknown")
    forged = _cos_client(proxies["ci"], "not-the-token")
    with pytest.raises(CosServiceError) as refused:
        forged.ci_get_media_jobs(Bucket="dna-1250000000", JobIDs="0" * 32)
    assert refused.value.get_error_code() == "SignatureDoesNotMatch"
