"""Who is reviewing what: a moderator's claim on a match, and the matches a moderator skipped."""

from django.conf import settings
from django.db import models


class Claim(models.Model):
    """A match held by one moderator until `expires_at` (released on decision, skip, or expiry): the
    next moderator is given another match, and a decision by someone else is refused unless they
    take it over."""

    match = models.OneToOneField(
        "jobs.Match", on_delete=models.CASCADE, primary_key=True, related_name="claim"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="claims")
    claimed_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"match {self.match_id} held by {self.user} until {self.expires_at:%H:%M}"


class Skip(models.Model):
    """A match a moderator passed over: their "next" offers it only after everything else."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    match = models.ForeignKey("jobs.Match", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "match"], name="one_skip_per_user_and_match")]

    def __str__(self) -> str:
        return f"{self.user} skipped match {self.match_id}"


class Escalation(models.Model):
    """Who is to take the second look at an escalated match (None: anyone senior)."""

    match = models.OneToOneField(
        "jobs.Match", on_delete=models.CASCADE, primary_key=True, related_name="escalation"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="escalations"
    )
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"match {self.match_id} escalated to {self.owner or 'anyone'}"


class Policy(models.Model):
    """How a library's new matches are routed: decided automatically where the score is clear
    (review/scores.py), reviewed by a moderator otherwise. No policy: every match is reviewed."""

    library = models.OneToOneField(
        "libraries.Library", on_delete=models.CASCADE, primary_key=True, related_name="review_policy"
    )
    # Confirmed automatically at or above this confidence, if at least confirm_share of the upload is copied.
    confirm_confidence = models.FloatField(null=True, blank=True)
    confirm_share = models.FloatField(default=0.0)
    # Dismissed automatically below this confidence.
    dismiss_confidence = models.FloatField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"policy of {self.library}"


class PolicyChange(models.Model):
    """Every change of a library's policy: who, when, from what to what, and why."""

    library = models.ForeignKey("libraries.Library", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    username = models.CharField(max_length=150)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.username} changed the policy of {self.library_id}"

    @property
    def before_text(self) -> str:
        return _policy_text(self.before)

    @property
    def after_text(self) -> str:
        return _policy_text(self.after)


def _policy_text(values: dict) -> str:
    """A policy's numbers in words, as its change log shows them."""
    if not values:
        return "no policy"
    confirm, share, dismiss = (
        values.get(k) for k in ("confirm_confidence", "confirm_share", "dismiss_confidence")
    )
    confirms = "never confirms" if confirm is None else f"confirms at confidence ≥ {confirm:g}"
    if confirm is not None and share:
        confirms += f" with ≥ {share:g} of the upload copied"
    dismisses = "never dismisses" if dismiss is None else f"dismisses below {dismiss:g}"
    return f"{confirms}, {dismisses}"


class SavedView(models.Model):
    """A moderator's named view of the queue (its URL parameters, review.queue.View.as_query): listed
    with its count on the queue page, opened in one click."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="one_saved_view_per_name")]

    def __str__(self) -> str:
        return f"{self.user}: {self.name}"
