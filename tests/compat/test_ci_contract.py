"""Tencent Cloud CI Video DNA at /api/ci/: the reference's request body (tencent-ci-SubmitVideoDNAJob.txt,
"Practical Example") replayed as it is, its response and the full response example checked element by
element, then the job read back with its DNAResult once the worker ran."""

import socket
from xml.etree import ElementTree

import pytest

from tests.compat import references
from tests.compat.shape import assert_xml_shape

REFERENCE = "tencent-ci-SubmitVideoDNAJob.txt"
REFERENCE_DB = "Db0fafe624fec211edbdc852540083a8ba"
# Operation.UserData is in the reference's response table ("Pass through user information",
# parent Response.JobsDetail.Operation) though not in its examples.
EXTRA = frozenset({"UserData"})


def reference_request(library_id: str, rule: str | None = None) -> str:
    """The practical example's <Request>, with its DNA library id swapped for ours."""
    element = references.xml_piece(REFERENCE, "practical-request.xml")
    body = ElementTree.tostring(element, encoding="unicode")
    assert REFERENCE_DB in body and "<Object>input/demo.mp4</Object>" in body
    body = body.replace(REFERENCE_DB, library_id)
    return body.replace("GetFingerPrint", rule) if rule else body


def reference_response(example: str) -> ElementTree.Element:
    """The response of the practical example, or the complete example under "Response Body"."""
    name = {"Response Body": "response-body.xml", "Practical Example": "practical-response.xml"}[example]
    return references.xml_piece(REFERENCE, name)


@pytest.fixture
def demo(place, compat_media):
    """input/demo.mp4, the reference's object, under the import root: seconds 2-7 of the library video."""
    return place("input/demo.mp4", compat_media["copy"])


@pytest.fixture
def callback_host_resolves(monkeypatch, settings):
    """callback.demo.com (the reference's CallBack) resolves, to an allow-listed documentation address
    (RFC 5737 TEST-NET-1, which no host answers); the job is never run, so nothing is sent anyway."""
    real = socket.getaddrinfo
    settings.ALLOWED_PRIVATE_NETWORKS = ["192.0.2.0/24"]

    def fake(host, *args, **kwargs):
        if host == "callback.demo.com":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.0.2.10", 80))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)


def test_the_reference_request_gets_the_reference_response(ci, video_library, demo, callback_host_resolves):
    # Not run (the test transaction never commits): the answer is the job as submitted.
    answer = ci("POST", "/api/ci/jobs", reference_request(video_library["id"]), run=False)
    expected = references.xml_piece(REFERENCE, "practical-response.xml")
    # DNAResult "is not returned when the task is not completed".
    assert_xml_shape(answer, expected, extra=EXTRA, optional=frozenset({"DNAResult"}))
    assert "UserData\nResponse.JobsDetail.Operation\nPass through user information" in references.piece(
        REFERENCE, "operation-userdata-row.txt"
    )
    detail = answer.find("JobsDetail")
    assert detail.findtext("State") == "Submitted" and detail.findtext("Code") == "Success"
    assert detail.findtext("Tag") == "DNA" and detail.findtext("StartTime") == "-"
    assert detail.findtext("Input/Object") == "input/demo.mp4"
    assert detail.findtext("Operation/DnaConfig/DnaDbId") == video_library["id"]
    assert detail.findtext("Operation/DnaConfig/RuleType") == "GetFingerPrint"
    assert detail.findtext("Operation/UserData") == "This is my data."
    assert detail.findtext("Operation/JobLevel") == "0"
    assert len(detail.findtext("JobId")) == 32


@pytest.mark.parametrize("example", ["Response Body", "Practical Example"])
def test_a_finished_job_reads_back_like_the_reference(ci, api, video_library, demo, example):
    body = reference_request(video_library["id"], "FindSimilarVideo")
    body = body.replace("<CallBack>http://callback.demo.com</CallBack>", "")
    job_id = ci("POST", "/api/ci/jobs", body).findtext("JobsDetail/JobId")
    answer = ci("GET", f"/api/ci/jobs/{job_id}")
    expected = reference_response(example)
    assert_xml_shape(answer, expected, extra=EXTRA)
    detail = answer.find("JobsDetail")
    assert detail.findtext("State") == "Success" and detail.findtext("EndTime") != "-"
    result = detail.find("Operation/DNAResult")
    assert result.findtext("Duration") == "5"
    [detection] = result.findall("Detection")
    [item] = api.get(f"/api/v1/libraries/{video_library['id']}/media/").json()["results"]
    assert detection.findtext("VideoId") == item["id"]
    assert 80 <= int(detection.findtext("Similar")) <= 100
    assert int(detection.findtext("Audio/Similar")) >= 80
    assert detection.findtext("Duration") == "10"
    [detail_match] = detection.findall("MatchDetail")
    # Seconds 2-7 of the library video are seconds 0-5 of the query (whole seconds, as the reference).
    assert int(detail_match.findtext("SrcStartTime")) == 0 and int(detail_match.findtext("SrcEndTime")) == 5
    assert (
        int(detail_match.findtext("MatchStartTime")) == 2 and int(detail_match.findtext("MatchEndTime")) == 7
    )
    assert int(detection.findtext("SimilarDuration")) == 5
    # FindSimilarVideo saves nothing; the input's VideoId is the job's id.
    assert result.findtext("VideoId") == job_id
    assert api.get(f"/api/v1/jobs/{job_id}/").json()["save_type"] == "nosave"


def test_get_finger_print_saves_and_delete_finger_print_removes(ci, api, video_library, demo):
    body = reference_request(video_library["id"]).replace("<CallBack>http://callback.demo.com</CallBack>", "")
    job_id = ci("POST", "/api/ci/jobs", body).findtext("JobsDetail/JobId")
    result = ci("GET", f"/api/ci/jobs/{job_id}").find("JobsDetail/Operation/DNAResult")
    video_id = result.findtext("VideoId")
    item = api.get(f"/api/v1/libraries/{video_library['id']}/media/input/demo.mp4/").json()
    assert item["id"] == video_id and item["saved_by_job"] == job_id
    # It was searched too: the library video it copies is detected.
    assert result.find("Detection/VideoId") is not None

    delete = (
        "<Request><Tag>DNA</Tag><Operation><DnaConfig><RuleType>DeleteFingerPrint</RuleType>"
        f"<DnaDbId>{video_library['id']}</DnaDbId><VideoId>{video_id}</VideoId></DnaConfig>"
        "</Operation></Request>"
    )
    detail = ci("POST", "/api/ci/jobs", delete).find("JobsDetail")
    assert detail.findtext("State") == "Success"
    assert detail.findtext("Operation/DnaConfig/RuleType") == "DeleteFingerPrint"
    assert detail.findtext("Operation/DnaConfig/VideoId") == video_id
    gone = api.get(f"/api/v1/libraries/{video_library['id']}/media/input/demo.mp4/")
    assert gone.status_code == 404
    again = ci("GET", f"/api/ci/jobs/{detail.findtext('JobId')}").find("JobsDetail")
    assert again.findtext("Operation/DNAResult/VideoId") == video_id
