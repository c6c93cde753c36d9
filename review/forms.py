"""Forms of the moderation pages. They validate the shape; review's services check and write."""

import uuid

from django import forms

from core.kinds import MediaKind
from jobs.forms import ScopedLibraries
from jobs.models import Reason, ReviewStatus
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
    min_coverage = forms.FloatField(
        required=False,
        min_value=0,
        max_value=1,
        label="Upload copied ≥",
        widget=forms.NumberInput(attrs={"step": "0.05", "placeholder": "0.0"}),
    )
    status = forms.ChoiceField(
        choices=[(s, ReviewStatus(s).label) for s in QUEUE_STATUSES], required=False, label="Status"
    )
    uploader = forms.CharField(required=False, max_length=150, label="Uploaded by")
    owner = forms.CharField(required=False, max_length=150, label="Escalated to")
    min_age_hours = forms.IntegerField(
        required=False, min_value=0, max_value=24 * 365, label="Waiting hours ≥"
    )

    def __init__(self, data=None, *args, **kwargs):
        # A library given by its bare hex id (as the API writes ids) is shown selected all the same.
        if data is not None and data.get("library"):
            try:
                canonical = str(uuid.UUID(data["library"]))
            except ValueError:
                canonical = None
            if canonical:
                data = data.copy()
                data["library"] = canonical
        super().__init__(data, *args, **kwargs)

    def view(self) -> View:
        """The view the form describes: its valid filters (a garbled one is left out and reported
        by the form's errors, not the whole view)."""
        self.is_valid()
        valid = getattr(self, "cleaned_data", {})  # an unbound form (no parameters) has none
        data = {name: value for name, value in valid.items() if value not in (None, "")}
        return View(**data)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[c for c in ReviewStatus.choices if c[0] != ReviewStatus.PENDING])
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)
    take_over = forms.BooleanField(required=False)
    owner = forms.CharField(required=False, max_length=150)
    reason = forms.ChoiceField(choices=[("", "No reason given"), *Reason.choices], required=False)


class BulkForm(forms.Form):
    """One decision on the matches ticked in the queue, or on every match of the view."""

    decision = forms.ChoiceField(choices=[c for c in ReviewStatus.choices if c[0] != ReviewStatus.PENDING])
    note = forms.CharField(required=False, max_length=2000)
    reason = forms.ChoiceField(choices=[("", "No reason given"), *Reason.choices], required=False)
    scope = forms.ChoiceField(choices=[("selected", "The ticked matches"), ("view", "The whole view")])
    ids = forms.TypedMultipleChoiceField(coerce=int, required=False)
    expected = forms.IntegerField(min_value=0, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any ids are accepted here; the view's own filter (and the scope) decides which exist.
        self.fields["ids"].choices = [
            (value, value) for value in self.data.getlist("ids") if value.isdigit() and int(value) < 2**63
        ]


class AuditFilterForm(ScopedLibraries, forms.Form):
    decision = forms.ChoiceField(
        choices=[("", "Any decision"), *[c for c in ReviewStatus.choices if c[0] != ReviewStatus.PENDING]],
        required=False,
    )
    library = forms.ModelChoiceField(
        queryset=Library.objects.none(), required=False, empty_label="Any library"
    )
    user = forms.CharField(required=False, max_length=150, label="Reviewer")


def _share_field(label: str, step: str) -> forms.FloatField:
    """A number from 0 to 1 (a confidence or a share), empty allowed."""
    return forms.FloatField(
        required=False, min_value=0, max_value=1, label=label, widget=forms.NumberInput(attrs={"step": step})
    )


class PolicyForm(forms.Form):
    confirm_confidence = _share_field("Confirm automatically at confidence ≥", "0.01")
    confirm_share = _share_field("…if at least this share of the upload is copied", "0.05")
    dismiss_confidence = _share_field("Dismiss automatically below confidence", "0.01")
    reason = forms.CharField(required=False, max_length=500)
