"""The queue as moderators work it: one card per upload with its matches, the same pair met again
decided once, a coverage filter, saved views with their counts, and "next" going through an upload's
card before the rest of the view."""

import re

from jobs.models import Job, Match, ReviewEvent
from review.models import SavedView
from tests.media import book_text


def _text_job(submit, library, key, text, save_type="nosave") -> dict:
    response = submit(library, key, media_type="text", save_type=save_type, text=text)
    assert response.status_code == 201, response.content
    return response.json()


def _books(make_library, submit):
    library = make_library("books", "text")
    for name in ("dickens-music", "beethoven-letters"):
        _text_job(submit, library, name, book_text(name)[:40000], save_type="onlysave")
    return library


def test_the_same_upload_again_follows_the_first_ones_decision(make_library, submit, as_role):
    library = _books(make_library, submit)
    essay = f"An essay.\n\n{book_text('dickens-music')[10000:12500]}\n\nThe end."
    _text_job(submit, library, "essay", essay)
    _text_job(submit, library, "essay-again", essay)  # the same text, uploaded again
    first, again = Match.objects.order_by("id")
    assert again.duplicate_of == first and first.duplicate_of is None
    assert (
        Job.objects.get(primary_key="essay").input_sha256
        == Job.objects.get(primary_key="essay-again").input_sha256
    )

    # One card in the queue, saying that a second upload follows it.
    moderator = as_role("moderator")
    page = moderator.get("/review/").content.decode()
    assert page.count('<tbody class="upload"') == 1 and "+1 identical upload" in page
    assert re.search(r'id="view-count">1</strong> match of <span id="view-uploads">1</span> upload', page)

    # Deciding the first decides the second: an audit event each. Undone, both are pending again.
    moderator.get(f"/matches/{first.id}/")
    moderator.post(f"/matches/{first.id}/decide/", {"decision": "confirmed", "version": 0})
    again.refresh_from_db()
    assert again.review_status == "confirmed" and again.reviewed_by.username == "moderator"
    assert ReviewEvent.objects.filter(match=again, decision="confirmed").count() == 1
    event = ReviewEvent.objects.get(match=first)
    moderator.post(f"/decisions/{event.id}/undo/")
    again.refresh_from_db()
    assert again.review_status == "pending"
    moderator.get(f"/matches/{first.id}/")
    moderator.post(f"/matches/{first.id}/decide/", {"decision": "dismissed", "version": 2})

    # A third upload of it, after the decision: it takes the decision at once, logged as such.
    _text_job(submit, library, "essay-third", essay)
    third = Match.objects.get(job__primary_key="essay-third")
    assert third.duplicate_of == first and third.review_status == "dismissed"
    logged = ReviewEvent.objects.get(match=third)
    assert logged.username == "(same pair)" and f"as match {first.id}" in logged.note
    # Another text matching the same book is a pair of its own.
    _text_job(submit, library, "other-essay", f"Other words.\n\n{book_text('dickens-music')[10000:12500]}")
    other = Match.objects.get(job__primary_key="other-essay")
    assert other.duplicate_of is None and other.review_status == "pending"


def test_an_upload_with_two_matches_is_one_card_reviewed_through(make_library, submit, as_role):
    library = _books(make_library, submit)
    both = (
        f"A mix.\n\n{book_text('dickens-music')[10000:12500]}\n\n"
        f"{book_text('beethoven-letters')[20000:22500]}\n\nThe end."
    )
    _text_job(submit, library, "mix", both)
    _text_job(submit, library, "single", f"One.\n\n{book_text('beethoven-letters')[5000:9000]}")
    mix = Match.objects.filter(job__primary_key="mix")
    assert mix.count() == 2
    moderator = as_role("moderator")
    page = moderator.get("/review/").content.decode()
    cards = re.findall(r'<tbody class="upload".*?</tbody>', page, re.S)
    assert len(cards) == 2
    [mix_card] = [card for card in cards if ">mix</a>" in card]
    assert (
        "2 matches in this view" in mix_card and 'aria-label="Tick the 2 matches of upload mix"' in mix_card
    )
    assert mix_card.count('name="ids"') == 2
    # Whatever the similarities, deciding one of the mix's matches opens the other one next.
    first_of_mix = mix.order_by("id").first()
    moderator.get(f"/matches/{first_of_mix.id}/")
    response = moderator.post(f"/matches/{first_of_mix.id}/decide/", {"decision": "confirmed", "version": 0})
    other = mix.exclude(id=first_of_mix.id).get()
    assert response["Location"].startswith(f"/matches/{other.id}/")


def test_the_coverage_filter_and_saved_views_with_their_counts(make_match, as_role, people):
    small = make_match(0.95, "a", "small-copy", segments=[_segment(2.0, 4.0)])  # 2 of 20 s: 10%
    large = make_match(0.9, "b", "large-copy", segments=[_segment(0.0, 15.0)])  # 75%
    assert small.query_coverage is None  # made directly: the worker stores it (see below)
    for match in (small, large):
        match.query_coverage = (match.segments["video"][0]["end"] - match.segments["video"][0]["start"]) / 20
        match.save()
    moderator = as_role("moderator")
    page = moderator.get("/review/?min_coverage=0.5").content.decode()
    assert "large-copy" in page and "small-copy" not in page
    # A garbled filter is reported and left out; the others still hold.
    page = moderator.get("/review/?min_coverage=0.5&min_similarity=lots").content.decode()
    assert "large-copy" in page and "small-copy" not in page and "Enter a number" in page

    moderator.post("/review/views/", {"view": "min_coverage=0.5", "name": "  big   copies "})
    moderator.post("/review/views/", {"view": "", "name": "everything"})
    saved = SavedView.objects.get(name="big copies")
    assert saved.query == "min_coverage=0.5" and saved.user == people["moderator"]
    page = moderator.get("/review/").content.decode()
    assert re.search(r'min_coverage=0.5">big copies</a> <span class="pill">1</span>', page)
    assert re.search(r'">everything</a> <span class="pill">2</span>', page)
    # The same name again replaces the view; hostile names are refused; nobody else can delete it.
    moderator.post("/review/views/", {"view": "min_coverage=0.05", "name": "big copies"})
    assert SavedView.objects.get(name="big copies").query == "min_coverage=0.05"
    response = moderator.post("/review/views/", {"view": "", "name": "x" * 81}, follow=True)
    assert "The view was not saved. name: 1 to 80 characters." in response.content.decode()
    assert moderator.post("/review/views/", {"view": "", "name": "bad\x00name"}).status_code == 400
    assert SavedView.objects.count() == 2
    as_role("admin").post(f"/review/views/{saved.id}/delete/")
    assert SavedView.objects.filter(id=saved.id).exists()
    moderator.post(f"/review/views/{saved.id}/delete/")
    assert not SavedView.objects.filter(id=saved.id).exists()


def test_the_worker_stores_how_much_of_the_upload_a_match_covers(make_library, submit):
    library = _books(make_library, submit)
    passage = book_text("dickens-music")[10000:12500]
    _text_job(submit, library, "half", f"{passage}{'Some words of my own. ' * 114}")
    match = Match.objects.get(job__primary_key="half")
    assert 0.35 < match.query_coverage < 0.65


def _segment(start: float, end: float) -> dict:
    return {"start": start, "end": end, "library_start": start, "library_end": end, "similarity": 0.95}
