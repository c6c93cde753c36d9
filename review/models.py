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
