"""A full disk: a coded failure (507 InsufficientStorage for a request, Storage.Full for a job), no
partial file left behind, nothing half-written in the database. The disk fills after a few bytes of
a stored file (the writes the storage makes fail with ENOSPC, as a real full disk's do)."""

import errno

import pytest
from django.core.files.base import ContentFile

from core import storage
from jobs.models import Job, JobStatus
from libraries.models import Media
from tests.conftest import upload_image


class _FillingFile:
    """A file that takes `room` bytes, then fails as a full disk does."""

    def __init__(self, real, room: int):
        self.real, self.room = real, room

    def write(self, data):
        if len(data) > self.room:
            self.real.write(data[: self.room])
            self.room = 0
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= len(data)
        return self.real.write(data)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.real.close()


@pytest.fixture
def disk_full(monkeypatch):
    def fill(room: int = 100):
        monkeypatch.setattr(
            storage, "open", lambda path, mode: _FillingFile(open(path, mode), room), raising=False
        )

    return fill


def _files_under(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_a_stored_file_is_written_whole_or_not_at_all(tmp_path, disk_full):
    store = storage.AtomicFileSystemStorage(location=tmp_path)
    assert store.save("a/kept.bin", ContentFile(b"x" * 1000)) == "a/kept.bin"
    disk_full(room=100)
    with pytest.raises(OSError):
        store.save("a/lost.bin", ContentFile(b"y" * 1000))
    assert _files_under(tmp_path) == ["a/kept.bin"]  # no partial file, no part file


def test_a_name_taken_meanwhile_is_never_overwritten(tmp_path):
    store = storage.AtomicFileSystemStorage(location=tmp_path)
    first = store.save("same.bin", ContentFile(b"first"))
    second = store.save("same.bin", ContentFile(b"second"))
    assert first != second
    assert (tmp_path / first).read_bytes() == b"first" and (tmp_path / second).read_bytes() == b"second"


def test_an_upload_into_a_full_disk_is_a_507_and_leaves_nothing(
    api, make_library, images, disk_full, settings
):
    library = make_library()
    disk_full()
    response = upload_image(api, library, images["balloons.jpg"], "b")
    assert response.status_code == 507
    assert response.json()["code"] == "InsufficientStorage"
    assert not Job.objects.exists()
    assert _files_under(settings.MEDIA_ROOT) == []


def test_a_job_meeting_a_full_disk_is_retried_then_fails_with_storage_full(
    make_library, queue_job, disk_full, settings, run_commit_hooks
):
    from jobs.sweeper import sweep
    from jobs.tasks import process_next_job

    settings.JOB_RETRY_BACKOFF_SECONDS = 0
    job_id = queue_job(make_library())  # its upload is stored while the disk has room
    kept = _files_under(settings.MEDIA_ROOT)
    disk_full()  # then the disk fills: saving the item's copy fails
    run_commit_hooks(process_next_job, "")
    run_commit_hooks(sweep)
    job = Job.objects.get(id=job_id)
    assert job.status == JobStatus.FAIL and job.error_code == "Storage.Full", (job.status, job.error_message)
    assert job.attempts == settings.JOB_MAX_ATTEMPTS
    assert not Media.objects.exists()
    assert _files_under(settings.MEDIA_ROOT) == kept  # the job's input only: nothing half-saved


def test_a_file_system_without_hard_links_still_gets_whole_files_under_free_names(tmp_path, monkeypatch):
    def no_links(source, target):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(storage.os, "link", no_links)
    store = storage.AtomicFileSystemStorage(location=tmp_path)
    first = store.save("same.bin", ContentFile(b"first"))
    second = store.save("same.bin", ContentFile(b"second"))
    assert first != second
    assert (tmp_path / first).read_bytes() == b"first" and (tmp_path / second).read_bytes() == b"second"
    assert _files_under(tmp_path) == sorted([first, second])  # no part files left
