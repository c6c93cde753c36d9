"""A worker takes a bulk import's jobs in groups (jobs.services.claim_batch_mates): one wake-up, one
transaction and one index segment for a group, while each job keeps its own outcome."""

import shutil
import uuid

from jobs import services
from jobs.models import Job, JobStatus
from jobs.sweeper import _claimable_per_pipeline
from jobs.tasks import process_next_job
from libraries.models import IndexSegment, Media
from tests import audio_clips
from tests.media import PHOTOS


def test_a_group_of_pictures_is_saved_as_one_index_segment(library, settings):
    settings.IMPORT_GROUP = 16
    names = ["balloons", "elephant", "hummingbird", "moon", "rhino", "surfer"]
    folder = settings.IMPORT_ROOT / "many"
    folder.mkdir(parents=True)
    for number in range(20):
        shutil.copy(PHOTOS / f"{names[number % 6]}.jpg", folder / f"{number:02d}.jpg")
    batch_id = uuid.uuid4()
    for number in range(20):
        services.submit_job(
            library=library,
            primary_key=f"{number:02d}",
            media_type="image",
            save_type="onlysave",
            path=f"many/{number:02d}.jpg",
            batch_id=batch_id,
            wake=False,
        )
    services.wake_workers("", 20, batched=True)  # two wake-ups for 20 jobs
    assert set(Job.objects.values_list("status", flat=True)) == {JobStatus.SUCCESS}
    # The first wake-up took a full group of 16: one index segment. The last 4 were split between
    # the second wake-up and the one it passed on (at most half of what is queued goes in a group).
    sizes = sorted(IndexSegment.objects.filter(library=library).values_list("items", flat=True))
    assert sizes[-1] == 16 and sum(sizes) == 20 and len(sizes) > 2


def _queued_import_jobs(library, settings, names: list[str]) -> list[Job]:
    folder = settings.IMPORT_ROOT / "group"
    folder.mkdir(parents=True, exist_ok=True)
    batch_id = uuid.uuid4()
    jobs = []
    for name in names:
        shutil.copy(PHOTOS / f"{name}.jpg", folder / f"{name}.jpg")
        jobs.append(
            services.submit_job(
                library=library,
                primary_key=name,
                media_type="image",
                save_type="save",
                path=f"group/{name}.jpg",
                batch_id=batch_id,
                wake=False,
            )
        )
    return jobs


def test_a_key_taken_while_the_group_ran_fails_that_job_alone(library, settings):
    _queued_import_jobs(library, settings, ["balloons", "moon", "surfer"])
    # Another writer saves "moon" after the jobs were accepted, before the worker stores them.
    Media.objects.create(library=library, primary_key="moon", media_type="image")
    process_next_job()
    outcomes = dict(Job.objects.values_list("primary_key", "status"))
    assert outcomes == {"balloons": JobStatus.SUCCESS, "moon": JobStatus.FAIL, "surfer": JobStatus.SUCCESS}
    assert Job.objects.get(primary_key="moon").error_code == "ResourceAlreadyExists.PrimaryKey"
    assert set(Media.objects.filter(library=library).values_list("primary_key", flat=True)) == {
        "balloons",
        "moon",
        "surfer",
    }
    # balloons and moon went in one group (the oldest job and half of the two queued after it):
    # balloons was saved though moon failed beside it; surfer came in a group of its own.
    assert [s.items for s in IndexSegment.objects.filter(library=library)] == [1, 1]


def test_the_same_picture_twice_in_one_group_is_saved_once(library, settings):
    jobs = _queued_import_jobs(library, settings, ["balloons"])
    shutil.copy(PHOTOS / "balloons.jpg", settings.IMPORT_ROOT / "group" / "again.jpg")
    services.submit_job(
        library=library,
        primary_key="again",
        media_type="image",
        save_type="save",
        path="group/again.jpg",
        batch_id=jobs[0].batch_id,
        wake=False,
    )
    process_next_job()  # balloons and again in one group: again is found in what the group saved
    again = Job.objects.get(primary_key="again")
    assert again.status == JobStatus.SUCCESS and not again.saved
    assert list(again.matches.values_list("primary_key", flat=True)) == ["balloons"]
    assert not Media.objects.filter(primary_key="again").exists()
    assert [s.items for s in IndexSegment.objects.filter(library=library)] == [1]


def test_the_sweeper_wakes_a_batch_once_per_group_and_other_jobs_once_each(library, settings):
    settings.IMPORT_GROUP = 16
    names = ["balloons", "moon", "surfer", "elephant", "rhino", "hummingbird"]
    _queued_import_jobs(library, settings, names)
    for number in range(3):
        services.submit_job(
            library=library,
            primary_key=f"api{number}",
            media_type="image",
            text=None,
            wake=False,
            path="group/moon.jpg",
        )
    assert _claimable_per_pipeline() == {"": 1 + 3}
    assert services.wake_ups_needed(17, batched=True) == 2
    assert services.wake_ups_needed(17, batched=False) == 17


def test_a_group_stops_at_its_bytes_and_passes_its_wake_up_on(library, settings):
    names = ["balloons", "moon", "surfer", "elephant", "rhino", "hummingbird"]
    largest = max((PHOTOS / f"{name}.jpg").stat().st_size for name in names)
    settings.IMPORT_GROUP_BYTES = 2 * largest  # room for two pictures a group
    _queued_import_jobs(library, settings, names)
    assert services.wake_workers("", len(names), batched=True) == 1  # one wake-up for six jobs
    assert set(Job.objects.values_list("status", flat=True)) == {JobStatus.SUCCESS}
    sizes = list(IndexSegment.objects.filter(library=library).values_list("items", flat=True))
    assert sum(sizes) == 6 and max(sizes) <= 2


