from django.apps import AppConfig


class CompatConfig(AppConfig):
    """The cloud-style APIs (ICE, MPS, Tencent CI). Their jobs call back in their own shape: the shapers
    are registered with jobs here, so that jobs never imports compat."""

    name = "compat"
    verbose_name = "Cloud-compatible APIs"

    def ready(self) -> None:
        from compat import ci, ice
        from jobs.callbacks import register_shaper
        from jobs.models import ApiStyle

        register_shaper(ApiStyle.ICE, lambda job: ("Message", ice.callback_body(job)))
        register_shaper(ApiStyle.MPS, lambda job: ("Message", ice.callback_body(job)))
        register_shaper(ApiStyle.CI, lambda job: ("Response", ci.callback_body(job)))
