"""Pages load nothing from other hosts, and production static files collect and compress for whitenoise."""

import re

from django.core.management import call_command

from tests.media import REPO

EXTERNAL = re.compile(r"""(?:src|href|url)\s*[=(]\s*["']?(?:https?:)?//""", re.IGNORECASE)


def test_no_page_or_script_loads_anything_from_another_host():
    files = [*(REPO / "templates").rglob("*.html"), *(REPO / "static").rglob("*.*")]
    assert len(files) > 10
    offenders = [str(f.relative_to(REPO)) for f in files if EXTERNAL.search(f.read_text(encoding="utf-8"))]
    assert offenders == []


def test_collectstatic_gathers_and_compresses_every_page_asset(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)
    for name in ("portal.css", "js/review.js", "js/submit.js", "js/job.js"):
        assert (settings.STATIC_ROOT / name).is_file(), name
        assert (settings.STATIC_ROOT / f"{name}.gz").is_file(), name
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in settings.MIDDLEWARE
