"""The queue in a browser: an upload with two matches is one card, an identical second upload is
merged into it, the card's tick box takes all its matches into one bulk decision, and a text match
shows the words that changed inside each passage, with j/k moving between passages."""

import re

from tests.browser.conftest import submit_api
from tests.media import book_text


def _write(folder, name: str, text: str):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_an_upload_is_one_card_and_its_twin_follows_it(browser, portal, tmp_path):
    status, library = portal.request(
        "POST", "/api/v1/libraries/", {"name": "card books", "media_type": "text"}
    )
    assert status == 201, library
    dickens, beethoven = book_text("dickens-music")[:40000], book_text("beethoven-letters")[:40000]
    submit_api(portal, library["id"], "dickens", "text", "onlysave", _write(tmp_path, "d.txt", dickens))
    submit_api(portal, library["id"], "beethoven", "text", "onlysave", _write(tmp_path, "b.txt", beethoven))
    words = dickens[10000:13000].split(" ")
    words[60] = "HORSEFEATHERS"  # one word changed inside the copied passage
    essay = (
        f"My essay.\n\n{' '.join(words)}\n\nAnd then.\n\n{beethoven[20000:23000]}\n\n"
        f"More of it.\n\n{dickens[25000:28000]}\n\nThe end."
    )  # two passages of one book (j/k move between them), one of another
    first = submit_api(portal, library["id"], "essay", "text", "nosave", _write(tmp_path, "e.txt", essay))
    assert len(first["result"]["matches"]) == 2, first
    twin = submit_api(
        portal, library["id"], "essay-again", "text", "nosave", _write(tmp_path, "e2.txt", essay)
    )
    assert len(twin["result"]["matches"]) == 2

    browser.sign_in("mod")
    browser.open(f"/review/?library={library['id']}")
    assert browser.find("#view-count").text == "2" and browser.find("#view-uploads").text == "1"
    [card] = browser.find_all("tbody.upload")
    assert "Upload essay" in card.text and "2 matches in this view" in card.text
    assert card.text.count("+1 identical upload") == 2
    browser.screenshot("review-grouped-card")

    # A text match: the changed word is marked, j/k move between the two passages.
    [copied] = [m for m in first["result"]["matches"] if m["primary_key"] == "dickens"]
    browser.open(f"/matches/{copied['id']}/?library={library['id']}")
    browser.find("details[id^=diff-] summary").click()
    assert "HORSEFEATHERS" in browser.find(".diff ins").text
    browser.find("body").send_keys("j")
    browser.wait(lambda: "Passage 2 selected" in browser.find("#selected").text, "passage 2 chosen with j")
    browser.screenshot("review-text-diff")

    # The card's tick box ticks both of its matches; one bulk decision records four events: the two
    # matches and the two of the identical upload that follow them.
    browser.open(f"/review/?library={library['id']}")
    browser.find(".tick-card").click()
    assert all(box.is_selected() for box in browser.find_all("tbody.upload input[name=ids]"))
    browser.find("#bulk-decision option[value=confirmed]").click()
    browser.find("#bulk-selected").click()
    browser.wait(
        lambda: "Recorded confirmed copy for 2 matches" in browser.find(".messages").text, "the bulk notice"
    )
    for job in (first, twin):
        status, answer = portal.request("GET", f"/api/v1/jobs/{job['id']}/")
        assert {m["review_status"] for m in answer["result"]["matches"]} == {"confirmed"}, answer
    browser.open("/audit/")
    assert (
        len(re.findall(r"with match \d+ \(the same upload and library item\)", browser.find("main").text))
        == 2
    )
