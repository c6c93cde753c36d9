"""Teams: who owns what. A library belongs to one team (or to none: shared by every team), and its
items, jobs and matches with it; viewers and moderators see their teams' own and the shared ones
(libraries/access.py). Roles (core/roles.py) say what a user may do; teams say to what."""

import uuid

from django.conf import settings
from django.db import models


class Team(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=64, unique=True)
    description = models.CharField(max_length=256, blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="teams")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
