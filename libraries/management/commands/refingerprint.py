"""Re-make fingerprints left by an older fingerprinter version (run after an upgrade that changes one)."""

from django.core.management.base import BaseCommand, CommandError

from libraries.models import Library
from libraries.services import refresh_fingerprints


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--library", help="only this library (name)")

    def handle(self, *args, library=None, **options):
        target = None
        if library:
            target = Library.objects.filter(name=library).first()
            if target is None:
                raise CommandError(f"No library named {library!r}.")

        def progress(item, counts):
            if counts["refreshed"] % 50 == 0:
                self.stdout.write(f"refreshed {counts['refreshed']} items (last: {item})")

        counts = refresh_fingerprints(library=target, progress=progress)
        self.stdout.write(
            f"{counts['refreshed']} refreshed, {counts['current']} already current, "
            f"{counts['failed']} failed, {counts['segments_retired']} stale index segments retired"
        )
        if counts["failed"]:
            raise CommandError(f"{counts['failed']} items could not be read; see the log for which.")
