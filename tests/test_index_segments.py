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
    inputs = merge.plan(list(IndexSegment.objects.filter(library=library)))
    first = merge.merge(library.id, TEXT, inputs)
    second = merge.merge(library.id, TEXT, inputs)  # a second worker, a moment late
    assert first is not None and second is None
    assert IndexSegment.objects.filter(library=library, retired=False).count() == 1


def test_deleting_a_library_deletes_its_segment_files(library, run_commit_hooks, settings):
    run_commit_hooks(_save, library, "k", 1)
    folder = settings.MEDIA_ROOT / "indexes" / library.id.hex
    assert list(folder.glob("*.seg"))
    run_commit_hooks(services.delete_library, library=library)
    assert not folder.exists()


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
    with pytest.raises(CommandError, match="1 indexes have problems"):
        call_command("index", "check", "books")
    assert "is damaged" in capsys.readouterr().out
    call_command("index", "check", str(library.id), "--fix")
    assert "rebuilt from the fingerprint rows" in capsys.readouterr().out
    call_command("index", "check", "books")
    assert capsys.readouterr().out.rstrip().endswith(", ok")
    reader.forget_all()
    assert _search(library, 1) == [item.id]
    with pytest.raises(CommandError, match="No library named"):
        call_command("index", "check", "nope")
