import pytest
from django.test import Client

from jobs.models import Job, JobStatus, Match
from libraries.models import Library, Media
from tests.conftest import make_user


@pytest.fixture
def people(db):
    """One account per role, plus one with none."""
    return {role: make_user(role, role) for role in ("viewer", "moderator", "admin")} | {
        "nobody": make_user("nobody", None)
    }


@pytest.fixture
def as_role(people):
    def client(role: str, csrf: bool = False) -> Client:
        c = Client(enforce_csrf_checks=csrf)
        c.force_login(people[role])
        return c

    return client


@pytest.fixture
def library(db):
    return Library.objects.create(name="clips", media_type="video")


@pytest.fixture
def make_match(library):
    """A finished job with one match, made directly (no media needed to review a stored result)."""

    def make(similarity=0.9, key="original", query="upload", segments=None):
        item = Media.objects.filter(library=library, primary_key=key).first() or Media.objects.create(
            library=library, primary_key=key, media_type="video", sha256="0" * 64, duration=60.0
        )
        job = Job.objects.create(
            library=library,
            primary_key=query,
            media_type="video",
            input_type="upload",
            status=JobStatus.SUCCESS,
            input_meta={"duration": 20.0},
        )
        default = [
            {"start": 2.0, "end": 12.0, "library_start": 30.0, "library_end": 40.0, "similarity": similarity}
        ]
        return Match.objects.create(
            job=job,
            library=library,
            media=item,
            primary_key=key,
            global_similarity=similarity,
            segments={"video": default if segments is None else segments},
        )

    return make
