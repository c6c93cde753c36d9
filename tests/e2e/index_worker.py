"""A stand-in worker process for the index tests: reads commands on stdin, answers JSON lines.

    library NAME                  make a text library (or use it), print its id
    save NAME KEY TEXT...         save an item as a `save` job's pipeline would
    delete NAME KEY               delete an item
    search NAME TEXT...           the keys the library's index finds for the text
    merge NAME [die-before-commit|die-inside-commit]
                                  merge its segments now; optionally killed (SIGKILL) mid-way
    stats                         how many indexes this process rebuilt

Run with DJANGO_SETTINGS_MODULE and DNAPORTAL_DATA_DIR set, from the repository.
"""

import json
import logging
import os
import signal
import sys

import django

django.setup()

from engine import registry  # noqa: E402
from engine.base import MediaInput  # noqa: E402
from engine.extract import fingerprint_input  # noqa: E402
from libraries import services  # noqa: E402
from libraries.indexing import merge, rebuild  # noqa: E402
from libraries.indexing.reader import library_index  # noqa: E402
from libraries.models import Library, Media  # noqa: E402

REBUILDS = []


class _Counter(logging.Handler):
    def emit(self, record):
        if "rebuilding" in record.getMessage():
            REBUILDS.append(record.getMessage())


logging.getLogger(rebuild.__name__).addHandler(_Counter())


def _text(words):
    return " ".join(words)


def run(command, args):
    if command == "library":
        library, _ = Library.objects.get_or_create(name=args[0], defaults={"media_type": "text"})
        return library.id.hex
    library = Library.objects.get(name=args[0]) if args else None
    if command == "save":
        text = _text(args[2:])
        made = fingerprint_input("text", MediaInput(text=text), query=False)
        media = services.save_media(
            library=library, primary_key=args[1], media_type="text", fingerprints=made.fingerprints, text=text
        )
        return media.id.hex
    if command == "delete":
        services.delete_media(media=Media.objects.get(library=library, primary_key=args[1]))
        return "deleted"
    if command == "search":
        made = fingerprint_input("text", MediaInput(text=_text(args[1:])), query=True)
        [fingerprint] = made.fingerprints
        hits = library_index(library, registry.named(fingerprint.fingerprinter)).search(fingerprint)
        keys = Media.objects.in_bulk([hit.key for hit in hits])
        return [keys[hit.key].primary_key for hit in hits if hit.key in keys]
    if command == "merge":
        [fingerprinter] = [f for f, _ in registry.for_kind("text")]
        if args[1:] == ["die-before-commit"]:
            merge.commit_merge = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
        if args[1:] == ["die-inside-commit"]:
            real = merge.register

            def register_then_die(*a, **k):
                real(*a, **k)
                os.kill(os.getpid(), signal.SIGKILL)

            merge.register = register_then_die
        return merge.merge_task(str(library.id), fingerprinter.name, fingerprinter.version)
    if command == "stats":
        return {"rebuilds": len(REBUILDS)}
    raise ValueError(command)


for line in sys.stdin:
    command, *args = line.split()
    print(json.dumps(run(command, args)), flush=True)
