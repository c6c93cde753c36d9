"""Forms of the moderation pages. They validate the shape; review's services check and write."""

from django import forms

from core.kinds import MediaKind
from jobs.forms import ScopedLibraries
from jobs.models import ReviewStatus
from libraries.models import Library
from review.queue import QUEUE_STATUSES, View


class ViewForm(ScopedLibraries, forms.Form):
    """A view of the queue, from the URL's parameters: the queue page's filters, carried along by
    the review page so that "next" stays inside them."""

    library = forms.ModelChoiceField(
        queryset=Library.objects.none(), required=False, empty_label="Any library"
    )
    kind = forms.ChoiceField(
        choices=[("", "Any kind"), *MediaKind.choices], required=False, label="Media kind"
    )
    min_similarity = forms.FloatField(
        required=False,
        min_value=0,
        max_value=1,
        label="Similarity at least",
        widget=forms.NumberInput(attrs={"step": "0.05", "placeholder": "0.0"}),
    )
    status = forms.ChoiceField(
        choices=[(s, ReviewStatus(s).label) for s in QUEUE_STATUSES], required=False, label="Status"
    )
    uploader = forms.CharField(required=False, max_length=150, label="Uploaded by")
    min_age_hours = forms.IntegerField(
        required=False, min_value=0, max_value=24 * 365, label="Waiting hours ≥"
    )

    def view(self) -> View:
        """The view the form describes (the whole pending queue when it is not valid)."""
        if not self.is_valid():
            return View()
        data = {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}
        return View(**data)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[c for c in ReviewStatus.choices if c[0] != ReviewStatus.PENDING])
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)
    take_over = forms.BooleanField(required=False)


class AuditFilterForm(ScopedLibraries, forms.Form):
    decision = forms.ChoiceField(
        choices=[("", "Any decision"), *[c for c in ReviewStatus.choices if c[0] != ReviewStatus.PENDING]],
        required=False,
    )
    library = forms.ModelChoiceField(
        queryset=Library.objects.none(), required=False, empty_label="Any library"
    )
    user = forms.CharField(required=False, max_length=150, label="Reviewer")
