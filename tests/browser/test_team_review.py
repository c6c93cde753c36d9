"""Two moderators review one view of the queue at the same time, each in their own browser: claims
keep them on different matches, "next" stays inside the view and after the moderator's skips, a
decision on a page that went stale is refused, and signing out ends on the portal's sign-in page."""

import re
import time

import pytest

from tests import media
from tests.browser.conftest import PASSWORDS, Browser, submit_api

QUERIES = ["jpeg25", "half", "crop15", "grey", "border", "caption"]


@pytest.fixture(scope="module")
def view(portal, tmp_path_factory):
    """An image library with two photos, six edited copies of them sent as uploads (six pending
    matches), and another library with a match of its own that the view must never open."""
    PASSWORDS.setdefault("mod2", "pw-moderator-2")
    portal.manage("grantrole", "mod2", "moderator", "--create", env={"PASSWORD": PASSWORDS["mod2"]})
    folder = tmp_path_factory.mktemp("team-review")
    libraries = {}
    for name in ("team photos", "other photos"):
        status, library = portal.request("POST", "/api/v1/libraries/", {"name": name, "media_type": "image"})
        assert status == 201, library
        libraries[name] = library["id"]
    for photo in ("balloons.jpg", "elephant.jpg"):
        submit_api(
            portal,
            libraries["team photos"],
            photo[:-4],
            "image",
            "onlysave",
            media.write_image(folder, photo),
        )
    for number, edit in enumerate(QUERIES):
        photo = ("balloons.jpg", "elephant.jpg")[number % 2]
        job = submit_api(
            portal,
            libraries["team photos"],
            f"upload-{edit}",
            "image",
            "nosave",
            media.write_image(folder, photo, edit),
        )
        assert job["result"]["matches"], job
    outside = media.write_image(folder, "surfer.jpg")
    submit_api(portal, libraries["other photos"], "surfer", "image", "onlysave", outside)
    submit_api(
        portal,
        libraries["other photos"],
        "upload-surfer",
        "image",
        "nosave",
        media.write_image(folder, "surfer.jpg", "half"),
    )
    return {"library": libraries["team photos"], "other": libraries["other photos"]}


@pytest.fixture
def second_browser(portal, chromium_factory):
    driver = chromium_factory()
    driver.set_window_size(1280, 800)
    return Browser(driver, portal.url)


def _match_on(browser) -> int:
    found = browser.wait(lambda: re.search(r"/matches/(\d+)/", browser.driver.current_url), "a match page")
    return int(found.group(1))


def _library_of(browser) -> str:
    return browser.find(".review-head .summary").text


def _next_page(browser, before: str) -> None:
    browser.wait(lambda: browser.driver.current_url != before, "the next page")
    browser.wait(lambda: browser.js("return document.readyState") == "complete", "the page to load")


