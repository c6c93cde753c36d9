from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "DNA jobs"

    def ready(self) -> None:
        from jobs import signals

        signals.connect()
