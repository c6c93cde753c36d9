"""Deciding on matches: the page, the queue's order and filters, the audit log, changed decisions."""

import pytest

from core.errors import ApiError
from jobs.models import ReviewEvent
from libraries.access import Scope
from review import decisions
from review.queue import View, matches_in_view


def test_it_logs_each_decision_with_what_it_replaced(people, make_match):
    match = make_match()
    decisions.decide_match(match=match, user=people["moderator"], decision="confirmed", note=" copy ")
    decisions.decide_match(match=match, user=people["admin"], decision="dismissed", note="licensed")
    match.refresh_from_db()
    assert match.review_status == "dismissed" and match.reviewed_by == people["admin"]
    newest, first = ReviewEvent.objects.all()
    assert (first.username, first.previous, first.decision, first.note) == (
        "moderator",
        "pending",
        "confirmed",
        "copy",
    )
    assert (newest.username, newest.previous, newest.decision) == ("admin", "confirmed", "dismissed")


@pytest.mark.parametrize(("decision", "note"), [("pending", ""), ("approve", ""), ("confirmed", "x" * 2001)])
def test_it_refuses_an_unknown_decision_or_a_huge_note(people, make_match, decision, note):
    match = make_match()
    with pytest.raises(ApiError):
        decisions.decide_match(match=match, user=people["moderator"], decision=decision, note=note)
    assert not ReviewEvent.objects.exists()


def test_the_queue_holds_pending_matches_highest_first_and_filters(make_match, people, as_role):
    low, high, mid = make_match(0.55, "a", "q1"), make_match(0.97, "b", "q2"), make_match(0.8, "c", "q3")
    decisions.decide_match(match=mid, user=people["moderator"], decision="escalated")
    assert list(matches_in_view(scope=Scope.everything())) == [high, low]
    assert list(matches_in_view(scope=Scope.everything(), view=View(min_similarity=0.6))) == [high]
    page = as_role("viewer").get("/review/?min_similarity=0.6").content.decode()
    assert f"/matches/{high.id}/" in page and f"/matches/{low.id}/" not in page
    assert as_role("viewer").get("/review/?min_similarity=2").status_code == 200  # a bad filter is shown


def test_deciding_on_the_page_moves_to_the_next_match_in_the_queue(make_match, as_role):
    first, second = make_match(0.99, "a", "q1"), make_match(0.7, "b", "q2")
    moderator = as_role("moderator")
    page = moderator.get(f"/matches/{first.id}/").content.decode()
    assert "1 more in this view" in page and 'id="skip-form"' in page
    response = moderator.post(
        f"/matches/{first.id}/decide/", {"decision": "confirmed", "version": 0, "note": "n"}
    )
    assert response["Location"].startswith(f"/matches/{second.id}/?recorded=")
    response = moderator.post(f"/matches/{second.id}/decide/", {"decision": "dismissed", "version": 0})
    assert response["Location"].startswith("/review/?recorded=")  # nothing left


def test_the_audit_log_lists_decisions_and_filters_them(make_match, people, as_role):
    match = make_match()
    decisions.decide_match(match=match, user=people["moderator"], decision="confirmed", note="first look")
    decisions.decide_match(match=match, user=people["admin"], decision="dismissed", note="on second thoughts")
    page = as_role("viewer").get("/audit/").content.decode()
    assert page.index("on second thoughts") < page.index("first look")
    only = as_role("viewer").get("/audit/?decision=confirmed").content.decode()
    assert "first look" in only and "on second thoughts" not in only
    by_user = as_role("viewer").get("/audit/?user=admin").content.decode()
    assert "on second thoughts" in by_user and "first look" not in by_user


def test_the_review_page_draws_bars_with_both_starts_for_clicks_and_tests(make_match, as_role):
    match = make_match(
        segments=[
            {"start": 2.0, "end": 12.0, "library_start": 30.0, "library_end": 40.0, "similarity": 0.91},
            {"start": 15.0, "end": 18.0, "library_start": 50.5, "library_end": 53.5, "similarity": 0.62},
        ]
    )
    page = as_role("viewer").get(f"/matches/{match.id}/").content.decode()
    # Each segment: a bar on each timeline and a list row, all carrying both starts.
    assert page.count('data-start="2.0"') == 3 and page.count('data-library-start="30.0"') == 3
    assert page.count('data-start="15.0"') == 3 and page.count('data-library-start="50.5"') == 3
    assert "left:10.0%;width:50.0%" in page  # query: 2-12 s of 20 s
    assert "left:50.0%;width:16.667%" in page  # library: 30-40 s of 60 s
    assert (
        'aria-label="Segment 1 (picture): query 0:02.0–0:12.0, library 0:30.0–0:40.0, similarity 0.91"'
        in page
    )
    # Neither file is stored in this test: the page says so instead of showing a broken player.
    assert "The query&#x27;s file is not kept" in page or "The query's file is not kept" in page


def test_the_review_page_of_a_deleted_library_item_still_shows_the_result(make_match, as_role):
    match = make_match()
    match.media.delete()
    page = as_role("viewer").get(f"/matches/{match.id}/")
    assert page.status_code == 200 and b"deleted after this match" in page.content


def test_an_unknown_match_is_a_404_page(as_role):
    assert as_role("viewer").get("/matches/999999/").status_code == 404


@pytest.mark.parametrize("body", [{"decision": "approve"}, {}, {"decision": "confirmed", "note": "x" * 2001}])
def test_a_bad_decision_on_the_page_records_nothing_and_says_why(make_match, as_role, body):
    match = make_match()
    moderator = as_role("moderator")
    response = moderator.post(f"/matches/{match.id}/decide/", body)
    assert response.status_code == 302
    page = moderator.get(response["Location"]).content.decode()
    assert "Nothing was recorded" in page
    assert not ReviewEvent.objects.exists()
    match.refresh_from_db()
    assert match.review_status == "pending"


def test_the_review_api_refuses_bad_decisions_and_unknown_matches(make_match, api):
    match = make_match()
    bad = api.post(f"/api/v1/matches/{match.id}/review/", {"decision": "approve"}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "InvalidParameter.Decision"
    long = api.post(
        f"/api/v1/matches/{match.id}/review/", {"decision": "dismissed", "note": "x" * 2001}, format="json"
    )
    assert long.status_code == 400 and long.json()["code"] == "InvalidParameter.Note"
    for missing in ("999999", "abc"):
        response = api.post(f"/api/v1/matches/{missing}/review/", {"decision": "confirmed"}, format="json")
        assert response.status_code == 404 and response.json()["code"] == "ResourceNotFound.Match"
    assert not ReviewEvent.objects.exists()
