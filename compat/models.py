from django.conf import settings
from django.db import models


class UsedNonce(models.Model):
    """A SignatureNonce a signed request used (compat/nonces.py): kept in the database, so a replay is
    refused even after the cache was flushed or on another web server."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=128)
    used_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "nonce"], name="compat_nonce_once_per_user")]

    def __str__(self) -> str:
        return f"nonce {self.nonce} of user {self.user_id}"
