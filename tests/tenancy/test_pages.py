"""Tenancy in the pages: a newsroom moderator sees and acts on the newsroom's and the shared libraries
and jobs only; another team's objects answer 404 (as if they did not exist) and stay as they were."""

import pytest

from jobs.models import Job, JobStatus, Match, ReviewStatus
from libraries.models import Media


def test_the_library_list_shows_the_teams_own_and_the_shared_libraries(world, page_as):
    body = page_as("news_viewer").get("/libraries/").content.decode()
    assert "news" in body and "shared" in body
    assert f"/libraries/{world.libraries['archive'].id.hex}/" not in body
    admin = page_as("admin").get("/libraries/").content.decode()
    assert f"/libraries/{world.libraries['archive'].id.hex}/" in admin


@pytest.mark.parametrize(
    "path",
    [
        "/libraries/{archive_library}/",
        "/items/{archive_item}/",
        "/items/{archive_item}/file",
        "/items/{archive_item}/thumb",
        "/jobs/{archive_job}/",
        "/jobs/{archive_job}/file",
        "/jobs/{archive_shared_job}/",
        "/matches/{archive_match}/",
    ],
)
def test_another_teams_pages_and_files_do_not_exist_for_a_member(world, page_as, path):
    url = path.format(
        archive_library=world.libraries["archive"].id.hex,
        archive_item=world.items["archive"].id.hex,
        archive_job=world.jobs["archive"].done.id.hex,
        archive_shared_job=world.jobs["archive_in_shared"].done.id.hex,
        archive_match=world.jobs["archive"].match.id,
    )
    assert page_as("news_mod").get(url).status_code == 404
    for owner in ("arch_mod", "admin"):
        response = page_as(owner).get(url)
        if response.streaming:  # read to the end: the test client then closes the file
            b"".join(response.streaming_content)
        # Found (a text item has no thumbnail to draw: 422, not 404).
        assert response.status_code == (422 if path.endswith("thumb") else 200)


def test_a_member_reads_the_files_of_the_own_and_shared_libraries(world, page_as):
    for name in ("news", "shared"):
        response = page_as("news_viewer").get(f"/items/{world.items[name].id.hex}/file")
        assert response.status_code == 200
        assert b"best of times" in b"".join(response.streaming_content)


def test_the_jobs_list_review_queue_and_audit_log_hold_the_teams_own_and_shared_jobs(world, page_as):
    client = page_as("news_viewer")
    jobs = client.get("/jobs/").content.decode()
    queue = client.get("/review/").content.decode()
    audit = client.get("/audit/").content.decode()
    for name in ("news", "shared"):
        assert world.jobs[name].done.id.hex in jobs
        assert f"/matches/{world.jobs[name].match.id}/" in queue
        assert f"/matches/{world.jobs[name].match.id}/" in audit
    for name in ("archive", "archive_in_shared"):
        assert world.jobs[name].done.id.hex not in jobs
        assert world.jobs[name].queued.id.hex not in jobs
        assert f"/matches/{world.jobs[name].match.id}/" not in queue
        assert f"/matches/{world.jobs[name].match.id}/" not in audit
    everything = page_as("admin").get("/jobs/").content.decode()
    assert world.jobs["archive_in_shared"].done.id.hex in everything


def test_the_dashboard_counts_only_what_the_member_sees(world, page_as):
    response = page_as("news_viewer").get("/")
    assert response.context["queue_length"] == 2
    assert {m.job_id for m in response.context["recent_matches"]} == {
        world.jobs["news"].done.id,
        world.jobs["shared"].done.id,
    }
    assert page_as("admin").get("/").context["queue_length"] == 4


def test_a_shared_items_page_lists_only_the_members_own_matches(world, page_as):
    page = page_as("news_viewer").get(f"/items/{world.items['shared'].id.hex}/")
    assert [m.job_id for m in page.context["matches"]] == [world.jobs["shared"].done.id]


