"""API shapes of moderation: a view of the queue, a decision, a match with its claim."""

from dataclasses import fields

from rest_framework import serializers, status

from core.kinds import MediaKind
from jobs.models import Reason
from jobs.serializers import MatchDetailSerializer
from libraries.access import Scope
from libraries.selectors import get_library
from review.claims import live_claim
from review.queue import QUEUE_STATUS_CHOICES, View
from review.scores import explain


class ViewSerializer(serializers.Serializer):
    """Which matches `next` takes from (every field optional: the whole pending queue)."""

    library = serializers.CharField(required=False, max_length=64)
    kind = serializers.ChoiceField(choices=MediaKind.choices, required=False)
    min_similarity = serializers.FloatField(required=False, min_value=0, max_value=1)
    min_coverage = serializers.FloatField(
        required=False, min_value=0, max_value=1, help_text="The share of the upload copied (a picture: 1)."
    )
    status = serializers.ChoiceField(choices=QUEUE_STATUS_CHOICES, required=False)
    uploader = serializers.CharField(required=False, max_length=150)
    min_age_hours = serializers.IntegerField(required=False, min_value=0, max_value=24 * 365)
    owner = serializers.CharField(
        required=False, max_length=150, help_text="Escalations owned by this username."
    )

    def view(self, scope: Scope) -> View:
        """The View, its library looked up among those the scope sees (400 if not one of them)."""
        wanted = {field.name for field in fields(View)}
        data = {name: value for name, value in self.validated_data.items() if name in wanted}
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
    owner = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=150,
        help_text="For an escalation: the moderator or admin (username) to take the second look.",
    )
    reason = serializers.ChoiceField(
        choices=Reason.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why (optional): unlicensed for confirmed; not_a_copy, licensed or public for dismissed; "
        "unclear or legal for escalated.",
    )


class BulkSerializer(ViewSerializer):
    """A decision on the given matches (`ids`), or on the whole view its filters describe."""

    decision = serializers.ChoiceField(choices=["confirmed", "dismissed", "escalated"])
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    reason = serializers.ChoiceField(choices=Reason.choices, required=False, allow_blank=True, default="")
    # (Match ids are 64-bit: a larger number is no id, and no database could compare it.)
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), required=False, max_length=2000
    )
    expected = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text="How many matches you were shown: refused (409) if they now number otherwise.",
    )


class BulkResultSerializer(serializers.Serializer):
    decided = serializers.IntegerField()
    held_by_others = serializers.IntegerField()


class ClaimSerializer(serializers.Serializer):
    user = serializers.CharField(source="user.username")
    expires_at = serializers.DateTimeField()


class ReviewedMatchSerializer(MatchDetailSerializer):
    """A match with its review version and who holds it now."""

    claim = serializers.SerializerMethodField()
    score = serializers.SerializerMethodField(
        help_text="How much of each side is copied (length covered, length, share; in the unit given) "
        "and how sure the engine is (confidence: the copied stretches' similarity weighted by length); "
        "changes: the edit their geometry shows (e.g. a speed change)."
    )

    class Meta(MatchDetailSerializer.Meta):
        fields = [*MatchDetailSerializer.Meta.fields, "review_version", "claim", "score"]

    def get_score(self, match) -> dict:
        return explain(match).as_dict()

    def get_claim(self, match) -> dict | None:
        held = live_claim(match)
        return ClaimSerializer(held).data if held else None


class NextSerializer(serializers.Serializer):
    """The match claimed (null when nothing in the view is free) and how many others the view holds."""

    match = ReviewedMatchSerializer(allow_null=True)
    remaining = serializers.IntegerField()
