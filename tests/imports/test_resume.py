"""An import interrupted midway (Ctrl-C) resumes where it stopped: nothing lost, nothing doubled."""

import pytest

from imports import runner
from imports.models import ImportBatch, ItemStatus
from jobs.models import Job
from libraries.models import Media
from tests.imports.conftest import GOOD


def test_an_interrupted_import_resumes_and_loses_and_doubles_nothing(
    library, archive_folder, run_import, settings, monkeypatch
):
    settings.IMPORT_WINDOW = 2  # two items in flight at a time: the batch takes several rounds
    real_counts = runner.services.counts
    rounds = []

    def interrupt_after_two_rounds(batch):
        rounds.append(1)
        if len(rounds) == 2:
            raise KeyboardInterrupt
        return real_counts(batch)

    monkeypatch.setattr(runner.services, "counts", interrupt_after_two_rounds)
    with pytest.raises(SystemExit) as stopped:
        run_import("photos", archive_folder)
    assert stopped.value.code == 130
    batch = ImportBatch.objects.get()
    assert batch.status == "paused" and batch.rows_read == 8
    done_before = batch.items.exclude(status=ItemStatus.PENDING).count()
    assert 0 < done_before < 8

    monkeypatch.setattr(runner.services, "counts", real_counts)
    out = run_import("--resume", batch.id.hex)
    assert "6 imported, 0 already present, 0 duplicates found, 2 failed" in out
    assert Media.objects.filter(library=library).count() == len(GOOD)
    assert batch.items.count() == 8  # no row read twice
    # One job per item that needed one: nothing submitted twice.
    assert Job.objects.filter(batch_id=batch.id).count() == 7  # 6 photos and the damaged one


def test_an_import_interrupted_while_reading_its_source_reads_on_from_there(
    library, archive_folder, run_import, monkeypatch
):
    monkeypatch.setattr(runner.reading, "READ_CHUNK", 3)
    real_read = runner.reading.read_chunk
    reads = []

    def interrupt_on_second_read(batch, rows, size=None):
        reads.append(1)
        if len(reads) == 2:
            raise KeyboardInterrupt
        return real_read(batch, rows, size)

    monkeypatch.setattr(runner.reading, "read_chunk", interrupt_on_second_read)
    with pytest.raises(SystemExit):
        run_import("photos", archive_folder)
    batch = ImportBatch.objects.get()
    assert batch.rows_read == 3 and batch.items.count() == 3
    monkeypatch.setattr(runner.reading, "read_chunk", real_read)
    out = run_import("--resume", batch.id.hex)
    assert "6 imported" in out
    assert sorted(batch.items.values_list("row", flat=True)) == list(range(1, 9))
    assert Media.objects.filter(library=library).count() == len(GOOD)


def test_resuming_an_unknown_batch_is_a_clear_error(library, run_import):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No import batch"):
        run_import("--resume", "not-a-batch")
