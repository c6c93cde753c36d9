from django.contrib import admin

from review.models import Claim


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    """Who holds which match (an admin may delete a claim to free a match at once)."""

    list_display = ["match", "user", "claimed_at", "expires_at"]
    list_filter = ["user"]
    raw_id_fields = ["match"]
