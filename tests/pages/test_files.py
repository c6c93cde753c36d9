"""Stored media served to reviewers: byte ranges for seeking, safe types only inline, thumbnails and
waveforms with clear errors for files that are not media."""

import pytest
from django.core.files.base import ContentFile

from jobs.models import Job, JobStatus
from tests import audio_clips, clips


@pytest.fixture
def stored_job(library):
    def make(name: str, data: bytes) -> Job:
        job = Job(library=library, primary_key=name, media_type="video", input_type="upload", input_name=name)
        job.status = JobStatus.SUCCESS
        job.input_file.save(name, ContentFile(data), save=False)
        job.save()
        return job

    return make


def test_it_serves_byte_ranges_so_players_can_seek(as_role, stored_job):
    data = bytes(range(256)) * 40
    job = stored_job("clip.mp4", data)
    client = as_role("viewer")
    whole = client.get(f"/jobs/{job.id.hex}/file")
    assert (
        whole.status_code == 200
        and whole["Accept-Ranges"] == "bytes"
        and whole["Content-Type"] == "video/mp4"
    )
    assert b"".join(whole.streaming_content) == data
    part = client.get(f"/jobs/{job.id.hex}/file", HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 100-199/{len(data)}"
    assert b"".join(part.streaming_content) == data[100:200]
    tail = client.get(f"/jobs/{job.id.hex}/file", HTTP_RANGE="bytes=-10")
    assert b"".join(tail.streaming_content) == data[-10:]
    open_ended = client.get(f"/jobs/{job.id.hex}/file", HTTP_RANGE="bytes=10200-")
    assert b"".join(open_ended.streaming_content) == data[10200:]
    beyond = client.get(f"/jobs/{job.id.hex}/file", HTTP_RANGE=f"bytes={len(data)}-")
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{len(data)}"


def test_it_never_serves_an_uploaded_page_inline(as_role, stored_job):
    job = stored_job("evil.html", b"<script>alert(1)</script>")
    response = as_role("viewer").get(f"/jobs/{job.id.hex}/file")
    response.close()
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == "attachment" and response["X-Content-Type-Options"] == "nosniff"


def test_files_need_a_signed_in_role(client, as_role, stored_job):
    job = stored_job("clip.mp4", b"x" * 10)
    assert client.get(f"/jobs/{job.id.hex}/file").status_code == 302
    assert as_role("nobody").get(f"/jobs/{job.id.hex}/file").status_code == 403


def test_it_makes_a_thumbnail_at_a_time_and_a_waveform(as_role, stored_job, tmp_path):
    video = clips.cut(tmp_path, "dog", 1.0, 3.0).path
    job = stored_job("dog.mp4", video.read_bytes())
    thumb = as_role("viewer").get(f"/jobs/{job.id.hex}/thumb?t=1.5")
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    assert thumb.content[:3] == b"\xff\xd8\xff"
    song = audio_clips.write(tmp_path / "song.wav", audio_clips.samples("sugar-plum", 30, 8))
    audio_job = stored_job("song.wav", song.read_bytes())
    wave = as_role("viewer").get(f"/jobs/{audio_job.id.hex}/waveform").json()
    assert wave["duration"] == pytest.approx(8, abs=0.05)
    assert len(wave["peaks"]) == 1000 and max(wave["peaks"]) == 1.0 and min(wave["peaks"]) >= 0


def test_previews_of_a_file_that_is_not_media_give_a_coded_error(as_role, stored_job):
    job = stored_job("junk.mp4", b"not a video at all" * 100)
    for kind in ("thumb", "waveform"):
        response = as_role("viewer").get(f"/jobs/{job.id.hex}/{kind}")
        assert response.status_code == 422
        assert response.json()["code"].startswith("InvalidFile.")


def test_odd_thumbnail_times_never_break_the_page(as_role, stored_job, tmp_path):
    job = stored_job("dog.mp4", clips.cut(tmp_path, "dog", 1.0, 2.0).path.read_bytes())
    viewer = as_role("viewer")
    start = viewer.get(f"/jobs/{job.id.hex}/thumb?t=0").content
    last = viewer.get(f"/jobs/{job.id.hex}/thumb?t=1.96").content
    assert start != last
    for t in ("abc", "nan", "-5", "inf", "-inf"):  # read as the start
        response = viewer.get(f"/jobs/{job.id.hex}/thumb?t={t}")
        assert response.status_code == 200 and response.content == start, t
    for t in ("1e12", "3600"):  # past the end: the last frame, not a 500
        response = viewer.get(f"/jobs/{job.id.hex}/thumb?t={t}")
        assert response.status_code == 200 and response.content == last, t
