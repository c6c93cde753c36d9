from django.apps import AppConfig


class ReviewConfig(AppConfig):
    """Moderation by a team: claimed queues that follow filters, skips, decisions that refuse to
    overwrite a colleague's claim or a page that changed since it was read."""

    name = "review"
    verbose_name = "Moderation"

    def ready(self) -> None:
        from review import signals

        signals.connect()
