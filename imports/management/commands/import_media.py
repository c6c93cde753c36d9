"""manage.py import_media LIBRARY SOURCE: load a folder, a manifest or an archive into a library."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import ApiError
from imports import reading, report, runner, services
from imports.models import ImportBatch, ItemStatus
from imports.sources import SourceError
from libraries.selectors import library_named


class Command(BaseCommand):
    help = (
        "Import SOURCE into LIBRARY (name or id): a folder under the import root, a manifest (.csv or "
        ".jsonl: primary_key, path or url, media_type, user_data, title, metadata), or a .zip/.tar "
        "archive. The workers fingerprint the items; run it again (or with --resume) after an "
        "interruption and it goes on where it stopped."
    )

    def add_arguments(self, parser):
        parser.add_argument("library", nargs="?", help="the library's name or id")
        parser.add_argument("source", nargs="?", help="folder, manifest or archive")
        parser.add_argument("--save-type", default="save", choices=["onlysave", "save", "forcesave"])
        parser.add_argument("--media-type", default="", help="every row's kind (default: each row's own)")
        parser.add_argument(
            "--workers",
            type=int,
            default=0,
            help="start N worker processes for this import (default: use the running ones)",
        )
        parser.add_argument("--resume", metavar="BATCH", help="go on with an interrupted batch (its id)")
        parser.add_argument(
            "--dry-run", action="store_true", help="read and check the source, import nothing"
        )
        parser.add_argument(
            "--report",
            dest="report_path",
            type=Path,
            help="where to write the failed rows (default: ./import-ID-failed.csv)",
        )

    def handle(
        self, *args, library, source, save_type, media_type, workers, resume, dry_run, report_path, **options
    ):
        batch = self._batch(library, source, save_type, media_type, resume)
        if dry_run:
            return self._dry_run(batch)
        self.stdout.write(f"import {batch.id.hex}: {batch.source} -> library {batch.library.name}")
        cluster = self._start_workers(workers) if workers else None
        try:
            reading.prepare(batch)  # unpack and count first: the bar then knows its total
            counts = runner.run(batch, progress=self._progress_display(batch))
        except SourceError as exc:
            raise CommandError(f"The source cannot be read: {exc}") from exc
        except KeyboardInterrupt:
            self.stdout.write(f"\nInterrupted. Go on with: manage.py import_media --resume {batch.id.hex}")
            sys.exit(130)
        finally:
            self._close_display()
            if cluster is not None:
                cluster.terminate()
                cluster.wait(30)
        self._summary(batch, counts, report_path)

    def _batch(self, library, source, save_type, media_type, resume) -> ImportBatch:
        if resume:
            try:
                return ImportBatch.objects.select_related("library").get(id=uuid.UUID(resume))
            except (ValueError, ImportBatch.DoesNotExist) as exc:
                raise CommandError(f"No import batch {resume!r}.") from exc
        if not library or not source:
            raise CommandError("Give LIBRARY and SOURCE (or --resume BATCH).")
        found = library_named(library)
        if found is None:
            raise CommandError(f"No library named {library!r} (or with that id).")
        try:
            return services.start_batch(
                library=found, source=Path(source), save_type=save_type, media_type=media_type
            )
        except ApiError as exc:
            raise CommandError(f"{exc.error_code}: {exc.message}") from exc

    def _dry_run(self, batch: ImportBatch) -> None:
        """Read every row and say what is wrong with which; nothing is stored (the batch goes too)."""
        try:
            reading.prepare(batch)
            rows = list(reading.unread_rows(batch)) if batch.rows_total < 100_000 else None
        finally:
            batch.delete()
        if rows is None:
            raise CommandError("--dry-run reads at most 100,000 rows; import in parts.")
        bad = [row for row in rows if row.problem]
        for row in bad[:50]:
            self.stdout.write(
                f"row {row.number} ({row.primary_key or '?'}): {row.problem[0]}: {row.problem[1]}"
            )
        self.stdout.write(f"{len(rows)} rows, {len(rows) - len(bad)} importable, {len(bad)} with a problem")

    def _start_workers(self, workers: int):
        env = {**os.environ, "DNAPORTAL_WORKERS": str(workers)}
        manage = (
            Path(sys.argv[0]).resolve()
            if sys.argv and sys.argv[0].endswith("manage.py")
            else Path("manage.py")
        )
        cluster = subprocess.Popen(
            [sys.executable, str(manage), "qcluster"], env=env, stdout=subprocess.DEVNULL
        )
        self.stdout.write(f"started {workers} worker process(es)")
        return cluster

    def _progress_display(self, batch: ImportBatch):
        self._bar = None
        self._last_line = 0.0
        if self.stdout.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=batch.rows_total or None, unit="item", desc="import", file=sys.stdout)

        def show(batch: ImportBatch, counts: dict[str, int]) -> None:
            done = runner.finished(counts)
            if self._bar is not None:
                self._bar.total = max(batch.rows_total, batch.rows_read)
                self._bar.update(done - self._bar.n)
                self._bar.set_postfix(failed=counts[ItemStatus.FAILED], refresh=False)
            elif time.monotonic() - self._last_line >= 5:
                self._last_line = time.monotonic()
                total = max(batch.rows_total, batch.rows_read)
                self.stdout.write(f"{done}/{total} done, {counts[ItemStatus.FAILED]} failed")

        return show

    def _close_display(self) -> None:
        if getattr(self, "_bar", None) is not None:
            self._bar.close()

    def _summary(self, batch: ImportBatch, counts: dict[str, int], report_path: Path | None) -> None:
        self.stdout.write(
            f"import {batch.id.hex} {batch.status}: {counts[ItemStatus.IMPORTED]} imported, "
            f"{counts[ItemStatus.PRESENT]} already present, {counts[ItemStatus.DUPLICATE]} duplicates found, "
            f"{counts[ItemStatus.FAILED]} failed, {counts[ItemStatus.CANCELLED]} cancelled"
        )
        for code, n in services.failures_by_code(batch).items():
            self.stdout.write(f"  failed {n}: {code}")
        if counts[ItemStatus.FAILED]:
            path = report_path or Path(f"import-{batch.id.hex[:8]}-failed.csv")
            self._write_report(batch, path)
            self.stdout.write(f"failed rows (a manifest to feed back in once fixed): {path}")

    def _write_report(self, batch: ImportBatch, path: Path) -> None:
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.writelines(report.failed_rows(batch))
