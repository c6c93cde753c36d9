"""The review page of a speech (asr) match: both files played from timelines, and under each passage
the words heard on each side."""

from jobs.models import Job, JobStatus, Match
from libraries.models import Library, Media


def test_a_speech_match_is_heard_with_its_words_under_each_passage(as_role, db):
    library = Library.objects.create(name="talks", media_type="text")
    item = Media.objects.create(
        library=library, primary_key="lecture-1", media_type="asr", sha256="0" * 64, duration=21.2
    )
    job = Job.objects.create(
        library=library,
        primary_key="upload-7",
        media_type="asr",
        input_type="upload",
        status=JobStatus.SUCCESS,
        input_meta={"duration": 9.2, "words": 30},
    )
    passage = {
        "start": 0.0,
        "end": 8.8,
        "library_start": 11.5,
        "library_end": 21.1,
        "similarity": 0.38,
        "query_text": "far although the chinese it's okay pressure",
        "library_text": "far although the chinese to the impressions",
    }
    match = Match.objects.create(
        job=job,
        library=library,
        media=item,
        primary_key="lecture-1",
        global_similarity=0.38,
        segments={"speech": [passage]},
    )
    page = as_role("moderator").get(f"/matches/{match.id}/").content.decode()
    assert 'data-kind="audio"' in page and 'id="play-match"' in page  # the audio page: players, timelines
    assert 'data-library-start="11.5"' in page  # the bar the players seek to
    assert "Heard in the upload" in page and "it&#x27;s okay pressure" in page
    assert "to the impressions" in page
    # Another voice reads at its own pace: named as a pace, not as a speed change of a recording.
    assert "pace ×1.09" in page and "speed ×" not in page and "confidence · speech ·" in page
