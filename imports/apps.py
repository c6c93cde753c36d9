from django.apps import AppConfig


class ImportsConfig(AppConfig):
    """Bulk imports: an archive (a folder, a manifest, a .zip or .tar) loaded into a library as a
    batch whose state lives in the database, fingerprinted by the workers."""

    name = "imports"
    verbose_name = "Bulk imports"

    def ready(self) -> None:
        from imports import signals

        signals.connect()
