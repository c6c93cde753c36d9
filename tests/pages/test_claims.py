"""Moderation by a team: a match opened is claimed, "next" stays inside the view and after the
moderator's skips, decisions on a colleague's claim or on a stale page are refused (unless taken
over, logged), and a decision can be undone."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from jobs.models import Job, JobStatus, Match, ReviewEvent
from libraries.models import Library, Media
from review.models import Claim
from tests.conftest import make_user


@pytest.fixture
def two_libraries(db):
    return Library.objects.create(name="films", media_type="video"), Library.objects.create(
        name="songs", media_type="audio"
    )


def _match(library: Library, similarity: float, query: str) -> Match:
    kind = library.media_type
    item = Media.objects.create(
        library=library, primary_key=f"ref-{query}", media_type=kind, sha256="0" * 64, duration=60.0
    )
    job = Job.objects.create(
        library=library,
        primary_key=query,
        media_type=kind,
        input_type="upload",
        status=JobStatus.SUCCESS,
        input_meta={"duration": 20.0},
    )
    segment = {
        "start": 2.0,
        "end": 12.0,
        "library_start": 30.0,
        "library_end": 40.0,
        "similarity": similarity,
    }
    return Match.objects.create(
        job=job,
        library=library,
        media=item,
        primary_key=item.primary_key,
        global_similarity=similarity,
        segments={kind: [segment]},
    )


def _match_id(location: str) -> int:
    assert location.startswith("/matches/"), location
    return int(location.split("/")[2])


def test_two_moderators_are_given_different_matches(make_match, as_role, people):
    first, second = make_match(0.99, "a", "q1"), make_match(0.7, "b", "q2")
    alice, bob = as_role("moderator"), as_role("admin")
    assert _match_id(alice.post("/review/next/")["Location"]) == first.id
    assert _match_id(bob.post("/review/next/")["Location"]) == second.id
    assert Claim.objects.get(match=first).user == people["moderator"]
    # The queue shows who holds what; a viewer opening a match claims nothing.
    page = as_role("viewer").get("/review/").content.decode()
    assert "<td>moderator</td>" in page and "<td>admin</td>" in page
    as_role("viewer").get(f"/matches/{first.id}/")
    assert Claim.objects.count() == 2


def test_next_stays_inside_the_view_and_counts_page_loads(two_libraries, as_role):
    films, songs = two_libraries
    for number in range(4):
        _match(films, 0.9 - number / 100, f"film-{number}")
        _match(songs, 0.95 - number / 100, f"song-{number}")  # higher: an unfiltered next takes these
    moderator = as_role("moderator")
    view = f"library={films.id}"
    location = moderator.post("/review/next/", {"view": view})["Location"]
    decided, loads = [], 0
    while location.startswith("/matches/"):
        match = Match.objects.get(id=_match_id(location))
        assert match.library == films and view in location
        page = moderator.get(location)  # one page load per decision
        loads += 1
        assert page.status_code == 200
        body = {"decision": "confirmed", "version": match.review_version, "view": view}
        location = moderator.post(f"/matches/{match.id}/decide/", body)["Location"]
        decided.append(match.id)
    assert len(decided) == 4 and loads == 4
    assert location.startswith("/review/?library=")  # the view is empty: back to it
    assert Match.objects.filter(library=songs, review_status="pending").count() == 4


def test_a_skipped_match_comes_back_only_after_everything_else(make_match, as_role):
    a, b, c = make_match(0.99, "a", "q1"), make_match(0.8, "b", "q2"), make_match(0.7, "c", "q3")
    moderator = as_role("moderator")
    assert _match_id(moderator.post("/review/next/")["Location"]) == a.id
    assert _match_id(moderator.post(f"/matches/{a.id}/skip/", {"view": ""})["Location"]) == b.id
    assert not Claim.objects.filter(match=a).exists()
    after_b = moderator.post(f"/matches/{b.id}/decide/", {"decision": "dismissed", "version": 0})
    assert _match_id(after_b["Location"]) == c.id  # not the skipped a
    after_c = moderator.post(f"/matches/{c.id}/decide/", {"decision": "dismissed", "version": 0})
    assert _match_id(after_c["Location"]) == a.id  # a again, now that nothing else is left


def test_a_decision_on_a_colleagues_claim_is_refused_unless_taken_over(make_match, as_role, people):
    match = make_match()
    as_role("moderator").get(f"/matches/{match.id}/")  # the moderator opens it: theirs
    admin = as_role("admin")
    page = admin.get(f"/matches/{match.id}/").content.decode()
    assert "<strong>moderator</strong> is reviewing this match" in page and 'id="take-over"' in page
    refused = admin.post(f"/matches/{match.id}/decide/", {"decision": "confirmed", "version": 0})
    assert "moderator is reviewing match" in admin.get(refused["Location"]).content.decode()
    assert not ReviewEvent.objects.exists()
    taken = admin.post(
        f"/matches/{match.id}/decide/", {"decision": "confirmed", "version": 0, "take_over": "on"}
    )
    assert taken.status_code == 302
    event = ReviewEvent.objects.get()
    assert (event.username, event.took_over_from) == ("admin", "moderator")
    assert "(taken over from moderator)" in admin.get(f"/matches/{match.id}/").content.decode()
    assert not Claim.objects.filter(match=match).exists()


def test_a_decision_on_a_stale_page_is_refused(make_match, as_role):
    match = make_match()
    moderator, admin = as_role("moderator"), as_role("admin")
    moderator.get(f"/matches/{match.id}/")  # read at version 0
    Claim.objects.all().delete()  # (the claim expired meanwhile)
    admin.post(f"/matches/{match.id}/decide/", {"decision": "dismissed", "version": 0})
    stale = moderator.post(f"/matches/{match.id}/decide/", {"decision": "confirmed", "version": 0})
    page = moderator.get(stale["Location"]).content.decode()
    assert "changed since you read it: it is now dismissed by admin" in page
    match.refresh_from_db()
    assert match.review_status == "dismissed" and ReviewEvent.objects.count() == 1


def test_an_expired_claim_lets_the_next_moderator_in(make_match, as_role):
    match = make_match()
    as_role("moderator").post("/review/next/")
    Claim.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _match_id(as_role("admin").post("/review/next/")["Location"]) == match.id


def test_a_decision_can_be_undone_by_its_author_while_nothing_changed(make_match, as_role):
    match, other = make_match(0.99, "a", "q1"), make_match(0.5, "b", "q2")
    moderator = as_role("moderator")
    moderator.get(f"/matches/{match.id}/")
    after = moderator.post(f"/matches/{match.id}/decide/", {"decision": "confirmed", "version": 0})
    assert after["Location"] == f"/matches/{other.id}/?recorded={ReviewEvent.objects.get().id}"
    page = moderator.get(after["Location"]).content.decode()
    assert "Recorded: match" in page and 'id="undo-form"' in page
    event = ReviewEvent.objects.get()
    assert as_role("admin").post(f"/decisions/{event.id}/undo/").status_code == 404  # not theirs
    moderator.post(f"/decisions/{event.id}/undo/")
    match.refresh_from_db()
    assert match.review_status == "pending" and match.reviewed_by is None and match.review_version == 2
    undo = ReviewEvent.objects.order_by("-id").first()
    assert (undo.previous, undo.decision, undo.note) == ("confirmed", "pending", "undo")
    # Undoing the same decision again would undo someone's later state: refused.
    moderator.post(f"/decisions/{event.id}/undo/")
    assert ReviewEvent.objects.count() == 2


def test_the_api_claims_next_within_filters_and_answers_409_with_a_code(two_libraries, db):
    films, songs = two_libraries
    film, song = _match(films, 0.6, "film"), _match(songs, 0.9, "song")
    clients = {}
    for name in ("ann", "ben"):
        clients[name] = APIClient()
        account = make_user(name, "moderator")
        clients[name].force_authenticate(account)
    got = clients["ann"].post("/api/v1/review/next/", {"kind": "video"}, format="json").json()
    assert got["match"]["id"] == film.id and got["match"]["claim"]["user"] == "ann" and got["remaining"] == 0
    assert got["match"]["review_version"] == 0
    empty = clients["ben"].post("/api/v1/review/next/?kind=video", format="json").json()
    assert empty == {"match": None, "remaining": 1}  # the only video match is ann's
    refused = clients["ben"].post(
        f"/api/v1/matches/{film.id}/review/", {"decision": "dismissed"}, format="json"
    )
    assert refused.status_code == 409 and refused.json()["code"] == "Review.ClaimedByOther"
    stale = clients["ann"].post(
        f"/api/v1/matches/{film.id}/review/", {"decision": "confirmed", "version": 5}, format="json"
    )
    assert stale.status_code == 409 and stale.json()["code"] == "Review.Stale"
    done = clients["ann"].post(
        f"/api/v1/matches/{film.id}/review/", {"decision": "confirmed", "version": 0}, format="json"
    )
    assert done.status_code == 200 and done.json()["review_version"] == 1 and done.json()["claim"] is None
    bad = clients["ben"].post("/api/v1/review/next/", {"library": "nope"}, format="json")
    assert bad.status_code == 400
    assert (
        clients["ben"].post("/api/v1/review/next/", {"min_similarity": 2}, format="json").status_code == 400
    )
    assert song.review_status == "pending"


def test_signing_out_ends_on_the_portals_sign_in_page(as_role):
    response = as_role("moderator").post("/accounts/logout/")
    assert response["Location"] == "/accounts/login/?signed_out=1"
    assert "You are signed out." in Client().get(response["Location"]).content.decode()


def test_a_bulk_decision_over_a_view_logs_one_event_per_match(two_libraries, as_role, people):
    films, songs = two_libraries
    matches = [_match(films, 0.5 + n / 100, f"film-{n}") for n in range(5)]
    _match(songs, 0.9, "song")
    as_role("admin").get(f"/matches/{matches[0].id}/")  # the admin holds one of them
    moderator = as_role("moderator")
    view = f"library={films.id}"
    page = moderator.get(f"/review/?{view}").content.decode()
    assert "All 5 in this view" in page
    # The view grew since the page was shown: refused, nothing recorded.
    _match(films, 0.7, "film-late")
    stale = moderator.post(
        "/review/bulk/", {"view": view, "decision": "dismissed", "scope": "view", "expected": 5}
    )
    assert "now holds 6 matches, not the 5" in moderator.get(stale["Location"]).content.decode()
    assert not ReviewEvent.objects.exists()
    done = moderator.post(
        "/review/bulk/", {"view": view, "decision": "dismissed", "scope": "view", "expected": 6}
    )
    assert (
        "Recorded not a copy for 5 matches; 1 held by other moderators"
        in moderator.get(done["Location"]).content.decode()
    )
    assert ReviewEvent.objects.filter(decision="dismissed", username="moderator").count() == 5
    assert Match.objects.get(id=matches[0].id).review_status == "pending"  # the admin's to decide
    assert Match.objects.filter(library=songs, review_status="pending").count() == 1  # outside the view


def test_a_bulk_decision_on_ticked_matches_and_through_the_api(make_match, as_role, api):
    a, b, c = make_match(0.9, "a", "q1"), make_match(0.8, "b", "q2"), make_match(0.7, "c", "q3")
    as_role("moderator").post(
        "/review/bulk/", {"decision": "confirmed", "scope": "selected", "ids": [a.id, c.id]}
    )
    assert sorted(ReviewEvent.objects.values_list("match_id", flat=True)) == [a.id, c.id]
    answer = api.post("/api/v1/review/bulk/", {"decision": "escalated", "ids": [b.id]}, format="json")
    assert answer.json() == {"decided": 1, "held_by_others": 0}
    # Ids no longer in the view (a was decided) make the count differ: refused with a code.
    again = api.post("/api/v1/review/bulk/", {"decision": "dismissed", "ids": [a.id]}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "Review.Stale"
    # An id no database can hold is a 400 with a code, on the API and on the page.
    huge = api.post("/api/v1/review/bulk/", {"decision": "dismissed", "ids": [2**70]}, format="json")
    assert huge.status_code == 400 and huge.json()["code"].startswith("InvalidParameter")
    page = as_role("moderator").post(
        "/review/bulk/", {"decision": "dismissed", "scope": "selected", "ids": [str(2**70)]}, follow=True
    )
    assert "Nothing was recorded" in page.content.decode()


def test_the_review_page_lists_the_uploads_other_matches(make_match, as_role):
    first = make_match(0.9, "a", "upload")
    job = first.job
    second = Match.objects.create(
        job=job, library=first.library, media=first.media, primary_key="b", global_similarity=0.6, segments={}
    )
    page = as_role("viewer").get(f"/matches/{first.id}/").content.decode()
    assert 'id="other-matches"' in page and f"/matches/{second.id}/" in page


def test_an_escalation_has_an_owner_and_a_view_of_its_own(make_match, as_role, people):
    match, other = make_match(0.9, "a", "q1"), make_match(0.8, "b", "q2")
    moderator = as_role("moderator")
    moderator.post(f"/matches/{match.id}/decide/", {"decision": "escalated", "owner": "admin", "version": 0})
    moderator.post(f"/matches/{other.id}/decide/", {"decision": "escalated", "version": 0})  # to anyone
    admin = as_role("admin")
    mine = admin.get("/review/?status=escalated&owner=admin").content.decode()
    assert f"/matches/{match.id}/" in mine and f"/matches/{other.id}/" not in mine
    assert (
        "Escalated by moderator to <strong>admin</strong>"
        in admin.get(f"/matches/{match.id}/").content.decode()
    )
    # A next within the Escalated-to-me view gives the admin their escalation.
    assert (
        _match_id(admin.post("/review/next/", {"view": "status=escalated&owner=admin"})["Location"])
        == match.id
    )
    # Only moderators and admins can own one; only an escalation has an owner.
    viewer = moderator.post(f"/matches/{other.id}/decide/", {"decision": "escalated", "owner": "viewer"})
    assert "not a moderator or admin" in moderator.get(viewer["Location"]).content.decode()
    wrong = moderator.post(f"/matches/{other.id}/decide/", {"decision": "confirmed", "owner": "admin"})
    assert "only an escalation has an owner" in moderator.get(wrong["Location"]).content.decode()


def test_the_throughput_page_counts_decisions_per_moderator_and_waits(make_match, as_role):
    for number in range(3):
        match = make_match(0.9 - number / 10, f"k{number}", f"q{number}")
        if number < 2:
            as_role("moderator").post(f"/matches/{match.id}/decide/", {"decision": "dismissed"})
    page = as_role("moderator").get("/review/throughput/")
    assert page.status_code == 200
    body = page.content.decode()
    assert '<th scope="col" class="num">moderator</th>' in body and '<td class="num">2</td>' in body
    assert '<td>clips</td><td class="num">1</td>' in body  # one match still waits in the clips library
    assert as_role("viewer").get("/review/throughput/").status_code == 403


def test_a_decision_carries_a_reason_that_fits_it(make_match, as_role, api, library):
    a, b, c = make_match(0.9, "a", "q1"), make_match(0.8, "b", "q2"), make_match(0.7, "c", "q3")
    moderator = as_role("moderator")
    page = moderator.get(f"/matches/{a.id}/").content.decode()
    assert '<optgroup label="Not a copy"><option value="not_a_copy">' in page
    moderator.post(f"/matches/{a.id}/decide/", {"decision": "dismissed", "reason": "licensed", "version": 0})
    a.refresh_from_db()
    assert a.review_status == "dismissed" and a.review_reason == "licensed"
    assert ReviewEvent.objects.get(match=a).reason == "licensed"
    assert "A copy, but licensed or owned" in moderator.get("/audit/").content.decode()
    # A reason that belongs to another decision is refused with a code; nothing is recorded.
    wrong = api.post(
        f"/api/v1/matches/{b.id}/review/", {"decision": "confirmed", "reason": "licensed"}, format="json"
    )
    assert wrong.status_code == 400 and wrong.json()["code"] == "InvalidParameter.Reason"
    b.refresh_from_db()
    assert b.review_status == "pending"
    d = make_match(0.6, "d", "q4")  # (b is the moderator's now: deciding a opened it)
    bulk = api.post(
        "/api/v1/review/bulk/",
        {"decision": "escalated", "reason": "legal", "ids": [c.id, d.id]},
        format="json",
    )
    assert bulk.json() == {"decided": 2, "held_by_others": 0}
    assert set(ReviewEvent.objects.filter(match__in=[c, d]).values_list("reason", flat=True)) == {"legal"}
    assert api.get(f"/api/v1/matches/{c.id}/").json()["review_reason"] == "legal"
