"""The review page for audio, image and text matches, and the pages a viewer may and may not use."""

import pytest

PLAYER_TIMES = """
const q = document.getElementById('query-player'), m = document.getElementById('library-player');
return [q.currentTime, m.currentTime, q.seeking || m.seeking, q.readyState, m.readyState];
"""


def test_an_audio_match_shows_waveforms_with_bars_and_seeks_both_players(browser, match_ids):
    browser.sign_in("mod")
    browser.open(f"/matches/{match_ids['audio']}/")
    browser.wait(lambda: len(browser.find_all(".timeline.has-wave")) == 2, "both waveforms")
    bar = browser.find(".timeline[data-side=library] .seg")
    assert float(bar.get_attribute("data-library-start")) == pytest.approx(60, abs=0.5)
    assert float(bar.get_attribute("data-start")) == pytest.approx(0, abs=0.5)
    assert "similarity" in bar.get_attribute("aria-label")
    # A waveform is drawn: the canvas holds dark pixels, not an empty bitmap.
    inked = browser.js(
        "const c = document.querySelector('.timeline[data-side=library] canvas');"
        "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        "let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n / (c.width * c.height);"
    )
    assert inked > 0.05
    browser.wait(
        lambda: browser.js(PLAYER_TIMES)[3] >= 1 and browser.js(PLAYER_TIMES)[4] >= 1, "audio metadata"
    )
    # Evidence first: the library player opened at the matched passage (60 s in), not at 0:00.
    browser.wait(lambda: abs(browser.js(PLAYER_TIMES)[1] - 60) < 0.6, "the library player at the segment")
    panel = browser.find("#score-panel").text
    assert "Upload copied" in panel and "Reference used" in panel and "Confidence" in panel
    bar.click()
    start, library_start = (
        float(bar.get_attribute("data-start")),
        float(bar.get_attribute("data-library-start")),
    )

    def settled():
        q, m, seeking, *_ = browser.js(PLAYER_TIMES)
        return not seeking and abs(q - start) < 0.05 and abs(m - library_start) < 0.05

    browser.wait(settled, "both audio players at the segment")
    browser.screenshot("review-audio")


def test_an_image_match_shows_both_images_and_the_similarity(browser, match_ids, portal):
    browser.sign_in("mod")
    browser.open(f"/matches/{match_ids['image']}/")
    images = browser.find_all(".review-image img")
    assert len(images) == 2
    browser.wait(
        lambda: all(browser.js("return arguments[0].naturalWidth", img) > 0 for img in images), "images"
    )
    status, match = portal.request("GET", f"/api/v1/matches/{match_ids['image']}/")
    assert status == 200, match
    shown = browser.find("[data-testid=global-similarity]").text
    assert shown == f"{match['global_similarity']:.2f}" and match["global_similarity"] > 0.5
    browser.screenshot("review-image")


def test_a_text_match_marks_the_same_passages_in_the_same_colour_on_both_sides(browser, match_ids):
    browser.sign_in("mod")
    browser.open(f"/matches/{match_ids['text']}/")
    query_marks = browser.find_all("#query-text mark")
    library_marks = browser.find_all("#library-text mark")
    assert query_marks and library_marks
    numbers = {m.get_attribute("data-seg") for m in query_marks}
    assert numbers == {m.get_attribute("data-seg") for m in library_marks}
    for number in numbers:
        q = browser.find(f"#q-seg-{number}")
        m = browser.find(f"#m-seg-{number}")
        assert q.value_of_css_property("background-color") == m.value_of_css_property("background-color")
        assert len(q.text) > 100 and q.text[:40] == m.text[:40]  # the same words on both sides
    # The library book opened at the first passage, thousands of characters in: its pane scrolled.
    assert browser.js("return document.getElementById('library-text').scrollTop") > 200
    browser.find_all(".seg-row")[-1].click()
    browser.wait(lambda: browser.find_all("#library-text mark.selected"), "the passage to be selected")
    browser.screenshot("review-text")


def test_a_viewer_sees_a_match_but_has_no_decision_buttons(browser, match_ids):
    browser.sign_in("viewer")
    browser.open(f"/matches/{match_ids['image']}/")
    assert not browser.find_all("#decision-form")
    assert "needs the moderator role" in browser.find(".decide").text
    nav = browser.find("header nav").text
    assert "Submit" not in nav and "Review queue" in nav
    browser.open("/submit/")
    assert "Not allowed" in browser.find("h1").text


def test_the_pages_fit_a_laptop_and_a_phone(browser, match_ids, portal):
    browser.sign_in("admin")
    pages = {
        "dashboard": "/",
        "libraries": "/libraries/",
        "jobs": "/jobs/",
        "queue": "/review/",
        "audit": "/audit/",
        "submit": "/submit/",
        "review-audio-narrow": f"/matches/{match_ids['audio']}/",
        "review-text-narrow": f"/matches/{match_ids['text']}/",
    }
    for width, height in ((1280, 800), (390, 844)):
        browser.driver.set_window_size(width, height)
        assert browser.js("return document.documentElement.clientWidth") == width
        for name, path in pages.items():
            browser.open(path)
            assert browser.find("header nav"), name
            assert browser.overflow_x() <= 0, f"{name} is wider than a {width} px window"
            if width == 390 or not name.endswith("narrow"):
                browser.screenshot(f"{name.replace('-narrow', '')}-{width}")
    # The library page with its items, and an item's page.
    browser.driver.set_window_size(1280, 800)
    browser.open("/libraries/")
    browser.find("table a[href^='/libraries/']").click()
    browser.wait(lambda: browser.find_all("table a[href^='/items/']"), "the items")
    browser.screenshot("library")
    browser.find("table a[href^='/items/']").click()
    browser.wait(lambda: "Fingerprints" in browser.find("main").text, "the item page")
    browser.screenshot("item")


def test_a_speech_match_plays_both_recordings_at_the_passage_and_shows_the_words(browser, portal, seeded):
    """An asr upload (a sentence read again by a synthetic voice) against a reading saved as speech."""
    from engine.speech.examples import REVOICED
    from tests.api.test_asr import FIXTURES, reading_file
    from tests.browser.conftest import submit_api

    library = seeded["libraries"]["text"]
    reading = reading_file(seeded["folder"] / "lj-reading.wav")
    submit_api(portal, library, "lj-reading", "asr", "onlysave", reading)
    job = submit_api(portal, library, "revoiced", "asr", "nosave", FIXTURES / REVOICED)
    [match] = job["result"]["matches"]
    browser.sign_in("mod")
    browser.open(f"/matches/{match['id']}/")
    bar = browser.find(".timeline[data-side=library] .seg")
    assert float(bar.get_attribute("data-library-start")) == pytest.approx(11.55, abs=1.5)
    words = browser.find(".said").text
    assert "Heard in the upload" in words and "centuries" in words
    # Both whole transcripts, the passage's words marked: the library side's first two sentences not.
    library_words = browser.find("#library-transcript")
    marked = library_words.find_element("css selector", "mark[data-seg='1']").text
    assert "centuries" in marked and library_words.text.index(marked) > 40
    assert "centuries" in browser.find("#query-transcript mark[data-seg='1']").text
    browser.wait(
        lambda: browser.js(PLAYER_TIMES)[3] >= 1 and browser.js(PLAYER_TIMES)[4] >= 1, "audio metadata"
    )
    # The library recording opens at the passage.
    browser.wait(lambda: abs(browser.js(PLAYER_TIMES)[1] - 11.55) < 1.5, "the library player at the passage")
    browser.screenshot("review-speech")