def test_a_download_is_never_grouped(library, settings):
    jobs = _queued_import_jobs(library, settings, ["balloons", "moon"])
    Job.objects.filter(id=jobs[1].id).update(input_type="url", input_url="https://example.com/moon.jpg")
    assert services.claim_batch_mates(services.claim_next_job()) == []


def test_a_group_setting_that_is_not_a_number_is_refused_by_name(monkeypatch):
    import pytest
    from django.core.exceptions import ImproperlyConfigured

    from dnaportal.settings import env_int

    monkeypatch.setenv("DNAPORTAL_IMPORT_GROUP", "sixty-four")
    with pytest.raises(ImproperlyConfigured, match="DNAPORTAL_IMPORT_GROUP must be a whole number"):
        env_int("DNAPORTAL_IMPORT_GROUP", 64)
    monkeypatch.setenv("DNAPORTAL_IMPORT_GROUP", "")
    assert env_int("DNAPORTAL_IMPORT_GROUP", 64) == 64


def _onlysave_group(library, settings, count: int) -> None:
    folder = settings.IMPORT_ROOT / f"group-{count}"
    folder.mkdir(parents=True)
    batch_id = uuid.uuid4()
    for number in range(count):
        shutil.copy(PHOTOS / "moon.jpg", folder / f"{number}.jpg")
        services.submit_job(
            library=library,
            primary_key=f"{count}-{number}",
            media_type="image",
            save_type="onlysave",
            path=f"group-{count}/{number}.jpg",
            batch_id=batch_id,
            wake=False,
        )


def test_a_group_is_stored_in_the_same_statements_whatever_its_size(library, settings, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jobs import pipeline

    real_store, statements = pipeline.store, {}

    def counted(ready):
        with CaptureQueriesContext(connection) as queries:
            real_store(ready)
        statements.setdefault(len(ready), set()).add(len(queries.captured_queries))

    monkeypatch.setattr(pipeline, "store", counted)
    settings.IMPORT_GROUP, settings.IMPORT_GROUP_BYTES = 16, 1 << 30
    _onlysave_group(library, settings, 21)
    while process_next_job():  # (wake-ups passed on run at once here)
        pass
    assert Job.objects.filter(status=JobStatus.SUCCESS, saved=True).count() == 21
    groups = {size: count for size, count in statements.items() if size > 1}
    assert len(groups) >= 2, statements  # groups of 16 and 2 (and 3 on their own)
    assert len(set().union(*groups.values())) == 1, statements


def test_a_group_whose_store_fails_is_stored_job_by_job(library, settings, monkeypatch, caplog):
    from jobs import storing

    def broken(entries):
        raise RuntimeError("lost the database for a moment")

    monkeypatch.setattr(storing, "save_media_together", broken)
    _onlysave_group(library, settings, 5)
    process_next_job()  # (wake-ups passed on run at once here)
    assert Job.objects.filter(status=JobStatus.SUCCESS, saved=True).count() == 5
    assert Media.objects.filter(library=library).count() == 5
    assert sum(IndexSegment.objects.filter(library=library).values_list("items", flat=True)) == 5
    assert "stored one by one: RuntimeError('lost the database for a moment')" in caplog.text


def test_two_jobs_of_one_group_saving_one_key_are_stored_apart(library, settings):
    jobs = _queued_import_jobs(library, settings, ["balloons", "moon", "surfer"])
    Job.objects.filter(id=jobs[1].id).update(primary_key="balloons")
    process_next_job()  # balloons and (moon as) balloons in one group
    outcomes = sorted(Job.objects.filter(primary_key="balloons").values_list("status", "error_code"))
    assert outcomes == [(JobStatus.FAIL, "ResourceAlreadyExists.PrimaryKey"), (JobStatus.SUCCESS, "")]
    saved_by = Job.objects.get(primary_key="balloons", status=JobStatus.SUCCESS)
    assert Media.objects.get(library=library, primary_key="balloons").saved_by_job_id == saved_by.id


def _queued_songs(library, settings, count: int, batch_id, first: int = 0) -> None:
    folder = settings.IMPORT_ROOT / "songs"
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(first, first + count):
        shutil.copy(audio_clips.source("sugar-plum"), folder / f"{number}.ogg")
        services.submit_job(
            library=library,
            primary_key=f"song-{number}",
            media_type="audio",
            save_type="onlysave",
            path=f"songs/{number}.ogg",
            batch_id=batch_id,
            wake=False,
        )


def test_a_groups_jobs_write_no_progress_while_decoding_but_a_lone_job_does(library, settings, monkeypatch):
    # Each progress report is a write that waits for the other workers' stores; a group's jobs keep
    # their lease by the lease thread alone. A lone job still shows how far its decode got.
    library.media_type = "audio"
    library.save(update_fields=["media_type"])
    reports = []
    real_heartbeat = services.heartbeat
    monkeypatch.setattr(
        services, "heartbeat", lambda job, progress: reports.append(progress) or real_heartbeat(job, progress)
    )
    _queued_songs(library, settings, 2, uuid.uuid4())
    process_next_job()  # one group: the first job and half of what was queued after it
    assert Job.objects.filter(status=JobStatus.SUCCESS).count() == 2
    assert reports == []
    _queued_songs(library, settings, 1, None, first=2)  # not an import's: runs alone
    process_next_job()
    assert Job.objects.filter(status=JobStatus.SUCCESS).count() == 3
    # A 90-second song: after 30 and 60 seconds (engine/decode.py), 10% + 60% of the share read.
    assert reports[:2] == [30, 50]
