"""Shapes of libraries and media in the API. Validation only; writes go through services."""

from rest_framework import serializers

from core.kinds import library_choices
from core.models import Team
from libraries.models import Library, Media


class LibrarySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(format="hex", read_only=True)
    media_type = serializers.ChoiceField(choices=library_choices())
    duplicate_threshold = serializers.FloatField(min_value=0.0, max_value=1.0, required=False)
    media_count = serializers.IntegerField(read_only=True, default=0)
    # The owning team by name; null: shared by every team. Left out on create: the creator's team when
    # they are in exactly one, else shared.
    team = serializers.SlugRelatedField(
        slug_field="name",
        queryset=Team.objects.all(),
        allow_null=True,
        required=False,
        error_messages={"does_not_exist": "No team is named {value}."},
    )

    class Meta:
        model = Library
        fields = [
            "id",
            "name",
            "description",
            "media_type",
            "duplicate_threshold",
            "team",
            "media_count",
            "created_at",
            "updated_at",
        ]
        # Uniqueness is the service's to check (409 ResourceAlreadyExists.LibraryName), not a 400.
        extra_kwargs = {"name": {"validators": []}}


class LibraryUpdateSerializer(LibrarySerializer):
    media_type = serializers.ChoiceField(choices=library_choices(), read_only=True)

    class Meta(LibrarySerializer.Meta):
        pass

    def validate(self, attrs):
        unknown = set(self.initial_data) - set(self.fields)
        if "media_type" in self.initial_data:
            raise serializers.ValidationError(
                {"media_type": "A library's media type cannot change."}, code="invalid"
            )
        if unknown:
            raise serializers.ValidationError({sorted(unknown)[0]: "Unknown field."})
        return attrs


class FingerprintInfoSerializer(serializers.Serializer):
    fingerprinter = serializers.CharField()
    version = serializers.IntegerField()
    bytes = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_bytes(self, obj) -> int:
        return len(obj.data)


class MediaSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(format="hex", read_only=True)
    library = serializers.UUIDField(source="library_id", format="hex", read_only=True)
    saved_by_job = serializers.UUIDField(source="saved_by_job_id", format="hex", read_only=True)
    fingerprints = FingerprintInfoSerializer(many=True, read_only=True)

    class Meta:
        model = Media
        fields = [
            "id",
            "library",
            "primary_key",
            "media_type",
            "original_name",
            "size_bytes",
            "sha256",
            "duration",
            "width",
            "height",
            "fps",
            "sample_rate",
            "characters",
            "saved_by_job",
            "fingerprints",
            "created_at",
        ]
