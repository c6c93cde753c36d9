from django.contrib import admin

from libraries.models import Library, Media, StoredFingerprint


@admin.register(Library)
class LibraryAdmin(admin.ModelAdmin):
    list_display = ["name", "media_type", "duplicate_threshold", "created_at"]
    search_fields = ["name"]


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
