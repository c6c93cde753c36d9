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


def test_a_bulk_decision_over_a_filtered_view_logs_each_match(browser, portal, tmp_path):
    from tests import media

    libraries = {}
    for name in ("bulk photos", "bulk others"):
        status, library = portal.request("POST", "/api/v1/libraries/", {"name": name, "media_type": "image"})
        assert status == 201, library
        libraries[name] = library["id"]
    for photo in ("balloons.jpg", "elephant.jpg"):
        path = media.write_image(tmp_path, photo)
        submit_api(portal, libraries["bulk photos"], photo[:-4], "image", "onlysave", path)
        submit_api(portal, libraries["bulk others"], photo[:-4], "image", "onlysave", path)
    for edit in ("jpeg25", "grey", "caption", "border"):
        folder = tmp_path / edit
        folder.mkdir()
        query = media.write_image(folder, "balloons.jpg", edit)
        submit_api(portal, libraries["bulk photos"], f"bulk-{edit}", "image", "nosave", query)
    submit_api(
        portal,
        libraries["bulk others"],
        "other-grey",
        "image",
        "nosave",
        tmp_path / "grey" / "balloons-grey.jpg",
    )

    browser.sign_in("mod")
    browser.open(f"/review/?library={libraries['bulk photos']}")
    assert browser.find("#view-count").text == "4"
    browser.find("#bulk-note").send_keys("all four are the campaign's own photos")
    browser.find("#bulk-view").click()
    browser.wait(
        lambda: "Recorded not a copy for 4 matches" in browser.find(".messages").text, "the bulk notice"
    )
    assert browser.find("#view-count").text == "0"
    browser.open("/audit/")
    logged = browser.find("main").text
    assert logged.count("all four are the campaign's own photos") == 4
    browser.open(f"/review/?library={libraries['bulk others']}")
    assert browser.find("#view-count").text == "1"  # outside the view: left alone


def test_a_reference_exclusion_closes_the_matches_made_only_of_it(browser, portal, tmp_path):
    status, library = portal.request(
        "POST", "/api/v1/libraries/", {"name": "licensed books", "media_type": "text"}
    )
    assert status == 201, library
    book = book_text("dickens-music")[:60000]
    submit_api(portal, library["id"], "dickens", "text", "onlysave", _write(tmp_path, "book.txt", book))
    shared = book[20000:22500]  # a stretch every essay quotes, say a licence
    matches = []
    for key in ("essay-1", "essay-2"):
        essay = _write(tmp_path, f"{key}.txt", f"An essay, {key}.\n\n{shared}\n\nThe end.")
        job = submit_api(portal, library["id"], key, "text", "nosave", essay)
        matches += [m["id"] for m in job["result"]["matches"]]
    assert len(matches) == 2

    browser.sign_in("mod")
    browser.driver.execute_script("window.confirm = function () { return true; }")
    # Exclude the passage piece by piece (the engine may find it in several), until the match closes.
    notice = ""
    for piece in range(6):
        browser.open(f"/matches/{matches[0]}/")
        if browser.find("#review-status").text != "Pending":
            break
        browser.driver.execute_script("window.confirm = function () { return true; }")
        browser.find_all("form.exclude button")[piece].click()
        browser.wait(lambda: "Excluded dickens" in browser.find(".messages").text, "the exclusion notice")
        notice = browser.find(".messages").text
    assert "2 pending matches made only of it closed" in notice
    for match_id in matches:
        status, match = portal.request("GET", f"/api/v1/matches/{match_id}/")
        assert match["review_status"] == "dismissed", match
    browser.open("/audit/")
    assert browser.find("main").text.count("(reference exclusion)") >= 2
