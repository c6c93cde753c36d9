"""`oss://bucket/object` and Tencent object keys read from an S3-compatible store: a real S3 endpoint
(moto's server, in-process, speaking the S3 HTTP protocol) holds the media."""

import json

import pytest

from tests.compat.conftest import config

BUCKET = "media-in"


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def store(s3_endpoint, settings, compat_media):
    import boto3

    settings.S3_ENDPOINT = s3_endpoint
    settings.S3_ACCESS_KEY, settings.S3_SECRET_KEY = "portal", "portal-secret"
    settings.S3_BUCKET = BUCKET
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="portal",
        aws_secret_access_key="portal-secret",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    client.upload_file(str(compat_media["copy"]), BUCKET, "uploads/copy.mp4")
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_an_ice_job_reads_its_oss_uri_from_the_store(store, rpc, api, video_library):
    job_id = rpc(
        "ice",
        "SubmitDNAJob",
        DBId=video_library["id"],
        PrimaryKey="copy",
        Input=json.dumps({"Type": "OSS", "Media": f"oss://{BUCKET}/uploads/copy.mp4"}),
        Config=config(),
    )["JobId"]
    job = api.get(f"/api/v1/jobs/{job_id}/").json()
    assert job["status"] == "success", job
    assert job["input"] == {"type": "object", "media": f"{BUCKET}/uploads/copy.mp4"}
    [match] = job["result"]["matches"]
    assert match["primary_key"] == "dog-with-music"
    assert match["video_segments"][0]["master_start"] == pytest.approx(2, abs=0.5)
    [listed] = rpc("ice", "QueryDNAJobList", JobIds=job_id)["JobList"]
    assert listed["Input"] == {"Type": "OSS", "Media": f"oss://{BUCKET}/uploads/copy.mp4"}
    # What was fetched is kept with the job, for the review page.
    assert api.get(f"/api/v1/jobs/{job_id}/").status_code == 200


def test_a_ci_object_key_is_read_from_the_default_bucket(store, ci, video_library):
    body = (
        "<Request><Tag>DNA</Tag><Input><Object>uploads/copy.mp4</Object></Input><Operation><DnaConfig>"
        f"<RuleType>FindSimilarVideo</RuleType><DnaDbId>{video_library['id']}</DnaDbId></DnaConfig>"
        "</Operation></Request>"
    )
    job_id = ci("POST", "/api/ci/jobs", body).findtext("JobsDetail/JobId")
    detail = ci("GET", f"/api/ci/jobs/{job_id}").find("JobsDetail")
    assert detail.findtext("State") == "Success"
    assert detail.findtext("Input/BucketId") == BUCKET and detail.findtext("Input/Region") == "us-east-1"
    assert detail.findtext("Operation/DNAResult/Detection/MatchDetail/MatchStartTime") == "2"


def test_the_native_api_takes_objects_too(store, submit, job_result, video_library):
    job = job_result(
        submit(
            video_library,
            "native-copy",
            media_type="video",
            save_type="nosave",
            input={"type": "object", "media": f"oss://{BUCKET}/uploads/copy.mp4"},
        )
    )
    assert job["status"] == "success" and job["result"]["matches"], job


def test_a_missing_object_is_refused_at_submission(store, rpc, video_library):
    answer = rpc(
        "ice",
        "SubmitDNAJob",
        expect=400,
        DBId=video_library["id"],
        PrimaryKey="x",
        Config=config(),
        Input=json.dumps({"Type": "OSS", "Media": f"oss://{BUCKET}/uploads/none.mp4"}),
    )
    assert answer["Code"] == "InvalidInput.NotFound" and "none.mp4" in answer["Message"]
    answer = rpc(
        "ice",
        "SubmitDNAJob",
        expect=400,
        DBId=video_library["id"],
        PrimaryKey="x",
        Config=config(),
        Input=json.dumps({"Type": "OSS", "Media": "oss://no-such-bucket/a.mp4"}),
    )
    assert answer["Code"] == "InvalidInput.NotFound"


def test_an_object_deleted_before_the_worker_runs_fails_the_job(
    store, client, token, api, video_library, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(
            "/api/ice/",
            {
                "Action": "SubmitDNAJob",
                "DBId": video_library["id"],
                "PrimaryKey": "late",
                "Config": config(),
                "Input": json.dumps({"Type": "OSS", "Media": f"oss://{BUCKET}/uploads/copy.mp4"}),
            },
            HTTP_AUTHORIZATION=f"Token {token}",
        )
    job_id = response.json()["JobId"]
    store.delete_object(Bucket=BUCKET, Key="uploads/copy.mp4")
    for callback in queued:
        callback()
    job = api.get(f"/api/v1/jobs/{job_id}/").json()
    assert job["status"] == "fail" and job["code"] == "InvalidInput.NotFound", job


def test_an_unreachable_store_is_a_clear_temporary_error(settings, rpc, video_library):
    from tests.e2e.portal import free_port

    settings.S3_ENDPOINT = f"http://127.0.0.1:{free_port()}"
    answer = rpc(
        "ice",
        "SubmitDNAJob",
        expect=503,
        DBId=video_library["id"],
        PrimaryKey="x",
        Config=config(),
        Input=json.dumps({"Type": "OSS", "Media": f"oss://{BUCKET}/uploads/copy.mp4"}),
    )
    assert answer["Code"] == "ObjectStore.Unavailable"
