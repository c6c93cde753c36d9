"""Who reaches which page and action: anonymous users go to sign-in, a role only reaches its own
actions (a crafted POST included), the API follows the same roles, and every form needs its CSRF token."""

import re

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from jobs.models import Match, ReviewEvent

PAGES = ["/", "/libraries/", "/jobs/", "/review/", "/audit/", "/submit/", "/libraries/new/"]


@pytest.mark.parametrize("path", PAGES)
def test_it_sends_anonymous_users_to_sign_in(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_it_sends_anonymous_users_from_a_review_page_to_sign_in_and_back(client, make_match):
    match = make_match()
    response = client.get(f"/matches/{match.id}/")
    assert (
        response.status_code == 302 and response["Location"] == f"/accounts/login/?next=/matches/{match.id}/"
    )


def test_it_shows_a_clear_page_to_an_account_without_a_role(as_role):
    response = as_role("nobody").get("/")
    assert response.status_code == 403
    assert b"no role yet" in response.content


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("viewer", {"/": 200, "/review/": 200, "/audit/": 200, "/submit/": 403, "/libraries/new/": 403}),
        ("moderator", {"/": 200, "/submit/": 200, "/libraries/new/": 403}),
        ("admin", {"/": 200, "/submit/": 200, "/libraries/new/": 200}),
    ],
)
def test_each_role_reaches_its_pages(as_role, role, expected):
    client = as_role(role)
    for path, status in expected.items():
        assert client.get(path).status_code == status, (role, path)


def test_a_viewer_cannot_decide_even_with_a_crafted_post(as_role, make_match):
    match = make_match()
    viewer = as_role("viewer", csrf=True)
    page = viewer.get(f"/matches/{match.id}/")
    assert page.status_code == 200 and b"decision-form" not in page.content
    token = viewer.cookies["csrftoken"].value
    response = viewer.post(
        f"/matches/{match.id}/decide/", {"decision": "confirmed", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 403
    assert Match.objects.get(id=match.id).review_status == "pending"
    assert not ReviewEvent.objects.exists()


def test_a_moderator_cannot_reach_admin_actions(as_role, library):
    moderator = as_role("moderator")
    assert moderator.post(f"/libraries/{library.id}/delete/").status_code == 403
    assert moderator.post("/libraries/new/", {"name": "x", "media_type": "video"}).status_code == 403
    assert moderator.post(f"/libraries/{library.id}/edit/", {"name": "renamed"}).status_code == 403
    library.refresh_from_db()
    assert library.name == "clips"


def test_a_decision_needs_the_csrf_token(as_role, make_match):
    match = make_match()
    moderator = as_role("moderator", csrf=True)
    response = moderator.post(f"/matches/{match.id}/decide/", {"decision": "confirmed"})
    assert response.status_code == 403
    assert not ReviewEvent.objects.exists()
    page = moderator.get(f"/matches/{match.id}/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = moderator.post(
        f"/matches/{match.id}/decide/", {"decision": "confirmed", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert ReviewEvent.objects.get().decision == "confirmed"


@pytest.mark.parametrize("path", ["/submit/", "/libraries/new/"])
def test_every_page_form_carries_a_csrf_token(as_role, path):
    page = as_role("admin").get(path).content.decode()
    assert page.count("<form") >= 2  # the page's form and the sign-out form
    assert page.count("<form") == page.count('name="csrfmiddlewaretoken"')


def test_the_api_follows_the_same_roles(people, make_match, library):
    match = make_match()

    def api(role):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=people[role]).key}")
        return client

    viewer, moderator, nobody = api("viewer"), api("moderator"), api("nobody")
    assert viewer.get("/api/v1/jobs/").status_code == 200
    assert viewer.get(f"/api/v1/matches/{match.id}/").status_code == 200
    denied = viewer.post(f"/api/v1/matches/{match.id}/review/", {"decision": "confirmed"}, format="json")
    assert denied.status_code == 403 and denied.json()["code"] == "Forbidden"
    assert viewer.post("/api/v1/jobs/", {}, format="json").status_code == 403
    assert nobody.get("/api/v1/jobs/").status_code == 403
    assert (
        moderator.post("/api/v1/libraries/", {"name": "n", "media_type": "text"}, format="json").status_code
        == 403
    )
    assert moderator.delete(f"/api/v1/libraries/{library.id.hex}/").status_code == 403
    done = moderator.post(
        f"/api/v1/matches/{match.id}/review/", {"decision": "escalated", "note": "legal"}, format="json"
    )
    assert done.status_code == 200, done.content
    assert done.json()["review_status"] == "escalated" and done.json()["reviewed_by"] == "moderator"
    assert APIClient().get("/api/v1/jobs/").status_code == 401


def test_the_api_with_a_session_needs_the_csrf_token(people, make_match):
    match = make_match()
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(people["moderator"])
    response = client.post(f"/api/v1/matches/{match.id}/review/", {"decision": "confirmed"}, format="json")
    assert response.status_code == 403
    assert Match.objects.get(id=match.id).review_status == "pending"
