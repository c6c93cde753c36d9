from django.contrib import admin

from imports.models import ImportBatch, ImportItem


class ItemInline(admin.TabularInline):
    model = ImportItem
    fields = ["row", "primary_key", "path", "url", "status", "code", "message", "job"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    max_num = 0

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(status="imported")[:200]


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "library",
        "source_kind",
        "source",
        "status",
        "rows_read",
        "rows_total",
        "created_at",
    ]
    list_filter = ["status", "source_kind", "library"]
    search_fields = ["source", "id"]
    readonly_fields = ["rows_read", "rows_total", "read_done", "error", "unpacked", "finished_at"]


@admin.register(ImportItem)
class ImportItemAdmin(admin.ModelAdmin):
    list_display = ["row", "batch", "primary_key", "status", "code", "updated_at"]
    list_filter = ["status", "code"]
    search_fields = ["primary_key", "path", "url"]
    raw_id_fields = ["batch", "job"]
