from django.apps import AppConfig


class DnaPortalConfig(AppConfig):
    name = "dnaportal"
    verbose_name = "DNA Portal"
