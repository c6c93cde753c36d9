"""The moderator's path through the portal in a real browser: sign in, submit a video, watch its job
finish, open the match, click a segment (both players jump to its starts), play the match in step,
confirm it, see the decision in the audit log, then change it with the keyboard."""

import re

import pytest
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

PLAYERS_READY = """
const q = document.getElementById('query-player'), m = document.getElementById('library-player');
return q && m && q.readyState >= 1 && m.readyState >= 1 ? [q.duration, m.duration] : null;
"""
PLAYER_TIMES = """
const q = document.getElementById('query-player'), m = document.getElementById('library-player');
return [q.currentTime, m.currentTime, q.seeking || m.seeking, q.paused, m.paused];
"""


def _settled_at(browser, start: float, library_start: float):
    def check():
        q, m, seeking, *_ = browser.js(PLAYER_TIMES)
        return not seeking and abs(q - start) < 0.05 and abs(m - library_start) < 0.05 and (q, m)

    return browser.wait(check, f"both players at {start} / {library_start}")


def test_it_takes_a_moderator_from_upload_to_an_audited_decision(browser, seeded):
    browser.sign_in("mod")
    browser.open("/submit/")
    Select(browser.find("#id_library")).select_by_visible_text("video library")
    assert browser.find("#id_media_type").get_attribute("value") == "video"  # follows the library
    Select(browser.find("#id_save_type")).select_by_value("nosave")
    browser.find("#id_primary_key").send_keys("upload-blocks")
    browser.find("#id_files").send_keys(str(seeded["queries"]["video"]))
    assert not browser.find("#upload-progress").is_displayed()  # shown only while uploading
    browser.screenshot("submit")
    browser.find("#submit-form button[type=submit]").click()

    # The upload lands on the job page, which updates itself until the worker is done.
    browser.wait(lambda: re.search(r"/jobs/[0-9a-f]{32}/$", browser.driver.current_url), "the job page")
    link = browser.wait(lambda: browser.find_all("a.button[href^='/matches/']"), "a finished job", 120)[0]
    assert browser.find("#job-status").text == "Success"
    browser.screenshot("job")
    link.click()

    durations = browser.wait(lambda: browser.js(PLAYERS_READY), "both videos to load their metadata")
    assert durations[0] == pytest.approx(5.0, abs=0.3)  # the query clip
    assert durations[1] == pytest.approx(10.0, abs=0.6)  # the library video
    bars = browser.find_all(".timeline[data-side=query] .seg")
    tracks = {re.search(r"track-(\w+)", bar.get_attribute("class")).group(1) for bar in bars}
    assert tracks == {"video", "audio"}, "picture and sound should both have matched"

    # Clicking a bar seeks both players to that segment's two starts.
    bar = browser.find(".timeline[data-side=library] .seg.track-video")
    start, library_start = (
        float(bar.get_attribute("data-start")),
        float(bar.get_attribute("data-library-start")),
    )
    assert library_start == pytest.approx(3.0, abs=0.5)
    bar.click()
    _settled_at(browser, start, library_start)

    # So does a row of the segment list (the sound segment, this time).
    row = browser.find("tr.seg-row:not(.selected)")
    start2, library2 = float(row.get_attribute("data-start")), float(row.get_attribute("data-library-start"))
    row.find_element("css selector", "button.go").click()
    _settled_at(browser, start2, library2)
    assert "selected" in row.get_attribute("class")

    # Play match: both run, the library player staying in step with the query.
    browser.find("#play-match").click()
    browser.wait(lambda: browser.js(PLAYER_TIMES)[0] > start2 + 1.0, "playback to advance")
    q, m, _, q_paused, m_paused = browser.js(PLAYER_TIMES)
    assert not q_paused and not m_paused
    assert (m - q) == pytest.approx(library2 - start2, abs=0.4)
    browser.find("#play-match").click()  # pause
    browser.wait(lambda: browser.js(PLAYER_TIMES)[3], "pause")
    browser.screenshot("review-video")
    review_url = browser.driver.current_url

    browser.find("#id_note").send_keys("Same clip, letterboxed.")
    browser.find("button[value=confirmed]").click()
    browser.wait(
        lambda: browser.driver.current_url != review_url or browser.find_all(".history li"), "decision"
    )

    browser.open("/audit/")
    first = browser.find("#audit tbody tr")
    assert "mod" in first.text and "Confirmed copy" in first.text and "Same clip, letterboxed." in first.text
    assert "upload-blocks" in first.text

    # A changed mind is logged too: press d on the review page.
    browser.driver.get(review_url)
    browser.wait(lambda: browser.find("#review-status").text == "Confirmed copy", "the confirmed status")
    browser.find("body").send_keys("d")
    browser.wait(
        lambda: browser.driver.current_url != review_url or "Not a copy" in browser.find(".history").text,
        "the keyboard decision",
    )
    browser.open("/audit/")
    rows = browser.find_all("#audit tbody tr")
    assert "Not a copy" in rows[0].text and "Confirmed copy" in rows[0].text  # decision and what it replaced
    assert "Confirmed copy" in rows[1].text
    browser.screenshot("audit")
    browser.find("body").send_keys(Keys.END)
