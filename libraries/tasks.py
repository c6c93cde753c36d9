"""Background work on libraries (django-q2 entry points): thin wrappers over services."""

from libraries import services


def refingerprint(media_ids: list[str]) -> dict[str, int]:
    return services.refingerprint_items(media_ids=media_ids)
