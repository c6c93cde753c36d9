"""The dashboard, library, submit and jobs pages: what they show, their filters, and their writes."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_q.models import Schedule

from dnaportal.health import worker_health
from dnaportal.views import jobs_by_day
from jobs.models import Job, JobStatus
from jobs.signals import SWEEPERS
from libraries.access import Scope
from libraries.models import Library, Media


def _job(library, key, status=JobStatus.QUEUING, **extra):
    return Job.objects.create(
        library=library, primary_key=key, media_type="video", input_type="upload", status=status, **extra
    )


def test_worker_health_reads_the_schedule_a_running_cluster_moves_on(library, db):
    for name in SWEEPERS:
        Schedule.objects.update_or_create(
            name=name,
            defaults={"func": "jobs.tasks.sweep_queue", "next_run": timezone.now() + timedelta(seconds=30)},
        )
    _job(library, "a")
    old = _job(library, "b")
    Job.objects.filter(id=old.id).update(created_at=timezone.now() - timedelta(minutes=10))
    health = worker_health()
    assert health.cluster_running and health.waiting == 2 and health.oldest_wait_seconds >= 600
    Schedule.objects.filter(name__in=SWEEPERS).update(next_run=timezone.now() - timedelta(minutes=10))
    assert not worker_health().cluster_running


def test_the_dashboard_shows_libraries_queue_jobs_by_day_and_workers(as_role, make_match, library):
    make_match(0.93)
    Schedule.objects.filter(name__in=SWEEPERS).update(next_run=timezone.now() - timedelta(hours=1))
    Media.objects.filter(library=library).update(duration=5400)
    _job(library, "failed", JobStatus.FAIL)
    days = jobs_by_day(Scope.everything())
    assert len(days) == 14 and days[-1]["total"] == 2
    assert {p["status"]: p["n"] for p in days[-1]["parts"]} == {"success": 1, "fail": 1}
    page = as_role("viewer").get("/").content.decode()
    assert 'data-testid="queue-length">1<' in page
    assert "1.5 h" in page and "clips" in page
    assert "No worker cluster is running" in page


def test_an_admin_creates_edits_and_deletes_a_library_through_the_pages(as_role):
    admin = as_role("admin")
    response = admin.post(
        "/libraries/new/", {"name": "songs", "media_type": "audio", "duplicate_threshold": 0.6}
    )
    library = Library.objects.get(name="songs")
    assert response["Location"] == f"/libraries/{library.id.hex}/"
    again = admin.post(
        "/libraries/new/", {"name": "songs", "media_type": "audio", "duplicate_threshold": 0.6}
    )
    assert again.status_code == 400 and b"ResourceAlreadyExists.LibraryName" in again.content
    admin.post(
        f"/libraries/{library.id}/edit/", {"name": "tunes", "description": "d", "duplicate_threshold": 0.7}
    )
    library.refresh_from_db()
    assert (library.name, library.duplicate_threshold, library.media_type) == ("tunes", 0.7, "audio")
    bad = admin.post(f"/libraries/{library.id.hex}/edit/", {"name": "", "duplicate_threshold": 5})
    assert bad.status_code == 400 and b"less than or equal to 1" in bad.content
    library.refresh_from_db()
    assert (library.name, library.duplicate_threshold) == ("tunes", 0.7)
    confirm = admin.get(f"/libraries/{library.id}/delete/")
    assert b"cannot be undone" in confirm.content and Library.objects.filter(id=library.id).exists()
    admin.post(f"/libraries/{library.id}/delete/")
    assert not Library.objects.filter(id=library.id).exists()


def test_a_librarys_items_are_searchable_and_paginated(as_role, library):
    for i in range(30):
        Media.objects.create(
            library=library, primary_key=f"clip-{i:02d}", media_type="video", sha256="0" * 64
        )
    viewer = as_role("viewer")
    first = viewer.get(f"/libraries/{library.id}/").content.decode()
    assert "Page 1 of 2 (30 in all)" in first and first.count('href="/items/') == 25
    found = viewer.get(f"/libraries/{library.id}/?q=clip-1").content.decode()
    assert found.count('href="/items/') == 10
    second = viewer.get(f"/libraries/{library.id}/?q=clip&page=2").content.decode()
    assert second.count('href="/items/') == 5 and "q=clip&amp;page=1" in second
    item = Media.objects.get(primary_key="clip-07")
    page = viewer.get(f"/items/{item.id}/").content.decode()
    assert "clip-07" in page and "Fingerprints" in page


def test_a_moderator_deletes_an_item_after_confirming(as_role, library):
    item = Media.objects.create(library=library, primary_key="x", media_type="video", sha256="0" * 64)
    moderator = as_role("moderator")
    assert b"Delete item x?" in moderator.get(f"/items/{item.id}/delete/").content
    assert as_role("viewer").post(f"/items/{item.id}/delete/").status_code == 403
    moderator.post(f"/items/{item.id}/delete/")
    assert not Media.objects.filter(id=item.id).exists()


def test_jobs_are_filtered_by_status_library_time_and_matches(as_role, make_match, library):
    matched = make_match().job
    waiting = _job(library, "waiting")
    other = Library.objects.create(name="other", media_type="video")
    elsewhere = _job(other, "elsewhere", JobStatus.FAIL)
    Job.objects.filter(id=elsewhere.id).update(created_at=timezone.now() - timedelta(days=3))
    viewer = as_role("viewer")

    def shown(query):
        page = viewer.get(f"/jobs/?{query}").content.decode()
        return {job.primary_key for job in (matched, waiting, elsewhere) if f"/jobs/{job.id.hex}/" in page}

    assert shown("") == {"upload", "waiting", "elsewhere"}
    assert shown("status=queuing") == {"waiting"}
    assert shown(f"library={other.id}") == {"elsewhere"}
    assert shown("has_matches=yes") == {"upload"}
    assert shown("has_matches=no") == {"waiting", "elsewhere"}
    today = timezone.localdate()
    assert shown(f"created_after={today}") == {"upload", "waiting"}
    assert shown(f"created_before={today - timedelta(days=1)}") == {"elsewhere"}
    bad = viewer.get("/jobs/?created_after=yesterday")
    assert bad.status_code == 200 and b"Enter a valid date" in bad.content


def test_a_running_jobs_page_updates_itself_and_a_finished_one_links_its_matches(
    as_role, make_match, library
):
    waiting = _job(library, "waiting")
    page = as_role("viewer").get(f"/jobs/{waiting.id.hex}/").content.decode()
    assert 'data-status="queuing"' in page and "js/job.js" in page and "<progress" in page
    match = make_match()
    done = as_role("viewer").get(f"/jobs/{match.job.id.hex}/").content.decode()
    assert "js/job.js" not in done and f'href="/matches/{match.id}/"' in done


@pytest.fixture
def image_library(db):
    return Library.objects.create(name="photos", media_type="image")


def test_submitting_several_files_makes_a_job_for_each(
    as_role, image_library, images, django_capture_on_commit_callbacks
):
    files = [SimpleUploadedFile(name, images[name].read_bytes()) for name in ("balloons.jpg", "elephant.jpg")]
    with django_capture_on_commit_callbacks(execute=False):
        response = as_role("moderator").post(
            "/submit/",
            {
                "library": image_library.id,
                "media_type": "image",
                "save_type": "save",
                "primary_key": "batch-",
                "files": files,
            },
            HTTP_ACCEPT="application/json",
        )
    assert response.status_code == 201, response.content
    keys = set(Job.objects.values_list("primary_key", flat=True))
    assert keys == {"batch-balloons.jpg", "batch-elephant.jpg"}
    assert response.json()["location"].startswith("/jobs/?ids=")


def test_a_batch_with_one_bad_file_submits_nothing(as_role, image_library, images, settings):
    Media.objects.create(
        library=image_library, primary_key="elephant.jpg", media_type="image", sha256="0" * 64
    )
    files = [SimpleUploadedFile(name, images[name].read_bytes()) for name in ("balloons.jpg", "elephant.jpg")]
    response = as_role("moderator").post(
        "/submit/",
        {"library": image_library.id, "media_type": "image", "save_type": "save", "files": files},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 409 and response.json()["code"] == "ResourceAlreadyExists.PrimaryKey"
    assert not Job.objects.exists()
    stored = (
        list((settings.MEDIA_ROOT / "jobs").rglob("*")) if (settings.MEDIA_ROOT / "jobs").exists() else []
    )
    assert [p for p in stored if p.is_file()] == []  # the first file's copy went with the rollback


def test_the_submit_form_without_js_redirects_to_the_job_or_shows_the_error(as_role, image_library, images):
    moderator = as_role("moderator")
    with open(images["balloons.jpg"], "rb") as handle:
        response = moderator.post(
            "/submit/",
            {
                "library": image_library.id,
                "media_type": "image",
                "save_type": "nosave",
                "primary_key": "b",
                "files": handle,
            },
        )
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.id.hex}/"
    assert job.api_style == "web"  # not "the DNA Portal API": it came from this page
    assert (
        "<dt>Submitted through</dt><dd>DNA Portal web page</dd>"
        in moderator.get(response["Location"]).content.decode()
    )
    wrong = moderator.post(
        "/submit/",
        {
            "library": image_library.id,
            "media_type": "video",
            "save_type": "nosave",
            "primary_key": "t",
            "url": "https://example.com/a.mp4",
        },
    )
    assert wrong.status_code == 400 and b"InvalidParameter.MediaType" in wrong.content
    nothing = moderator.post(
        "/submit/", {"library": image_library.id, "media_type": "image", "save_type": "save"}
    )
    assert nothing.status_code == 400 and b"Give one kind of input" in nothing.content
