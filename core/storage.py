"""Stored files are written whole or not at all. Django's FileSystemStorage writes straight into the
final name, so a full disk or a killed process leaves a partial file that nothing refers to. Here a
file is written to a hidden part file beside it and linked into its name only once complete; the part
file is always removed, so a failed write leaves nothing and gives its space back."""

from __future__ import annotations

import errno
import hashlib
import os
import uuid
from pathlib import Path

from django.core.files import File
from django.core.files.storage import FileSystemStorage


class AtomicFileSystemStorage(FileSystemStorage):
    def _save(self, name: str, content) -> str:
        target = Path(self.path(name))
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
        try:
            with open(part, "xb") as out:
                for chunk in content.chunks():  # from the start: chunks() rewinds what it can
                    out.write(chunk)
            if self.file_permissions_mode is not None:
                os.chmod(part, self.file_permissions_mode)
            while True:  # publish under a free name: never replace a file
                try:
                    _publish(part, target)
                    break
                except FileExistsError:
                    name = self.get_available_name(name)
                    target = Path(self.path(name))
        finally:
            part.unlink(missing_ok=True)
        return str(name).replace("\\", "/")


def _publish(part: Path, target: Path) -> None:
    """Give the complete part file its name, or FileExistsError if the name is taken. A hard link does
    it in one step; where the file system has none (some network and FUSE mounts), the name is first
    claimed with an empty file created exclusively, then replaced by the part file."""
    try:
        os.link(part, target)
        return
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS, errno.EMLINK):
            raise
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    os.replace(part, target)


class DigestingFile(File):
    """A local file handed to a storage's save, hashed as the storage reads it: the checksum of what
    was stored without reading the file a second time (measured in a bulk import of short
    recordings: the second read and hash cost a worker about 1% of its time). `sha256()` is None
    when the storage did not read it once from start to end (it seeked, or stopped short): the
    caller then hashes the file itself."""

    DEFAULT_CHUNK_SIZE = 1 << 20

    def __init__(self, handle, size: int) -> None:
        super().__init__(handle)
        self._expected = size
        self._restart()

    def _restart(self) -> None:
        self._digest, self._hashed, self._whole = hashlib.sha256(), 0, True

    def read(self, size: int = -1) -> bytes:
        data = self.file.read(size)
        self._digest.update(data)
        self._hashed += len(data)
        return data

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if (offset, whence) == (0, os.SEEK_SET):
            self._restart()
        else:
            self._whole = False
        return self.file.seek(offset, whence)

    def sha256(self) -> str | None:
        return self._digest.hexdigest() if self._whole and self._hashed == self._expected else None
