"""Reference exclusions: a stretch of a library item marked as not its own never produces a match
again, and pending matches made only of it are closed (logged)."""

from jobs.models import Match, ReviewEvent
from libraries.models import Exclusion
from libraries.services import exclude_range
from tests.media import book_text


def _text_job(submit, library, key, text, save_type="nosave") -> dict:
    response = submit(library, key, media_type="text", save_type=save_type, text=text)
    assert response.status_code == 201, response.content
    return response.json()


def test_an_excluded_passage_never_matches_again_and_its_pending_matches_close(
    make_library, submit, as_role, api
):
    library = make_library("books", "text")
    book = book_text("dickens-music")[:60000]
    _text_job(submit, library, "dickens", book, save_type="onlysave")
    shared, own = book[20000:22500], book[40000:42500]
    for key in ("essay-1", "essay-2"):
        _text_job(submit, library, key, f"An essay of {key}.\n\n{shared}\n\nThe end.")
    first, second = Match.objects.order_by("id")
    moderator = as_role("moderator")
    page = moderator.get(f"/matches/{first.id}/").content.decode()
    assert f'action="/matches/{first.id}/exclude/"' in page
    segments = first.segments["text"]  # the shared passage, in as many pieces as the engine found
    notices = []
    for segment in segments:
        first.refresh_from_db()
        if first.review_status != "pending":
            break  # (a piece may lie within an earlier one's excluded range)
        response = moderator.post(
            f"/matches/{first.id}/exclude/",
            {
                "track": "text",
                "library_start": segment["library_start"],
                "library_end": segment["library_end"],
            },
        )
        notices.append(moderator.get(response["Location"]).content.decode())
    # Both matches closed together, with the piece that left nothing of them unexcluded.
    assert "2 pending matches made only of it closed" in notices[-1]
    assert all("0 pending matches made only of it closed" in notice for notice in notices[:-1])
    assert {e.created_by.username for e in Exclusion.objects.all()} == {"moderator"}
    for match in (first, second):
        match.refresh_from_db()
        assert match.review_status == "dismissed"
    assert set(ReviewEvent.objects.values_list("username", flat=True)) == {"(reference exclusion)"}
    # A new upload of the shared passage finds nothing; one of the book's own passages still matches.
    again = _text_job(submit, library, "essay-3", f"Yet another essay.\n\n{shared}")
    assert api.get(f"/api/v1/jobs/{again['id']}/").json()["result"]["matches"] == []
    other = _text_job(submit, library, "essay-4", f"A fourth essay.\n\n{own}")
    assert [
        m["primary_key"] for m in api.get(f"/api/v1/jobs/{other['id']}/").json()["result"]["matches"]
    ] == ["dickens"]


def test_only_a_segment_of_the_match_can_be_excluded(make_match, as_role):
    match = make_match()
    moderator = as_role("moderator")
    bogus = moderator.post(
        f"/matches/{match.id}/exclude/", {"track": "video", "library_start": 0, "library_end": 60}
    )
    assert "Exclude a segment of this match" in moderator.get(bogus["Location"]).content.decode()
    junk = moderator.post(f"/matches/{match.id}/exclude/", {"track": "video", "library_start": "x"})
    assert junk.status_code == 302 and not Exclusion.objects.exists()
    assert as_role("viewer").post(f"/matches/{match.id}/exclude/", {}).status_code == 403


def test_a_match_left_with_part_of_its_segments_weighs_only_what_is_left(make_library, submit):
    library = make_library("books", "text")
    book = book_text("dickens-music")[:60000]
    _text_job(submit, library, "dickens", book, save_type="onlysave")
    shared, own = book[20000:22500], book[40000:42500]
    _text_job(submit, library, "before", f"An essay.\n\n{shared}\n\n{own}\n\nThe end.")
    before = Match.objects.get(job__primary_key="before")
    item = before.media
    exclude_range(media=item, track="text", start=19000, end=23500, reason="shared boilerplate")
    _text_job(submit, library, "after", f"Another essay.\n\n{shared}\n\n{own}\n\nThe end.")
    after = Match.objects.get(job__primary_key="after")
    assert all(s["library_start"] >= 23500 for s in after.segments["text"])
    # About half of the copied text is left: the similarity about halves (the engine's own figure
    # for the whole match was kept before).
    assert 0.35 * before.global_similarity < after.global_similarity < 0.65 * before.global_similarity
