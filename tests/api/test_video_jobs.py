"""Video through the REST API: saved clips, then an edited excerpt comes back with video_segments."""

import pytest

from tests import clips


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("video-api")


def test_a_video_job_returns_the_copied_segment(make_library, submit, job_result, folder):
    library = make_library("clips", media_type="video")
    for source in ("dog", "blocks"):
        job = job_result(submit(library, source, media_type="video", file=clips.whole(folder, source)))
        assert job["status"] == "success" and job["saved"], job
        assert job["input_meta"]["duration"] == pytest.approx(10, abs=0.6)
    clip = clips.cut(folder, "blocks", 3.0, 5.0, "letterbox")
    job = job_result(submit(library, "upload-1", media_type="video", save_type="nosave", file=clip.path))
    assert job["status"] == "success", job
    [match] = job["result"]["matches"]
    assert match["primary_key"] == "blocks"
    [segment] = match["video_segments"]
    assert segment["start"] == pytest.approx(0, abs=0.5)
    assert segment["end"] == pytest.approx(5, abs=0.5)
    assert segment["master_start"] == pytest.approx(3, abs=0.5)
    assert segment["master_end"] == pytest.approx(8, abs=0.5)
    assert match["global_similarity"] >= 0.8
    assert match["text_segments"] == [] and match["audio_segments"] == []


@pytest.mark.parametrize("edit", ["crop30", "pip45", "flip", "speed110", "overlay"])
def test_an_edited_excerpt_comes_back_with_its_segment(make_library, submit, job_result, folder, edit):
    library = make_library("clips", media_type="video")
    job = job_result(submit(library, "dog", media_type="video", file=clips.whole(folder, "dog")))
    assert job["status"] == "success" and job["saved"], job
    clip = clips.cut(folder, "dog", 2.0, 5.0, edit)
    job = job_result(submit(library, f"q-{edit}", media_type="video", save_type="nosave", file=clip.path))
    assert job["status"] == "success", job
    [match] = job["result"]["matches"]
    assert match["primary_key"] == "dog"
    [segment] = match["video_segments"]
    assert segment["start"] == pytest.approx(0, abs=0.5)
    assert segment["end"] == pytest.approx(clip.duration, abs=0.5)
    assert segment["master_start"] == pytest.approx(clip.master_start, abs=0.5)
    assert segment["master_end"] == pytest.approx(clip.master_end, abs=0.5)


def test_a_corrupt_video_fails_the_job_with_a_code(make_library, submit, job_result, tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 500)
    job = job_result(submit(make_library("clips", media_type="video"), "bad", media_type="video", file=bad))
    assert job["status"] == "fail"
    assert job["code"].startswith("InvalidFile.")
