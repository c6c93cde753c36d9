"""Importing a folder: every file a row, one bad file never stops the batch, the same import twice
adds nothing, and what an import finds stays out of the moderators' queue."""

import csv

from imports.models import ImportBatch, ImportItem, ItemStatus
from jobs.models import Job, Match
from libraries.access import Scope
from libraries.models import Media
from review.queue import matches_in_view
from tests.imports.conftest import GOOD


def test_a_folder_is_imported_with_its_bad_files_reported(library, archive_folder, run_import, tmp_path):
    report = tmp_path / "failed.csv"
    out = run_import("photos", archive_folder, "--report", report)
    assert "6 imported, 0 already present, 0 duplicates found, 2 failed" in out
    keys = set(Media.objects.filter(library=library).values_list("primary_key", flat=True))
    assert keys == {"balloons", "hummingbird", "moon", "surfer", "wildlife/elephant", "wildlife/rhino"}
    batch = ImportBatch.objects.get()
    assert batch.status == "done" and batch.rows_total == 8 and batch.rows_read == 8
    failed = {item.primary_key: item.code for item in batch.items.filter(status=ItemStatus.FAILED)}
    assert failed == {"damaged": "InvalidFile.Corrupt", "notes": "Unsupported.MediaType"}
    # The report is a manifest: the failed rows with their paths, fit to be fixed and fed back in.
    with open(report, encoding="utf-8") as handle:
        rows = {row["primary_key"]: row for row in csv.DictReader(handle)}
    assert set(rows) == {"damaged", "notes"}
    assert (
        rows["damaged"]["path"] == "archive/damaged.jpg" and rows["damaged"]["code"] == "InvalidFile.Corrupt"
    )


def test_the_same_import_twice_adds_nothing_the_second_time(library, archive_folder, run_import):
    run_import("photos", archive_folder)
    jobs_before = Job.objects.count()
    out = run_import("photos", archive_folder)
    assert "0 imported, 6 already present" in out
    assert Media.objects.filter(library=library).count() == len(GOOD)
    assert Job.objects.count() == jobs_before + 1  # only the damaged file is tried again


def test_what_an_import_finds_goes_to_its_report_not_to_the_review_queue(library, archive_folder, run_import):
    (archive_folder / "copy-of-balloons.jpg").write_bytes((archive_folder / "balloons.jpg").read_bytes())
    out = run_import("photos", archive_folder)
    assert "1 duplicates found" in out
    # Whichever of the two was stored first (the workers run in parallel) is the other's match.
    pair = {"balloons", "copy-of-balloons"}
    duplicate = ImportItem.objects.get(primary_key__in=pair, status=ItemStatus.DUPLICATE)
    assert duplicate.matched_key == (pair - {duplicate.primary_key}).pop()
    assert Match.objects.filter(job=duplicate.job).exists()
    assert not matches_in_view(scope=Scope.everything()).exists()


def test_a_folder_outside_the_import_root_is_refused(library, tmp_path, run_import):
    import pytest
    from django.core.management import CommandError

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    with pytest.raises(CommandError, match="Forbidden.Path"):
        run_import("photos", outside)
    assert not ImportBatch.objects.exists()
