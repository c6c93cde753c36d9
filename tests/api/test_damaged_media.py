"""Damaged media through the REST API: a video whose sound track does not decode is saved and matched by
its pictures; an audio file with damaged packets is matched on what decodes; an audio job never
decodes pictures. Each job says on itself what could not be used."""

import pytest

from tests import audio_clips, clips, damage

RATE = audio_clips.RATE


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("damaged")
    _, dog = clips.decode("dog")
    music = audio_clips.samples("sugar-plum", 30.0, 10.0)
    return {
        "dog-with-music": audio_clips.video_with_sound(folder / "dog-with-music.mp4", dog[:250], 25, music),
        "dog-bad-sound": damage.video_with_undecodable_sound(folder / "dog-bad-sound.mkv", dog[:250]),
        # Seconds 2-7 of the clip, picture and sound.
        "excerpt": audio_clips.video_with_sound(
            folder / "excerpt.mp4", dog[50:175], 25, music[2 * RATE : 7 * RATE]
        ),
        "excerpt-bad-sound": damage.video_with_undecodable_sound(
            folder / "excerpt-bad-sound.mkv", dog[50:175], 25, 5
        ),
        "song": audio_clips.write(folder / "sugar-plum.flac", audio_clips.samples("sugar-plum", 0.0, 60.0)),
        "song-excerpt": audio_clips.write(
            folder / "sugar-plum-20s.m4a", audio_clips.samples("sugar-plum", 20.0, 20.0)
        ),
        "song-in-broken-video": damage.audio_with_unreadable_pictures(
            folder / "sugar-plum-broken-pictures.mkv", audio_clips.samples("sugar-plum", 20.0, 20.0), 20.0
        ),
    }


def _sound_not_used(job) -> bool:
    return any(note.startswith("The sound stream was not used") for note in job["notes"])


def test_a_video_whose_sound_does_not_decode_is_saved_and_matched_by_its_pictures(
    make_library, submit, job_result, media
):
    library = make_library("clips", media_type="video")
    saved = job_result(
        submit(library, "dog", media_type="video", save_type="onlysave", file=media["dog-bad-sound"])
    )
    assert saved["status"] == "success" and saved["saved"], saved
    assert _sound_not_used(saved), saved["notes"]
    assert saved["input_meta"]["duration"] == pytest.approx(10, abs=0.3)

    job = job_result(submit(library, "q", media_type="video", save_type="nosave", file=media["excerpt"]))
    assert job["status"] == "success" and job["notes"] == [], job
    [match] = job["result"]["matches"]
    [segment] = match["video_segments"]
    assert (segment["start"], segment["master_start"]) == pytest.approx((0, 2), abs=0.5)
    assert match["audio_segments"] == []  # the library item has no usable sound to match


def test_a_query_whose_sound_does_not_decode_is_matched_by_its_pictures(
    make_library, submit, job_result, media
):
    library = make_library("clips", media_type="video")
    original = job_result(
        submit(library, "dog", media_type="video", save_type="onlysave", file=media["dog-with-music"])
    )
    assert original["notes"] == [], original

    job = job_result(
        submit(library, "q", media_type="video", save_type="nosave", file=media["excerpt-bad-sound"])
    )
    assert job["status"] == "success", job
    assert _sound_not_used(job), job["notes"]
    [match] = job["result"]["matches"]
    assert match["primary_key"] == "dog" and match["video_segments"] and match["audio_segments"] == []
    assert match["video_segments"][0]["master_start"] == pytest.approx(2, abs=0.5)


def test_an_audio_file_with_damaged_packets_is_matched_on_what_decodes(
    make_library, submit, job_result, media
):
    library = make_library("songs", media_type="audio")
    assert job_result(submit(library, "song", media_type="audio", save_type="onlysave", file=media["song"]))[
        "saved"
    ]
    damaged = damage.overwrite_packets(media["song-excerpt"], count=3)

    job = job_result(submit(library, "q", media_type="audio", save_type="nosave", file=damaged))
    assert job["status"] == "success", job
    assert any(note.startswith("3 damaged sound packet(s) skipped") for note in job["notes"]), job["notes"]
    [match] = job["result"]["matches"]
    # Matched before and after the damage in the middle, with times kept (the lost packets' time passed).
    covered = sorted((s["start"], s["end"], s["master_start"]) for s in match["audio_segments"])
    assert covered[0][0] == pytest.approx(0, abs=1.0) and covered[-1][1] == pytest.approx(20, abs=1.0)
    assert all(master - start == pytest.approx(20, abs=0.5) for start, _, master in covered)


def test_an_audio_job_never_decodes_the_pictures(make_library, submit, job_result, media):
    library = make_library("songs", media_type="audio")
    assert job_result(submit(library, "song", media_type="audio", save_type="onlysave", file=media["song"]))[
        "saved"
    ]
    job = job_result(
        submit(library, "q", media_type="audio", save_type="nosave", file=media["song-in-broken-video"])
    )
    assert job["status"] == "success" and job["notes"] == [], job
    [match] = job["result"]["matches"]
    assert match["audio_segments"][0]["master_start"] == pytest.approx(20, abs=0.5)


def test_the_job_page_shows_the_notes(make_library, submit, job_result, media, client, user):
    library = make_library("clips", media_type="video")
    job = job_result(
        submit(library, "dog", media_type="video", save_type="onlysave", file=media["dog-bad-sound"])
    )
    client.force_login(user)
    page = client.get(f"/jobs/{job['id']}/").content.decode()
    assert 'id="job-notes"' in page and "The sound stream was not used" in page
