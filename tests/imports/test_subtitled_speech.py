"""A speech archive with its subtitles: in a folder, talk.srt beside talk.wav is talk's subtitles (not
an item of its own); in a manifest, a `subtitles` column names the file. A subtitle path that leads
out of the import root, or a broken file, fails that row only."""

import json

import numpy as np
import pytest

from engine.audio.examples import write_wav
from imports.models import ImportBatch, ItemStatus
from libraries.models import Library, Media
from tests.api.test_subtitles import SRT, WEBVTT


@pytest.fixture
def talks(transactional_db):
    return Library.objects.create(name="talks", media_type="text")


@pytest.fixture
def talk_folder(settings):
    """Three silent recordings (their words can only come from subtitles), two with subtitles."""
    folder = settings.IMPORT_ROOT / "talks"
    folder.mkdir(parents=True)
    for name in ("opening", "keynote", "silent"):
        write_wav(folder / f"{name}.wav", np.zeros(16000 * 10, np.float32), 16000)
    (folder / "opening.srt").write_text(SRT, encoding="utf-8")
    (folder / "keynote.vtt").write_text(WEBVTT, encoding="utf-8")
    return folder


def test_subtitles_beside_recordings_are_theirs(talks, talk_folder, run_import):
    out = run_import("talks", talk_folder, "--media-type", "asr")
    # The two subtitle files say the same passage: the second talk is found as the first's duplicate.
    assert "1 imported, 0 already present, 1 duplicates found, 1 failed" in out
    batch = ImportBatch.objects.get()
    assert batch.rows_total == 3  # the subtitle files are not rows
    items = {item.primary_key: item for item in batch.items.all()}
    assert (
        items["opening"].subtitles == "talks/opening.srt"
        and items["keynote"].subtitles == "talks/keynote.vtt"
    )
    # Without subtitles, silence holds no speech.
    assert items["silent"].status == ItemStatus.FAILED and items["silent"].code == "InvalidFile.NoSpeech"
    assert Media.objects.get(primary_key="opening").subtitles == SRT


def test_a_manifest_names_each_rows_subtitles(talks, talk_folder, settings, run_import):
    rows = [
        {"primary_key": "a", "path": "talks/silent.wav", "subtitles": "talks/opening.srt"},
        {"primary_key": "b", "path": "talks/silent.wav", "subtitles": "../etc/passwd"},
        {"primary_key": "c", "path": "talks/silent.wav", "subtitles": "talks/missing.srt"},
        {"primary_key": "d", "path": "talks/silent.wav", "subtitles": "talks/keynote.wav"},
    ]
    manifest = settings.IMPORT_ROOT / "talks.jsonl"
    manifest.write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")
    run_import("talks", manifest, "--media-type", "asr", "--save-type", "forcesave")
    items = {item.primary_key: item for item in ImportBatch.objects.get().items.all()}
    assert items["a"].status == ItemStatus.IMPORTED, (items["a"].code, items["a"].message)
    for key in "bcd":
        assert items[key].status == ItemStatus.FAILED and items[key].code == "InvalidParameter.Subtitles", key
    assert "outside" in items["b"].message or "'..'" in items["b"].message
    assert "No file" in items["c"].message
    assert Media.objects.filter(library=talks).count() == 1
