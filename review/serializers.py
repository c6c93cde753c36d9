"""API shapes of moderation: a view of the queue, a decision, a match with its claim."""

from rest_framework import serializers, status

from core.kinds import MediaKind
from jobs.serializers import MatchDetailSerializer
from libraries.access import Scope
from libraries.selectors import get_library
from review.claims import live_claim
from review.queue import QUEUE_STATUSES, View


class ViewSerializer(serializers.Serializer):
    """Which matches `next` takes from (every field optional: the whole pending queue)."""

    library = serializers.CharField(required=False, max_length=64)
    kind = serializers.ChoiceField(choices=MediaKind.choices, required=False)
    min_similarity = serializers.FloatField(required=False, min_value=0, max_value=1)
    status = serializers.ChoiceField(choices=[(s, s) for s in QUEUE_STATUSES], required=False)
    uploader = serializers.CharField(required=False, max_length=150)
    min_age_hours = serializers.IntegerField(required=False, min_value=0, max_value=24 * 365)

    def view(self, scope: Scope) -> View:
        """The View, its library looked up among those the scope sees (400 if not one of them)."""
        data = dict(self.validated_data)
        if data.get("library"):
            data["library"] = get_library(
                data["library"], scope=scope, http_status=status.HTTP_400_BAD_REQUEST
            )
        return View(**data)


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["confirmed", "dismissed", "escalated"])
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    version = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text="The match's review_version you read: refused (409) if it changed.",
    )
    take_over = serializers.BooleanField(
        required=False, default=False, help_text="Decide a match another moderator holds (logged)."
    )


class ClaimSerializer(serializers.Serializer):
    user = serializers.CharField(source="user.username")
    expires_at = serializers.DateTimeField()


class ReviewedMatchSerializer(MatchDetailSerializer):
    """A match with its review version and who holds it now."""

    claim = serializers.SerializerMethodField()

    class Meta(MatchDetailSerializer.Meta):
        fields = [*MatchDetailSerializer.Meta.fields, "review_version", "claim"]

    def get_claim(self, match) -> dict | None:
        held = live_claim(match)
        return ClaimSerializer(held).data if held else None
