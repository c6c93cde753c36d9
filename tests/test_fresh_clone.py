"""A fresh clone with nothing beside it passes the tests: part of the suite is run in a copy of the
repository's tracked files (what `git clone` gives, with this working tree's edits) in a temporary folder
that has no ../shared, with no DNAPORTAL_* variable set, by a separate pytest that imports the copy."""

import os
import re
import shutil
import subprocess
import sys

from tests.media import REPO

# Tests of every kind of media fixture and of the cloud reference pieces: about 30 s on two cores.
SUBSET = [
    "tests/test_fixtures.py",
    "tests/engine/test_contract.py",
    "tests/engine/test_image.py",
    "tests/engine/test_text.py",
    "tests/engine/test_audio.py::test_it_finds_and_locates_an_edited_excerpt[mp3_32k]",
    "tests/engine/test_audio.py::test_unrelated_audio_does_not_match",
    "tests/engine/test_video.py::test_it_finds_and_locates_an_edited_excerpt[letterbox]",
    "tests/engine/test_video_inset.py",
    "tests/api/test_audio_jobs.py",
    "tests/api/test_video_jobs.py::test_a_video_job_returns_the_copied_segment",
    "tests/pages/test_files.py",
    "tests/compat/test_ice_contract.py::test_it_answers_query_dna_job_list_like_the_reference",
    "tests/compat/test_ci_contract.py::test_the_reference_request_gets_the_reference_response",
    "tests/compat/test_mps_contract.py",
]


def _copy_tracked_files(target):
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True, text=True
    ).stdout
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():  # a tracked file deleted in the working tree is not copied
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target / name)


def test_it_passes_without_the_shared_folder(tmp_path):
    clone = tmp_path / "clone"
    _copy_tracked_files(clone)
    assert not (clone.parent / "shared").exists()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DNAPORTAL_", "PYTEST_"))}
    env["PYTHONPATH"] = str(clone)

    def run(*args):
        return subprocess.run(
            [sys.executable, *args], cwd=clone, env=env, capture_output=True, text=True, timeout=300
        )

    probe = run("-c", "import dnaportal, tests.media as m; print(dnaportal.__file__); print(m.FIXTURES)")
    assert probe.returncode == 0, probe.stderr
    assert all(line.startswith(str(clone)) for line in probe.stdout.split()), probe.stdout

    result = run("-m", "pytest", "-q", "-p", "no:cacheprovider", *SUBSET)
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    # Everything passed: nothing skipped, deselected or failed.
    assert re.fullmatch(r"=* ?\d+ passed in [\d.]+s( \(\d+:\d+:\d+\))? ?=*", summary), summary
