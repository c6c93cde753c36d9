"""Alibaba Cloud MPS QueryFpShotJobList at /api/mps/: the reference's sample request replayed, the answer
checked field by field against the English reference's XML and JSON examples (flat lists) and the
Chinese reference's JSON example (wrapped lists)."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.compat import references
from tests.compat.shape import assert_json_shape, assert_xml_shape

EN = "alibaba-mps-QueryFpShotJobList.en.txt"
ZH = "alibaba-mps-QueryFpShotJobList.zh.txt"
# In the sample request (JobIds=88c6...) and the NonExistIds example: ids we never issued.
SAMPLE_ID = "88c6ca184c0e47098a5b665e2a12****"
MISSING_ID = "ae687c02fe944327ba9631e50da23128****"
# NextPageToken is in the English reference's response table (not its examples); Duration is in the
# Chinese reference. Message is "not returned if the job is successful".
EN_EXTRA = frozenset({"NextPageToken", "Duration"})
OPTIONAL = frozenset({"Message"})


@pytest.fixture
def jobs(submit, job_result, video_library, text_library, compat_media):
    """A video copy (picture and sound segments), a text copy, and a corrupt file (a failed job)."""
    library, body = text_library
    done = {
        "video": job_result(
            submit(video_library, "copy", media_type="video", save_type="nosave", file=compat_media["copy"])
        ),
        "text": job_result(
            submit(library, "passage", media_type="text", save_type="nosave", text=body[500:2500])
        ),
        "failed": job_result(
            submit(video_library, "bad", media_type="video", save_type="nosave", file=compat_media["corrupt"])
        ),
    }
    assert [done[k]["status"] for k in ("video", "text", "failed")] == ["success", "success", "fail"]
    return done


def _ids(jobs) -> str:
    return ",".join([SAMPLE_ID, jobs["video"]["id"], jobs["text"]["id"], jobs["failed"]["id"], MISSING_ID])


def test_the_sample_request_is_answered_like_the_json_example(rpc, jobs, settings):
    settings.MPS_LIST_STYLE = "flat"  # the English example's shape; the default is wrapped
    references.examples(
        EN, "sample-request.txt", {"request": f"Action=QueryFpShotJobList\n&JobIds={SAMPLE_ID}"}
    )
    answer = rpc("mps", "QueryFpShotJobList", JobIds=_ids(jobs))
    seen = set()
    assert_json_shape(
        answer, references.json_piece(EN, "response.json"), extra=EN_EXTRA, optional=OPTIONAL, seen=seen
    )
    for kind in ("FpShots", "AudioFpShots", "TextFpShots"):
        assert any(kind in path and "Slices" in path for path in seen), (kind, seen)
    assert answer["NonExistIds"] == [SAMPLE_ID, MISSING_ID]
    by_id = {job["Id"]: job for job in answer["FpShotJobList"]}
    video = by_id[jobs["video"]["id"]]
    assert video["State"] == "Success" and "Message" not in video
    [shot] = video["FpShotResult"]["FpShots"]
    [native] = jobs["video"]["result"]["matches"]
    assert shot["PrimaryKey"] == "dog-with-music"
    assert float(shot["Similarity"]) == pytest.approx(native["global_similarity"], abs=1e-6)
    [piece] = shot["FpShotSlices"]
    segment = native["video_segments"][0]
    assert float(piece["Input"]["Start"]) == pytest.approx(segment["start"], abs=1e-5)
    assert float(piece["Duplication"]["Start"]) == pytest.approx(segment["master_start"], abs=1e-5)
    assert float(piece["Duplication"]["Duration"]) == pytest.approx(
        segment["master_end"] - segment["master_start"], abs=1e-5
    )
    assert video["FpShotConfig"]["FpDBId"] == jobs["video"]["library"]
    failed = by_id[jobs["failed"]["id"]]
    assert failed["State"] == "Fail" and failed["Code"].startswith("InvalidFile.") and failed["Message"]


def test_format_xml_answers_like_the_xml_example(client, token, jobs):
    response = client.get(
        "/api/mps/",
        {"Action": "QueryFpShotJobList", "JobIds": _ids(jobs), "Format": "XML"},
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    from xml.etree import ElementTree

    actual = ElementTree.fromstring(response.content)
    seen = set()
    expected = references.xml_piece(EN, "response.xml")
    # In XML an empty list is no element at all: a video job has no <TextFpShots>.
    lists = frozenset({"FpShots", "AudioFpShots", "TextFpShots"})
    assert_xml_shape(actual, expected, extra=EN_EXTRA, optional=OPTIONAL | lists, seen=seen)
    for kind in lists:
        assert f"/QueryFpShotJobListResponse/FpShotJobList/FpShotResult/{kind}" in seen
    assert [e.text for e in actual.findall("NonExistIds")] == [SAMPLE_ID, MISSING_ID]
    assert len(actual.findall("FpShotJobList")) == 3
    assert {"/QueryFpShotJobListResponse/FpShotJobList/FpShotResult/TextFpShots/TextFpShotSlices"} <= seen
    assert actual.find("FpShotJobList/FpShotResult/AudioFpShots/FpShotSlices/Input/Start") is not None


def test_the_wrapped_list_style_answers_like_the_chinese_example(rpc, jobs):
    # The default JSON shape (the one the official SDK parses: tests/e2e/test_official_sdks.py).
    answer = rpc("mps", "QueryFpShotJobList", JobIds=_ids(jobs))
    seen = set()
    assert_json_shape(answer, references.json_piece(ZH, "response.json"), optional=OPTIONAL, seen=seen)
    assert answer["NonExistIds"] == {"String": [SAMPLE_ID, MISSING_ID]}
    assert any("TextFpShotSlice" in path for path in seen)
    # A request can ask for the other style.
    flat = rpc("mps", "QueryFpShotJobList", JobIds=_ids(jobs), ListStyle="flat")
    assert isinstance(flat["FpShotJobList"], list)


def test_it_pages_and_filters_by_state_and_creation_time(rpc, jobs, settings):
    settings.MPS_LIST_STYLE = "flat"
    now = datetime.now(UTC)
    window = {
        "StartOfJobCreatedTimeRange": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "EndOfJobCreatedTimeRange": (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    first = rpc("mps", "QueryFpShotJobList", MaximumPageSize="2", State="All", **window)
    assert len(first["FpShotJobList"]) == 2 and first["NextPageToken"]
    rest = rpc(
        "mps", "QueryFpShotJobList", MaximumPageSize="2", NextPageToken=first["NextPageToken"], **window
    )
    ids = [j["Id"] for j in first["FpShotJobList"] + rest["FpShotJobList"]]
    # The two library saves of the fixtures plus the three jobs, newest first, none twice.
    assert len(ids) == len(set(ids)) and {jobs[k]["id"] for k in jobs} <= set(ids)
    failed = rpc("mps", "QueryFpShotJobList", State="Fail")
    assert [j["Id"] for j in failed["FpShotJobList"]] == [jobs["failed"]["id"]]
    later = (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert rpc("mps", "QueryFpShotJobList", StartOfJobCreatedTimeRange=later)["FpShotJobList"] == []


@pytest.mark.parametrize(
    "params, code",
    [
        ({"MaximumPageSize": "0"}, "InvalidParameter.MaximumPageSize"),
        ({"MaximumPageSize": "101"}, "InvalidParameter.MaximumPageSize"),
        ({"State": "Done"}, "InvalidParameter.State"),
        ({"StartOfJobCreatedTimeRange": "yesterday"}, "InvalidParameter.StartOfJobCreatedTimeRange"),
        ({"EndOfJobCreatedTimeRange": "2026-13-01T00:00:00Z"}, "InvalidParameter.EndOfJobCreatedTimeRange"),
        ({"NextPageToken": "forged"}, "InvalidParameter.NextPageToken"),
        ({"JobIds": ",".join(["a"] * 11)}, "InvalidParameter.JobIds"),
    ],
)
def test_bad_parameters_get_an_alibaba_error(rpc, params, code):
    answer = rpc("mps", "QueryFpShotJobList", expect=400, **params)
    assert set(answer) == {"RequestId", "HostId", "Code", "Message"}
    assert answer["Code"] == code and answer["Message"]
