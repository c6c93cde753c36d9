"""Alibaba Cloud ICE at /api/ice/: each example of the references (alibaba-ice-SubmitDNAJob.txt,
alibaba-ice-QueryDNAJobList.txt) replayed, every response field checked by name, type and nesting."""

import json
from urllib.parse import urlsplit

import pytest

from tests import media
from tests.compat import references
from tests.compat.shape import assert_json_shape

SUBMIT = "alibaba-ice-SubmitDNAJob.txt"
QUERY = "alibaba-ice-QueryDNAJobList.txt"

# VideoMatchInfo, VideoMatchSegment/AudioMatchSegment and TextMatchSegment as the QueryDNAJobList
# reference's tables give them (String -> "", Double -> 0.0, Array of X -> [X]).
TIMED = {"StartTime": 0.0, "EndTime": 0.0, "MasterStartTime": 0.0, "MasterEndTime": 0.0, "Similarity": 0.0}
VIDEO_MATCH_INFO = {
    "PrimaryKey": "",
    "GlobalSimilarity": 0.0,
    "VideoMatchSegments": [TIMED],
    "AudioMatchSegments": [TIMED],
    "TextMatchSegments": [{"Start": 0.0, "End": 0.0, "QueryText": "", "MasterText": "", "Similarity": 0.0}],
}


def _table_rows_are_in_the_reference():
    body = references.piece(QUERY, "dna-result-tables.txt")
    for row in [
        "PrimaryKeyString",
        "GlobalSimilarityDouble",
        "VideoMatchSegmentsArray of VideoMatchSegment",
        "AudioMatchSegmentsArray of AudioMatchSegment",
        "TextMatchSegmentsArray of TextMatchSegment",
        "StartTimeDouble",
        "EndTimeDouble",
        "MasterStartTimeDouble",
        "MasterEndTimeDouble",
        "SimilarityDouble",
        "StartDouble",
        "EndDouble",
        "QueryTextString",
        "MasterTextString",
    ]:
        assert row in body, row


def submit_example(db_id: str, media: str, input_type: str = "Media") -> dict:
    """The reference's request parameter examples, with the placeholder ids swapped for real ones."""
    example = references.examples(
        SUBMIT,
        "request-parameters.txt",
        {
            "Config": '{"SaveType": "save","MediaType":"video"}',
            "TemplateId": "S00000101-100060",
            "UserData": "userData",
            "PrimaryKey": "3ca84a39a9024f19853b21be9cf9****",
        },
    )
    return {
        **example,
        "PrimaryKey": example["PrimaryKey"].replace("****", "0001"),
        "DBId": db_id,
        "Input": json.dumps({"Type": input_type, "Media": media}),
    }


@pytest.fixture
def saved_item(api, video_library):
    listed = api.get(f"/api/v1/libraries/{video_library['id']}/media/").json()["results"]
    return listed[0]


def test_it_answers_submit_dna_job_like_the_reference(rpc, video_library, saved_item):
    answer = rpc("ice", "SubmitDNAJob", **submit_example(video_library["id"], saved_item["id"]))
    assert_json_shape(answer, references.json_piece(SUBMIT, "response.json"))
    assert len(answer["JobId"]) == 32 and answer["RequestId"]


def test_it_answers_query_dna_job_list_like_the_reference(rpc, api, client, video_library, saved_item):
    job_id = rpc("ice", "SubmitDNAJob", **submit_example(video_library["id"], saved_item["id"]))["JobId"]
    answer = rpc("ice", "QueryDNAJobList", JobIds=job_id)
    assert_json_shape(answer, references.json_piece(QUERY, "response.json"))
    [job] = answer["JobList"]
    assert job["Id"] == job_id and job["Status"] == "Success"
    assert job["DBId"] == video_library["id"] and job["PrimaryKey"] == "3ca84a39a9024f19853b21be9cf90001"
    assert json.loads(job["Config"]) == {"SaveType": "save", "MediaType": "video"}
    assert job["Input"] == {"Type": "Media", "Media": saved_item["id"]}
    assert job["UserData"] == "userData" and job["Code"] == "" and job["Message"] == ""
    assert job["CreationTime"].endswith("Z") and job["FinishTime"] >= job["CreationTime"]
    # The same job through the native API: same id, same library, same result.
    native = api.get(f"/api/v1/jobs/{job_id}/").json()
    assert native["api_style"] == "ice" and native["saved"] is False  # a duplicate: `save` did not store it
    [match] = native["result"]["matches"]

    # DNAResult is a URL returning the array of VideoMatchInfo, readable without the token.
    url = urlsplit(job["DNAResult"])
    result = client.get(f"{url.path}?{url.query}")
    assert result.status_code == 200, result.content
    infos = result.json()
    seen = set()
    assert_json_shape(infos, [VIDEO_MATCH_INFO], seen=seen)
    assert {"$[].VideoMatchSegments", "$[].AudioMatchSegments"} <= seen
    [info] = infos
    assert info["PrimaryKey"] == "dog-with-music" and info["GlobalSimilarity"] == match["global_similarity"]
    assert info["VideoMatchSegments"][0]["MasterStartTime"] == match["video_segments"][0]["master_start"]
    _table_rows_are_in_the_reference()


