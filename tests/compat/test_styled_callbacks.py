"""Callbacks of jobs submitted through the cloud styles: in the style's shape and the requested format
(JSON or XML), signed with an HMAC of the body, retried with every attempt recorded and shown on the job,
and never sent to private addresses unless allow-listed."""

import hashlib
import hmac
import json
from xml.etree import ElementTree

import pytest

from tests.compat.conftest import config


def _signed(headers, body, settings) -> bool:
    digest = hmac.new(settings.CALLBACK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return headers["X-DNAPortal-Signature"] == f"sha256={digest}"


def _ci_request(library_id: str, callback: str, callback_format: str | None) -> str:
    fmt = f"<CallBackFormat>{callback_format}</CallBackFormat>" if callback_format else ""
    return (
        "<Request><Tag>DNA</Tag><Input><Object>inbox/copy.mp4</Object></Input><Operation><DnaConfig>"
        f"<RuleType>FindSimilarVideo</RuleType><DnaDbId>{library_id}</DnaDbId></DnaConfig>"
        f"<UserData>mine</UserData></Operation><CallBack>{callback}</CallBack>{fmt}</Request>"
    )


@pytest.fixture
def copy_object(place, compat_media):
    return place("inbox/copy.mp4", compat_media["copy"])


def test_a_ci_job_calls_back_in_xml_by_default(
    allow_loopback, receiver, ci, video_library, copy_object, settings
):
    url, received, _ = receiver
    job_id = ci("POST", "/api/ci/jobs", _ci_request(video_library["id"], url, None)).findtext(
        "JobsDetail/JobId"
    )
    [(headers, body)] = received
    assert headers["Content-Type"] == "application/xml" and _signed(headers, body, settings)
    assert headers["X-DNAPortal-Job"] == job_id
    root = ElementTree.fromstring(body)
    assert root.tag == "Response" and root.findtext("EventName") == "TaskFinish"
    assert root.findtext("JobsDetail/JobId") == job_id and root.findtext("JobsDetail/State") == "Success"
    assert root.findtext("JobsDetail/Operation/UserData") == "mine"
    assert root.find("JobsDetail/Operation/DNAResult/Detection/MatchDetail/SrcStartTime") is not None


def test_a_ci_job_calls_back_in_json_when_asked(
    allow_loopback, receiver, ci, video_library, copy_object, settings
):
    url, received, _ = receiver
    ci("POST", "/api/ci/jobs", _ci_request(video_library["id"], url, "JSON"))
    [(headers, body)] = received
    assert headers["Content-Type"] == "application/json" and _signed(headers, body, settings)
    payload = json.loads(body)
    assert payload["EventName"] == "TaskFinish"
    [detection] = payload["JobsDetail"]["Operation"]["DNAResult"]["Detection"]
    assert detection["Similar"] >= 80 and detection["MatchDetail"][0]["MatchStartTime"] == 2


def test_an_ice_job_calls_back_to_its_notify_address(
    allow_loopback, receiver, rpc, video_library, copy_object, settings
):
    url, received, replies = receiver
    replies.extend([503])  # the first delivery fails; the retry succeeds
    settings.PUBLIC_URL = "https://dna.example.com"
    job_id = rpc(
        "ice",
        "SubmitDNAJob",
        DBId=video_library["id"],
        PrimaryKey="copy",
        Input=json.dumps({"Type": "OSS", "Media": "oss://inbox/copy.mp4"}),
        Config=config(),
        UserData=json.dumps({"NotifyAddress": url}),
    )["JobId"]
    assert len(received) == 2
    headers, body = received[1]
    assert _signed(headers, body, settings)
    payload = json.loads(body)
    assert payload["EventType"] == "DNAJobComplete"
    assert payload["Job"]["Id"] == job_id and payload["Job"]["Status"] == "Success"
    assert payload["Job"]["DNAResult"].startswith(
        f"https://dna.example.com/api/ice/dna-results/{job_id}?token="
    )
    [job] = rpc("ice", "QueryDNAJobList", JobIds=job_id)["JobList"]
    assert job["UserData"] == json.dumps({"NotifyAddress": url})


def test_attempts_are_recorded_and_shown_on_the_job(
    allow_loopback, receiver, ci, api, client, user, video_library, copy_object
):
    url, _, replies = receiver
    replies.extend([500, 502])
    job_id = ci("POST", "/api/ci/jobs", _ci_request(video_library["id"], url, "JSON")).findtext(
        "JobsDetail/JobId"
    )
    job = api.get(f"/api/v1/jobs/{job_id}/").json()
    assert [a["status_code"] for a in job["callback_attempts"]] == [500, 502, 200]
    assert job["api_style"] == "ci" and job["callback_format"] == "json"
    client.force_login(user)
    page = client.get(f"/jobs/{job_id}/").content.decode()
    assert "Attempt 1: HTTP 500" in page and "Attempt 3: delivered (HTTP 200)" in page
    assert "Tencent Cloud CI" in page


def test_a_callback_to_a_private_address_is_refused_at_submission(ci, video_library, copy_object):
    error = ci(
        "POST", "/api/ci/jobs", _ci_request(video_library["id"], "http://10.0.0.5/hook", None), expect=400
    )
    assert error.findtext("Code") == "InvalidArgument"
    assert error.findtext("Message").startswith("Forbidden.PrivateAddress: callback_url: 10.0.0.5 resolves")


def test_callback_no_means_no_callback(ci, api, video_library, copy_object):
    job_id = ci("POST", "/api/ci/jobs", _ci_request(video_library["id"], "no", None)).findtext(
        "JobsDetail/JobId"
    )
    job = api.get(f"/api/v1/jobs/{job_id}/").json()
    assert job["callback_url"] == "" and job["callback_attempts"] == []


def test_a_native_job_can_ask_for_an_xml_callback(
    allow_loopback, receiver, submit, video_library, compat_media, settings
):
    url, received, _ = receiver
    submit(
        video_library,
        "q",
        media_type="video",
        save_type="nosave",
        file=compat_media["copy"],
        callback_url=url,
        callback_format="xml",
    )
    [(headers, body)] = received
    assert headers["Content-Type"] == "application/xml" and _signed(headers, body, settings)
    root = ElementTree.fromstring(body)
    assert root.tag == "Callback" and root.findtext("event") == "job.finished"
    assert root.findtext("job/result/matches/primary_key") == "dog-with-music"


def test_a_cancelled_job_calls_back_too(
    allow_loopback, receiver, ci, api, run_commit_hooks, video_library, copy_object
):
    url, received, _ = receiver
    body = _ci_request(video_library["id"], url, "JSON")
    job_id = ci("POST", "/api/ci/jobs", body, run=False).findtext("JobsDetail/JobId")
    assert run_commit_hooks(api.post, f"/api/v1/jobs/{job_id}/cancel/").status_code == 200
    [(headers, raw)] = received
    detail = json.loads(raw)["JobsDetail"]
    assert (
        detail["State"] == "Cancel" and detail["JobId"] == job_id and "DNAResult" not in detail["Operation"]
    )
