"""Stored files are written whole or not at all. Django's FileSystemStorage writes straight into the
final name, so a full disk or a killed process leaves a partial file that nothing refers to. Here a
file is written to a hidden part file beside it and linked into its name only once complete; the part
file is always removed, so a failed write leaves nothing and gives its space back."""

from __future__ import annotations

import errno
import os
import uuid
from pathlib import Path

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
