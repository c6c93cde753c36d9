"""Browser tests: the real portal (gunicorn + django-q2 workers, as `make run` starts it) driven by
headless Chromium through chromedriver. `make test` installs Debian's chromium first
(tests/install_browser.sh); where it cannot be installed these tests skip and say so."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tests.e2e.portal import Portal
from tests.media import REPO

pytestmark = pytest.mark.browser

SCREENSHOTS = REPO / "artifacts" / "screenshots"
PASSWORDS = {"admin": "e2e-admin-pw", "mod": "pw-moderator-1", "viewer": "pw-viewer-1"}


def _executables() -> tuple[str, str]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not chromium or not driver:
        pytest.skip(
            "Chromium and chromedriver are not installed and tests/install_browser.sh could not install "
            "them here (it needs apt-get and root or sudo); the browser tests did not run"
        )
    return chromium, driver


@pytest.fixture(scope="session")
def portal(tmp_path_factory):
    """One running portal for the browser tests, with an admin, a moderator and a viewer."""
    _executables()
    running = Portal(tmp_path_factory.mktemp("browser-portal"))
    try:
        running.start()
        running.manage("grantrole", "mod", "moderator", "--create", env={"PASSWORD": PASSWORDS["mod"]})
        running.manage("grantrole", "viewer", "viewer", "--create", env={"PASSWORD": PASSWORDS["viewer"]})
        yield running
    finally:
        running.stop()


class Browser:
    """A Chromium window with the few actions the tests need."""

    def __init__(self, driver, base_url: str):
        self.driver = driver
        self.url = base_url

    def open(self, path: str) -> None:
        self.driver.get(self.url + path)

    def sign_in(self, username: str) -> None:
        from selenium.webdriver.common.by import By

        self.driver.delete_all_cookies()
        self.open("/accounts/login/")
        self.driver.find_element(By.ID, "id_username").send_keys(username)
        self.driver.find_element(By.ID, "id_password").send_keys(PASSWORDS[username])
        self.driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        self.wait(lambda: "/accounts/login/" not in self.driver.current_url, "sign-in")

    def js(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    def wait(self, condition, what: str, timeout: float = 30.0):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            try:
                last = condition()
            except Exception as exc:  # noqa: BLE001 - the page may be mid-navigation
                last = exc
            if last and not isinstance(last, Exception):
                return last
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what} (last: {last!r}) at {self.driver.current_url}")

    def find(self, css: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def screenshot(self, name: str) -> Path:
        """The whole page (not just the window), as artifacts/screenshots/<name>.png."""
        import base64

        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        width, height = self.js(
            "return [document.documentElement.clientWidth,"
            " Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)]"
        )
        shot = self.driver.execute_cdp_cmd(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
            },
        )
        path = SCREENSHOTS / f"{name}.png"
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def overflow_x(self) -> int:
        """How many CSS pixels the page is wider than the window (0 when nothing sticks out)."""
        return self.js("return document.documentElement.scrollWidth - document.documentElement.clientWidth")


def _new_driver(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = _executables()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    profile = tmp_path_factory.mktemp("chromium-profile")
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--autoplay-policy=no-user-gesture-required",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(60)
    return driver


@pytest.fixture(scope="session")
def chromium(tmp_path_factory):
    driver = _new_driver(tmp_path_factory)
    yield driver
    driver.quit()


@pytest.fixture
def chromium_factory(tmp_path_factory):
    """More Chromium windows, each with its own profile (its own session): another user at once."""
    drivers = []

    def make():
        drivers.append(_new_driver(tmp_path_factory))
        return drivers[-1]

    yield make
    for driver in drivers:
        driver.quit()


@pytest.fixture
def browser(chromium, portal):
    chromium.set_window_size(1280, 800)
    chromium.delete_all_cookies()
    return Browser(chromium, portal.url)


# -- media and matches ------------------------------------------------------------------------------


def _video_with_sound(folder: Path, name: str, start: float, seconds: float | None, edit: str | None):
    """The 'blocks' corpus clip with a song laid under it (so both picture and sound can match)."""
    import numpy as np

    from tests import audio_clips, clips

    times, frames = clips.decode("blocks")
    fps = round(1 / float(np.median(np.diff(times))))
    first = int(start * fps)
    last = len(frames) if seconds is None else first + int(seconds * fps)
    picked = frames[first:last]
    if edit == "letterbox":
        picked = [clips._letterbox(frame) for frame in picked]
    sound = audio_clips.samples("sugar-plum", 40.0 + start, len(picked) / fps)
    return audio_clips.video_with_sound(folder / name, picked, fps, sound)


def undecodable_in_browsers(folder: Path) -> Path:
    """Seconds 3-8 of 'blocks' as MPEG-4 Part 2 in AVI: FFmpeg reads it, no browser plays it."""
    import av

    from tests import clips

    times, frames = clips.decode("blocks")
    with av.open(str(folder / "blocks-3s.avi"), "w") as container:
        stream = container.add_stream("mpeg4", rate=25)
        stream.width, stream.height, stream.pix_fmt = frames[0].shape[1], frames[0].shape[0], "yuv420p"
        stream.bit_rate = 1_500_000
        for index in range(125):
            wanted = 3.0 + index / 25
            nearest = min(range(len(times)), key=lambda i: abs(times[i] - wanted))
            frame = av.VideoFrame.from_ndarray(frames[nearest], format="rgb24")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return folder / "blocks-3s.avi"


def submit_api(
    portal, library_id: str, key: str, media_type: str, save_type: str, path: Path, **extra
) -> dict:
    body = {
        "library": library_id,
        "primary_key": key,
        "media_type": media_type,
        "save_type": save_type,
        **extra,
    }
    status, created = portal.request("POST", "/api/v1/jobs/", body, files={"file": path})
    assert status == 201, created
    job = portal.wait_for_job(created["id"], timeout=120)
    assert job["status"] == "success", job
    return job


@pytest.fixture(scope="session")
def seeded(portal, tmp_path_factory):
    """Libraries of each kind with saved items, and the query files the tests submit against them."""
    import shutil as sh

    from tests import audio_clips, media

    folder = tmp_path_factory.mktemp("browser-media")
    libraries = {}
    for kind in ("video", "audio", "image", "text"):
        status, library = portal.request(
            "POST", "/api/v1/libraries/", {"name": f"{kind} library", "media_type": kind}
        )
        assert status == 201, library
        libraries[kind] = library["id"]

    submit_api(
        portal,
        libraries["video"],
        "blocks-original",
        "video",
        "onlysave",
        _video_with_sound(folder, "blocks-original.mp4", 0.0, None, None),
    )
    song = sh.copy(audio_clips.source("sugar-plum"), folder / "sugar-plum.ogg")
    submit_api(portal, libraries["audio"], "sugar-plum", "audio", "onlysave", Path(song))
    photo = media.write_image(folder, "balloons.jpg")
    submit_api(portal, libraries["image"], "balloons", "image", "onlysave", photo)
    book = folder / "dickens.txt"
    text = media.book_text("dickens-music")[:60000]
    book.write_text(text, encoding="utf-8")
    submit_api(portal, libraries["text"], "dickens-music", "text", "onlysave", book)

    passage = text[20000:21500]
    quoted = folder / "essay-quoting-dickens.txt"
    quoted.write_text(
        "An essay that quotes a long passage.\n\n"
        + passage[:700]
        + "\n\nAnd then, later:\n\n"
        + passage[900:1500]
        + "\n\nThe end of the essay, in the essayist's own words.",
        encoding="utf-8",
    )
    queries = {
        "video": _video_with_sound(folder, "blocks-letterbox-3s.mp4", 3.0, 5.0, "letterbox"),
        "audio": audio_clips.edited(folder, "sugar-plum", 60.0, 12.0, "mp3_32k")[0],
        "image": media.write_image(folder, "balloons.jpg", "jpeg25"),
        "text": quoted,
        "avi": undecodable_in_browsers(folder),
    }
    return {"libraries": libraries, "queries": queries, "folder": folder}


@pytest.fixture(scope="session")
def match_ids(portal, seeded):
    """One match per kind (audio, image, text) made through the API; video is made through the page."""
    ids = {}
    for kind in ("audio", "image", "text"):
        job = submit_api(
            portal, seeded["libraries"][kind], f"query-{kind}", kind, "nosave", seeded["queries"][kind]
        )
        matches = job["result"]["matches"]
        assert matches, f"the {kind} query found nothing: {job}"
        ids[kind] = matches[0]["id"]
    return ids
