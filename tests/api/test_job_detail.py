import pytest

from tests import media


def test_it_shows_matches_sorted_by_similarity_with_segments(make_library, submit, job_result):
    library = make_library("texts", media_type="text")
    first, first_start = media.excerpt("dickens-music", 0.3, 3000)
    second, _ = media.excerpt("passamaquoddy", 0.5, 3000)
    submit(library, "dickens", media_type="text", text=first)
    submit(library, "folk", media_type="text", text=second)
    # Query: most of the Dickens passage, a little of the folk-lore one.
    query = first[200:2800] + "\n\n" + second[1000:1600]
    job = job_result(submit(library, "q", media_type="text", save_type="nosave", text=query))
    matches = job["result"]["matches"]
    assert [m["primary_key"] for m in matches] == ["dickens", "folk"]
    assert matches[0]["global_similarity"] > matches[1]["global_similarity"] > 0.1
    segment = matches[0]["text_segments"][0]
    assert set(segment) == {
        "start",
        "end",
        "master_start",
        "master_end",
        "similarity",
        "query_text",
        "master_text",
    }
    assert segment["master_start"] == pytest.approx(200, abs=15)
    assert segment["query_text"].split()[1:-1] == segment["master_text"].split()[1:-1]
    assert matches[0]["video_segments"] == [] and matches[0]["audio_segments"] == []


def test_it_answers_404_for_an_unknown_job(api, db):
    for job_id in ["0" * 32, "nope"]:
        response = api.get(f"/api/v1/jobs/{job_id}/")
        assert response.status_code == 404
        assert response.json()["code"] == "ResourceNotFound.Job"
