"""The review page of a speech (asr) match: both files played from timelines, and under each passage
the words heard on each side."""

from jobs.models import Job, JobStatus, Match
from libraries.models import Library, Media


def _lecture(duration: float) -> tuple[Library, Media]:
    library = Library.objects.create(name="talks", media_type="text")
    item = Media.objects.create(
        library=library, primary_key="lecture-1", media_type="asr", sha256="0" * 64, duration=duration
    )
    return library, item


def _upload(library: Library, **fields) -> Job:
    return Job.objects.create(
        library=library,
        primary_key="upload-7",
        media_type="asr",
        input_type="upload",
        status=JobStatus.SUCCESS,
        **fields,
    )


def test_a_speech_match_is_heard_with_its_words_under_each_passage(as_role, db):
    library, item = _lecture(21.2)
    job = _upload(library, input_meta={"duration": 9.2, "words": 30})
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


def test_both_whole_transcripts_are_shown_with_the_passages_words_marked(as_role, db):
    """The upload's words come from its job, the library item's from its stored fingerprint: a real
    speech fingerprint of the item, made from its subtitles."""
    from engine.speech.fingerprinter import SpeechFingerprinter
    from engine.speech.subtitles import read_subtitles
    from jobs.transcripts import packed
    from libraries.models import StoredFingerprint

    library, item = _lecture(12.0)
    lecture = read_subtitles(
        "1\n00:00:00,000 --> 00:00:05,000\nGood morning and welcome to the lecture\n\n"
        "2\n00:00:06,000 --> 00:00:12,000\nprinting in the only sense with which we are concerned\n"
    )
    fingerprint = SpeechFingerprinter().from_words(lecture, 12.0)
    StoredFingerprint.objects.create(
        media=item,
        library=library,
        fingerprinter=fingerprint.fingerprinter,
        version=fingerprint.version,
        data=fingerprint.data,
    )
    said = "so printing in the only sense with which we are concerned thank you".split()
    starts = [0.0, 0.6, 1.2, 1.4, 1.6, 2.0, 2.4, 2.6, 2.9, 3.1, 3.3, 5.0, 5.4]
    ends = [*starts[1:11], 4.0, 5.4, 5.8]
    job = _upload(
        library, input_meta={"duration": 6.0}, transcript=packed(list(zip(said, starts, ends, strict=True)))
    )
    passage = {"start": 0.6, "end": 4.0, "library_start": 6.0, "library_end": 12.0, "similarity": 0.8}
    match = Match.objects.create(
        job=job,
        library=library,
        media=item,
        primary_key="lecture-1",
        global_similarity=0.6,
        segments={"speech": [{**passage, "query_text": "", "library_text": ""}]},
    )
    page = as_role("moderator").get(f"/matches/{match.id}/").content.decode()
    assert "<h2>Transcripts</h2>" in page
    query_side = page[page.index('id="query-transcript"') : page.index('id="library-transcript"')]
    library_side = page[page.index('id="library-transcript"') :]
    # Marked: the passage's words; unmarked: the words around it.
    assert 'title="Segment 1">printing in the only sense with which we are concerned</mark>' in query_side
    assert query_side.index("so ") < query_side.index("<mark") and "</mark> thank you" in query_side
    assert "good morning and welcome to the lecture <mark" in library_side
    assert 'title="Segment 1">printing in the only sense with which we are concerned</mark>' in library_side
