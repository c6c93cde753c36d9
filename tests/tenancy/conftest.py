"""Two teams and a shared library, as a platform with two tenants has them:

- newsroom (news_viewer, news_mod) owns library `news`; archive (arch_mod) owns library `archive`;
- library `shared` has no team; arch_mod sent a job to it (the archive's own), nobody-in-a-team did too;
- admin is in no team and sees everything.

Each library holds one stored item with a file; each owner has a finished job with a pending match
(and a decision logged on it) and a queuing job. Objects are made directly: what is tested is who sees
them, not how they were fingerprinted."""

from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.models import Team
from jobs.models import Job, JobStatus, Match, ReviewEvent
from libraries.models import Library, Media
from tests.conftest import make_user

TEXT = "It was the best of times, it was the worst of times, it was the age of wisdom."


def _item(library: Library, key: str) -> Media:
    item = Media(library=library, primary_key=key, media_type="text", sha256="0" * 64, text=TEXT)
    item.file.save(f"{key}.txt", ContentFile(TEXT.encode()), save=False)
    item.save()
    return item


def _jobs(library: Library, item: Media, owner, team, name: str) -> SimpleNamespace:
    done = Job.objects.create(
        library=library,
        primary_key=f"{name}-upload",
        media_type="text",
        input_type="text",
        input_text=TEXT,
        user_data=f"secret of {name}",
        status=JobStatus.SUCCESS,
        finished_at=timezone.now(),
        team=team,
        created_by=owner,
    )
    segment = {
        "start": 0,
        "end": len(TEXT),
        "library_start": 0,
        "library_end": len(TEXT),
        "similarity": 1.0,
        "query_text": TEXT,
        "library_text": TEXT,
    }
    match = Match.objects.create(
        job=done,
        library=library,
        media=item,
        primary_key=item.primary_key,
        global_similarity=0.9,
        segments={"text": [segment]},
    )
    ReviewEvent.objects.create(
        match=match, user=owner, username=owner.username, decision="escalated", previous="pending"
    )
    queued = Job.objects.create(
        library=library,
        primary_key=f"{name}-queued",
        media_type="text",
        input_type="text",
        input_text=TEXT,
        team=team,
        created_by=owner,
    )
    return SimpleNamespace(done=done, match=match, queued=queued)


@pytest.fixture
def world(db):
    newsroom, archive = Team.objects.create(name="newsroom"), Team.objects.create(name="archive")
    people = {
        "news_viewer": make_user("news_viewer", "viewer"),
        "news_mod": make_user("news_mod", "moderator"),
        "arch_mod": make_user("arch_mod", "moderator"),
        "loner": make_user("loner", "moderator"),
        "admin": make_user("admin", "admin"),
    }
    newsroom.members.add(people["news_viewer"], people["news_mod"])
    archive.members.add(people["arch_mod"])
    libraries = {
        "news": Library.objects.create(name="news", media_type="text", team=newsroom),
        "archive": Library.objects.create(name="archive", media_type="text", team=archive),
        "shared": Library.objects.create(name="shared", media_type="text"),
    }
    items = {name: _item(library, f"{name}-book") for name, library in libraries.items()}
    jobs = {
        "news": _jobs(libraries["news"], items["news"], people["news_mod"], newsroom, "news"),
        "archive": _jobs(libraries["archive"], items["archive"], people["arch_mod"], archive, "archive"),
        # The archive's own upload into the shared library: the archive's, not everyone's.
        "archive_in_shared": _jobs(
            libraries["shared"], items["shared"], people["arch_mod"], archive, "archive-in-shared"
        ),
        # Sent by someone in no team: shared, like its library.
        "shared": _jobs(libraries["shared"], items["shared"], people["loner"], None, "shared"),
    }
    for job in (jobs["news"].done, jobs["archive"].done):
        job.input_file.save("upload.txt", ContentFile(TEXT.encode()))
    tokens = {name: Token.objects.create(user=user).key for name, user in people.items()}
    return SimpleNamespace(
        teams={"newsroom": newsroom, "archive": archive},
        people=people,
        libraries=libraries,
        items=items,
        jobs=jobs,
        tokens=tokens,
    )


@pytest.fixture
def page_as(world):
    def client(name: str) -> Client:
        c = Client()
        c.force_login(world.people[name])
        return c

    return client


@pytest.fixture
def api_with_token(world):
    def client(name: str) -> APIClient:
        c = APIClient()
        c.credentials(HTTP_AUTHORIZATION=f"Token {world.tokens[name]}")
        return c

    return client
