"""Check or rebuild libraries' indexes (their segment files against the manifest and the rows).

    manage.py index check [LIBRARY ...] [--fix]    read every segment in full against its checksum;
                                                   --fix rebuilds what is broken and removes orphans
    manage.py index rebuild [LIBRARY ...]          rebuild from the fingerprint rows
    manage.py index merge [LIBRARY ...]            merge small segments now (normally queued)

LIBRARY is a library's name or id; none means every library.
"""

import shutil

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from engine import registry
from libraries.indexing import merge, rebuild
from libraries.models import Library


class Command(BaseCommand):
    help = "Check, rebuild or merge libraries' indexes (segment files)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["check", "rebuild", "merge"])
        parser.add_argument("libraries", nargs="*", metavar="LIBRARY", help="name or id (default: all)")
        parser.add_argument("--fix", action="store_true", help="with check: rebuild what is broken")

    def handle(self, *args, action, libraries, fix=False, **options):
        broken = 0
        for library in self._libraries(libraries):
            for fingerprinter in self._fingerprinters(library):
                if action == "rebuild":
                    made = rebuild.rebuild(
                        library.id, fingerprinter, reason="asked for (manage.py index rebuild)"
                    )
                    items = sum(segment.items for segment in made)
                    self.stdout.write(f"{library.name} {fingerprinter.name}: rebuilt, {items} items")
                elif action == "merge":
                    merges = merge.merge_task(str(library.id), fingerprinter.name, fingerprinter.version)
                    self.stdout.write(f"{library.name} {fingerprinter.name}: {merges} merges")
                else:
                    broken += self._check(library, fingerprinter, fix)
            if action == "rebuild" or fix:
                merge.purge_retired(library.id)  # retired files past their grace time
        if broken and not fix:
            raise CommandError(
                f"{broken} indexes have problems; `manage.py index check --fix` rebuilds them."
            )

    def _check(self, library, fingerprinter, fix: bool) -> int:
        report = rebuild.check(library.id, fingerprinter)
        self.stdout.write(
            f"{library.name} {fingerprinter.name} v{fingerprinter.version}: {report.segments} segments, "
            f"{report.items} of {report.rows} items, {report.bytes / 1e6:.1f} MB"
            + ("" if report.problems else ", ok")
        )
        for problem in report.problems:
            self.stdout.write(f"  problem: {problem}")
        for orphan in report.orphans:
            self.stdout.write(f"  orphan file (in no manifest): {orphan}")
            if fix and orphan.is_dir():  # a dead merge's scratch folder
                shutil.rmtree(orphan, ignore_errors=True)
            elif fix:
                orphan.unlink(missing_ok=True)
        if report.problems and fix:
            rebuild.rebuild(library.id, fingerprinter, reason="; ".join(report.problems))
            self.stdout.write("  rebuilt from the fingerprint rows")
        return 1 if report.problems else 0

    def _libraries(self, wanted: list[str]):
        if not wanted:
            return list(Library.objects.order_by("name"))
        found = []
        for name in wanted:
            library = Library.objects.filter(name=name).first()
            if library is None:
                try:
                    library = Library.objects.filter(id=name).first()
                except ValidationError:
                    library = None
            if library is None:
                raise CommandError(f"No library named {name!r}.")
            found.append(library)
        return found

    @staticmethod
    def _fingerprinters(library):
        return [fingerprinter for fingerprinter, _ in registry.for_kind(library.media_type)]
