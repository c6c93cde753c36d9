from django.contrib import admin, messages
from django.db import transaction

from libraries.models import Library, Media, StoredFingerprint, TokenLimit


@admin.register(Library)
class LibraryAdmin(admin.ModelAdmin):
    list_display = ["name", "media_type", "team", "duplicate_threshold", "created_at"]
    list_filter = ["media_type", "team"]
    search_fields = ["name"]


@admin.register(TokenLimit)
class TokenLimitAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at"]
    search_fields = ["user__username"]
    filter_horizontal = ["libraries"]


@admin.register(Media)
class MediaAdmin(admin.ModelAdmin):
    list_display = ["primary_key", "library", "media_type", "size_bytes", "created_at"]
    list_filter = ["media_type", "library"]
    search_fields = ["primary_key"]
    raw_id_fields = ["saved_by_job"]
    actions = ["refingerprint"]

    @admin.action(description="Re-fingerprint the selected items (in the background)")
    def refingerprint(self, request, queryset):
        from django_q.tasks import async_task

        ids = [item.hex for item in queryset.values_list("id", flat=True)]
        for start in range(0, len(ids), 100):  # one task per hundred items: none runs for hours
            chunk = ids[start : start + 100]
            transaction.on_commit(lambda chunk=chunk: async_task("libraries.tasks.refingerprint", chunk))
        self.message_user(request, f"Re-fingerprinting of {len(ids)} items queued.", messages.SUCCESS)


@admin.register(StoredFingerprint)
class FingerprintAdmin(admin.ModelAdmin):
    list_display = ["media", "fingerprinter", "version", "created_at"]
    exclude = ["data"]
