"""DNA jobs: one submitted medium checked against (and maybe saved to) a library, and its matches."""

import uuid

from django.conf import settings
from django.db import models

from core import kinds
from core.files import stored_name


class SaveType(models.TextChoices):
    # Semantics of Alibaba Cloud ICE SubmitDNAJob (../shared/reference).
    NOSAVE = "nosave", "Search only"
    SAVE = "save", "Search; save if not a duplicate"
    FORCESAVE = "forcesave", "Search and save"
    ONLYSAVE = "onlysave", "Save only"

    @property
    def searches(self) -> bool:
        return self != SaveType.ONLYSAVE


class JobStatus(models.TextChoices):
    QUEUING = "queuing", "Queuing"
    ANALYSING = "analysing", "Analysing"
    SUCCESS = "success", "Success"
    FAIL = "fail", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class InputType(models.TextChoices):
    UPLOAD = "upload", "Uploaded file"
    URL = "url", "HTTP(S) URL"
    PATH = "path", "Path under the import root"
    TEXT = "text", "Inline text"
    MEDIA = "media", "An item already in the portal"
    OBJECT = "object", "Object in the object store"


class ApiStyle(models.TextChoices):
    """Which API a job came through: its callbacks take that API's shape (docs/compat.md)."""

    NATIVE = "native", "DNA Portal API"
    WEB = "web", "DNA Portal web page"  # callbacks as the native API's
    ICE = "ice", "Alibaba Cloud ICE"
    MPS = "mps", "Alibaba Cloud MPS"
    CI = "ci", "Tencent Cloud CI"


class CallbackFormat(models.TextChoices):
    JSON = "json", "JSON"
    XML = "xml", "XML"


class Operation(models.TextChoices):
    FINGERPRINT = "fingerprint", "Fingerprint, search and save"
    # Tencent CI's DeleteFingerPrint: removes a library item, recorded as a job so it reads back.
    DELETE = "delete", "Delete a library item"


def job_input_path(job: "Job", filename: str) -> str:
    return stored_name(f"jobs/{job.id.hex}/input", filename)


