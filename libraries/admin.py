from django.contrib import admin

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


@admin.register(StoredFingerprint)
class FingerprintAdmin(admin.ModelAdmin):
    list_display = ["media", "fingerprinter", "version", "created_at"]
    exclude = ["data"]
