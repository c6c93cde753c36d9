"""Which pipelines have workers. A job sent to a pipeline no cluster serves would wait for ever, so
worker clusters announce the pipeline they serve (when a worker process starts, and again at most once
a minute while it takes jobs), and a submission naming a pipeline nobody announced within
PIPELINE_KEPT is refused with ResourceNotFound.Pipeline. The default pipeline ("") is always served:
jobs there wait for a worker like any queue.

A pipeline is served by `Q_CLUSTER_NAME=<pipeline> manage.py qcluster` (docs/operations.md).
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from jobs.models import Pipeline

log = logging.getLogger(__name__)

PIPELINE_KEPT = timedelta(days=7)  # a pipeline whose workers stopped is still accepted this long
_ANNOUNCE_EVERY_S = 60
_announced_at: dict[str, float] = {}


def current_pipeline() -> str:
    """The pipeline this process's cluster serves ("" for the default queue)."""
    from django_q.conf import Conf

    name = Conf.CLUSTER_NAME or ""
    return "" if name == settings.Q_CLUSTER["name"] else name


def announce(pipeline: str) -> None:
    """Record that a worker serves `pipeline` (at most once a minute per process)."""
    if not pipeline or time.monotonic() - _announced_at.get(pipeline, -1e9) < _ANNOUNCE_EVERY_S:
        return
    Pipeline.objects.update_or_create(name=pipeline, defaults={"seen_at": timezone.now()})
    _announced_at[pipeline] = time.monotonic()


def announce_on_spawn(sender, proc_name: str = "", **kwargs) -> None:
    """django-q2's post_spawn, in each new worker process of a cluster."""
    try:
        announce(current_pipeline())
    except DatabaseError as exc:  # the database is away: the first job taken announces it instead
        log.warning("could not announce pipeline %r: %s", current_pipeline(), exc)


def served(pipeline: str) -> bool:
    if not pipeline or settings.Q_CLUSTER.get("sync"):
        return True  # tasks run inline serve every pipeline
    return Pipeline.objects.filter(name=pipeline, seen_at__gte=timezone.now() - PIPELINE_KEPT).exists()
