"""Result callbacks: POST the finished job, signed, retried with backoff, every attempt kept.

Body: the native job as JSON (or XML, root <Callback>) for native jobs; for jobs submitted through a
cloud-style API, that API's shape in the format the job asked for (docs/compat.md), made by the shaper
the cloud-style app registered for it (register_shaper; jobs does not import compat).
Signature: header `X-DNAPortal-Signature: sha256=<hex HMAC-SHA256 of the raw body>` keyed with
DNAPORTAL_CALLBACK_SECRET; `X-DNAPortal-Timestamp` is the send time (Unix seconds, not signed).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from core import xml
from jobs.inputs import InputError, check_url, open_connection
from jobs.models import CallbackAttempt, CallbackFormat, Job
from jobs.selectors import jobs_with_results
from jobs.serializers import JobSerializer

log = logging.getLogger(__name__)

BACKOFF_SECONDS = [0, 30, 120, 600, 1800, 3600]

# API style -> function(job) -> (XML root element, content) of that style's callback body.
Shaper = Callable[[Job], tuple[str, dict]]
_shapers: dict[str, Shaper] = {}


def register_shaper(api_style: str, shaper: Shaper) -> None:
    """Let an API style shape the callbacks of the jobs submitted through it."""
    _shapers[api_style] = shaper


def native_body(job: Job) -> tuple[str, dict]:
    return "Callback", {
        "event": "job.finished",
        "sent_at": timezone.now().isoformat(),
        "job": JobSerializer(job).data,
    }


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


def payload(job: Job) -> tuple[bytes, str]:
    """(body, content type) in the job's API style and callback format."""
    root, content = _shapers.get(job.api_style, native_body)(job)
    if job.callback_format == CallbackFormat.XML:
        return xml.render(root, json.loads(json.dumps(content, default=str))), "application/xml"
    return json.dumps(content, separators=(",", ":"), default=str).encode(), "application/json"


def deliver(job_id: str, attempt: int) -> bool:
    job = jobs_with_results().filter(id=job_id).first()
    if job is None or not job.callback_url:
        return False
    body, content_type = payload(job)
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
                    "Content-Type": content_type,
                    "User-Agent": "DNA-Portal/1",
                    "X-DNAPortal-Signature": sign(body),
                    "X-DNAPortal-Timestamp": str(int(timezone.now().timestamp())),
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
