"""Unpacking an archive (.zip, .tar, .tar.gz, .tgz, .tar.bz2, .tar.xz) to import, without trusting it:
only regular files come out (no links, devices or folders-as-files), every name stays inside the
target (no absolute names, no `..`, no drive letters), and the bytes actually written are counted
against a bound, so a small archive that unpacks to terabytes (a zip bomb) stops at the bound."""

from __future__ import annotations

import shutil
import stat
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from imports.sources import SourceError

ARCHIVE_ENDINGS = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")
CHUNK = 1 << 20
DONE_MARK = ".unpacked"


def is_archive(path: Path) -> bool:
    return path.name.lower().endswith(ARCHIVE_ENDINGS)


def safe_name(name: str) -> PurePosixPath | None:
    """The member's name as a relative path inside the target, or None if it would leave it."""
    posix = PurePosixPath(name.replace("\\", "/"))
    if not name or "\x00" in name or posix.is_absolute() or ".." in posix.parts:
        return None
    if posix.parts and (":" in posix.parts[0] or posix.parts[0].startswith("~")):
        return None  # C:foo, ~user
    parts = [part for part in posix.parts if part not in ("", ".")]
    return PurePosixPath(*parts) if parts else None


def _zip_members(archive: zipfile.ZipFile) -> Iterator[tuple[str, BinaryIO | None]]:
    for info in archive.infolist():
        kind = stat.S_IFMT(info.external_attr >> 16)  # 0 when the zip tool recorded none
        if info.is_dir():
            continue
        if kind and kind != stat.S_IFREG:  # a symbolic link or a device stored in the zip
            yield info.filename, None
            continue
        yield info.filename, archive.open(info)


def _tar_members(archive: tarfile.TarFile) -> Iterator[tuple[str, BinaryIO | None]]:
    for member in archive:  # streamed: the member list is never held whole
        if member.isdir():
            continue
        yield member.name, archive.extractfile(member) if member.isfile() else None


def unpack(path: Path, target: Path, max_bytes: int) -> dict[str, int]:
    """Unpack `path` into `target` (made here; a half-done earlier unpack is started over). Returns
    counts: files written, members refused. Raises SourceError if the archive cannot be read or would
    unpack past `max_bytes`."""
    if (target / DONE_MARK).exists():
        return {"files": -1, "refused": 0}  # unpacked before this import was interrupted
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    counts = {"files": 0, "refused": 0}
    written = 0  # bytes actually unpacked so far, whatever the archive says of its sizes
    try:
        with _open(path) as members:
            for name, stream in members:
                relative = safe_name(name)
                if stream is None or relative is None:
                    counts["refused"] += 1
                    continue
                try:
                    written += _write(stream, target / relative, max_bytes - written)
                except (FileExistsError, NotADirectoryError, IsADirectoryError, zipfile.BadZipFile):
                    counts["refused"] += 1  # a name given twice, a file where a folder is; a bad member
                    continue
                counts["files"] += 1
    except SourceError:
        shutil.rmtree(target, ignore_errors=True)
        raise
    except (OSError, zipfile.BadZipFile, tarfile.TarError, EOFError, RuntimeError) as exc:
        shutil.rmtree(target, ignore_errors=True)
        raise SourceError(f"The archive cannot be read: {exc}") from exc
    (target / DONE_MARK).touch()
    return counts


def _write(stream: BinaryIO, destination: Path, room: int) -> int:
    """Copy one member to a new file; at most `room` bytes (else SourceError). Returns bytes written;
    a member that fails halfway leaves no file."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    written, created = 0, False
    try:
        with stream, open(destination, "xb") as out:
            created = True
            while chunk := stream.read(CHUNK):
                written += len(chunk)
                if written > room:
                    raise SourceError(
                        "The archive unpacks to more than DNAPORTAL_IMPORT_MAX_UNPACKED_MB allows; "
                        "nothing of it is imported."
                    )
                out.write(chunk)
    except BaseException:
        if created:  # never another member's file of the same name
            destination.unlink(missing_ok=True)
        raise
    return written


class _open:
    """The archive's members as (name, stream or None for a member that is not a regular file)."""

    def __init__(self, path: Path):
        self.path = path
        self.archive = None

    def __enter__(self) -> Iterator[tuple[str, BinaryIO | None]]:
        if self.path.name.lower().endswith(".zip"):
            self.archive = zipfile.ZipFile(self.path)
            return _zip_members(self.archive)
        self.archive = tarfile.open(self.path, mode="r|*")
        return _tar_members(self.archive)

    def __exit__(self, *exc) -> None:
        if self.archive is not None:
            self.archive.close()
