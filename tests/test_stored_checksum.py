"""A file copied into storage is hashed as the storage reads it (core.storage.DigestingFile): the
checksum is of exactly what was stored, and a storage that does not read it once from start to end
gets no checksum from it (the caller hashes the file itself), never a wrong one."""

import hashlib
import os

from core.storage import AtomicFileSystemStorage, DigestingFile
from libraries.models import Library
from libraries.services import save_media

CONTENT = os.urandom(3 * (1 << 20) + 12345)  # more than one chunk, not a whole number of them


def _source(tmp_path):
    path = tmp_path / "source.bin"
    path.write_bytes(CONTENT)
    return path


def test_the_checksum_is_of_what_the_storage_wrote(tmp_path):
    storage = AtomicFileSystemStorage(location=tmp_path / "store")
    with open(_source(tmp_path), "rb") as handle:
        content = DigestingFile(handle, len(CONTENT))
        name = storage.save("item.bin", content)
    assert (tmp_path / "store" / name).read_bytes() == CONTENT
    assert content.sha256() == hashlib.sha256(CONTENT).hexdigest()


def test_a_storage_that_reads_the_file_twice_gets_the_checksum_of_one_read(tmp_path):
    with open(_source(tmp_path), "rb") as handle:
        content = DigestingFile(handle, len(CONTENT))
        assert b"".join(content.chunks()) == CONTENT
        assert b"".join(content.chunks()) == CONTENT  # rewinds to the start: hashed afresh
        assert content.sha256() == hashlib.sha256(CONTENT).hexdigest()


def test_a_storage_that_skips_or_stops_short_gets_no_checksum(tmp_path):
    with open(_source(tmp_path), "rb") as handle:
        skipping = DigestingFile(handle, len(CONTENT))
        skipping.seek(10)
        skipping.read()
        assert skipping.sha256() is None
    with open(_source(tmp_path), "rb") as handle:
        short = DigestingFile(handle, len(CONTENT))
        short.read(1000)
        assert short.sha256() is None


def test_a_saved_item_keeps_the_checksum_and_bytes_of_its_file(tmp_path, db):
    library = Library.objects.create(name="lib", media_type="image")
    path = _source(tmp_path)
    media = save_media(library=library, primary_key="p1", media_type="image", path=path, fingerprints=[])
    assert media.sha256 == hashlib.sha256(CONTENT).hexdigest()
    assert media.size_bytes == len(CONTENT)
    with media.file.open("rb") as stored:
        assert stored.read() == CONTENT
