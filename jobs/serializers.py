"""Shapes of jobs and matches in the API. Validation only; writes go through jobs.services."""

import json

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.kinds import MediaKind
from engine import registry
from engine.base import MediaError, Track
from engine.speech.subtitles import MAX_SUBTITLE_BYTES
from engine.text.reading import decode_text
from jobs.models import CallbackFormat, Job, JobStatus, Match, SaveType


class InputSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["url", "path", "object", "media"])
    media = serializers.CharField(max_length=2048, trim_whitespace=False)


@extend_schema_field(InputSerializer)
class JSONObjectField(serializers.Field):
    """A nested object in JSON bodies, or the same object as a JSON string in multipart forms."""

    def __init__(self, serializer: serializers.Serializer, **kwargs):
        self.serializer = serializer
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError as exc:
                raise serializers.ValidationError("Not valid JSON.") from exc
        inner = self.serializer.__class__(data=data)
        inner.is_valid(raise_exception=True)
        return inner.validated_data

    def to_representation(self, value):
        return value


@extend_schema_field({"type": "string", "description": "SRT or WebVTT: a file (multipart) or its text"})
class SubtitlesField(serializers.Field):
    """SRT or WebVTT given with a speech job's file: an uploaded file (multipart) or its text (JSON)."""

    default_error_messages = {
        "too_large": f"Subtitles larger than {MAX_SUBTITLE_BYTES // (1024 * 1024)} MB are not subtitles.",
        "invalid": "Give the subtitles as a file (multipart) or as the file's text.",
    }

    def to_internal_value(self, data):
        if hasattr(data, "read"):
            if data.size > MAX_SUBTITLE_BYTES:
                self.fail("too_large")
            try:
                data = decode_text(data.read())
            except MediaError as exc:
                raise serializers.ValidationError(f"The subtitle file is not text: {exc}") from exc
        if not isinstance(data, str):
            self.fail("invalid")
        if len(data.encode("utf-8", "surrogatepass")) > MAX_SUBTITLE_BYTES:
            self.fail("too_large")
        if "\x00" in data:
            raise serializers.ValidationError("Subtitles may not hold NUL characters.")
        return data

    def to_representation(self, value):
        return value


class JobCreateSerializer(serializers.Serializer):
    library = serializers.CharField(max_length=64)
    primary_key = serializers.CharField(max_length=128)
    media_type = serializers.ChoiceField(choices=MediaKind.choices)
    save_type = serializers.ChoiceField(choices=SaveType.choices, default=SaveType.SAVE)
    file = serializers.FileField(required=False, allow_empty_file=True, use_url=False)
    input = JSONObjectField(InputSerializer(), required=False)
    text = serializers.CharField(required=False, trim_whitespace=False, allow_blank=True)
    subtitles = SubtitlesField(required=False)
    user_data = serializers.CharField(required=False, allow_blank=True, default="", max_length=1024)
    priority = serializers.IntegerField(required=False, default=0, min_value=0, max_value=2)
    pipeline = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    callback_url = serializers.CharField(required=False, allow_blank=True, default="", max_length=2048)
    callback_format = serializers.ChoiceField(choices=CallbackFormat.choices, default=CallbackFormat.JSON)

    def validate_primary_key(self, value: str) -> str:
        if any(ord(c) < 32 for c in value) or value != value.strip():
            raise serializers.ValidationError(
                "Control characters and leading/trailing spaces are not allowed."
            )
        return value


class SegmentSerializer(serializers.Serializer):
    """A matched stretch. The API calls the library side `master_*`, as the cloud APIs do."""

    start = serializers.FloatField()
    end = serializers.FloatField()
    master_start = serializers.FloatField(source="library_start")
    master_end = serializers.FloatField(source="library_end")
    similarity = serializers.FloatField()


class TextSegmentSerializer(SegmentSerializer):
    query_text = serializers.CharField()
    master_text = serializers.CharField(source="library_text")


def segments_field(track: Track) -> serializers.ListSerializer:
    """`<track>_segments`: the match's segments on one track (an empty list when it has none)."""
    shape = TextSegmentSerializer if track.words else SegmentSerializer
    return shape(many=True, read_only=True, source=f"segments.{track.name}", default=list)


class MatchSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(read_only=True)
    library = serializers.UUIDField(source="library_id", format="hex")
    media = serializers.UUIDField(source="media_id", format="hex")

    class Meta:
        model = Match
        fields = ["id", "primary_key", "library", "media", "global_similarity", "review_status"]

    def get_fields(self):
        """The model's fields with one `<track>_segments` list per track the engine registers, after
        the global similarity."""
        fields = super().get_fields()
        ordered = {}
        for name, field in fields.items():
            ordered[name] = field
            if name == "global_similarity":
                ordered.update({f"{t.name}_segments": segments_field(t) for t in registry.tracks()})
        return ordered


class MatchDetailSerializer(MatchSerializer):
    job = serializers.UUIDField(source="job_id", format="hex")
    reviewed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta(MatchSerializer.Meta):
        fields = [
            *MatchSerializer.Meta.fields,
            "job",
            "reviewed_by",
            "reviewed_at",
            "review_note",
            "review_reason",
            "query_coverage",
            "duplicate_of",
            "changes",
        ]


class CallbackAttemptSerializer(serializers.Serializer):
    attempt = serializers.IntegerField()
    status_code = serializers.IntegerField(allow_null=True)
    delivered = serializers.BooleanField()
    error = serializers.CharField()
    created_at = serializers.DateTimeField()


class JobSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(format="hex")
    library = serializers.UUIDField(source="library_id", format="hex", allow_null=True)
    input = serializers.SerializerMethodField()
    code = serializers.CharField(source="error_code")
    message = serializers.CharField(source="error_message")
    saved_media = serializers.UUIDField(source="saved_media_id", format="hex", allow_null=True)
    result = serializers.SerializerMethodField()
    callback_attempts = CallbackAttemptSerializer(many=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "request_id",
            "library",
            "primary_key",
            "media_type",
            "save_type",
            "input",
            "user_data",
            "priority",
            "pipeline",
            "callback_url",
            "callback_format",
            "api_style",
            "operation",
            "status",
            "code",
            "message",
            "progress",
            "attempts",
            "saved",
            "saved_media",
            "input_meta",
            "notes",
            "created_at",
            "started_at",
            "finished_at",
            "result",
            "callback_attempts",
        ]

    @extend_schema_field(InputSerializer)
    def get_input(self, job: Job) -> dict:
        media = {
            "upload": job.input_name,
            "url": job.input_url,
            "path": job.input_path,
            "object": f"{job.input_bucket}/{job.input_key}" if job.input_bucket else job.input_key,
            "media": job.input_media_id.hex if job.input_media_id else job.input_name,
        }
        shown = media.get(job.input_type, "")
        if job.input_type == "text":
            shown = f"{len(job.input_text)} characters"
        return {"type": job.input_type, "media": shown}

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_result(self, job: Job) -> dict | None:
        if job.status != JobStatus.SUCCESS:
            return None
        return {"matches": MatchSerializer(job.matches.all(), many=True).data}


class JobCreatedSerializer(serializers.Serializer):
    id = serializers.CharField()
    request_id = serializers.CharField()
    status = serializers.CharField()
