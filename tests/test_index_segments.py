"""Libraries' indexes as segment files, in one process: what saves, deletes and merges leave in the
manifest, and what a search costs the database."""

import pytest

from engine import registry
from engine.base import MediaInput
from engine.extract import fingerprint_input
from libraries import services
from libraries.indexing import merge, reader
from libraries.indexing.reader import library_index
from libraries.models import IndexSegment, IndexTombstone, Library
from tests.e2e.test_index_processes import text

[(TEXT, _)] = registry.for_kind("text")


def _save(library, key, seed, **extra):
    made = fingerprint_input("text", MediaInput(text=text(seed)), query=False)
    return services.save_media(
        library=library,
        primary_key=key,
        media_type="text",
        fingerprints=made.fingerprints,
        text=text(seed),
        **extra,
    )


def _search(library, seed):
    [fingerprint] = fingerprint_input("text", MediaInput(text=text(seed)), query=True).fingerprints
    return [hit.key for hit in library_index(library, TEXT).search(fingerprint)]


@pytest.fixture
def library(db):
    return Library.objects.create(name="books", media_type="text")


def test_a_save_writes_one_segment_and_a_full_level_is_merged(library, run_commit_hooks):
    items = [run_commit_hooks(_save, library, f"k{n}", n) for n in range(9)]
    active = IndexSegment.objects.filter(library=library, retired=False)
    # Eight one-item segments were merged (tasks run inline here) into one; the ninth stands alone.
    assert sorted(active.values_list("items", flat=True)) == [1, 8]
    assert IndexSegment.objects.filter(library=library, retired=True).count() == 8
    assert [_search(library, n) for n in range(9)] == [[item.id] for item in items]


def test_a_replaced_item_is_found_once_under_its_new_id(library, run_commit_hooks):
    old = run_commit_hooks(_save, library, "k", 1)
    new = run_commit_hooks(_save, library, "k", 1, replace=True)
    assert _search(library, 1) == [new.id] != [old.id]
    assert IndexTombstone.objects.filter(library=library, media_id=old.id).exists()


def test_a_deleted_item_matches_no_more(library, run_commit_hooks):
    item = run_commit_hooks(_save, library, "k", 1)
    assert _search(library, 1) == [item.id]
    services.delete_media(media=item)
    assert _search(library, 1) == []


def test_a_current_index_costs_one_query_per_search_however_big_the_library(
    library, run_commit_hooks, django_assert_num_queries
):
    for n in range(3):
        run_commit_hooks(_save, library, f"k{n}", n)
    _search(library, 0)  # catch up
    with django_assert_num_queries(1):
        _search(library, 1)
    for n in range(3, 20):
        run_commit_hooks(_save, library, f"k{n}", n)
    _search(library, 0)
    with django_assert_num_queries(1):
        _search(library, 7)


def test_two_merges_of_the_same_segments_make_one(library, run_commit_hooks):
    for n in range(8):
        _save(library, f"k{n}", n)  # hooks not run: no merge yet
    inputs = merge.plan(list(IndexSegment.objects.filter(library=library)), merge.max_segment_bytes(TEXT))
    first = merge.merge(library.id, TEXT, inputs)
    second = merge.merge(library.id, TEXT, inputs)  # a second worker, a moment late
    assert first is not None and second is None
    assert IndexSegment.objects.filter(library=library, retired=False).count() == 1


def test_segments_a_running_merge_has_taken_are_not_merged_again_until_it_ends(library, settings):
    from datetime import timedelta

    from django.utils import timezone

    for n in range(8):
        _save(library, f"k{n}", n)  # hooks not run: no merge yet
    segments = IndexSegment.objects.filter(library=library)
    inputs = merge.plan(list(segments), merge.max_segment_bytes(TEXT))
    assert len(inputs) == 8
    assert merge.take(inputs)  # a merge of them starts (on another worker)
    assert merge.plan(list(segments.all()), merge.max_segment_bytes(TEXT)) == []
    assert merge.merge(library.id, TEXT, inputs) is None  # a second merge task, queued by a later save
    assert merge.merge_task(str(library.id), TEXT.name, TEXT.version) == 0
    assert segments.filter(retired=False).count() == 8
    # A merge that died holds them until its time is up; then they are merged.
    segments.update(merging_until=timezone.now() - timedelta(seconds=1))
    assert merge.merge_task(str(library.id), TEXT.name, TEXT.version) == 1
    [merged] = segments.filter(retired=False)
    assert merged.items == 8 and merged.merging_until is None


