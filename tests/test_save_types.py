"""Save types as in Alibaba ICE SubmitDNAJob: nosave searches only, save stores unless a duplicate is
found, forcesave searches and stores, onlysave stores without searching."""

import pytest

from libraries.models import Media


@pytest.fixture
def library(make_library, submit, images):
    library = make_library()
    submit(library, "balloons", file=images["balloons.jpg"])
    return library


def test_nosave_searches_and_stores_nothing(library, submit, images, job_result):
    job = job_result(submit(library, "q", save_type="nosave", file=images["balloons.jpg:jpeg25"]))
    assert [m["primary_key"] for m in job["result"]["matches"]] == ["balloons"]
    assert job["saved"] is False
    assert not Media.objects.filter(primary_key="q").exists()


def test_save_stores_a_new_item(library, submit, images, job_result):
    job = job_result(submit(library, "elephant", save_type="save", file=images["elephant.jpg"]))
    assert job["result"]["matches"] == []
    assert job["saved"] is True
    assert Media.objects.filter(primary_key="elephant").exists()


def test_save_does_not_store_a_duplicate(library, submit, images, job_result):
    job = job_result(submit(library, "copy", save_type="save", file=images["balloons.jpg:half"]))
    assert job["result"]["matches"][0]["global_similarity"] >= 0.5
    assert job["saved"] is False
    assert not Media.objects.filter(primary_key="copy").exists()


def test_save_honours_the_librarys_duplicate_threshold(api, library, submit, images, job_result):
    api.patch(f"/api/v1/libraries/{library['id']}/", {"duplicate_threshold": 1.0}, format="json")
    job = job_result(submit(library, "caption", save_type="save", file=images["balloons.jpg:caption"]))
    assert job["result"]["matches"], "the copy is still reported"
    assert job["result"]["matches"][0]["global_similarity"] < 1.0
    assert job["saved"] is True, "below the threshold it is not a duplicate, so it is stored"


def test_forcesave_searches_and_stores_even_a_duplicate(library, submit, images, job_result):
    job = job_result(submit(library, "copy", save_type="forcesave", file=images["balloons.jpg:half"]))
    assert [m["primary_key"] for m in job["result"]["matches"]] == ["balloons"]
    assert job["saved"] is True
    assert Media.objects.filter(primary_key="copy").exists()


def test_onlysave_stores_without_searching(library, submit, images, job_result):
    job = job_result(submit(library, "copy", save_type="onlysave", file=images["balloons.jpg:half"]))
    assert job["result"] == {"matches": []}
    assert job["saved"] is True
    # ...and the stored copy is searchable at once by the next job.
    nxt = job_result(submit(library, "q", save_type="nosave", file=images["balloons.jpg"]))
    assert {m["primary_key"] for m in nxt["result"]["matches"]} == {"balloons", "copy"}


def _racing(monkeypatch, run_commit_hooks, queue_job, library, photo, **fields):
    """Make another job (same photo) save while this job is between its search and its write: what
    two workers running at once do."""
    from jobs import searching
    from jobs.tasks import process_next_job

    real_search = searching.search_library
    rival = {}

    def search_then_let_the_rival_save(*args, **kwargs):
        found = real_search(*args, **kwargs)
        if not rival:
            monkeypatch.setattr(searching, "search_library", real_search)
            rival["id"] = queue_job(library, photo=photo, **fields)
            assert run_commit_hooks(process_next_job, "") == rival["id"]
        return found

    monkeypatch.setattr(searching, "search_library", search_then_let_the_rival_save)
    return rival


def test_concurrent_saves_of_one_content_store_it_once(
    make_library, queue_job, monkeypatch, run_commit_hooks, job_result, api
):
    from jobs.models import Job
    from jobs.tasks import process_next_job

    library = make_library()
    first = queue_job(library, primary_key="first", photo="elephant.jpg")
    rival = _racing(monkeypatch, run_commit_hooks, queue_job, library, "elephant.jpg", primary_key="rival")
    run_commit_hooks(process_next_job, "")
    assert Job.objects.get(id=rival["id"]).saved  # the rival won the race
    job = api.get(f"/api/v1/jobs/{first}/").json()
    assert job["status"] == "success" and job["saved"] is False
    assert [m["primary_key"] for m in job["result"]["matches"]] == ["rival"]
    assert list(Media.objects.values_list("primary_key", flat=True)) == ["rival"]


def test_a_forcesave_whose_key_a_rival_took_meanwhile_replaces_it(
    make_library, queue_job, monkeypatch, run_commit_hooks, api
):
    from jobs.tasks import process_next_job

    library = make_library()
    first = queue_job(library, primary_key="same", photo="elephant.jpg", save_type="forcesave")
    _racing(
        monkeypatch,
        run_commit_hooks,
        queue_job,
        library,
        "rhino.jpg",
        primary_key="same",
        save_type="forcesave",
    )
    run_commit_hooks(process_next_job, "")
    job = api.get(f"/api/v1/jobs/{first}/").json()
    assert job["status"] == "success" and job["saved"] is True, job
    [item] = Media.objects.filter(primary_key="same")
    assert item.saved_by_job_id.hex == first  # the later write replaced the rival's
    # (Truly simultaneous writes: tests/e2e/test_queue_faults.py::test_parallel_saves_*.)


def test_a_library_deleted_while_its_job_ran_gets_nothing_written(
    make_library, queue_job, monkeypatch, run_commit_hooks, settings
):
    from jobs import searching
    from jobs.models import Job
    from jobs.tasks import process_next_job
    from libraries.models import Library

    library = make_library()
    job_id = queue_job(library, primary_key="late", photo="elephant.jpg")
    inputs = sorted(p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file())
    real_search = searching.search_library

    def search_then_delete_the_library(*args, **kwargs):
        found = real_search(*args, **kwargs)
        Library.objects.filter(id=library["id"]).delete()  # an admin deletes it meanwhile
        return found

    monkeypatch.setattr(searching, "search_library", search_then_delete_the_library)
    run_commit_hooks(process_next_job, "")
    job = Job.objects.get(id=job_id)
    assert job.status == "fail" and job.error_code == "ResourceNotFound.Library", job.error_message
    assert job.attempts == 1 and "while the job ran" in job.error_message  # seen, not crashed into
    assert not Media.objects.exists()
    assert sorted(p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()) == inputs  # no saved copy