def test_two_moderators_share_a_view_without_meeting(browser, second_browser, view, portal):
    alice, bob = browser, second_browser
    alice.sign_in("mod")
    bob.sign_in("mod2")
    view_url = f"/review/?library={view['library']}"
    for who in (alice, bob):
        who.open(view_url)
        assert who.find("#view-count").text == "6"
    alice.find("#start-review").click()
    first = _match_on(alice)
    bob.find("#start-review").click()
    second = _match_on(bob)
    assert first != second, "two moderators were given the same match"
    assert "You hold this match" in alice.find("#claim").text
    alice.screenshot("review-claimed")
    bob.open(view_url)
    held = [row.text for row in bob.find_all("tbody tr")]
    assert any("mod2" in row for row in held) and any(row.endswith("mod") for row in held)
    bob.screenshot("review-queue-team")

    # Bob skips his match: he gets a third one, never alice's; the view's matches only.
    bob.driver.get(f"{portal.url}/matches/{second}/?library={view['library']}")
    before = bob.driver.current_url
    bob.find("body").send_keys("s")
    _next_page(bob, before)
    third = _match_on(bob)
    assert third not in (first, second) and "team photos" in _library_of(bob)

    # Alice decides with the keyboard, four times: each decision opens the view's next free match,
    # never bob's, never the other library's, and the skipped one only comes back to bob at the end.
    seen, started = [first], time.monotonic()
    for _ in range(4):
        before = alice.driver.current_url
        alice.find("body").send_keys("c")
        _next_page(alice, before)
        current = _match_on(alice)
        assert current != third and "team photos" in _library_of(alice)
        assert "Recorded: match" in alice.find("#undo-form").text
        seen.append(current)
    assert len(set(seen)) == 5
    print(f"alice: 4 decisions, 4 page loads, {time.monotonic() - started:.1f} s")

    # A stale page: bob takes over alice's current match and dismisses it; alice's confirm is refused.
    stolen = seen[-1]
    bob.open(f"/matches/{stolen}/")
    assert "mod</strong> is reviewing this match" in bob.find("#claim").get_attribute("innerHTML")
    bob.find("#take-over").click()
    bob.find("button[value=dismissed]").click()
    _next_page(bob, f"{portal.url}/matches/{stolen}/")
    before = alice.driver.current_url
    alice.find("body").send_keys("c")
    alice.wait(lambda: "changed since you read it" in alice.find(".messages").text, "the stale refusal")
    assert "it is now dismissed by mod2" in alice.find(".messages").text
    alice.screenshot("review-stale")

    # Signing out lands on the portal's sign-in page, which signs a moderator back in.
    alice.find("header form button[type=submit]").click()
    alice.wait(lambda: "/accounts/login/" in alice.driver.current_url, "the sign-in page")
    assert "You are signed out." in alice.find("main").text
    alice.sign_in("mod")
    assert "/accounts/login/" not in alice.driver.current_url


def test_twenty_decisions_with_the_keyboard_stay_in_the_view(browser, portal, tmp_path):
    """The issue's yardstick: 12 decisions cost 38 page loads before claims and views. Here 20 matches
    of one filtered view are decided with the keyboard only; each decision is one page load."""
    status, library = portal.request("POST", "/api/v1/libraries/", {"name": "twenty", "media_type": "image"})
    assert status == 201, library
    photos = ["balloons.jpg", "elephant.jpg", "surfer.jpg", "moon.jpg"]
    for photo in photos:
        submit_api(portal, library["id"], photo[:-4], "image", "onlysave", media.write_image(tmp_path, photo))
    for number in range(20):
        edit = QUERIES[number // len(photos)]  # 20 different files: the same file twice is one pair
        folder = tmp_path / f"q{number}"
        folder.mkdir()
        query = media.write_image(folder, photos[number % 4], edit)
        job = submit_api(portal, library["id"], f"twenty-{number}", "image", "nosave", query)
        assert job["result"]["matches"], job
    browser.sign_in("mod")
    browser.open(f"/review/?library={library['id']}")
    assert browser.find("#view-count").text == "20"
    loads, started = 0, time.monotonic()
    queue_url = browser.driver.current_url
    browser.find("#start-review").click()
    _next_page(browser, queue_url)  # the first match (not the queue page still on screen)
    while True:
        before = browser.driver.current_url
        if "/matches/" not in before:
            break
        assert "twenty" in _library_of(browser)
        confidence = float(browser.find("#score-confidence").text.split(",")[0])
        browser.find("body").send_keys("c" if confidence >= 0.8 else "d")
        _next_page(browser, before)
        loads += 1
    seconds = time.monotonic() - started
    assert loads == 20 and "Nothing else in this view" in browser.find(".messages").text
    print(f"20 keyboard decisions: {loads + 1} page loads (the first opens the view), {seconds:.1f} s")

    # Calibration from these decisions, applied by an admin: a logged policy change.
    browser.sign_in("admin")
    browser.open(f"/review/calibration/{library['id']}/?error=0.05")
    assert browser.find("#by-confidence tbody").text
    browser.screenshot("review-calibration")
    # Decided by a confidence of 0.8 as they were, 20 decisions support at least one threshold.
    browser.find("#apply-form button").click()
    browser.wait(lambda: "/review/policies/" in browser.driver.current_url, "the policy page")
    assert "calibration at 5% error from 20 decisions" in browser.find("#policy-changes").text
    browser.screenshot("review-policy")
