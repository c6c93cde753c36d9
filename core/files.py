"""Names for stored files: built from our ids, never from client-chosen names (only a clean suffix)."""


def stored_name(stem: str, client_filename: str) -> str:
    suffix = ""
    if "." in client_filename:
        suffix = "".join(c for c in client_filename.rsplit(".", 1)[-1][:10] if c.isalnum()).lower()
    return f"{stem}.{suffix}" if suffix else stem