class Job(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    library = models.ForeignKey(
        "libraries.Library", null=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    primary_key = models.CharField(max_length=128)
    media_type = models.CharField(max_length=8, choices=kinds.choices)
    save_type = models.CharField(max_length=10, choices=SaveType.choices, default=SaveType.SAVE)

    input_type = models.CharField(max_length=8, choices=InputType.choices)
    input_file = models.FileField(upload_to=job_input_path, blank=True, max_length=255)
    input_url = models.URLField(max_length=2048, blank=True)
    input_path = models.CharField(max_length=1024, blank=True)
    input_text = models.TextField(blank=True)
    # SRT or WebVTT given with an asr job's recording: its words are read from them, not recognised.
    input_subtitles = models.TextField(blank=True)
    input_name = models.CharField(max_length=255, blank=True)
    input_media = models.ForeignKey(
        "libraries.Media", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Object store inputs: bucket (empty for the store's default) and key.
    input_bucket = models.CharField(max_length=63, blank=True)
    input_key = models.CharField(max_length=1024, blank=True)
    operation = models.CharField(max_length=12, choices=Operation.choices, default=Operation.FINGERPRINT)

    user_data = models.CharField(max_length=128, blank=True)
    priority = models.PositiveSmallIntegerField(default=0)
    pipeline = models.CharField(max_length=64, blank=True)
    callback_url = models.URLField(max_length=2048, blank=True)
    callback_format = models.CharField(
        max_length=4, choices=CallbackFormat.choices, default=CallbackFormat.JSON
    )
    api_style = models.CharField(max_length=8, choices=ApiStyle.choices, default=ApiStyle.NATIVE)

    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUING)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    saved = models.BooleanField(default=False)
    saved_media = models.ForeignKey(
        "libraries.Media", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The input's SHA-256, for jobs that search: the same file uploaded again makes the same pairs
    # with library items, which moderators decide once (jobs/pairs.py).
    input_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    # Facts about the query learnt while decoding (duration, width, characters...).
    input_meta = models.JSONField(default=dict, blank=True)
    # Speech: the words heard in the input with their times (jobs/transcripts.py), for the review page.
    transcript = models.JSONField(default=dict, blank=True)
    # What could not be used of the input (damaged packets skipped, a sound track that does not decode).
    notes = models.JSONField(default=list, blank=True)

    request_id = models.CharField(max_length=64, blank=True)
    # The bulk import batch the job fingerprints an item of (imports/): such jobs stay out of the
    # moderators' review queue. A plain id, not a key: jobs do not depend on the imports app.
    batch_id = models.UUIDField(null=True, blank=True, db_index=True)
    # The owning team: its library's, or the submitter's for a shared library (libraries/access.py).
    team = models.ForeignKey("core.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Refreshed while a worker holds the job; a stale heartbeat means the worker died.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # A job queued again after failures waits until then (back-off); null: at once.
    not_before = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "pipeline", "-priority", "created_at"]),
            models.Index(fields=["library", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"job {self.id.hex} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.SUCCESS, JobStatus.FAIL, JobStatus.CANCELLED)


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    CONFIRMED = "confirmed", "Confirmed copy"
    DISMISSED = "dismissed", "Not a copy"
    ESCALATED = "escalated", "Escalated"


class Reason(models.TextChoices):
    """Why a moderator decided as they did (optional): each belongs to one decision (REASONS_FOR)."""

    UNLICENSED = "unlicensed", "Unlicensed copy"
    NOT_A_COPY = "not_a_copy", "Not a copy: the engine was wrong"
    LICENSED = "licensed", "A copy, but licensed or owned"
    PUBLIC = "public", "A copy, but public domain or fair use"
    UNCLEAR = "unclear", "Unclear: needs a second look"
    LEGAL = "legal", "Needs legal advice"


REASONS_FOR = {
    ReviewStatus.CONFIRMED: (Reason.UNLICENSED,),
    ReviewStatus.DISMISSED: (Reason.NOT_A_COPY, Reason.LICENSED, Reason.PUBLIC),
    ReviewStatus.ESCALATED: (Reason.UNCLEAR, Reason.LEGAL),
}
# Dismissed, yet the engine was right: calibration leaves these out (review/calibration.py).
REAL_COPY_DISMISSALS = (Reason.LICENSED, Reason.PUBLIC)


class Match(models.Model):
    """One matched library item for one job, with where and how closely it matched."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="matches")
    library = models.ForeignKey("libraries.Library", null=True, on_delete=models.SET_NULL, related_name="+")
    media = models.ForeignKey("libraries.Media", null=True, on_delete=models.SET_NULL, related_name="matches")
    # Kept even when the library item is deleted later, so the result still reads the same.
    primary_key = models.CharField(max_length=128)
    global_similarity = models.FloatField()
    # Matched stretches per track ("video", "audio", "text": see the engine's registry), each
    # {start, end, library_start, library_end, similarity} (+ query_text, library_text for text).
    segments = models.JSONField(default=dict, blank=True)
    # The edit the engine saw, in words ("mirrored", "rotated 12°", a crop): engine.base.Hit.changes.
    changes = models.JSONField(default=list, blank=True)
    # The share of the upload copied (jobs/coverage.py; a picture is copied whole): the queue's filter.
    query_coverage = models.FloatField(null=True, blank=True)
    # The earliest match of the same pair (the same upload content and library item): this one
    # follows its decisions and is not queued on its own (jobs/pairs.py).
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )

    review_status = models.CharField(
        max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING, db_index=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)
    review_reason = models.CharField(max_length=12, choices=Reason.choices, blank=True)
    # One more with each decision: a page or client that read an older one is deciding on stale facts.
    review_version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-global_similarity", "id"]

    def __str__(self) -> str:
        return f"{self.primary_key} ~ {self.global_similarity:.2f}"

    def track(self, name: str) -> list[dict]:
        """The segments of one track (empty when the match has none there)."""
        return self.segments.get(name, [])

    @property
    def segment_count(self) -> int:
        return sum(len(track) for track in self.segments.values())


class ReviewEvent(models.Model):
    """One decision on a match, kept forever: the audit log. A changed decision is a new event."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="review_events")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="review_events"
    )
    # Kept as text so the log still names the reviewer after the account is deleted.
    username = models.CharField(max_length=150)
    decision = models.CharField(max_length=10, choices=ReviewStatus.choices)
    previous = models.CharField(max_length=10, choices=ReviewStatus.choices)
    note = models.TextField(blank=True)
    reason = models.CharField(max_length=12, choices=Reason.choices, blank=True)
    # Set when the decision was made on a match another moderator had claimed (taken over explicitly).
    took_over_from = models.CharField(max_length=150, blank=True)
    # The match's review_version this decision made (an undo applies only if it is still current).
    version_after = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.username}: {self.previous} -> {self.decision} on match {self.match_id}"


class CallbackAttempt(models.Model):
    """Every delivery attempt of a job's result to its callback URL."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="callback_attempts")
    attempt = models.PositiveSmallIntegerField()
    url = models.URLField(max_length=2048)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    delivered = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["job", "attempt"]

    def __str__(self) -> str:
        return f"callback {self.attempt} of {self.job_id}: {self.status_code or self.error}"


class Pipeline(models.Model):
    """A pipeline (a django-q2 queue other than the default) that a worker cluster has announced it
    serves: jobs may be sent only to the default pipeline and to these (jobs/pipelines.py)."""

    name = models.CharField(max_length=64, primary_key=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"pipeline {self.name}"
