"""Forms for the library pages. They validate; the services write."""

from django import forms

from core.kinds import library_choices
from core.models import Team


class LibraryForm(forms.Form):
    name = forms.CharField(max_length=128)
    description = forms.CharField(max_length=1024, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    media_type = forms.ChoiceField(choices=library_choices, label="Media kind")
    duplicate_threshold = forms.FloatField(
        min_value=0.0,
        max_value=1.0,
        initial=0.5,
        help_text="A 'save' job stores its input only when no match reaches this similarity.",
        widget=forms.NumberInput(attrs={"step": "0.01"}),
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.all(),
        required=False,
        empty_label="Shared by every team",
        help_text="Viewers and moderators see a team's library only if they are in the team.",
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            # A library's media kind never changes: its fingerprints depend on it.
            del self.fields["media_type"]
