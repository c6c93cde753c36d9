"""Libraries' indexes as shared, persistent, incremental segment files (issue #15).

files.py    where segment files live: the shared store (with the media) and this machine's copy
writer.py   writes: a saved item's segment, tombstones for deleted items, the manifest's generation
merge.py    background merges of small segments (log-structured), and which segments to merge
rebuild.py  rebuilding an index from the fingerprint rows, and checking one
reader.py   what workers search: each library's segments memory-mapped, caught up per job in O(1)
"""
