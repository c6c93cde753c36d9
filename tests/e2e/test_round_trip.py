"""The whole portal as a client sees it: real web server, real worker processes, HTTP only.

Create libraries, save three images and two texts, query with transformed copies and unrelated
items, and read the matches; on the embedded default (SQLite + ORM broker) and on PostgreSQL + Redis.
"""

import time

import pytest

from tests import media

pytestmark = pytest.mark.e2e


def _submit(portal, library, key, save_type, file=None, **fields):
    body = {"library": library, "primary_key": key, "save_type": save_type, **fields}
    if file is not None:
        status, created = portal.request("POST", "/api/v1/jobs/", body, files={"file": file})
    else:
        status, created = portal.request("POST", "/api/v1/jobs/", body)
    assert status == 201, created
    assert created["status"] == "queuing"
    return created["id"]


def test_it_saves_and_finds_images_and_texts_through_real_workers(portal, images, tmp_path):
    portal.start()
    status, photos = portal.request("POST", "/api/v1/libraries/", {"name": "photos", "media_type": "image"})
    assert status == 201, photos
    status, texts = portal.request("POST", "/api/v1/libraries/", {"name": "texts", "media_type": "text"})
    assert status == 201

    saves = [
        _submit(portal, photos["id"], name.split(".")[0], "save", images[name], media_type="image")
        for name in media.LIBRARY_PHOTOS
    ]
    dickens, dickens_at = media.excerpt("dickens-music", 0.5, 3000)
    folk, _ = media.excerpt("passamaquoddy", 0.5, 3000)
    saves += [
        _submit(portal, texts["id"], "dickens", "save", media_type="text", text=dickens),
        _submit(portal, texts["id"], "folk", "save", media_type="text", text=folk),
    ]
    for job_id in saves:
        job = portal.wait_for_job(job_id)
        assert job["status"] == "success" and job["saved"], job

    status, listed = portal.request("GET", f"/api/v1/libraries/{photos['id']}/media/")
    assert {item["primary_key"] for item in listed["results"]} == {"balloons", "hummingbird", "elephant"}

    image_queries = {
        "balloons": images["balloons.jpg:crop15"],
        "hummingbird": images["hummingbird.jpg:mirror"],
        "elephant": images["elephant.jpg:jpeg25"],
        None: images["rhino.jpg"],
    }
    submitted = {
        expected: _submit(portal, photos["id"], f"q-{expected}", "nosave", path, media_type="image")
        for expected, path in image_queries.items()
    }
    typo_query = media.typos(dickens[500:2500], 0.03)
    unrelated_text, _ = media.excerpt("beethoven-letters", 0.5, 2000)
    submitted["dickens"] = _submit(portal, texts["id"], "qt", "nosave", media_type="text", text=typo_query)
    submitted["no-text"] = _submit(
        portal, texts["id"], "qu", "nosave", media_type="text", text=unrelated_text
    )

    for expected, job_id in submitted.items():
        job = portal.wait_for_job(job_id)
        assert job["status"] == "success", job
        matches = job["result"]["matches"]
        if expected in (None, "no-text"):
            assert matches == [], f"unrelated query matched {matches}"
            continue
        assert [m["primary_key"] for m in matches] == [expected]
        assert 0.15 <= matches[0]["global_similarity"] <= 1.0
        if expected == "dickens":
            assert matches[0]["global_similarity"] >= 0.7
            segment = matches[0]["text_segments"][0]
            assert segment["master_start"] == pytest.approx(500, abs=20)
            assert segment["similarity"] >= 0.7

    # Nothing was saved by the nosave queries.
    status, listed = portal.request("GET", f"/api/v1/libraries/{photos['id']}/media/")
    assert len(listed["results"]) == 3


def test_a_killed_worker_leaves_its_job_to_be_retried(tmp_path, backend_env, images, stalling_server):
    from tests.e2e.portal import Portal

    base, files, release, hits = stalling_server
    files["balloons.jpg"] = images["balloons.jpg"].read_bytes()
    portal = Portal(tmp_path, {**backend_env, "DNAPORTAL_JOB_LEASE": "3"})
    try:
        portal.start(worker=False)
        worker = portal.start_worker()
        _, library = portal.request("POST", "/api/v1/libraries/", {"name": "p", "media_type": "image"})
        stuck = _submit(
            portal,
            library["id"],
            "b",
            "save",
            media_type="image",
            input={"type": "url", "media": f"{base}/stall/balloons.jpg"},
        )
        job = portal.wait_for_job(stuck, until=("analysing",))
        deadline = time.time() + 20
        while not hits and time.time() < deadline:  # the worker is inside the download
            time.sleep(0.1)
        portal.kill(worker)
        left = list(portal.tmp.glob("dnajob-*"))
        assert left, "the killed worker had no job folder"
        time.sleep(4)  # longer than the 3 s lease
        status, job = portal.request("GET", f"/api/v1/jobs/{stuck}/")
        assert job["status"] == "analysing" and job["attempts"] == 1

        release.set()
        portal.start_worker()
        # Any next task (here: another submission) first returns orphaned jobs to the queue.
        other = _submit(portal, library["id"], "e", "save", images["elephant.jpg"], media_type="image")
        job = portal.wait_for_job(stuck)
        assert job["status"] == "success", job
        assert job["attempts"] == 2
        assert job["saved"] is True
        assert portal.wait_for_job(other)["status"] == "success"
        # The new cluster's processes removed the killed one's job folder as they started.
        assert not any(folder.exists() for folder in left), left
        assert "left by killed workers" in (tmp_path / "worker.log").read_text()
    finally:
        portal.stop()
