from django.contrib import admin

from jobs.models import CallbackAttempt, Job, Match


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "library",
        "primary_key",
        "media_type",
        "save_type",
        "status",
        "team",
        "created_at",
    ]
    list_filter = ["status", "media_type", "save_type", "team"]
    search_fields = ["primary_key", "id"]
    raw_id_fields = ["saved_media"]


@admin.register(Match)
class MatchAdmin(admin.ModelAdmin):
    list_display = ["job", "primary_key", "global_similarity", "review_status"]
    list_filter = ["review_status"]
    raw_id_fields = ["job", "media"]


admin.site.register(CallbackAttempt)
