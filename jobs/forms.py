"""Forms for the job pages. They validate the shape; jobs.services checks and writes."""

from django import forms

from core.kinds import MediaKind
from jobs.models import JobStatus, SaveType
from libraries.models import Library


class ScopedLibraries:
    """Forms whose `library` choice lists only the libraries the user sees (`libraries=` a queryset)."""

    def __init__(self, *args, libraries=None, **kwargs):
        super().__init__(*args, **kwargs)
        if libraries is not None:
            self.fields["library"].queryset = libraries


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class SubmitForm(ScopedLibraries, forms.Form):
    library = forms.ModelChoiceField(queryset=Library.objects.none(), empty_label="Choose a library")
    media_type = forms.ChoiceField(choices=MediaKind.choices, label="Media kind")
    save_type = forms.ChoiceField(choices=SaveType.choices, initial=SaveType.SAVE)
    primary_key = forms.CharField(
        max_length=128,
        required=False,
        help_text="With several files, each file's name is its key, after this prefix.",
    )
    files = MultipleFileField(required=False, label="Files")
    url = forms.URLField(required=False, max_length=2048, label="Or a URL", assume_scheme="https")
    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}), label="Or text")

    def clean(self):
        data = super().clean()
        given = [bool(data.get("files")), bool(data.get("url")), bool((data.get("text") or "").strip())]
        if sum(given) != 1:
            raise forms.ValidationError("Give one kind of input: files, a URL, or text.")
        if not data.get("files") and not (data.get("primary_key") or "").strip():
            self.add_error("primary_key", "A URL or a text needs a primary key.")
        return data


class JobFilterForm(ScopedLibraries, forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *JobStatus.choices], required=False)
    library = forms.ModelChoiceField(
        queryset=Library.objects.none(), required=False, empty_label="Any library"
    )
    created_after = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="From"
    )
    created_before = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="To"
    )
    has_matches = forms.ChoiceField(
        choices=[("", "Matches or not"), ("yes", "With matches"), ("no", "Without matches")],
        required=False,
    )
