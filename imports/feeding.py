"""Feeding a batch's items to the workers as jobs, a window at a time, and taking the jobs' outcomes
back. An item is claimed before its job is made, so two processes advancing one batch never submit
it twice."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.errors import ApiError, Codes
from imports.models import FINISHED, BatchStatus, ImportBatch, ImportItem, ItemStatus
from jobs import services as job_services
from jobs.models import Job, JobStatus

JOB_DONE = (JobStatus.SUCCESS, JobStatus.FAIL, JobStatus.CANCELLED)


def submit_some(batch: ImportBatch, window: int) -> int:
    """Submit pending items as jobs until `window` are in flight; returns how many were submitted.
    Stops early (leaving items pending) when the queue refuses more for now. The workers get one
    wake-up per group of jobs they take together (settings.IMPORT_GROUP), not one per job."""
    in_flight = batch.items.filter(status=ItemStatus.SUBMITTED).count()
    room = max(0, window - in_flight)
    submitted, unwoken = 0, 0
    for item in batch.items.filter(status=ItemStatus.PENDING).order_by("row")[:room]:
        outcome = _submit(batch, item)
        if outcome is None:
            break
        if outcome == ItemStatus.SUBMITTED:
            submitted, unwoken = submitted + 1, unwoken + 1
            if unwoken == settings.IMPORT_GROUP:  # a group is ready: wake a worker now
                job_services.wake_workers("", unwoken, batched=True)
                unwoken = 0
    job_services.wake_workers("", unwoken, batched=True)
    return submitted


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
                library=batch.library,
                primary_key=item.primary_key,
                media_type=item.media_type,
                save_type=batch.save_type,
                path=item.path,
                url=item.url,
                user_data=item.user_data,
                user=batch.created_by,
                request_id=f"import-{batch.id.hex[:8]}-{item.row}",
                batch_id=batch.id,
                wake=False,
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
    """Take the outcomes of the batch's finished jobs into their items; returns how many."""
    done = list(
        batch.items.filter(status=ItemStatus.SUBMITTED, job__status__in=JOB_DONE).select_related("job")[:1000]
    )
    for item in done:
        item.status, item.code, item.message = _outcome(batch, item.job)
        if item.status == ItemStatus.DUPLICATE:
            best = item.job.matches.order_by("-global_similarity", "id").first()
            item.matched_key = best.primary_key if best else ""
    ImportItem.objects.bulk_update(done, ["status", "code", "message", "matched_key"])
    # A job deleted from under its item (by an admin): submit the item again.
    batch.items.filter(status=ItemStatus.SUBMITTED, job__isnull=True).update(status=ItemStatus.PENDING)
    return len(done)


def _outcome(batch: ImportBatch, job: Job) -> tuple[str, str, str]:
    if job.status == JobStatus.CANCELLED:
        return ItemStatus.CANCELLED, "", ""
    if job.status == JobStatus.FAIL:
        if job.error_code == Codes.PRIMARY_KEY_EXISTS:
            return ItemStatus.PRESENT, "", ""
        return ItemStatus.FAILED, job.error_code, job.error_message
    if job.saved:
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
