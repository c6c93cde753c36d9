"""An admin imports a folder from the dashboard's Imports page and follows it live: the page shows
progress without a reload, ends with the counts, and the failed rows download as CSV."""

import shutil
import urllib.request

from tests.media import PHOTOS


def test_an_admin_imports_a_folder_and_follows_it_to_its_report(browser, portal):
    folder = portal.import_root / "browser-archive"
    folder.mkdir()
    for name in ("balloons", "elephant", "hummingbird", "moon", "rhino", "surfer", "plumeria", "ice-cream"):
        shutil.copy(PHOTOS / f"{name}.jpg", folder / f"{name}.jpg")
    (folder / "damaged.jpg").write_bytes((PHOTOS / "moon.jpg").read_bytes()[:400])
    status, library = portal.request(
        "POST", "/api/v1/libraries/", {"name": "imported", "media_type": "image"}
    )
    assert status == 201, library

    browser.sign_in("admin")
    browser.open("/imports/")
    from selenium.webdriver.support.ui import Select

    Select(browser.find("select[name=library]")).select_by_visible_text("imported")
    Select(browser.find("select[name=folder]")).select_by_value("browser-archive")
    browser.find("form[enctype] button[type=submit]").click()
    browser.wait(
        lambda: "/imports/" in browser.driver.current_url and browser.find_all("#import-progress"),
        "the batch page",
    )
    page = browser.driver.current_url
    # Followed without a reload: the counts move to the end by themselves.
    browser.wait(lambda: browser.find("#import-status").text == "Done", "the import to end", 90)
    assert browser.find("#import-done").text == browser.find("#import-total").text == "9"
    assert browser.find('[data-count="imported"]').text == "8"
    assert browser.find('[data-count="failed"]').text == "1"
    assert "InvalidFile.Corrupt" in browser.find("main").text
    browser.screenshot("import-done")
    link = browser.find("a[download]").get_attribute("href")
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in browser.driver.get_cookies())
    with urllib.request.urlopen(urllib.request.Request(link, headers={"Cookie": cookies})) as answer:
        report = answer.read().decode()
    assert report.splitlines()[0].startswith("primary_key,path,url")
    assert "damaged,browser-archive/damaged.jpg" in report
    assert page.endswith("/")
