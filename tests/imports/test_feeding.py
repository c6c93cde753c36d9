"""Feeding a batch to the workers a group at a time (imports/feeding.py): one transaction and one
wake-up per group, each item still refused or submitted on its own."""

from django.contrib.auth.models import User

from imports import feeding, reading, services
from imports.models import ItemStatus
from jobs.models import Job


def _read(library, folder, user=None):
    batch = services.start_batch(library=library, source=folder, save_type="onlysave", user=user)
    reading.prepare(batch)
    rows = reading.unread_rows(batch)
    while reading.read_chunk(batch, rows):
        pass
    return batch


def _states(batch) -> dict[str, str]:
    return dict(batch.items.values_list("primary_key", "status"))


def test_a_group_stops_at_the_users_quota_and_leaves_the_rest_pending(library, archive_folder, settings):
    settings.MAX_WAITING_JOBS_PER_USER = 3
    user = User.objects.create_user("importer")
    batch = _read(library, archive_folder, user)
    assert feeding.submit_some(batch, window=100) == 3
    assert list(_states(batch).values()).count(ItemStatus.SUBMITTED) == 3
    # The rest of the pictures wait for room, without a code: not failed, just not yet.
    pending = batch.items.filter(status=ItemStatus.PENDING)
    assert pending.count() == 4 and set(pending.values_list("code", flat=True)) == {""}
    assert Job.objects.filter(created_by=user).count() == 3


def test_items_another_process_claimed_meanwhile_are_not_submitted_twice(
    library, archive_folder, monkeypatch
):
    batch = _read(library, archive_folder)
    real = feeding._submit_together
    rival = {}

    def the_other_feeder_first(batch, items):
        # Between this feeder's read of the pending items and its claim, another one takes the first.
        rival["row"] = items[0].row
        feeding._submit(batch, items[0])
        return real(batch, items)

    monkeypatch.setattr(feeding, "_submit_together", the_other_feeder_first)
    submitted = feeding.submit_some(batch, window=100)
    items = batch.items.exclude(status=ItemStatus.FAILED)
    # Each item has one job: the rival's for its item, this feeder's (item by item) for the rest.
    assert Job.objects.count() == items.count() == submitted + 1
    assert sorted(Job.objects.values_list("primary_key", flat=True)) == sorted(
        items.values_list("primary_key", flat=True)
    )
