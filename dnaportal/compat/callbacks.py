"""Callback bodies for jobs submitted through a cloud-style API: the shape that API's clients parse."""

from __future__ import annotations

from jobs.models import ApiStyle, Job


def body(job: Job) -> tuple[str, dict]:
    """(XML root element, content) of the callback for `job`."""
    if job.api_style == ApiStyle.CI:
        from dnaportal.compat import ci

        return "Response", ci.callback_body(job)
    from dnaportal.compat import ice

    return "Message", ice.callback_body(job)