@pytest.mark.django_db(transaction=True)  # the lease is renewed from another thread's connection
def test_a_running_merge_keeps_renewing_its_lease(settings):
    import time

    library = Library.objects.create(name="books", media_type="text")
    for n in range(3):
        _save(library, f"k{n}", n)
    settings.INDEX_MERGE_LEASE = 1
    inputs = list(IndexSegment.objects.filter(library=library))
    assert len(inputs) == 3
    assert merge.take(inputs)
    first = {s.merging_until for s in IndexSegment.objects.filter(library=library)}
    with merge.held(inputs):
        time.sleep(1.5)  # past the first lease: renewed every quarter of it
        renewed = {s.merging_until for s in IndexSegment.objects.filter(library=library)}
        assert merge.plan(list(IndexSegment.objects.filter(library=library)), 2**40) == []
    assert len(first) == 1 and min(renewed) > max(first)


def test_deleting_a_library_deletes_its_segment_files(library, run_commit_hooks, settings):
    run_commit_hooks(_save, library, "k", 1)
    folder = settings.MEDIA_ROOT / "indexes" / library.id.hex
    assert list(folder.glob("*.seg"))
    run_commit_hooks(services.delete_library, library=library)
    assert not folder.exists()


def _check_finds_it_and_fix_rebuilds_it(library, item, capsys, problem: str) -> None:
    """`index check` reports the problem and fails; `--fix` rebuilds; the check passes and the item
    is found again."""
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="1 indexes have problems"):
        call_command("index", "check", "books")
    assert problem in capsys.readouterr().out
    call_command("index", "check", str(library.id), "--fix")
    assert "rebuilt from the fingerprint rows" in capsys.readouterr().out
    call_command("index", "check", "books")
    assert capsys.readouterr().out.rstrip().endswith(", ok")
    reader.forget_all()
    assert _search(library, 1) == [item.id]


def test_index_check_finds_a_segment_of_a_layout_its_index_no_longer_reads_and_fix_rebuilds_it(
    library, run_commit_hooks, monkeypatch, capsys
):

    from engine.segments import SegmentError

    item = run_commit_hooks(_save, library, "k", 1)
    [old] = IndexSegment.objects.filter(library=library)
    reads = TEXT.index_class.from_arrays.__func__

    def refusing_the_old_file(cls, arrays):
        if IndexSegment.objects.filter(name=old.name, retired=False).exists():
            raise SegmentError("a text index segment of another layout (no new_array)")
        return reads(cls, arrays)

    monkeypatch.setattr(TEXT.index_class, "from_arrays", classmethod(refusing_the_old_file))
    _check_finds_it_and_fix_rebuilds_it(library, item, capsys, "another layout (no new_array)")


