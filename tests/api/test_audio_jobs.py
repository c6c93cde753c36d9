"""Audio through the REST API: saved songs, then edited excerpts come back with their audio_segments;
a video job is matched by its sound track too."""

import shutil

import pytest

from tests import audio_clips, clips


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("audio-api")


@pytest.fixture
def songs(make_library, submit, job_result, folder):
    library = make_library("songs", media_type="audio")
    for name in ("hungarian-dance", "sugar-plum"):
        original = shutil.copy(audio_clips.source(name), folder / f"{name}.ogg")
        job = job_result(submit(library, name, media_type="audio", save_type="onlysave", file=original))
        assert job["status"] == "success" and job["saved"], job
    return library


@pytest.mark.parametrize("edit", ["mp3_32k", "aac_m4a", "noise0db", "speed+5", "pitch+1", "tempo+5"])
def test_an_edited_excerpt_comes_back_with_its_audio_segment(songs, submit, job_result, folder, edit):
    query, scale = audio_clips.edited(folder, "sugar-plum", 60.0, 10.0, edit)
    job = job_result(submit(songs, f"q-{edit}", media_type="audio", save_type="nosave", file=query))
    assert job["status"] == "success", job
    [match] = job["result"]["matches"]
    assert match["primary_key"] == "sugar-plum"
    [segment] = match["audio_segments"]
    assert segment["start"] == pytest.approx(0, abs=0.5)
    assert segment["end"] == pytest.approx(10, abs=0.5)
    assert segment["master_start"] == pytest.approx(60, abs=0.5)
    assert segment["master_end"] == pytest.approx(60 + 10 * scale, abs=0.5)
    # The whole query is the copy: global similarity is about the segment's own.
    assert 0 < segment["similarity"] <= 1
    assert match["global_similarity"] == pytest.approx(segment["similarity"], abs=0.1)
    assert match["video_segments"] == [] and match["text_segments"] == []


def test_an_unrelated_song_has_no_match_and_is_saved(songs, submit, job_result, folder):
    query = audio_clips.write(folder / "vibe-ace.wav", audio_clips.samples("vibe-ace", 0, 20))
    job = job_result(submit(songs, "vibe-ace", media_type="audio", save_type="save", file=query))
    assert job["status"] == "success" and job["result"]["matches"] == [] and job["saved"], job
    assert job["input_meta"]["duration"] == pytest.approx(20, abs=0.1)


def test_a_file_without_sound_fails_the_audio_job_with_a_code(songs, submit, job_result, folder):
    silent_video = clips.cut(folder, "dog", 0.0, 2.0).path
    job = job_result(submit(songs, "silent", media_type="audio", file=silent_video))
    assert job["status"] == "fail"
    assert job["code"] == "InvalidFile.NoAudioStream", job


def test_a_video_job_is_matched_by_its_sound_track(make_library, submit, job_result, folder):
    library = make_library("clips", media_type="video")
    _, dog = clips.decode("dog")
    sound = audio_clips.samples("sugar-plum", 30.0, 10.0)
    original = audio_clips.video_with_sound(folder / "dog-with-music.mp4", dog[:250], 25, sound)
    job = job_result(submit(library, "dog-with-music", media_type="video", file=original))
    assert job["status"] == "success" and job["saved"], job
    # Other pictures, the same music from its third second: only the sound track matches.
    _, blocks = clips.decode("blocks")
    reused = audio_clips.video_with_sound(
        folder / "blocks-with-music.mp4", blocks[:150], 25, sound[3 * 22050 :][: 6 * 22050]
    )
    job = job_result(submit(library, "q", media_type="video", save_type="nosave", file=reused))
    assert job["status"] == "success", job
    [match] = job["result"]["matches"]
    assert match["primary_key"] == "dog-with-music" and match["video_segments"] == []
    [segment] = match["audio_segments"]
    assert (segment["start"], segment["end"]) == pytest.approx((0, 6), abs=0.5)
    assert (segment["master_start"], segment["master_end"]) == pytest.approx((3, 9), abs=0.5)
