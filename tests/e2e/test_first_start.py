"""A newcomer's first start, as `make run` does it: `manage.py runportal` on an empty data directory
migrates by itself, makes the import root, and every link of its start banner answers."""

import re
import time
import urllib.error
import urllib.request

import pytest

from tests.e2e.portal import Portal

pytestmark = pytest.mark.e2e


def _banner(portal: Portal, timeout: float = 90) -> str:
    deadline = time.time() + timeout
    while time.time() < deadline:
        log = portal.logs()
        if "Press Ctrl-C" in log:
            return log
        time.sleep(0.3)
    raise AssertionError(f"no start banner:\n{portal.logs()}")


def test_the_first_start_sets_everything_up_and_its_links_answer(tmp_path):
    portal = Portal(tmp_path, {"DNAPORTAL_IMPORT_ROOT": ""})
    portal.import_root.rmdir()
    try:
        portal.spawn("runportal", "--port", str(portal.port), "--no-worker", name="portal")
        banner = _banner(portal)
        assert (portal.data / "import").is_dir()  # the import root it documents exists
        assert f"Import: {portal.data / 'import'}" in banner
        links = sorted(set(re.findall(r"http://127\.0\.0\.1:\d+/[\w/]*", banner)))
        assert {f"{portal.url}/", f"{portal.url}/api/v1/", f"{portal.url}/api/v1/schema/"} <= set(links)
        for link in links:
            for _ in range(100):  # the web server may still be binding
                try:
                    with urllib.request.urlopen(link, timeout=10) as response:
                        assert response.status == 200, link
                    break
                except urllib.error.HTTPError as error:
                    raise AssertionError(f"{link} answered {error.code}") from error
                except urllib.error.URLError:
                    time.sleep(0.2)
            else:
                raise AssertionError(f"{link} never answered:\n{portal.logs()}")
        # The banner's way to a token works against the same data directory.
        token = portal.manage("drf_create_token", "admin")
        assert token.startswith("Generated token ")
    finally:
        portal.stop()
