"""manage.py import_library OUT [--name NEW]: load a library written by `export_library` into a new
library, without decoding media when the fingerprints are of the versions this portal runs."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import ApiError
from libraries.transfer import TransferError, import_library


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="what export_library wrote")
        parser.add_argument("--name", help="the new library's name (default: the exported one)")

    def handle(self, *args, folder, name, **options):
        try:
            report = import_library(folder, name=name)
        except TransferError as exc:
            raise CommandError(str(exc)) from exc
        except ApiError as exc:
            raise CommandError(f"{exc.error_code}: {exc.message}") from exc
        self.stdout.write(
            f"{report.library.name}: {report.loaded} items loaded with their fingerprints, "
            f"{report.refingerprinted} fingerprinted again from their media, {len(report.failed)} failed"
        )
        for key, reason in report.failed[:50]:
            self.stdout.write(f"  {key}: {reason}")
        if report.failed:
            raise CommandError(f"{len(report.failed)} items could not be loaded (listed above).")
