"""Scores that explain themselves (review/scores.py): each side's coverage apart from the engine's
confidence, so that an exact partial copy is never called "low"."""

import pytest

from jobs.models import Job, Match
from libraries.models import Media
from review.scores import explain
from tests import media


def _match(segments: dict, query_seconds=30.0, reference_seconds=6.0, similarity=0.2) -> Match:
    job = Job(input_meta={"duration": query_seconds})
    item = Media(duration=reference_seconds)
    return Match(job=job, media=item, segments=segments, global_similarity=similarity)


def _seg(start, end, library_start, library_end, similarity=0.98) -> dict:
    return {
        "start": start,
        "end": end,
        "library_start": library_start,
        "library_end": library_end,
        "similarity": similarity,
    }


def test_an_exact_six_second_copy_in_a_thirty_second_upload_is_not_low():
    # Picture and sound of the same stretch: counted once.
    score = explain(_match({"video": [_seg(10, 16, 0, 6)], "audio": [_seg(10, 16, 0, 6, 0.96)]}))
    assert score.query_share == pytest.approx(0.2) and score.reference_share == pytest.approx(1.0)
    assert score.confidence == pytest.approx(0.97) and score.confidence_band == "very high"
    assert score.query_text == "6.0 s of 30.0 s (20%)" and score.reference_text == "6.0 s of 6.0 s (100%)"
    assert score.changes == []


def test_a_copy_played_faster_is_named():
    faster = explain(
        _match({"audio": [_seg(0, 10, 5, 15.9), _seg(12, 20, 18.08, 26.8)]}, reference_seconds=60)
    )
    assert faster.changes == ["speed ×1.09"]
    # Stretches that disagree, or agree on about 1, name nothing.
    assert explain(_match({"audio": [_seg(0, 10, 5, 15.9), _seg(12, 20, 18, 26)]})).changes == []
    assert explain(_match({"audio": [_seg(0, 10, 5, 15.1)]})).changes == []


def test_a_picture_is_covered_whole_and_its_similarity_is_its_confidence():
    score = explain(_match({}, similarity=0.81))
    assert score.unit == "" and score.confidence == pytest.approx(0.81)
    assert score.query_text == "the whole picture" and score.query_share is None


def test_text_coverage_counts_characters():
    job = Job(input_meta={"characters": 10_000})
    item = Media(characters=40_000)
    match = Match(job=job, media=item, segments={"text": [_seg(100, 1100, 20_000, 21_000, 0.9)]})
    score = explain(match)
    assert score.query_text == "1,000 characters of 10,000 characters (10%)"
    assert score.reference_share == pytest.approx(0.025)


def test_the_page_and_the_api_show_both_coverages(make_match, as_role, api):
    match = make_match(0.2, segments=[_seg(2.0, 12.0, 30.0, 40.0, 0.95)])
    page = as_role("viewer").get(f"/matches/{match.id}/").content.decode()
    assert "10.0 s of 20.0 s (50%)" in page and "10.0 s of 60.0 s (17%)" in page
    assert "very high confidence" in page and "low similarity" not in page
    score = api.get(f"/api/v1/matches/{match.id}/").json()["score"]
    assert score["query_share"] == 0.5 and score["reference_covered"] == 10.0 and score["confidence"] == 0.95


def test_the_edit_an_image_match_shows_is_named_on_the_page_and_the_api(
    make_library, submit, as_role, api, tmp_path
):
    library = make_library("photos", "image")
    assert (
        submit(
            library, "elephant", save_type="onlysave", file=media.write_image(tmp_path, "elephant.jpg")
        ).status_code
        == 201
    )
    folder = tmp_path / "copies"
    folder.mkdir()
    for edit in ("mirror", "crop15"):
        response = submit(
            library, f"copy-{edit}", save_type="nosave", file=media.write_image(folder, "elephant.jpg", edit)
        )
        assert response.status_code == 201
    mirrored, cropped = (Match.objects.get(job__primary_key=f"copy-{edit}") for edit in ("mirror", "crop15"))
    assert mirrored.changes == ["mirrored"]
    page = as_role("moderator").get(f"/matches/{cropped.id}/").content.decode()
    assert "cropped: the upload spans about 70% of the library picture&#x27;s longer side" in page
    assert api.get(f"/api/v1/matches/{mirrored.id}/").json()["changes"] == ["mirrored"]
