"""The dashboard's form to start an import. It validates the shape; imports.services writes."""

from __future__ import annotations

import os
from pathlib import Path

from django import forms

from libraries.models import Library

MAX_FOLDERS = 500


def folders_under(root: Path, depth: int = 3) -> list[str]:
    """Folders under the import root (hidden ones left out), as paths relative to it, for a choice."""
    found: list[str] = []
    root = Path(root)
    for current, dirs, _ in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        relative = Path(current).relative_to(root)
        if len(relative.parts) >= depth:
            dirs[:] = []
        if relative.parts:
            found.append(relative.as_posix())
        if len(found) >= MAX_FOLDERS:
            break
    return found


class ImportForm(forms.Form):
    library = forms.ModelChoiceField(queryset=Library.objects.none(), empty_label="Choose a library")
    folder = forms.ChoiceField(required=False, label="A folder under the import root")
    manifest = forms.FileField(required=False, label="Or a manifest (.csv, .jsonl)")
    archive = forms.FileField(required=False, label="Or an archive (.zip, .tar, .tar.gz)")
    save_type = forms.ChoiceField(
        choices=[
            ("save", "Save unless a duplicate"),
            ("onlysave", "Save without searching"),
            ("forcesave", "Save, replacing keys"),
        ],
        initial="save",
    )

    def __init__(self, *args, libraries=None, folders=(), **kwargs):
        super().__init__(*args, **kwargs)
        if libraries is not None:
            self.fields["library"].queryset = libraries
        self.fields["folder"].choices = [("", "—")] + [(f, f) for f in folders]

    def clean(self):
        data = super().clean()
        given = [name for name in ("folder", "manifest", "archive") if data.get(name)]
        if len(given) != 1:
            raise forms.ValidationError("Give one source: a folder, a manifest or an archive.")
        return data