def test_the_text_match_segments_follow_the_reference(rpc, text_library, place):
    library, body = text_library
    place("books-bucket/query.txt", text=body[1000:3000])
    params = submit_example(library["id"], "oss://books-bucket/query.txt", input_type="OSS")
    params["Config"] = json.dumps({"SaveType": "nosave", "MediaType": "text"})
    job_id = rpc("ice", "SubmitDNAJob", **params)["JobId"]
    [job] = rpc("ice", "QueryDNAJobList", JobIds=job_id)["JobList"]
    assert job["Status"] == "Success", job
    assert job["Input"] == {"Type": "OSS", "Media": "oss://books-bucket/query.txt"}
    response = rpc_get(job["DNAResult"])
    seen = set()
    assert_json_shape(response, [VIDEO_MATCH_INFO], seen=seen)
    assert "$[].TextMatchSegments" in seen
    [segment] = response[0]["TextMatchSegments"]
    query = body[1000:3000]
    assert segment["QueryText"] == query[int(segment["Start"]) : int(segment["End"])]
    assert (segment["End"] - segment["Start"]) > 0.9 * len(query)
    assert segment["MasterText"][:500] in body and segment["MasterText"][:500] in query


def test_chinese_text_matches_in_characters_whatever_its_width_and_spacing(
    rpc, make_library, submit, job_result, place
):
    """The Alibaba reference's own text example is Chinese: a poem copied with ASCII punctuation and
    a space between its characters is one TextMatchSegment in characters of each text."""
    library = make_library("poems", media_type="text")
    poems = media.cjk_text("tang-poems.txt")
    assert job_result(submit(library, "tang", media_type="text", text=poems))["saved"]
    start = poems.index("《送别》")
    passage = poems[start : poems.index("《渭川田家》")].strip()
    query = " ".join(passage.replace("，", ",").replace("。", "."))
    place("poems-bucket/query.txt", text=query)
    params = submit_example(library["id"], "oss://poems-bucket/query.txt", input_type="OSS")
    params["Config"] = json.dumps({"SaveType": "nosave", "MediaType": "text"})
    [job] = rpc("ice", "QueryDNAJobList", JobIds=rpc("ice", "SubmitDNAJob", **params)["JobId"])["JobList"]
    assert job["Status"] == "Success", job
    [info] = rpc_get(job["DNAResult"])
    assert info["PrimaryKey"] == "tang"
    [segment] = info["TextMatchSegments"]
    assert segment["QueryText"] == query[int(segment["Start"]) : int(segment["End"])]
    # The reference's segment carries the master's text, not its offsets: it is the poem's own text.
    master_start = poems.index(segment["MasterText"])
    assert abs(master_start - start) <= 2
    assert abs(master_start + len(segment["MasterText"]) - (start + len(passage))) <= 2
    assert "下马饮君酒" in segment["MasterText"] and "下 马 饮 君 酒" in segment["QueryText"]


def rpc_get(url: str):
    from django.test import Client

    parts = urlsplit(url)
    response = Client().get(f"{parts.path}?{parts.query}")
    assert response.status_code == 200, response.content
    return response.json()


def test_speech_passages_come_back_as_text_match_segments_in_seconds(
    rpc, make_library, submit, job_result, place, tmp_path
):
    """An `asr` job through ICE: its passages are TextMatchSegments (the cloud keeps speech in text
    libraries), timed in seconds, with the words heard on each side."""
    from engine.speech.examples import REVOICED
    from tests.api.test_asr import FIXTURES, reading_file

    library = make_library("talks", media_type="text")
    saved = job_result(
        submit(library, "lecture-1", media_type="asr", file=reading_file(tmp_path / "reading.wav"))
    )
    assert saved["status"] == "success", saved
    place("talks-bucket/revoiced.opus", source=FIXTURES / REVOICED)
    params = submit_example(library["id"], "oss://talks-bucket/revoiced.opus", input_type="OSS")
    params["Config"] = json.dumps({"SaveType": "nosave", "MediaType": "asr"})
    job_id = rpc("ice", "SubmitDNAJob", **params)["JobId"]
    [job] = rpc("ice", "QueryDNAJobList", JobIds=job_id)["JobList"]
    assert job["Status"] == "Success", job
    response = rpc_get(job["DNAResult"])
    assert_json_shape(response, [VIDEO_MATCH_INFO])
    [info] = response
    [segment] = info["TextMatchSegments"]
    assert (
        info["PrimaryKey"] == "lecture-1" and info["VideoMatchSegments"] == info["AudioMatchSegments"] == []
    )
    assert segment["Start"] < 1.5 and 7.7 < segment["End"] < 10.7  # seconds of the 9.2 s upload
    assert "for centuries" in segment["QueryText"] and "for centuries" in segment["MasterText"]
    # The same job read through MPS: a TextFpShot whose slice starts and lasts in seconds.
    listed = rpc("mps", "QueryFpShotJobList", JobIds=job_id, ListStyle="flat")["FpShotJobList"]
    [shot] = listed[0]["FpShotResult"]["TextFpShots"]
    [piece] = shot["TextFpShotSlices"]
    assert shot["PrimaryKey"] == "lecture-1" and float(piece["InputFragment"]["Start"]) == segment["Start"]
    assert 7.0 < float(piece["InputFragment"]["Duration"]) < 10.7 and "for centuries" in piece["InputText"]
