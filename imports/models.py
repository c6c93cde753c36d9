"""A bulk import is a batch of items, one per row of its source (a file of a folder, a line of a
manifest, a member of an archive). Everything about it lives here, so an import interrupted anywhere
(Ctrl-C, a killed worker, a reboot) resumes from the database: rows already read are not read again,
items already submitted are not submitted again."""

import uuid

from django.conf import settings
from django.db import models


class SourceKind(models.TextChoices):
    DIRECTORY = "directory", "Folder under the import root"
    MANIFEST = "manifest", "Manifest (CSV or JSON Lines)"
    ARCHIVE = "archive", "Archive (.zip or .tar)"


class BatchStatus(models.TextChoices):
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"  # the command was stopped (Ctrl-C): `import_media --resume` goes on
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"  # its source could not be read at all


class ItemStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be submitted"
    SUBMITTED = "submitted", "Being fingerprinted"
    IMPORTED = "imported", "Imported"
    PRESENT = "present", "Already in the library"
    DUPLICATE = "duplicate", "Not saved: duplicates an item"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


FINISHED = (
    ItemStatus.IMPORTED,
    ItemStatus.PRESENT,
    ItemStatus.DUPLICATE,
    ItemStatus.FAILED,
    ItemStatus.CANCELLED,
)


class ImportBatch(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    library = models.ForeignKey("libraries.Library", on_delete=models.CASCADE, related_name="+")
    source_kind = models.CharField(max_length=10, choices=SourceKind.choices)
    # What was imported, as given (a path); for an archive, where it was unpacked is `unpacked`.
    source = models.CharField(max_length=1024)
    unpacked = models.CharField(max_length=1024, blank=True)
    save_type = models.CharField(max_length=10, default="save")
    # Forced media kind for every row; empty: each row's own (a manifest column, the file ending).
    media_type = models.CharField(max_length=8, blank=True)
    status = models.CharField(max_length=10, choices=BatchStatus.choices, default=BatchStatus.RUNNING)
    # Rows of the source turned into items so far, and whether the source is read to its end.
    rows_read = models.PositiveIntegerField(default=0)
    read_done = models.BooleanField(default=False)
    # Rows the source holds, counted before reading (for progress; 0 while unknown).
    rows_total = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # Started from the dashboard or the API: the workers drive it (imports/tasks.py). Otherwise the
    # command that started it does, and `--resume` after an interruption.
    in_background = models.BooleanField(default=False)
    # Whoever reads the source holds this lease (renewed every chunk), so two readers never race and
    # a reader that died is replaced once it runs out.
    reading_until = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "import batches"

    def __str__(self) -> str:
        return f"import {self.id.hex[:8]} into {self.library_id.hex[:8]} ({self.status})"


class ImportItem(models.Model):
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="items")
    row = models.PositiveIntegerField()  # 1-based, in the source's order
    primary_key = models.CharField(max_length=128, blank=True)
    path = models.CharField(max_length=1024, blank=True)  # relative to the import root
    subtitles = models.CharField(max_length=1024, blank=True)  # SRT/WebVTT, relative to the import root
    url = models.CharField(max_length=2048, blank=True)
    media_type = models.CharField(max_length=8, blank=True)
    user_data = models.CharField(max_length=128, blank=True)
    title = models.CharField(max_length=255, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=ItemStatus.choices, default=ItemStatus.PENDING)
    code = models.CharField(max_length=64, blank=True)  # why it failed (or was not saved)
    message = models.TextField(blank=True)
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # A duplicate: the library item its content matched.
    matched_key = models.CharField(max_length=128, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["batch", "row"]
        constraints = [models.UniqueConstraint(fields=["batch", "row"], name="one_item_per_source_row")]
        indexes = [
            models.Index(fields=["batch", "status", "row"]),
            models.Index(fields=["batch", "primary_key"]),
        ]

    def __str__(self) -> str:
        return f"row {self.row} ({self.primary_key or '?'}): {self.status}"
