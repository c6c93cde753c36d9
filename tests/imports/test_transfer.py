"""A library moved to another portal: exported (items, facts, fingerprints), loaded into a fresh
library without decoding media, and searched there with the same result; fingerprints of other
versions are refused, or made again when the media came along."""

import json
import shutil

import pytest
from django.core.management import CommandError, call_command

from jobs import services as job_services
from jobs.models import Job
from libraries.models import Library, Media
from libraries.services import delete_library
from tests import media as test_media


def _matches(library, query_path) -> list[tuple[str, float]]:
    job = job_services.submit_job(
        library=library, primary_key="probe", media_type="image", save_type="nosave", path=query_path
    )
    job = Job.objects.get(id=job.id)
    assert job.status == "success", job.error_message
    return [(m.primary_key, m.global_similarity) for m in job.matches.order_by("-global_similarity")]


@pytest.fixture
def query(settings):
    """A cropped, recompressed copy of a library photo, under the import root."""
    path = test_media.write_image(settings.IMPORT_ROOT, "elephant.jpg", "crop15")
    return path.relative_to(settings.IMPORT_ROOT).as_posix()


def test_an_exported_library_loads_elsewhere_without_its_media_and_finds_the_same(
    library, archive_folder, run_import, tmp_path, query, capsys
):
    run_import("photos", archive_folder)
    before = _matches(library, query)
    assert before and before[0][0] == "wildlife/elephant"
    out = tmp_path / "export"
    call_command("export_library", "photos", str(out))
    header = json.loads((out / "library.json").read_text())
    assert header["format"] == "dnaportal.library" and header["version"] == 1 and header["items"] == 6
    assert not (out / "media").exists()
    delete_library(library=library)  # the other portal has nothing of it
    call_command("import_library", str(out), "--name", "photos-moved")
    moved = Library.objects.get(name="photos-moved")
    assert Media.objects.filter(library=moved).count() == 6
    assert not Media.objects.filter(library=moved).exclude(file="").exists()  # no media came along
    assert _matches(moved, query) == before


def test_fingerprints_of_other_versions_are_refused_or_made_again_from_the_media(
    library, archive_folder, run_import, tmp_path
):
    run_import("photos", archive_folder)
    for with_media in (False, True):
        out = tmp_path / f"export-{with_media}"
        call_command("export_library", "photos", str(out), *(["--with-media"] if with_media else []))
        header = json.loads((out / "library.json").read_text())
        name = next(iter(header["fingerprinters"]))
        header["fingerprinters"][name] += 100  # as if made by another release
        (out / "library.json").write_text(json.dumps(header))
        records = [json.loads(line) for line in (out / "items.jsonl").read_text().splitlines()]
        for record in records:
            for entry in record["fingerprints"]:
                entry["version"] += 100
        (out / "items.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
        if not with_media:
            with pytest.raises(CommandError, match="Export again with --with-media"):
                call_command("import_library", str(out), "--name", "refused")
            assert not Library.objects.filter(name="refused").exists()
        else:
            call_command("import_library", str(out), "--name", "remade")
            remade = Library.objects.get(name="remade")
            assert Media.objects.filter(library=remade).count() == 6
            assert not Media.objects.filter(library=remade, file="").exists()


def test_a_damaged_or_hostile_export_is_refused_item_by_item(library, archive_folder, run_import, tmp_path):
    run_import("photos", archive_folder)
    out = tmp_path / "export"
    call_command("export_library", "photos", str(out))
    records = [json.loads(line) for line in (out / "items.jsonl").read_text().splitlines()]
    (out / records[0]["fingerprints"][0]["file"]).write_bytes(b"damaged")
    records[1]["fingerprints"][0]["file"] = "../../etc/passwd"
    (out / "items.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    with pytest.raises(CommandError, match="2 items could not be loaded"):
        call_command("import_library", str(out), "--name", "partly")
    assert Media.objects.filter(library__name="partly").count() == 4


def test_what_is_not_an_export_is_a_clear_error(library, tmp_path):
    with pytest.raises(CommandError, match="no readable library.json"):
        call_command("import_library", str(tmp_path))
    (tmp_path / "library.json").write_text(json.dumps({"format": "dnaportal.library", "version": 9}))
    with pytest.raises(CommandError, match="format version 9"):
        call_command("import_library", str(tmp_path))
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "x").write_text("x")
    with pytest.raises(CommandError, match="not empty"):
        call_command("export_library", "photos", str(taken))
    shutil.rmtree(taken)