def test_with_a_remote_storage_segments_are_published_and_cached_locally(library, run_commit_hooks, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    from django.core.files.storage import default_storage

    item = run_commit_hooks(_save, library, "k", 1)
    [segment] = IndexSegment.objects.filter(library=library)
    assert default_storage.exists(f"indexes/{library.id.hex}/{segment.name}.seg")
    cached = settings.INDEX_CACHE_DIR / library.id.hex / f"{segment.name}.seg"
    cached.unlink()  # a new worker machine: nothing local yet
    reader.forget_all()
    assert _search(library, 1) == [item.id]
    assert cached.is_file()  # fetched once, checked, memory-mapped from the cache


def test_index_check_finds_a_damaged_file_and_fix_rebuilds_it(library, run_commit_hooks, settings, capsys):
    from django.core.management import CommandError, call_command

    item = run_commit_hooks(_save, library, "k", 1)
    [segment] = IndexSegment.objects.filter(library=library)
    path = settings.MEDIA_ROOT / "indexes" / library.id.hex / f"{segment.name}.seg"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(data)
    _check_finds_it_and_fix_rebuilds_it(library, item, capsys, "is damaged")
    with pytest.raises(CommandError, match="No library named"):
        call_command("index", "check", "nope")


def _segments(*megabytes, items=1):
    return [
        IndexSegment(name=f"s{n}", generation=n, items=items, size_bytes=int(mb * 2**20))
        for n, mb in enumerate(megabytes)
    ]


def test_a_merge_writes_no_segment_bigger_than_the_bound():
    # A level of eight: merged whole when it fits, else its oldest that fit (at least two).
    assert [s.name for s in merge.plan(_segments(*[100] * 8), max_bytes=2**30)] == [f"s{n}" for n in range(8)]
    assert [s.name for s in merge.plan(_segments(*[300] * 8), max_bytes=2**30)] == ["s0", "s1", "s2"]
    assert [s.name for s in merge.plan(_segments(*[512] * 8), max_bytes=2**30)] == ["s0", "s1"]
    # Segments of half the bound or more are merged no more: these eight stay as they are.
    assert merge.plan(_segments(*[513] * 8), max_bytes=2**30) == []
    # ... and do not count in their level: seven small ones beside them are not a full level.
    assert merge.plan(_segments(*[600] * 4, *[10] * 7), max_bytes=2**30) == []
    assert len(merge.plan(_segments(*[600] * 4, *[10] * 8), max_bytes=2**30)) == 8


def test_a_merge_writes_no_segment_of_more_items_than_its_index_holds():
    # Image postings number their items in 24 bits (engine/image/build.py): the planner keeps a merge
    # within the index's MAX_SEGMENT_ITEMS as within the bytes bound.
    eight = _segments(*[1] * 8, items=1000)
    assert [s.name for s in merge.plan(eight, max_bytes=2**30, max_items=3500)] == ["s0", "s1", "s2"]
    assert merge.plan(eight, max_bytes=2**30, max_items=1999) == []
    assert len(merge.plan(eight, max_bytes=2**30, max_items=None)) == 8


def test_the_merge_task_keeps_within_the_items_its_index_can_number(library, monkeypatch):
    for n in range(8):
        _save(library, f"k{n}", n)  # hooks not run: no merge yet
    monkeypatch.setattr(TEXT.index_class, "MAX_SEGMENT_ITEMS", 4, raising=False)
    assert [s.items for s in merge.plan_for(library.id, TEXT)] == [1] * 4
    assert merge.merge_task(str(library.id), TEXT.name, TEXT.version) >= 1
    assert (
        max(IndexSegment.objects.filter(library=library, retired=False).values_list("items", flat=True)) <= 4
    )


def test_the_bound_is_the_build_memory_over_what_the_kind_needs_per_file_byte(settings):
    settings.INDEX_BUILD_MEMORY_MB = 16384
    from engine.image.fingerprinter import ImageFingerprinter
    from engine.video.fingerprinter import VideoFingerprinter

    video, image = VideoFingerprinter(), ImageFingerprinter()
    assert merge.max_segment_bytes(video) == int(16 * 2**30 / 2.5)  # 1,000 hours of video fit
    assert merge.max_segment_bytes(video) > 1000 * 6.21e6
    # Images stream their keypoints to scratch files: the eight 262,144-picture segments (~20 GB each
    # with SIFT keypoints) of a growing library are merged into one of ~2 M pictures.
    assert merge.max_segment_bytes(image) == int(16 * 2**30 / 0.07)
    assert len(merge.plan(_segments(*[20 * 1024] * 8), merge.max_segment_bytes(image))) == 8
    settings.INDEX_BUILD_MEMORY_MB = 1000
    assert len(merge.plan(_segments(*[100] * 8), merge.max_segment_bytes(video))) == 4  # 400 MB


def test_a_rebuild_writes_segments_bounded_in_items_and_in_bytes():
    from engine.base import Fingerprint
    from libraries.indexing.rebuild import batches

    items = [
        (n, Fingerprint("f", 1, bytes(size))) for n, size in enumerate([40, 40, 30, 100, 10, 10, 10, 10])
    ]
    runs = [[key for key, _ in run] for run in batches(iter(items), max_items=3, max_bytes=100)]
    # 40+40 (+30 would pass 100), 30 alone (100 is too much beside it), 100 alone, then 3 items at most
    assert runs == [[0, 1], [2], [3], [4, 5, 6], [7]]
    # A run is read as its segment is built, not gathered first: one item read ahead at most.
    pulled = []

    def read():
        for item in items:
            pulled.append(item[0])
            yield item

    first = next(batches(read(), max_items=3, max_bytes=100))
    next(first)
    assert pulled == [0, 1]


@pytest.fixture
def pictures(db, tmp_path):
    """An image library and eight small generated pictures' fingerprints (not saved yet)."""
    import cv2

    from tests.api.test_image_library_scale import picture

    made = []
    for n in range(8):
        path = tmp_path / f"p{n}.jpg"
        cv2.imwrite(str(path), picture(n))
        made.append(fingerprint_input("image", MediaInput(path=path), query=False).fingerprints)
    return Library.objects.create(name="pictures", media_type="image"), made


def _save_picture(library, n, fingerprints):
    return services.save_media(
        library=library, primary_key=f"p{n}", media_type="image", fingerprints=fingerprints
    )


def test_an_image_merge_builds_from_scratch_files_and_leaves_none(pictures, run_commit_hooks, settings):
    library, made = pictures
    items = [run_commit_hooks(_save_picture, library, n, fingerprints) for n, fingerprints in enumerate(made)]
    [merged] = IndexSegment.objects.filter(library=library, retired=False)
    assert merged.items == 8
    folder = settings.MEDIA_ROOT / "indexes" / library.id.hex
    assert not [path for path in folder.iterdir() if path.name.endswith(".scratch")]
    [(image, _)] = registry.for_kind("image")
    for item, fingerprints in zip(items, made, strict=True):
        [query] = [f for f in fingerprints if f.fingerprinter == image.name]
        assert library_index(library, image).search(query)[0].key == item.id


def test_an_image_merge_that_fails_writing_leaves_the_manifest_and_no_scratch(
    pictures, settings, monkeypatch
):
    from libraries.indexing import manifest

    library, made = pictures
    for n, fingerprints in enumerate(made):
        _save_picture(library, n, fingerprints)  # hooks not run: no merge yet
    [(image, _)] = registry.for_kind("image")
    before = set(IndexSegment.objects.filter(library=library, retired=False).values_list("name", flat=True))

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(manifest, "write_segment", full_disk)
    inputs = merge.plan(list(IndexSegment.objects.filter(library=library)), merge.max_segment_bytes(image))
    with pytest.raises(OSError, match="No space left"):
        merge.merge(library.id, image, inputs)
    after = set(IndexSegment.objects.filter(library=library, retired=False).values_list("name", flat=True))
    assert after == before and len(before) == 8
    # Its inputs are free to be merged again.
    assert (
        len(merge.plan(list(IndexSegment.objects.filter(library=library)), merge.max_segment_bytes(image)))
        == 8
    )
    folder = settings.MEDIA_ROOT / "indexes" / library.id.hex
    assert {path.name for path in folder.iterdir() if not path.name.endswith((".seg", ".checked"))} == set()


def test_index_check_fix_removes_a_dead_merges_scratch_folder(library, run_commit_hooks, settings, capsys):
    import os
    import time

    from django.core.management import call_command

    run_commit_hooks(_save, library, "k", 1)
    scratch = settings.MEDIA_ROOT / "indexes" / library.id.hex / ".text-v1-dead.scratch"
    scratch.mkdir()
    (scratch / "descriptors").write_bytes(b"x" * 100)
    call_command("index", "check", "books", "--fix")
    assert scratch.is_dir()  # written to just now: it may be a merge still running
    hours_ago = time.time() - 7200
    for path in (scratch / "descriptors", scratch):
        os.utime(path, (hours_ago, hours_ago))
    call_command("index", "check", "books", "--fix")
    assert "orphan file" in capsys.readouterr().out
    assert not scratch.exists()


def test_rows_are_read_by_their_media_and_only_from_their_own_library(library, run_commit_hooks):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from libraries.indexing.rows import fingerprints_of

    other = Library.objects.create(name="others", media_type="text")
    mine = run_commit_hooks(_save, library, "k", 1)
    theirs = run_commit_hooks(_save, other, "k", 2)
    with CaptureQueriesContext(connection) as queries:
        read = list(fingerprints_of(library.id, TEXT, [theirs.id, mine.id]))
    assert [key for key, _ in read] == [mine.id]
    # Not asked by library: SQLite then reads every row of the library for each batch of keys.
    [query] = queries.captured_queries
    assert "library_id" not in query["sql"].split("WHERE", 1)[1], query["sql"]
