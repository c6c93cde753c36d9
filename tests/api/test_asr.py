"""Speech jobs (media type `asr`) through the REST API: a reading saved into a text library, the same
passage read again by another voice found with the passage's times and words on both sides, and the
inputs that hold no speech."""

from pathlib import Path

import numpy as np
import pytest

from engine.audio.examples import write_wav
from engine.speech.examples import READING, REVOICED

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def reading_file(path: Path) -> Path:
    """The three LJ Speech sentences as one recording (21.2 s; the third starts at 11.55 s)."""
    from engine.decode import sound_samples

    return write_wav(path, np.concatenate([sound_samples(FIXTURES / name, 16000) for name in READING]), 16000)


@pytest.fixture(scope="module")
def reading(tmp_path_factory):
    return reading_file(tmp_path_factory.mktemp("speech") / "reading.wav"), 11.55


def test_a_revoiced_passage_is_found_with_its_times_and_words(make_library, submit, job_result, reading, api):
    path, copied_at = reading
    library = make_library("talks", media_type="text")
    saved = job_result(submit(library, "lecture-1", media_type="asr", save_type="save", file=path))
    assert saved["status"] == "success", (saved.get("code"), saved.get("message"))
    item = api.get(f"/api/v1/libraries/{library['id']}/media/lecture-1/").json()
    assert item["media_type"] == "asr" and item["duration"] == pytest.approx(21.2, abs=0.1)
    assert [f["fingerprinter"] for f in item["fingerprints"]] == ["speech-phones4"]

    job = job_result(
        submit(library, "upload-7", media_type="asr", save_type="nosave", file=FIXTURES / REVOICED)
    )
    assert job["status"] == "success", job
    [match] = job["result"]["matches"]
    assert match["primary_key"] == "lecture-1"
    [passage] = match["speech_segments"]
    # The copy is the whole of the reading's third sentence (11.55 s to 21.2 s).
    assert passage["start"] == pytest.approx(0.0, abs=1.5) and passage["end"] == pytest.approx(9.2, abs=1.5)
    assert passage["master_start"] == pytest.approx(copied_at, abs=1.5)
    assert passage["master_end"] == pytest.approx(21.2, abs=1.5)
    assert (
        "relief for centuries" in passage["master_text"] and "relief for centuries" in passage["query_text"]
    )
    assert match["text_segments"] == []


# The built-in recogniser hears words in music too (5 to 67 on the four music fixtures): music is not
# refused, but what it hears matches no speech.
def test_unrelated_speech_or_music_matches_nothing(make_library, submit, job_result, reading):
    library = make_library("talks", media_type="text")
    job_result(submit(library, "lecture-1", media_type="asr", save_type="onlysave", file=reading[0]))
    music = "librosa-data/Hungarian_Dance_number_5_-_Allegro_in_F_sharp_minor_(string_orchestra)-first20s.ogg"
    for other in ("librosa-data/198-209-0000.hq.ogg", music):
        job = job_result(
            submit(library, "other", media_type="asr", save_type="nosave", file=FIXTURES / other)
        )
        assert job["status"] == "success" and job["result"]["matches"] == [], (other, job["result"])


@pytest.mark.parametrize(
    "name, code",
    [
        ("silence.wav", "InvalidFile.NoSpeech"),
        ("sam2-gallery/01_dog-480x270.mp4", "InvalidFile.NoAudioStream"),
        ("not-audio.mp3", "InvalidFile.Corrupt"),
    ],
)
def test_inputs_without_speech_fail_with_a_code(make_library, submit, job_result, tmp_path, name, code):
    library = make_library("talks", media_type="text")
    if name == "silence.wav":
        path = write_wav(tmp_path / name, np.zeros(16000 * 5, np.float32), 16000)
    elif name == "not-audio.mp3":
        path = tmp_path / name
        path.write_bytes(b"ID3 this is no audio at all " * 30)
    else:
        path = FIXTURES / name
    job = job_result(submit(library, "k", media_type="asr", save_type="save", file=path))
    assert job["status"] == "fail", job
    assert job["code"] == code, job


def test_recognition_reports_its_progress_and_stops_at_the_job_timeout(
    make_library, submit, job_result, reading, settings, monkeypatch
):
    """Progress moves from 10% to 70% as the sound is heard; a job that has used 90% of the job timeout
    fails with Job.Timeout saying how far it got (not a worker killed by the queue and retried)."""
    import engine.decode
    from jobs import services

    # Sound is handed on in blocks of 30 s, and progress told every 30 s: every 2 s here.
    monkeypatch.setattr(engine.decode, "AUDIO_BLOCK_SECONDS", 2.0)
    monkeypatch.setattr(engine.decode, "PROGRESS_EVERY_SECONDS", 2.0)
    reported = []
    heartbeat = services.heartbeat
    monkeypatch.setattr(
        services, "heartbeat", lambda job, progress: reported.append(progress) or heartbeat(job, progress)
    )
    library = make_library("talks", media_type="text")
    job = job_result(submit(library, "lecture-1", media_type="asr", save_type="onlysave", file=reading[0]))
    assert job["status"] == "success", job
    while_heard = [p for p in reported if p <= 70]
    assert len(while_heard) >= 8 and while_heard == sorted(while_heard), reported
    assert while_heard[0] <= 20 and while_heard[-1] >= 60

    settings.JOB_TIMEOUT_SECONDS = 0
    job = job_result(submit(library, "lecture-2", media_type="asr", save_type="onlysave", file=reading[0]))
    assert job["status"] == "fail" and job["code"] == "Job.Timeout", job
    assert "having read 2 s of 21 s" in job["message"] and "DNAPORTAL_JOB_TIMEOUT" in job["message"]
