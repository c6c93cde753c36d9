"""After a fingerprinter changes version, `manage.py refingerprint` brings stored items back into search."""

import pytest
from django.core.management import CommandError, call_command

from libraries.models import IndexSegment, Media, StoredFingerprint


def _image_job(make_library, submit, job_result, images, name):
    library = make_library("photos", media_type="image")
    job = job_result(submit(library, "p1", media_type="image", file=images[name]))
    assert job["status"] == "success" and job["saved"], job
    return library


def test_stale_fingerprints_are_remade_from_the_stored_file(make_library, submit, job_result, images):
    library = _image_job(make_library, submit, job_result, images, "balloons.jpg")
    row = StoredFingerprint.objects.get(media__library_id=library["id"])
    current_version, current_data = row.version, bytes(row.data)
    # What an upgrade leaves behind: a row made by an older version, which search ignores.
    StoredFingerprint.objects.filter(id=row.id).update(version=current_version - 1, data=b"old")
    IndexSegment.objects.filter(library_id=library["id"]).update(version=current_version - 1)
    query = job_result(
        submit(library, "q", media_type="image", save_type="nosave", file=images["balloons.jpg"])
    )
    assert query["result"]["matches"] == []

    call_command("refingerprint")

    row.refresh_from_db()
    assert row.version == current_version and bytes(row.data) == current_data
    query = job_result(
        submit(library, "q2", media_type="image", save_type="nosave", file=images["balloons.jpg"])
    )
    assert [m["primary_key"] for m in query["result"]["matches"]] == ["p1"]


def test_a_replaced_fingerprinters_rows_and_segments_go_once_the_items_are_remade(
    make_library, submit, job_result, images
):
    """What the move from ORB to SIFT keypoints leaves: rows and segments of image-dct256-orb v3."""
    library = _image_job(make_library, submit, job_result, images, "balloons.jpg")
    row = StoredFingerprint.objects.get(media__library_id=library["id"])
    current = (row.fingerprinter, row.version)
    StoredFingerprint.objects.filter(id=row.id).update(
        fingerprinter="image-dct256-orb", version=3, data=b"old"
    )
    IndexSegment.objects.filter(library_id=library["id"]).update(fingerprinter="image-dct256-orb", version=3)

    call_command("refingerprint")

    rows = StoredFingerprint.objects.filter(media__library_id=library["id"])
    assert [(r.fingerprinter, r.version) for r in rows] == [current]
    segments = IndexSegment.objects.filter(library_id=library["id"])
    assert {(s.fingerprinter, s.version, s.retired) for s in segments} == {
        ("image-dct256-orb", 3, True),
        (*current, False),
    }
    query = job_result(
        submit(library, "q", media_type="image", save_type="nosave", file=images["balloons.jpg"])
    )
    assert [m["primary_key"] for m in query["result"]["matches"]] == ["p1"]


def test_an_unreadable_stored_file_is_reported_and_left_alone(make_library, submit, job_result, images):
    library = _image_job(make_library, submit, job_result, images, "balloons.jpg")
    item = Media.objects.get(library_id=library["id"])
    StoredFingerprint.objects.filter(media=item).update(version=0)
    with item.file.open("wb") as handle:
        handle.write(b"not an image any more")
    with pytest.raises(CommandError, match="1 items could not be read"):
        call_command("refingerprint")
    assert StoredFingerprint.objects.get(media=item).version == 0


def test_unknown_library_is_an_error(db):
    with pytest.raises(CommandError, match="No library named"):
        call_command("refingerprint", library="nope")
