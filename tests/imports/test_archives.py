"""Importing an archive: members are unpacked under the import root without trusting their names,
types or sizes (no zip-slip, no links, a bound on what is written), then imported as a folder."""

import io
import stat
import tarfile
import warnings
import zipfile

import pytest
from django.core.management import CommandError

from imports.archives import safe_name
from imports.models import ImportBatch
from libraries.models import Media
from tests.media import PHOTOS


def _zip(path, extra=()):
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w") as archive:
        warnings.simplefilter("ignore", UserWarning)  # a name given twice is the point
        archive.write(PHOTOS / "balloons.jpg", "photos/balloons.jpg")
        archive.write(PHOTOS / "moon.jpg", "moon.jpg")
        for name, data in extra:
            archive.writestr(name, data)
        link = zipfile.ZipInfo("link.jpg")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    return path


def test_a_zip_is_imported_and_its_hostile_members_are_left_out(library, tmp_path, run_import, settings):
    archive = _zip(
        tmp_path / "upload.zip",
        [("../../evil.jpg", b"x"), ("/abs.jpg", b"x"), ("C:/windows.jpg", b"x"), ("moon.jpg", b"twice")],
    )
    out = run_import("photos", archive)
    assert "2 imported" in out and "0 failed" in out
    assert set(Media.objects.values_list("primary_key", flat=True)) == {"photos/balloons", "moon"}
    batch = ImportBatch.objects.get()
    unpacked = settings.IMPORT_ROOT / ".imports" / batch.id.hex
    written = sorted(p.relative_to(unpacked).as_posix() for p in unpacked.rglob("*") if p.is_file())
    assert written == [".unpacked", "moon.jpg", "photos/balloons.jpg"]
    assert (unpacked / "moon.jpg").read_bytes() == (
        PHOTOS / "moon.jpg"
    ).read_bytes()  # not the 2nd "moon.jpg"
    assert not (tmp_path / "evil.jpg").exists() and not (settings.IMPORT_ROOT / "evil.jpg").exists()


def test_a_tar_gz_is_imported_and_its_links_and_devices_are_left_out(library, tmp_path, run_import):
    path = tmp_path / "upload.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        archive.add(PHOTOS / "surfer.jpg", "surfer.jpg")
        for name, kind in (("link.jpg", tarfile.SYMTYPE), ("dev.jpg", tarfile.CHRTYPE)):
            member = tarfile.TarInfo(name)
            member.type, member.linkname = kind, "/etc/passwd"
            archive.addfile(member)
        member = tarfile.TarInfo("../up.jpg")
        member.size = 1
        archive.addfile(member, io.BytesIO(b"x"))
    out = run_import("photos", path)
    assert "1 imported" in out
    assert list(Media.objects.values_list("primary_key", flat=True)) == ["surfer"]


def test_an_archive_that_unpacks_past_the_bound_imports_nothing(library, tmp_path, run_import, settings):
    settings.IMPORT_MAX_UNPACKED_BYTES = 1_000_000
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.jpg", b"\0" * 5_000_000)  # 5 KB packed
    assert path.stat().st_size < 20_000
    with pytest.raises(CommandError, match="unpacks to more than"):
        run_import("photos", path)
    batch = ImportBatch.objects.get()
    assert batch.status == "failed" and not Media.objects.exists()
    assert not (settings.IMPORT_ROOT / ".imports" / batch.id.hex).exists()


def test_a_damaged_archive_is_a_clear_error(library, tmp_path, run_import):
    path = tmp_path / "broken.zip"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(CommandError, match="cannot be read"):
        run_import("photos", path)


@pytest.mark.parametrize(
    "name,safe",
    [
        ("a/b.jpg", "a/b.jpg"),
        ("./a//b.jpg", "a/b.jpg"),
        ("../a.jpg", None),
        ("a/../../b.jpg", None),
        ("/etc/passwd", None),
        ("C:\\x.jpg", None),
        ("~root/x", None),
        ("a\x00b", None),
        ("", None),
    ],
)
def test_member_names_that_would_leave_the_target_are_refused(name, safe):
    result = safe_name(name)
    assert (str(result) if result else None) == safe
