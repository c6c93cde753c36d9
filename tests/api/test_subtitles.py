"""Subtitles win: an SRT or WebVTT file given with a speech job's recording, or a text subtitle track
in its container, is read instead of recognising the sound; a broken subtitle file is refused at once."""

import io
from pathlib import Path

import numpy as np
import pytest

from engine.audio.examples import write_wav
from jobs.models import Job
from libraries.models import Media
from libraries.services import refingerprint_items
from tests.api.test_asr import FIXTURES, reading_file

TRANSCRIPT = (
    "For although the Chinese took impressions from wood blocks engraved in relief",
    "for centuries before the woodcutters of the Netherlands, by a similar process",
)
WEBVTT = (
    "WEBVTT\n\nNOTE the third sentence of the reading, as subtitles\n\n"
    f"00:01.000 --> 00:05.000 align:start\n<v Reader>{TRANSCRIPT[0]}\n\n"
    f"cue-2\n00:05.000 --> 00:09.500\n{TRANSCRIPT[1]}\n"
)
SRT = (
    f"1\n00:00:01,000 --> 00:00:05,000\n<i>{TRANSCRIPT[0]}</i>\n\n"
    f"2\n00:00:05,000 --> 00:00:09,500\n{TRANSCRIPT[1]}\n"
)


@pytest.fixture(scope="module")
def silence(tmp_path_factory) -> Path:
    """Ten seconds without a word: whatever is matched comes from the subtitles."""
    return write_wav(tmp_path_factory.mktemp("quiet") / "silence.wav", np.zeros(160000, np.float32), 16000)


@pytest.fixture
def speech_library(make_library):
    """A text library with nothing in it, for subtitles refused or failed before anything is matched
    (recognising the reading for `talks` costs seconds a test)."""
    return make_library("talks", media_type="text")


@pytest.fixture
def talks(make_library, submit, job_result, tmp_path):
    library = make_library("talks", media_type="text")
    saved = job_result(submit(library, "lecture-1", media_type="asr", file=reading_file(tmp_path / "r.wav")))
    assert saved["status"] == "success" and saved["input_meta"]["words_from"] == "recognition", saved
    return library


def _the_third_sentence(job) -> dict:
    assert job["status"] == "success", (job["code"], job["message"])
    [match] = job["result"]["matches"]
    assert match["primary_key"] == "lecture-1"
    [passage] = match["speech_segments"]
    # The reading's third sentence starts at 11.55 s and ends at 21.2 s.
    assert passage["master_start"] == pytest.approx(11.55, abs=1.5)
    assert passage["master_end"] == pytest.approx(21.2, abs=1.5)
    return passage


@pytest.mark.parametrize("given", ["file", "text"])
def test_subtitles_given_with_the_recording_are_read_instead_of_its_sound(
    talks, submit, job_result, silence, given
):
    subtitles = io.BytesIO(WEBVTT.encode()) if given == "file" else WEBVTT
    if given == "file":
        subtitles.name = "talk.vtt"
    job = job_result(
        submit(talks, "q", media_type="asr", save_type="nosave", file=silence, subtitles=subtitles)
    )
    passage = _the_third_sentence(job)
    assert job["input_meta"]["words_from"] == "subtitles"
    # The whole transcript is kept with the job for the review page (not shown by the API).
    kept = Job.objects.get(id=job["id"]).transcript
    assert kept["words"].startswith("for although the chinese") and len(kept["times"]) == 2 * 24
    assert "transcript" not in job
    # The words are the subtitles' own (the recogniser never hears "netherlands" in the reading).
    assert "woodcutters of the netherlands" in passage["query_text"]
    assert passage["start"] == pytest.approx(1.0, abs=1.5) and passage["end"] == pytest.approx(9.5, abs=1.5)


def test_a_subtitle_track_in_the_container_wins_over_recognition(talks, submit, job_result):
    track = FIXTURES / "ljspeech" / "LJ001-0003-espeak-subtitled.mkv"
    job = job_result(submit(talks, "q", media_type="asr", save_type="nosave", file=track))
    passage = _the_third_sentence(job)
    assert job["input_meta"]["words_from"] == "subtitles"
    assert "woodcutters of the netherlands" in passage["query_text"]


def test_a_saved_item_keeps_its_subtitles_for_refingerprinting(talks, submit, job_result, silence):
    job = job_result(
        submit(talks, "subtitled", media_type="asr", save_type="forcesave", file=silence, subtitles=SRT)
    )
    assert job["status"] == "success" and job["saved"], job
    item = Media.objects.get(primary_key="subtitled")
    assert item.subtitles == SRT
    # Its file is silence: only the kept subtitles can make its fingerprint again.
    assert refingerprint_items(media_ids=[item.id]) == {"refreshed": 1, "failed": 0}


@pytest.mark.parametrize(
    "subtitles, says",
    [
        ("WEBVTT\n\nNOTE nothing but a note\n", "no cue"),
        ("1\n00:00:01,000 -> 00:00:02,000\nan arrow too short\n", "Line 1"),
        ("1\n00:00:01 --> 00:00:02\nno milliseconds\n", "Line 2"),
        ("1\n00:00:05,000 --> 00:00:02,000\nbackwards\n", "ends before it starts"),
    ],
)
def test_broken_subtitles_are_refused_with_a_code(speech_library, submit, silence, subtitles, says):
    response = submit(
        speech_library, "q", media_type="asr", save_type="nosave", file=silence, subtitles=subtitles
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "InvalidParameter.Subtitles" and says in body["message"], body


def _named(data: bytes, name: str) -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def test_subtitle_files_that_are_empty_binary_or_too_large_are_refused(speech_library, submit, silence):
    refused = (
        (_named(b"", "empty.srt"), "empty"),
        (_named(b"\x00\x01\x02 not text" * 10, "talk.srt"), "NUL"),
        (_named(b"x" * (2 * 1024 * 1024 + 1), "huge.srt"), "larger than"),
    )
    for given, says in refused:
        response = submit(
            speech_library, "q", media_type="asr", save_type="nosave", file=silence, subtitles=given
        )
        assert response.status_code == 400, response.content
        assert response.json()["code"] == "InvalidParameter.Subtitles" and says in response.json()["message"]


def test_empty_subtitles_in_json_are_refused(talks, api, silence):
    item = Media.objects.get(primary_key="lecture-1")
    body = {"library": talks["id"], "primary_key": "q", "media_type": "asr", "save_type": "nosave"}
    response = api.post(
        "/api/v1/jobs/",
        {**body, "input": {"type": "media", "media": item.id.hex}, "subtitles": ""},
        format="json",
    )
    assert response.status_code == 400 and response.json()["code"] == "InvalidParameter.Subtitles"
    assert "no cue" in response.json()["message"]


def test_subtitles_are_for_speech_jobs_only(make_library, submit):
    library = make_library("books", media_type="text")
    response = submit(library, "q", media_type="text", text="some words of a text to match", subtitles=SRT)
    assert response.status_code == 400
    assert response.json()["code"] == "InvalidParameter.Subtitles"


def test_cues_without_a_word_fail_the_job_as_holding_no_speech(speech_library, submit, job_result, silence):
    music = "1\n00:00:01,000 --> 00:00:09,000\n♪ ♪\n"
    job = job_result(
        submit(speech_library, "q", media_type="asr", save_type="nosave", file=silence, subtitles=music)
    )
    assert job["status"] == "fail" and job["code"] == "InvalidFile.NoSpeech", job
