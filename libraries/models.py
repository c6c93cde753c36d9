"""Libraries of fingerprinted media: Library, Media (one item under a client-given primary key), and
the stored fingerprints that describe each item, with the fingerprinter name and version that made
them."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core import kinds
from core.files import stored_name


def media_upload_path(media: "Media", filename: str) -> str:
    return stored_name(f"libraries/{media.library_id.hex}/{media.id.hex}", filename)


class Library(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=128, unique=True)
    description = models.CharField(max_length=1024, blank=True)
    media_type = models.CharField(max_length=8, choices=kinds.library_choices)
    # `save` jobs store their input only when no match reaches this global similarity.
    duplicate_threshold = models.FloatField(
        default=0.5, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)]
    )
    # The team that owns the library, its items and the jobs sent to it; none: shared by every team.
    team = models.ForeignKey(
        "core.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="libraries"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The index manifest's version: raised by every change to the library's segments or tombstones,
    # so a worker learns with one read whether the index it holds is current (libraries/indexing/).
    index_generation = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "libraries"

    def __str__(self) -> str:
        return self.name

    def accepts(self, kind: str) -> bool:
        """Whether jobs of this media kind can search this library and be saved to it."""
        return kinds.library_kind(kind) == self.media_type


class Media(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="media")
    primary_key = models.CharField(max_length=128)
    # The kind it was saved as (speech items live in text libraries: core/kinds.py STORED_AS).
    media_type = models.CharField(max_length=8, choices=kinds.choices)
    file = models.FileField(upload_to=media_upload_path, blank=True, max_length=255)
    text = models.TextField(blank=True)
    # The subtitles a speech item was saved with (refingerprinting reads them again).
    subtitles = models.TextField(blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    duration = models.FloatField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    fps = models.FloatField(null=True, blank=True)
    sample_rate = models.PositiveIntegerField(null=True, blank=True)
    characters = models.PositiveIntegerField(null=True, blank=True)
    saved_by_job = models.ForeignKey(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "media"
        constraints = [
            models.UniqueConstraint(fields=["library", "primary_key"], name="unique_primary_key_per_library")
        ]

    def __str__(self) -> str:
        return f"{self.library.name}/{self.primary_key}"


class Exclusion(models.Model):
    """A stretch of a library item that is not its own (a licence every book carries, a station jingle,
    stock footage): matches made only of it are not reported (jobs/searching.py)."""

    media = models.ForeignKey(Media, on_delete=models.CASCADE, related_name="exclusions")
    track = models.CharField(max_length=32)  # the engine track the range is on ("video", "audio", "text")
    start = models.FloatField()  # seconds, or characters for text
    end = models.FloatField()
    reason = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["media", "track", "start"]

    def __str__(self) -> str:
        return f"{self.media_id} {self.track} {self.start:g}-{self.end:g} excluded"

    def covers(self, start: float, end: float) -> bool:
        """Whether a matched stretch of the item lies within this range (give or take a margin: a
        match found on a shared passage may run a little past its ends)."""
        margin = EXCLUSION_MARGIN_CHARACTERS if self.track == "text" else EXCLUSION_MARGIN_SECONDS
        return start >= self.start - margin and end <= self.end + margin


# How far a matched stretch may run past an excluded range and still be made of it.
EXCLUSION_MARGIN_SECONDS = 1.0
EXCLUSION_MARGIN_CHARACTERS = 40


class StoredFingerprint(models.Model):
    """A fingerprint as a library keeps it (engine.base.Fingerprint is the fingerprint itself)."""

    media = models.ForeignKey(Media, on_delete=models.CASCADE, related_name="fingerprints")
    # Denormalised so a library's index loads with one indexed query.
    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="+")
    fingerprinter = models.CharField(max_length=64)
    version = models.PositiveIntegerField()
    data = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["media", "fingerprinter"], name="one_fingerprint_per_fingerprinter"
            )
        ]
        indexes = [models.Index(fields=["library", "fingerprinter", "id"])]

    def __str__(self) -> str:
        return f"{self.fingerprinter} v{self.version} of {self.media_id}"


class IndexSegment(models.Model):
    """One immutable segment file of a library's index for one fingerprinter version. The active
    (not retired) segments of a library are its index; merges retire the segments they replace."""

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="index_segments")
    fingerprinter = models.CharField(max_length=64)
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=128, unique=True)
    # Items in the segment are hidden by tombstones of a later generation than this.
    generation = models.BigIntegerField()
    items = models.PositiveIntegerField()
    size_bytes = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    retired = models.BooleanField(default=False)
    retired_at = models.DateTimeField(null=True, blank=True)
    # Taken by a merge until then (libraries/indexing/merge.py): no other merge takes it meanwhile.
    merging_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["library", "fingerprinter", "version", "retired"])]

    def __str__(self) -> str:
        return self.name


class IndexTombstone(models.Model):
    """An item deleted or replaced at a generation: segments older than that no longer show it."""

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="+")
    media_id = models.UUIDField()
    generation = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["library", "generation"])]

    def __str__(self) -> str:
        return f"{self.media_id} buried at {self.generation}"


class TokenLimit(models.Model):
    """The user's API token (and the cloud-style signatures made with it) reaches only these
    libraries, and the jobs sent to them, whatever the user's role and teams. Signed-in pages are
    not limited: the limit is for tokens handed to upstream systems."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="token_limit"
    )
    libraries = models.ManyToManyField(Library, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"token of {self.user} limited to {self.libraries.count()} libraries"
