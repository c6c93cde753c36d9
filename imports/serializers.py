"""Shapes of import batches in the API. Validation only; imports.services writes."""

from rest_framework import serializers

from imports.models import ImportBatch, ImportItem
from imports.services import progress

# An import saves (nosave would import nothing): named in the schema as ImportSaveType.
SAVE_TYPE_CHOICES = ["onlysave", "save", "forcesave"]


class BatchCreateSerializer(serializers.Serializer):
    library = serializers.UUIDField(format="hex")
    save_type = serializers.ChoiceField(choices=SAVE_TYPE_CHOICES, default="save")
    media_type = serializers.CharField(required=False, allow_blank=True, default="", max_length=8)
    folder = serializers.CharField(
        required=False, max_length=1024, help_text="a folder under the import root"
    )
    manifest = serializers.FileField(required=False, help_text="a .csv or .jsonl manifest")
    archive = serializers.FileField(required=False, help_text="a .zip, .tar or .tar.gz archive")

    def validate(self, attrs):
        given = [name for name in ("folder", "manifest", "archive") if attrs.get(name)]
        if len(given) != 1:
            raise serializers.ValidationError(
                {"source": "Give exactly one of folder, manifest or archive."}, code="required"
            )
        return attrs


class BatchSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(format="hex", read_only=True)
    library = serializers.UUIDField(source="library_id", format="hex", read_only=True)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "library",
            "source_kind",
            "source",
            "save_type",
            "media_type",
            "status",
            "rows_read",
            "read_done",
            "error",
            "progress",
            "created_at",
            "finished_at",
        ]

    def get_progress(self, batch) -> dict:
        return progress(batch)


class ItemSerializer(serializers.ModelSerializer):
    job = serializers.UUIDField(source="job_id", format="hex", read_only=True, allow_null=True)

    class Meta:
        model = ImportItem
        fields = [
            "row",
            "primary_key",
            "path",
            "url",
            "subtitles",
            "media_type",
            "user_data",
            "title",
            "metadata",
            "status",
            "code",
            "message",
            "matched_key",
            "job",
            "updated_at",
        ]
