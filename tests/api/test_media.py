from urllib.parse import quote

from engine.image.fingerprinter import ImageFingerprinter


def test_it_lists_a_librarys_items_with_provenance(api, make_library, submit, images):
    library = make_library("photos")
    job = submit(library, "balloons", file=images["balloons.jpg"]).json()
    body = api.get(f"/api/v1/libraries/{library['id']}/media/").json()
    assert [item["primary_key"] for item in body["results"]] == ["balloons"]
    item = body["results"][0]
    assert item["saved_by_job"] == job["id"]
    assert item["width"] == 640 and item["height"] == 427
    assert len(item["sha256"]) == 64
    assert item["fingerprints"][0]["fingerprinter"] == "image-dct256-sift"
    assert item["fingerprints"][0]["version"] == ImageFingerprinter.version
    assert item["fingerprints"][0]["bytes"] > 1000


def test_it_reads_and_deletes_an_item_by_primary_key(api, make_library, submit, images, run_commit_hooks):
    library = make_library("photos")
    key = "archive/2024/balloons #1"
    submit(library, key, file=images["balloons.jpg"])
    url = f"/api/v1/libraries/{library['id']}/media/{quote(key, safe='')}/"
    assert api.get(url).json()["primary_key"] == key
    assert run_commit_hooks(api.delete, url).status_code == 204
    response = api.get(url)
    assert response.status_code == 404
    assert response.json()["code"] == "ResourceNotFound.Media"


def test_a_deleted_item_no_longer_matches(api, make_library, submit, images, job_result, run_commit_hooks):
    library = make_library("photos")
    submit(library, "balloons", file=images["balloons.jpg"])
    submit(library, "elephant", file=images["elephant.jpg"])
    query = images["balloons.jpg:jpeg25"]
    assert job_result(submit(library, "q1", save_type="nosave", file=query))["result"]["matches"]
    run_commit_hooks(api.delete, f"/api/v1/libraries/{library['id']}/media/balloons/")
    assert job_result(submit(library, "q2", save_type="nosave", file=query))["result"]["matches"] == []


def test_it_answers_404_for_media_of_an_unknown_library(api):
    response = api.get(f"/api/v1/libraries/{'0' * 32}/media/")
    assert response.status_code == 404
    assert response.json()["code"] == "ResourceNotFound.Library"