def test_a_moderator_cannot_act_on_another_teams_objects(world, page_as):
    client = page_as("news_mod")
    archive = world.jobs["archive"]
    assert client.post(f"/jobs/{archive.queued.id.hex}/cancel/").status_code == 404
    assert client.post(f"/items/{world.items['archive'].id.hex}/delete/").status_code == 404
    decide = client.post(f"/matches/{archive.match.id}/decide/", {"decision": "dismissed"})
    assert decide.status_code == 404
    assert Job.objects.get(id=archive.queued.id).status == JobStatus.QUEUING
    assert Media.objects.filter(id=world.items["archive"].id).exists()
    assert Match.objects.get(id=archive.match.id).review_status == ReviewStatus.PENDING
    # Its own: allowed.
    own = world.jobs["news"]
    assert (
        client.post(f"/matches/{own.match.id}/decide/", {"decision": "confirmed", "version": 0}).status_code
        == 302
    )
    assert Match.objects.get(id=own.match.id).review_status == ReviewStatus.CONFIRMED
    assert client.post(f"/jobs/{own.queued.id.hex}/cancel/").status_code == 302
    assert Job.objects.get(id=own.queued.id).status == JobStatus.CANCELLED


def test_next_in_the_queue_never_opens_another_teams_match(world, page_as):
    client = page_as("news_mod")
    first = client.post("/review/next/")
    assert first["Location"] == f"/matches/{world.jobs['news'].match.id}/"
    last = client.post(
        f"/matches/{world.jobs['news'].match.id}/decide/", {"decision": "dismissed", "version": 0}
    )
    # Only the newsroom's own and shared matches are offered, then nothing: the archive's never are.
    assert last["Location"].startswith(f"/matches/{world.jobs['shared'].match.id}/?recorded=")
    end = client.post(
        f"/matches/{world.jobs['shared'].match.id}/decide/", {"decision": "dismissed", "version": 0}
    )
    assert end["Location"].startswith("/review/?recorded=")
    assert Match.objects.filter(review_status=ReviewStatus.PENDING).count() == 2  # the archive's two


def test_the_submit_page_offers_and_accepts_only_visible_libraries(world, page_as):
    client = page_as("news_mod")
    page = client.get("/submit/")
    offered = {library.name for library in page.context["form"].fields["library"].queryset}
    assert offered == {"news", "shared"}
    before = Job.objects.count()
    refused = client.post(
        "/submit/",
        {
            "library": world.libraries["archive"].id.hex,
            "media_type": "text",
            "save_type": "nosave",
            "primary_key": "probe",
            "text": "Anything at all to search with.",
        },
    )
    assert refused.status_code == 400
    assert "library" in refused.context["form"].errors
    assert Job.objects.count() == before


def test_a_job_sent_to_a_shared_library_belongs_to_the_senders_team(
    world, page_as, django_capture_on_commit_callbacks
):
    client = page_as("news_mod")
    response = client.post(
        "/submit/",
        {
            "library": world.libraries["shared"].id.hex,
            "media_type": "text",
            "save_type": "nosave",
            "primary_key": "newsroom-probe",
            "text": "Anything at all to search with.",
        },
    )
    assert response.status_code == 302
    job = Job.objects.get(primary_key="newsroom-probe")
    assert job.team == world.teams["newsroom"]
    assert page_as("arch_mod").get(f"/jobs/{job.id.hex}/").status_code == 404
    assert page_as("news_viewer").get(f"/jobs/{job.id.hex}/").status_code == 200


def test_the_library_form_gives_a_library_to_a_team(world, page_as):
    client = page_as("admin")
    library = world.libraries["shared"]
    form = client.get(f"/libraries/{library.id.hex}/edit/")
    assert "Shared by every team" in form.content.decode()
    saved = client.post(
        f"/libraries/{library.id.hex}/edit/",
        {
            "name": "shared",
            "description": "",
            "duplicate_threshold": "0.5",
            "team": world.teams["newsroom"].pk,
        },
    )
    assert saved.status_code == 302
    # Now the newsroom's: the archive loses it, and keeps its own job that was sent while it was shared.
    assert page_as("arch_mod").get(f"/libraries/{library.id.hex}/").status_code == 404
    assert page_as("arch_mod").get(f"/jobs/{world.jobs['archive_in_shared'].done.id.hex}/").status_code == 200
    assert Job.objects.get(id=world.jobs["shared"].done.id).team == world.teams["newsroom"]
