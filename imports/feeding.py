"""Feeding a batch's items to the workers as jobs, a window at a time, and taking the jobs' outcomes
back. An item is claimed before its job is made, so two processes advancing one batch never submit
it twice."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.errors import ApiError, Codes
from core.kinds import accepts_subtitles
from core.rows import update_each
from imports.models import FINISHED, BatchStatus, ImportBatch, ImportItem, ItemStatus
from jobs import services as job_services
from jobs.models import Job, JobStatus, Match

JOB_DONE = (JobStatus.SUCCESS, JobStatus.FAIL, JobStatus.CANCELLED)


def submit_some(batch: ImportBatch, window: int) -> int:
    """Submit pending items as jobs until `window` are in flight; returns how many were submitted.
    Stops early (leaving items pending) when the queue refuses more for now. Items go a group at a
    time (settings.IMPORT_GROUP), each group in one transaction with one wake-up for the workers."""
    in_flight = batch.items.filter(status=ItemStatus.SUBMITTED).count()
    room = max(0, window - in_flight)
    submitted = 0
    while room > 0:
        items = list(
            batch.items.filter(status=ItemStatus.PENDING).order_by("row")[: min(room, settings.IMPORT_GROUP)]
        )
        if not items:
            break
        try:
            added, stopped = _submit_together(batch, items)
        except _Contended:  # another process is feeding this batch too: item by item, as it does
            added, stopped = _submit_each(batch, items)
        job_services.wake_workers("", added, batched=True)
        submitted, room = submitted + added, room - len(items)
        if stopped:
            break
    return submitted


class _Contended(Exception):
    """Another process claimed some of the items first."""


def _submit_together(batch: ImportBatch, items: list[ImportItem]) -> tuple[int, bool]:
    """Claim the items and make their jobs in one transaction (a few statements for the lot); returns
    how many were submitted and whether the queue refused more for now (those stay pending)."""
    with transaction.atomic():
        claimed = ImportItem.objects.filter(id__in=[item.id for item in items], status=ItemStatus.PENDING)
        if claimed.update(status=ItemStatus.SUBMITTED) != len(items):
            raise _Contended()
        answers = job_services.submit_jobs(
            batch.library, [_spec(batch, item) for item in items], user=batch.created_by
        )
        stopped = False
        for item, answer in zip(items, answers, strict=True):
            if isinstance(answer, Job):
                item.job, item.status, item.code, item.message = answer, ItemStatus.SUBMITTED, "", ""
            elif answer.error_code.startswith("Throttling"):
                item.status, stopped = ItemStatus.PENDING, True
            elif answer.error_code == Codes.PRIMARY_KEY_EXISTS:
                item.status, item.code, item.message = ItemStatus.PRESENT, "", ""
            else:
                item.status, item.code, item.message = ItemStatus.FAILED, answer.error_code, answer.message
        now = timezone.now()
        for item in items:
            item.updated_at = now
        update_each(items, ["status", "code", "message", "job", "updated_at"])
    return sum(isinstance(answer, Job) for answer in answers), stopped


def _submit_each(batch: ImportBatch, items: list[ImportItem]) -> tuple[int, bool]:
    submitted = 0
    for item in items:
        outcome = _submit(batch, item)
        if outcome is None:
            return submitted, True
        submitted += outcome == ItemStatus.SUBMITTED
    return submitted, False


def _spec(batch: ImportBatch, item: ImportItem) -> dict:
    """The item's job, as submit_job takes it."""
    return {
        "primary_key": item.primary_key,
        "media_type": item.media_type,
        "save_type": batch.save_type,
        "path": item.path,
        "url": item.url,
        # A sidecar found beside a file is for speech only (a video's .srt is not its fingerprint).
        "subtitles_path": item.subtitles if accepts_subtitles(item.media_type) else "",
        "user_data": item.user_data,
        "request_id": f"import-{batch.id.hex[:8]}-{item.row}",
        "batch_id": batch.id,
    }


