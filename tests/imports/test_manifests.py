"""Importing from a manifest (CSV or JSON Lines): rows name their files (or URLs), keys and fields;
every kind of broken row is reported with its reason and the rest go on."""

import json

import pytest

from imports.models import ImportBatch
from libraries.models import Media

CSV_ROWS = [
    "primary_key,path,url,media_type,user_data,title,metadata",
    'balloons,archive/balloons.jpg,,image,batch-7,Balloons,"{""year"": 2019}"',
    "moon,archive/moon.jpg,,,,,",
    ",archive/surfer.jpg,,,,,",  # no key
    "both,archive/surfer.jpg,https://example.com/a.jpg,,,,",  # path and url
    "balloons,archive/surfer.jpg,,,,,",  # key given twice
    "escape,../outside.jpg,,,,,",  # leaves the import root
    "missing,archive/nothing-here.jpg,,,,,",
    "badmeta,archive/surfer.jpg,,,,,{not json",
    "wrongkind,archive/surfer.jpg,,video,,,",
    "private,,http://127.0.0.1/a.jpg,,,,",  # an address the job inputs refuse
    "surfer,archive/surfer.jpg,,,,,",
]


@pytest.fixture
def csv_manifest(tmp_path, archive_folder):
    path = tmp_path / "manifest.csv"
    path.write_text("\n".join(CSV_ROWS) + "\n", encoding="utf-8")
    return path


def _states(batch) -> dict[int, tuple[str, str]]:
    return {item.row: (item.status, item.code) for item in batch.items.order_by("row")}


def test_a_csv_manifest_imports_its_good_rows_and_reports_each_bad_one(library, csv_manifest, run_import):
    out = run_import("photos", csv_manifest)
    assert "3 imported" in out and "8 failed" in out
    assert set(Media.objects.values_list("primary_key", flat=True)) == {"balloons", "moon", "surfer"}
    states = _states(ImportBatch.objects.get())
    assert states == {
        1: ("imported", ""),
        2: ("imported", ""),
        3: ("failed", "MissingParameter.PrimaryKey"),
        4: ("failed", "MissingParameter.Input"),
        5: ("failed", "InvalidParameter.DuplicateKey"),
        6: ("failed", "Forbidden.Path"),
        7: ("failed", "InvalidInput.NotFound"),
        8: ("failed", "InvalidParameter.Metadata"),
        9: ("failed", "InvalidParameter.MediaType"),
        10: ("failed", "Forbidden.PrivateAddress"),
        11: ("imported", ""),
    }
    first = ImportBatch.objects.get().items.get(row=1)
    assert (first.user_data, first.title, first.metadata) == ("batch-7", "Balloons", {"year": 2019})
    assert first.job.user_data == "batch-7"


def test_a_jsonl_manifest_with_broken_lines(library, archive_folder, tmp_path, run_import):
    path = tmp_path / "manifest.jsonl"
    lines = [
        json.dumps({"primary_key": "balloons", "path": "archive/balloons.jpg", "metadata": {"a": 1}}),
        "{not json",
        "[1, 2]",
        "",
        json.dumps({"primary_key": "nul\u0000key", "path": "archive/moon.jpg"}),
        json.dumps({"primary_key": "k" * 129, "path": "archive/moon.jpg"}),
        json.dumps({"primary_key": "moon", "path": "archive/moon.jpg", "metadata": "[1]"}),
        json.dumps({"primary_key": "rhino", "path": "archive/wildlife/rhino.jpg"}),
    ]
    path.write_bytes(
        ("\n".join(lines) + "\n").encode() + b'{"primary_key": "\xff", "path": "archive/moon.jpg"}\n'
    )
    out = run_import("photos", path)
    assert "2 imported" in out
    states = _states(ImportBatch.objects.get())
    assert states == {
        1: ("imported", ""),
        2: ("failed", "InvalidParameter.Row"),
        3: ("failed", "InvalidParameter.Row"),
        4: ("failed", "InvalidParameter.PrimaryKey"),
        5: ("failed", "InvalidParameter.PrimaryKey"),
        6: ("failed", "InvalidParameter.Metadata"),
        7: ("imported", ""),
        8: ("failed", "InvalidParameter.PrimaryKey"),  # a byte that is not UTF-8
    }


def test_a_csv_without_a_header_is_refused_as_a_whole(library, tmp_path, run_import):
    from django.core.management import CommandError

    path = tmp_path / "bare.csv"
    path.write_text("balloons,archive/balloons.jpg\n")
    with pytest.raises(CommandError, match="must name its columns"):
        run_import("photos", path)
    assert ImportBatch.objects.get().status == "failed"


def test_the_failure_report_feeds_back_in(library, csv_manifest, run_import, tmp_path, archive_folder):
    report = tmp_path / "failed.csv"
    run_import("photos", csv_manifest, "--report", report)
    fixed = report.read_text().replace("archive/nothing-here.jpg", "archive/wildlife/elephant.jpg")
    report.write_text(fixed)
    out = run_import("photos", report)
    assert "1 imported" in out
    assert Media.objects.filter(primary_key="missing").exists()
