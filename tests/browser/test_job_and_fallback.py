"""A job's page follows the job without a reload by hand; a video no browser can decode is reviewed
on two strips of frames taken at the same instants of the segment."""

from tests.browser.conftest import submit_api


def _parked_job(portal, seeded, key: str) -> dict:
    """An image job sent to a pipeline whose workers are away: it waits until the test acts."""
    body = {
        "library": seeded["libraries"]["image"],
        "primary_key": key,
        "media_type": "image",
        "save_type": "nosave",
        "pipeline": "parked",
    }
    portal.manage("shell", "-c", "from jobs.pipelines import announce; announce('parked')")
    status, created = portal.request(
        "POST", "/api/v1/jobs/", body, files={"file": seeded["queries"]["image"]}
    )
    assert status == 201, created
    return created


def test_a_job_page_updates_itself_when_the_job_changes(browser, portal, seeded):
    created = _parked_job(portal, seeded, "parked")
    browser.sign_in("viewer")
    browser.open(f"/jobs/{created['id']}/")
    assert browser.find("#job-status").text == "Queuing"
    assert browser.find("#job-progress")
    status, _ = portal.request("POST", f"/api/v1/jobs/{created['id']}/cancel/")
    assert status == 200
    browser.wait(
        lambda: browser.find("#job-status").text == "Cancelled", "the page to show the new status", 15
    )
    assert not browser.find_all("#job-progress")  # finished: re-rendered by the server


def test_the_jobs_list_follows_its_unfinished_jobs(browser, portal, seeded):
    created = _parked_job(portal, seeded, "parked-in-list")
    browser.sign_in("viewer")
    browser.open("/jobs/")
    row = f"tr[data-job='{created['id']}']"
    assert browser.find(f"{row} .job-status").text == "Queuing"
    browser.js("window.notReloaded = true")
    status, _ = portal.request("POST", f"/api/v1/jobs/{created['id']}/cancel/")
    assert status == 200
    browser.wait(
        lambda: browser.find(f"{row} .job-status").text == "Cancelled", "the row to follow its job", 15
    )
    assert browser.js("return window.notReloaded === true")


def test_an_undecodable_video_is_reviewed_on_mirrored_frame_strips(browser, portal, seeded):
    job = submit_api(
        portal, seeded["libraries"]["video"], "avi-upload", "video", "nosave", seeded["queries"]["avi"]
    )
    [match] = job["result"]["matches"]
    browser.sign_in("mod")
    browser.open(f"/matches/{match['id']}/")
    browser.wait(lambda: browser.find_all("#query-player.undecodable"), "the browser to give up on the AVI")
    strip = browser.wait(lambda: browser.find_all("#thumbs:not([hidden])"), "the frame strips")[0]
    query_frames = strip.find_elements("css selector", "#thumbs-query img")
    library_frames = strip.find_elements("css selector", "#thumbs-library img")
    assert len(query_frames) == len(library_frames) == 6
    bar = browser.find(".timeline[data-side=library] .seg.track-video")
    library_start, library_end = (
        float(bar.get_attribute("data-library-start")),
        float(bar.get_attribute("data-library-end")),
    )
    first_time = float(library_frames[0].get_attribute("src").split("t=")[1])
    assert library_start <= first_time <= library_end
    browser.wait(
        lambda: all(
            browser.js("return arguments[0].naturalWidth", img) == 160
            for img in query_frames + library_frames
        ),
        "every frame to load",
    )
    browser.screenshot("review-video-frames")


def test_the_frame_strips_come_also_when_the_browser_gave_up_before_the_page_script_ran(
    browser, portal, seeded
):
    """On a loaded machine the deferred script can run after the video's error event: seen in CI."""
    job = submit_api(
        portal, seeded["libraries"]["video"], "avi-late", "video", "nosave", seeded["queries"]["avi"]
    )
    [match] = job["result"]["matches"]
    browser.sign_in("mod")
    browser.driver.execute_cdp_cmd("Network.enable", {})
    browser.driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*review.js*"]})
    try:
        browser.open(f"/matches/{match['id']}/")
        browser.wait(
            lambda: browser.js("return document.getElementById('query-player').error !== null"),
            "the browser to give up on the AVI before the script runs",
        )
    finally:
        browser.driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})
    browser.js(
        "var s = document.createElement('script');"
        "s.src = document.querySelector('script[src*=\"review.js\"]').src + '?late';"
        "document.body.appendChild(s);"
    )
    browser.wait(lambda: browser.find_all("#query-player.undecodable"), "the late script to see the error")
    strip = browser.wait(lambda: browser.find_all("#thumbs:not([hidden])"), "the frame strips")[0]
    assert len(strip.find_elements("css selector", "#thumbs-query img")) == 6
