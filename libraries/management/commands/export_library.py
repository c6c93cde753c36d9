"""manage.py export_library LIBRARY OUT [--with-media]: write a library (items, facts, fingerprints)
to a new folder, for `import_library` on another portal (format: libraries/transfer.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from libraries.selectors import library_named
from libraries.transfer import TransferError, export_library


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("library", help="the library's name or id")
        parser.add_argument("out", type=Path, help="a new (or empty) folder")
        parser.add_argument(
            "--with-media",
            action="store_true",
            help="also copy the items' files (needed where the other portal runs other fingerprinters)",
        )

    def handle(self, *args, library, out, with_media, **options):
        found = library_named(library)
        if found is None:
            raise CommandError(f"No library named {library!r} (or with that id).")
        try:
            count = export_library(found, out, with_media=with_media)
        except (TransferError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{found.name}: {count} items written to {out}{' with their media' if with_media else ''}"
        )
