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
