from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every app shares: errors, media kinds, roles, middleware, page helpers, display filters."""

    name = "core"
    verbose_name = "DNA Portal core"
