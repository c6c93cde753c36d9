from django.contrib import admin
from django.db.models import Count

from core.models import Team


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "description", "member_count", "created_at"]
    search_fields = ["name", "members__username"]
    filter_horizontal = ["members"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("members"))

    @admin.display(ordering="member_count", description="Members")
    def member_count(self, team) -> int:
        return team.member_count
