"""Image matching through the REST API on a library of real pictures (issue #15).

Usage: python -m bench.api_images PHOTOS_DIR CORPUS_DIR [--out docs/eval/image-api-2000.md]

Starts a real portal (`manage.py runportal`: web server and workers, SQLite and the ORM broker, a
throwaway data directory), makes an image library, saves every picture of PHOTOS_DIR into it
(bench/build_photo_library.py: the corpus's library pictures plus real video frames) with `onlysave`
jobs, then submits every image query of CORPUS_DIR (ground_truth.json; positives and negatives) as a
`nosave` job and reads its matches. A positive counts when the best match is its original; a negative
is a false alarm when anything matches. Every job must succeed: a failed job is counted and listed.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from tests.e2e.portal import Portal

SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"}


def submit(portal: Portal, library: str, path: Path, key: str, save_type: str) -> str:
    """Submit as a well-behaved client does: over the rate or the quota of jobs waiting (429), wait
    and send again."""
    body = {"library": library, "primary_key": key, "media_type": "image", "save_type": save_type}
    while True:
        status, job = portal.request("POST", "/api/v1/jobs/", body, files={"file": path})
        if status != 429:
            break
        time.sleep(1.0 if job["code"] == "Throttling" else 5.0)
    assert status == 201, job
    return job["id"]


def fill(portal: Portal, library: str, photos: list[Path]) -> tuple[int, float]:
    started, failed = time.perf_counter(), 0
    pending = [submit(portal, library, photo, photo.stem, "onlysave") for photo in photos]
    for job_id in pending:
        failed += portal.wait_for_job(job_id, timeout=3600)["status"] != "success"
    return failed, time.perf_counter() - started


def ask(portal: Portal, library: str, corpus: Path, queries: list[dict]) -> list[tuple[dict, dict, float]]:
    answers = []
    for query in queries:
        started = time.perf_counter()
        job = portal.wait_for_job(submit(portal, library, corpus / query["path"], query["id"], "nosave"), 600)
        answers.append((query, job, time.perf_counter() - started))
    return answers


def score(answers) -> tuple[list[str], dict]:
    per_op, lines = defaultdict(list), []
    found = positives = alarms = negatives = failed = 0
    for query, job, _ in answers:
        if job["status"] != "success":
            failed += 1
            lines.append(f"- job for {query['id']} ended {job['status']}: {job.get('error')}")
            continue
        matches = (job.get("result") or {}).get("matches") or []
        if query["negative"]:
            negatives += 1
            alarms += bool(matches)
            continue
        positives += 1
        right = bool(matches) and matches[0]["primary_key"] == query["matches"][0]["library_id"]
        found += right
        for op in {t["op"] for t in query["transforms"] if t["op"] != "save"}:
            per_op[op].append(right)
    return lines, {
        "found": found,
        "positives": positives,
        "alarms": alarms,
        "negatives": negatives,
        "failed": failed,
        "per_op": per_op,
    }


def edit_rows(per_op: dict[str, list[bool]]) -> list[str]:
    """Table rows: each edit, how many of the queries with it were right."""
    return [f"| {op} | {sum(v)}/{len(v)} = {sum(v) / len(v):.3f} |" for op, v in sorted(per_op.items())]


def publish(report: list[str], out: Path | None) -> None:
    """Print a report's lines, and write them to `out` when given."""
    text = "\n".join(report) + "\n"
    print(text)
    if out:
        out.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("photos", type=Path)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    photos = sorted(p for p in args.photos.iterdir() if p.suffix.lower() in SUFFIXES)
    truth = json.loads((args.corpus / "ground_truth.json").read_text())
    queries = [q for q in truth["queries"] if q["modality"] == "image"]
    with tempfile.TemporaryDirectory() as root:
        portal = Portal(Path(root)).start()
        try:
            status, library = portal.request(
                "POST", "/api/v1/libraries/", {"name": "photos", "media_type": "image"}
            )
            assert status == 201, library
            save_failed, fill_s = fill(portal, library["id"], photos)
            answers = ask(portal, library["id"], args.corpus, queries)
        finally:
            portal.stop()
    problems, s = score(answers)
    latency = [seconds for _, _, seconds in answers]
    report = [
        f"# Image jobs through the REST API, {len(photos)}-picture library\n",
        f"Machine: {platform.machine()}, {platform.python_version()}; {time.strftime('%Y-%m-%d')}. "
        f"Library: {args.photos.name} ({len(photos)} pictures, saved in {fill_s:.0f} s, "
        f"{save_failed} saves failed). "
        f"Queries: {args.corpus.name} ({len(queries)} image queries).\n",
        "| measure | value |",
        "|---|---|",
        f"| best match right (positives) | {s['found']}/{s['positives']} "
        f"= {s['found'] / max(1, s['positives']):.3f} |",
        f"| false alarms (negatives with any match) | {s['alarms']}/{s['negatives']} |",
        f"| failed jobs | {s['failed']} |",
        f"| job latency, submit to result (median / max) | {statistics.median(latency):.2f} s "
        f"/ {max(latency):.2f} s |",
        "",
        "| edit | right |",
        "|---|---|",
        *edit_rows(s["per_op"]),
        *problems,
    ]
    publish(report, args.out)


if __name__ == "__main__":
    main()
