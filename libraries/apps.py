from django.apps import AppConfig


class LibrariesConfig(AppConfig):
    name = "libraries"
    verbose_name = "Fingerprint libraries"