def _submit(batch: ImportBatch, item: ImportItem) -> str | None:
    """Submit one item: claim it, then make its job, in one transaction. Returns its new state, ""
    when another process had it already, None when the queue takes no more for now (it stays pending).
    Claimed first, so that two processes advancing one batch never submit one item twice."""
    try:
        with transaction.atomic():
            if not ImportItem.objects.filter(id=item.id, status=ItemStatus.PENDING).update(
                status=ItemStatus.SUBMITTED
            ):
                return ""
            item.job = job_services.submit_job(
                library=batch.library, user=batch.created_by, wake=False, **_spec(batch, item)
            )
            return _set(item, ItemStatus.SUBMITTED)
    except ApiError as exc:  # the claim was rolled back: the item is pending again
        # (A key the library holds is refused by submit_job, unless the save type replaces it.)
        if exc.error_code.startswith("Throttling"):
            return None
        if exc.error_code == Codes.PRIMARY_KEY_EXISTS:
            return _set_if_pending(item, ItemStatus.PRESENT)
        return _set_if_pending(item, ItemStatus.FAILED, exc.error_code, exc.message)


def _set(item: ImportItem, state: str, code: str = "", message: str = "") -> str:
    item.status, item.code, item.message = state, code, message
    item.save(update_fields=["status", "code", "message", "job", "updated_at"])
    return state


def _set_if_pending(item: ImportItem, state: str, code: str = "", message: str = "") -> str:
    changed = ImportItem.objects.filter(id=item.id, status=ItemStatus.PENDING).update(
        status=state, code=code, message=message, updated_at=timezone.now()
    )
    return state if changed else ""


def collect(batch: ImportBatch) -> int:
    """Take the outcomes of the batch's finished jobs into their items; returns how many. Reads only
    the few fields an outcome needs (whole job rows made this the command's main cost: measured)."""
    done = list(
        batch.items.filter(status=ItemStatus.SUBMITTED, job__status__in=JOB_DONE).values_list(
            "id", "job_id", "job__status", "job__error_code", "job__error_message", "job__saved"
        )[:1000]
    )
    outcomes: dict[tuple, list] = {}  # one statement per distinct outcome, mostly one in all
    for item_id, job_id, *ending in done:
        status, code, message = _outcome(*ending)
        matched_key = ""
        if status == ItemStatus.DUPLICATE:
            best = Match.objects.filter(job_id=job_id).order_by("-global_similarity", "id").first()
            matched_key = best.primary_key if best else ""
        outcomes.setdefault((status, code, message, matched_key), []).append(item_id)
    now = timezone.now()
    for (status, code, message, matched_key), ids in outcomes.items():
        ImportItem.objects.filter(id__in=ids).update(
            status=status, code=code, message=message, matched_key=matched_key, updated_at=now
        )
    # A job deleted from under its item (by an admin): submit the item again.
    batch.items.filter(status=ItemStatus.SUBMITTED, job__isnull=True).update(status=ItemStatus.PENDING)
    return len(done)


def _outcome(status: str, error_code: str, error_message: str, saved: bool) -> tuple[str, str, str]:
    if status == JobStatus.CANCELLED:
        return ItemStatus.CANCELLED, "", ""
    if status == JobStatus.FAIL:
        if error_code == Codes.PRIMARY_KEY_EXISTS:
            return ItemStatus.PRESENT, "", ""
        return ItemStatus.FAILED, error_code, error_message
    if saved:
        return ItemStatus.IMPORTED, "", ""
    return ItemStatus.DUPLICATE, "Duplicate", "Not saved: its content duplicates an item of the library."


def advance(batch: ImportBatch, window: int | None = None) -> int:
    """Take the outcomes of finished jobs, submit what the window allows, mark the batch done when it
    is; returns how much moved."""
    moved = collect(batch)
    moved += submit_some(batch, window or settings.IMPORT_WINDOW)
    finish_if_done(batch)
    return moved


def finish_if_done(batch: ImportBatch) -> bool:
    """Mark the batch done once its source is read and every item has an outcome."""
    if batch.status != BatchStatus.RUNNING:
        return True
    if not batch.read_done or batch.items.exclude(status__in=FINISHED).exists():
        return False
    ImportBatch.objects.filter(id=batch.id, status=BatchStatus.RUNNING).update(
        status=BatchStatus.DONE, finished_at=timezone.now()
    )
    batch.status = BatchStatus.DONE
    return True
