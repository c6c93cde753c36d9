"""Result callbacks: POST the finished job as JSON, signed, retried with backoff, every attempt kept.

Signature: header `X-DNAPortal-Signature: sha256=<hex HMAC-SHA256 of the raw body>` keyed with
DNAPORTAL_CALLBACK_SECRET; `X-DNAPortal-Timestamp` is the send time (also inside the signed body).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from jobs.inputs import InputError, check_url, open_connection
from jobs.models import CallbackAttempt, Job

log = logging.getLogger(__name__)

BACKOFF_SECONDS = [0, 30, 120, 600, 1800, 3600]


def sign(body: bytes) -> str:
    digest = hmac.new(settings.CALLBACK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def schedule_callback(job_id, attempt: int) -> None:
    job = Job.objects.filter(id=job_id).only("callback_url").first()
    if job is None or not job.callback_url or attempt > settings.CALLBACK_MAX_ATTEMPTS:
        return
    from django_q.tasks import async_task, schedule

    delay = BACKOFF_SECONDS[min(attempt - 1, len(BACKOFF_SECONDS) - 1)]
    if delay == 0 or settings.Q_CLUSTER.get("sync"):
        async_task("jobs.tasks.deliver_callback", str(job_id), attempt, task_name="dna-callback")
    else:
        schedule(
            "jobs.tasks.deliver_callback",
            str(job_id),
            attempt,
            name=f"callback-{job_id}-{attempt}",
            schedule_type="O",
            repeats=1,
            next_run=timezone.now() + timedelta(seconds=delay),
        )


def payload(job: Job) -> bytes:
    from jobs.serializers import JobSerializer

    body = {
        "event": "job.finished",
        "sent_at": timezone.now().isoformat(),
        "job": JobSerializer(job).data,
    }
    return json.dumps(body, separators=(",", ":"), default=str).encode()


def deliver(job_id: str, attempt: int) -> bool:
    job = Job.objects.filter(id=job_id).first()
    if job is None or not job.callback_url:
        return False
    body = payload(job)
    record = CallbackAttempt(job=job, attempt=attempt, url=job.callback_url)
    retry = True
    try:
        target = check_url(job.callback_url, settings.ALLOWED_PRIVATE_NETWORKS)
        connection = open_connection(target, timeout=10)
        try:
            connection.request(
                "POST",
                target.request_path,
                body=body,
                headers={
                    "Content-Type": "application/json",
                    "User-Agent": "DNA-Portal/1",
                    "X-DNAPortal-Signature": sign(body),
                    "X-DNAPortal-Job": job.id.hex,
                },
            )
            response = connection.getresponse()
            response.read(65536)
            response.close()
            record.status_code = response.status
            record.delivered = 200 <= response.status < 300
            if not record.delivered:
                record.error = f"HTTP {response.status}"
        finally:
            connection.close()
    except InputError as exc:
        record.error = exc.message
        retry = not exc.code.startswith("Forbidden")  # a refused address stays refused
    except OSError as exc:
        record.error = f"{type(exc).__name__}: {exc}"
    record.save()
    if not record.delivered:
        log.warning("callback for job %s failed (attempt %d): %s", job.id.hex, attempt, record.error)
        if retry:
            schedule_callback(job.id, attempt + 1)
    return record.delivered
