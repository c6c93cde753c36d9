"""A bulk import killed midway (SIGKILL, as a crash or a reboot would) and resumed: every row gets
one outcome, no item is stored twice, no job is made twice; on both backends."""

import signal

from tests import media as test_media
from tests.e2e.portal import until

PHOTOS = ["balloons.jpg", "elephant.jpg", "hummingbird.jpg", "moon.jpg", "rhino.jpg", "surfer.jpg"]
DOUBLED = "from django.db.models import Count; print({}.objects{}.values('primary_key')" + (
    ".annotate(n=Count('id')).filter(n__gt=1).count())"
)
QUERIES = {
    "imported": "from imports.models import ImportItem as I; "
    "print(I.objects.filter(status='imported').count())",
    "media": "from libraries.models import Media; print(Media.objects.count())",
    "doubled items": "from libraries.models import Media; " + DOUBLED.format("Media", ""),
    "doubled jobs": "from jobs.models import Job; " + DOUBLED.format("Job", ".exclude(batch_id=None)"),
}


def _ask(portal, what: str) -> int:
    return int(portal.manage("shell", "-c", QUERIES[what]).strip().splitlines()[-1])


def test_an_import_killed_midway_resumes_and_loses_and_doubles_nothing(portal):
    portal.start()
    folder = portal.import_root / "archive"
    folder.mkdir()
    for name in PHOTOS:
        for transform in (None, "half"):
            test_media.write_image(folder, name, transform)
    status, _ = portal.request("POST", "/api/v1/libraries/", {"name": "photos", "media_type": "image"})
    assert status == 201
    command = portal.spawn(
        "import_media",
        "photos",
        str(folder),
        "--save-type",
        "onlysave",
        name="import",
        env={"DNAPORTAL_IMPORT_WINDOW": "1"},  # one job at a time: slow enough to kill halfway
    )
    until(lambda: _ask(portal, "imported") >= 3, timeout=120)
    portal.kill(command, signal.SIGKILL)
    assert _ask(portal, "imported") < 12, "the import ended before it could be killed"
    batch = portal.manage(
        "shell", "-c", "from imports.models import ImportBatch as B; print(B.objects.get().id.hex)"
    )
    out = portal.manage("import_media", "--resume", batch.strip().splitlines()[-1])
    assert "12 imported, 0 already present, 0 duplicates found, 0 failed" in out, out
    assert _ask(portal, "media") == 12
    assert _ask(portal, "doubled items") == 0 and _ask(portal, "doubled jobs") == 0
