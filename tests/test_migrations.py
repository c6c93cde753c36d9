"""Migrations keep what was stored: matches made before segments were kept per track read the same
afterwards (and after going back)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("jobs", "0005_compat_inputs"), ("libraries", "0001_initial")]
AFTER = [("jobs", "0006_segments_per_track"), ("libraries", "0002_stored_fingerprint_kinds")]
VIDEO = {"start": 1.0, "end": 6.0, "master_start": 11.0, "master_end": 16.0, "similarity": 0.9}
TEXT = {"start": 0, "end": 40, "master_start": 100, "master_end": 140, "similarity": 1.0, "master_text": "x"}


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_segments_move_into_one_field_per_track_and_back():
    apps = migrate(BEFORE)
    library = apps.get_model("libraries", "Library").objects.create(name="old", media_type="video")
    job = apps.get_model("jobs", "Job").objects.create(
        library=library, primary_key="q", media_type="video", input_type="upload"
    )
    match = apps.get_model("jobs", "Match").objects.create(
        job=job,
        library=library,
        primary_key="k",
        global_similarity=0.9,
        video_segments=[VIDEO],
        text_segments=[TEXT],
    )
    try:
        apps = migrate(AFTER)
        moved = apps.get_model("jobs", "Match").objects.get(id=match.id)
        assert moved.segments == {
            "video": [
                {"start": 1.0, "end": 6.0, "library_start": 11.0, "library_end": 16.0, "similarity": 0.9}
            ],
            "text": [
                {
                    "start": 0,
                    "end": 40,
                    "library_start": 100,
                    "library_end": 140,
                    "similarity": 1.0,
                    "library_text": "x",
                }
            ],
        }
        apps = migrate(BEFORE)
        back = apps.get_model("jobs", "Match").objects.get(id=match.id)
        assert (back.video_segments, back.audio_segments, back.text_segments) == ([VIDEO], [], [TEXT])
        assert apps.get_model("libraries", "Fingerprint").objects.count() == 0  # the model is back too
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
