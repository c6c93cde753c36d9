"""Where segment files live.

The shared copy lives in the portal's file storage with the media (`indexes/<library>/<name>.seg`):
on one machine, or on a shared volume, workers memory-map it there. With a remote storage (an
S3-compatible store), a worker machine keeps a local copy in INDEX_CACHE_DIR, fetched once and
checked against the manifest's checksum; nothing is rebuilt when a machine joins.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage


def segment_name(fingerprinter: str, version: int) -> str:
    return f"{fingerprinter}-v{version}-{uuid.uuid4().hex}"


def stored_name(library_id: uuid.UUID, name: str) -> str:
    return f"indexes/{library_id.hex}/{name}.seg"


def _storage_path(library_id: uuid.UUID, name: str) -> Path | None:
    """The file's own path when the storage is a local or mounted file system, else None."""
    if not isinstance(default_storage, FileSystemStorage):
        return None
    return Path(default_storage.path(stored_name(library_id, name)))


def _cache_path(library_id: uuid.UUID, name: str) -> Path:
    return Path(settings.INDEX_CACHE_DIR) / library_id.hex / f"{name}.seg"


def path_to_write(library_id: uuid.UUID, name: str) -> Path:
    """Where a new segment is written: in place on a file-system storage, else in the local cache
    (then published)."""
    return _storage_path(library_id, name) or _cache_path(library_id, name)


def publish(library_id: uuid.UUID, name: str, written: Path) -> None:
    """Make a written segment visible to every worker machine."""
    if _storage_path(library_id, name) is not None:
        return  # written in place
    with open(written, "rb") as handle:
        default_storage.save(stored_name(library_id, name), File(handle))


def local_path(library_id: uuid.UUID, name: str) -> Path:
    """A path to memory-map: the stored file itself, or this machine's copy (fetched if missing;
    the caller checks it against the manifest's checksum)."""
    path = _storage_path(library_id, name)
    if path is not None:
        return path
    path = _cache_path(library_id, name)
    if not path.is_file() and default_storage.exists(stored_name(library_id, name)):
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        with default_storage.open(stored_name(library_id, name), "rb") as source, open(partial, "wb") as out:
            shutil.copyfileobj(source, out, 1 << 20)
        partial.replace(path)
    return path


def delete(library_id: uuid.UUID, name: str) -> None:
    for path in (_cache_path(library_id, name), _storage_path(library_id, name)):
        if path is not None:
            path.unlink(missing_ok=True)
            path.with_name(path.name + ".checked").unlink(missing_ok=True)
    if _storage_path(library_id, name) is None:
        default_storage.delete(stored_name(library_id, name))


def delete_all(library_id: uuid.UUID, names: list[str]) -> None:
    """A deleted library's segment files, and this machine's cached copies."""
    for name in names:
        delete(library_id, name)
    shutil.rmtree(Path(settings.INDEX_CACHE_DIR) / library_id.hex, ignore_errors=True)
    folder = _storage_path(library_id, "none")
    if folder is not None:
        try:
            folder.parent.rmdir()
        except OSError:
            pass  # not empty (a file being written) or already gone
