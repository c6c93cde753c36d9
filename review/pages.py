"""Moderation pages: the queue (a view of it), the review page of a match, deciding, skipping and
undoing, the audit log. Thin: they call the same services as the API (review.claims,
review.decisions). A page carries its view (the queue's filters) as URL parameters, so that the next
match a moderator is given stays inside it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.errors import ApiError
from core.kinds import library_kind
from core.pages import paginate, query_without_page
from core.roles import Role, has_role, role_required
from engine import registry
from jobs.models import REASONS_FOR, Job, Match, ReviewEvent, ReviewStatus
from jobs.selectors import job_source, query_text
from jobs.timeline import bars, highlight
from jobs.transcripts import unpacked, with_passages
from libraries.access import request_scope
from libraries.selectors import get_library, item_words, libraries
from review import calibration, claims, decisions, exclusions, policies, saved_views, throughput
from review.forms import AuditFilterForm, BulkForm, DecisionForm, PolicyForm, ViewForm
from review.models import Escalation, PolicyChange
from review.queue import QUEUE_STATUSES, View, cards, matches_in_view, uploads_in_view
from review.scores import explain
from review.word_diff import word_diff

# The queue shows uploads as cards, each with its matches in the view.
UPLOADS_PER_PAGE = 25


def _reason_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """The reasons a decision form offers, grouped by the decision each belongs to."""
    return [
        (ReviewStatus(decision).label, [(reason.value, reason.label) for reason in reasons])
        for decision, reasons in REASONS_FOR.items()
    ]


def _match(request, match_id) -> Match:
    try:
        return decisions.get_match(match_id, scope=request_scope(request))
    except ApiError as exc:
        raise Http404(exc.message) from exc


def _view(request, params) -> View:
    return ViewForm(params, libraries=libraries(request_scope(request))).view()


def _posted_view(request) -> View:
    """The view a form carried along (its `view` field holds the page's URL parameters)."""
    return _view(request, QueryDict(request.POST.get("view", "")))


def _to_match(match: Match, view: View, **extra) -> HttpResponseRedirect:
    query = "&".join(part for part in [view.as_query(), *(f"{k}={v}" for k, v in extra.items())] if part)
    return HttpResponseRedirect(reverse("match-page", args=[match.id]) + (f"?{query}" if query else ""))


def _to_next(request, view: View, upload: Job | None = None, **extra) -> HttpResponseRedirect:
    """Claim the next match of the view (the rest of `upload` first) and go to it; to the queue when
    the view has none free."""
    following = claims.claim_next(user=request.user, scope=request_scope(request), view=view, upload=upload)
    if following is not None:
        return _to_match(following, view, **extra)
    query = "&".join(part for part in [view.as_query(), *(f"{k}={v}" for k, v in extra.items())] if part)
    messages.info(request, "Nothing else in this view is free for you to review.")
    return HttpResponseRedirect(reverse("review-queue-page") + (f"?{query}" if query else ""))


@role_required(Role.VIEWER)
def review_queue(request):
    scope = request_scope(request)
    form = ViewForm(request.GET or None, libraries=libraries(scope))
    view = form.view()
    uploads = uploads_in_view(scope=scope, view=view)
    page = paginate(request, uploads, per_page=UPLOADS_PER_PAGE)
    context = {
        "form": form,
        "page": page,
        "cards": [
            (card, [(match, explain(match), card.followers.get(match.id, 0)) for match in card.matches])
            for card in cards(page, scope=scope, view=view)
        ],
        "query": query_without_page(request),
        "view_query": view.as_query(),
        "total": matches_in_view(scope=scope, view=view).count(),
        "uploads": page.paginator.count,
        "recorded": _recorded(request),
        "reason_groups": _reason_groups(),
        "saved_views": saved_views.counted(
            user=request.user, scope=scope, parse=lambda query: _view(request, QueryDict(query))
        ),
    }
    return render(request, "review/queue.html", context)


@role_required(Role.VIEWER)
@require_POST
def saved_view_create(request):
    """Save the posted view (the queue's current filters) under a name."""
    view = _posted_view(request)
    try:
        saved = saved_views.save_view(user=request.user, name=request.POST.get("name", ""), view=view)
        messages.success(request, f"Saved this view as “{saved.name}”.")
    except ApiError as exc:
        messages.error(request, f"The view was not saved. {exc.message}")
    return HttpResponseRedirect(
        reverse("review-queue-page") + (f"?{view.as_query()}" if view.as_query() else "")
    )


@role_required(Role.VIEWER)
@require_POST
def saved_view_delete(request, view_id):
    if saved_views.delete_view(user=request.user, view_id=view_id):
        messages.success(request, "The saved view was deleted.")
    return HttpResponseRedirect(reverse("review-queue-page"))


@role_required(Role.MODERATOR)
@require_POST
def review_next(request):
    """Start (or go on) reviewing a view: claims its next match."""
    return _to_next(request, _posted_view(request))


@role_required(Role.VIEWER)
def match_review(request, match_id):
    match = _match(request, match_id)
    view = _view(request, request.GET)
    can_decide = has_role(request.user, Role.MODERATOR)
    holder = None
    if can_decide and match.review_status in QUEUE_STATUSES:
        holder = claims.claim(match, request.user)  # opening a match to decide it claims it
    elif match.review_status in QUEUE_STATUSES:
        holder = claims.live_claim(match)
    job, item = match.job, match.media
    kind = shown_as(job.media_type)
    context = {
        "match": match,
        "job": job,
        "item": item,
        "kind": kind,
        "score": explain(match),
        "form": DecisionForm(initial={"version": match.review_version}),
        "can_decide": can_decide,
        "holder": holder,
        "held_by_other": holder is not None and holder.user_id != request.user.id,
        "view_query": view.as_query(),
        "remaining": matches_in_view(scope=request_scope(request), view=view).exclude(id=match.id).count(),
        "recorded": _recorded(request),
        "events": match.review_events.select_related("user")[:50],
        "reviewers": decisions.reviewers() if can_decide else [],
        "reason_groups": _reason_groups(),
        "escalation": Escalation.objects.select_related("owner", "escalated_by").filter(match=match).first(),
        "others": job.matches.exclude(id=match.id).order_by("-global_similarity", "id")[:50],
        "has_query_file": job_source(job) is not None,
    }
    if kind in ("video", "audio"):
        placed, q_len, l_len = bars(
            match.segments, job.input_meta.get("duration"), item.duration if item else None
        )
        context.update({"bars": placed, "query_length": q_len, "library_length": l_len})
        context.update(_transcripts(match, job, item))
    elif kind == "text":
        context.update(_passages(match, job, item))
    return render(request, "review/match.html", context)


def shown_as(media_kind: str) -> str:
    """How the page shows a match: speech is heard (players and timelines, with the words under each
    passage); other kinds as the library kind that holds them."""
    return "audio" if media_kind == "asr" else library_kind(media_kind)


def _transcripts(match, job: Job, item) -> dict:
    """Speech: both whole transcripts, the words of each passage marked in its colour."""
    timed_words = [t.name for t in registry.tracks() if t.words and t.unit == "seconds"]
    passages = [s for track in timed_words for s in match.track(track)]
    if not passages:
        return {}
    numbered = list(enumerate(sorted(passages, key=lambda s: s["start"]), start=1))
    query = with_passages(
        unpacked(job.transcript), [(n, s["start"], s["end"], s["similarity"]) for n, s in numbered]
    )
    library = with_passages(
        item_words(item) if item else [],
        [(n, s["library_start"], s["library_end"], s["similarity"]) for n, s in numbered],
    )
    return {"transcripts": {"query": highlight(*query), "library": highlight(*library)}}


def _recorded(request) -> ReviewEvent | None:
    """The decision the user just made (`recorded` parameter), for the "recorded - undo" notice."""
    number = request.GET.get("recorded", "")
    if not number.isdigit():
        return None
    return ReviewEvent.objects.select_related("match").filter(id=int(number), user=request.user).first()


def _passages(match, job: Job, item) -> dict:
    """Both texts with the matched passages marked in the same colour, and the passages' table."""
    passages = sorted(match.track("text"), key=lambda s: s["start"])
    q_spans = [(n, s["start"], s["end"], s["similarity"]) for n, s in enumerate(passages, start=1)]
    l_spans = [
        (n, s["library_start"], s["library_end"], s["similarity"]) for n, s in enumerate(passages, start=1)
    ]
    query, library = query_text(job), item.text if item else ""
    return {
        "query_pieces": highlight(query, q_spans),
        "library_pieces": highlight(library, l_spans),
        "text_segments": [
            {"number": n, **s, "diff": _passage_diff(s, query, library)}
            for n, s in enumerate(passages, start=1)
        ],
    }


def _passage_diff(passage: dict, query: str, library: str):
    """The passage's changed words, from both whole texts (the match stores only their first
    characters); without the library item, from what the match stored."""
    if not library:
        return word_diff(passage.get("library_text", ""), passage.get("query_text", ""))
    start, end = int(passage["start"]), int(passage["end"])
    return word_diff(library[int(passage["library_start"]) : int(passage["library_end"])], query[start:end])


@role_required(Role.MODERATOR)
@require_POST
def match_decide(request, match_id):
    match = _match(request, match_id)
    view = _posted_view(request)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            "Nothing was recorded: choose confirm, dismiss or escalate, with a note of at most 2,000 "
            "characters.",
        )
        return _to_match(match, view)
    try:
        event = decisions.decide_match(match=match, user=request.user, **form.cleaned_data)
    except ApiError as exc:  # claimed by someone else, or decided since the page was loaded
        messages.error(request, f"Nothing was recorded. {exc.message}")
        return _to_match(match, view)
    return _to_next(request, view, upload=match.job, recorded=event.id)


@role_required(Role.MODERATOR)
@require_POST
def review_bulk(request):
    """One decision on the ticked matches or on the whole view, each logged on its own."""
    view = _posted_view(request)
    form = BulkForm(request.POST)
    back = HttpResponseRedirect(
        reverse("review-queue-page") + (f"?{view.as_query()}" if view.as_query() else "")
    )
    if not form.is_valid():
        messages.error(
            request, "Nothing was recorded: choose a decision, and tick matches or decide the whole view."
        )
        return back
    data = form.cleaned_data
    matches = matches_in_view(scope=request_scope(request), view=view)
    expected = data.get("expected")
    if data["scope"] == "selected":
        if not data["ids"]:
            messages.error(request, "Nothing was recorded: no match was ticked.")
            return back
        matches, expected = matches.filter(id__in=data["ids"]), len(data["ids"])
    try:
        done = decisions.decide_many(
            matches=matches,
            user=request.user,
            decision=data["decision"],
            note=data["note"],
            expected=expected,
            reason=data["reason"],
        )
    except ApiError as exc:
        messages.error(request, f"Nothing was recorded. {exc.message}")
        return back
    label = ReviewStatus(data["decision"]).label.lower()
    left = (
        f"; {done.held_by_others} held by other moderators were left to them" if done.held_by_others else ""
    )
    messages.success(
        request, f"Recorded {label} for {done.decided} match{'es' if done.decided != 1 else ''}{left}."
    )
    return back


@role_required(Role.MODERATOR)
@require_POST
def match_exclude(request, match_id):
    """Exclude the reference's stretch under a segment of this match (see review/exclusions.py)."""
    match = _match(request, match_id)
    try:
        done = exclusions.exclude_segment(
            match=match,
            track=request.POST.get("track", ""),
            library_start=float(request.POST.get("library_start", "nan")),
            library_end=float(request.POST.get("library_end", "nan")),
            user=request.user,
            reason=request.POST.get("reason", ""),
        )
        closed = f"{done.closed} pending match{'es' if done.closed != 1 else ''} made only of it closed"
        where = f"{done.exclusion.track} {done.exclusion.start:g}-{done.exclusion.end:g}"
        messages.success(
            request, f"Excluded {match.primary_key} {where}: it produces no match again; {closed}."
        )
    except (ApiError, ValueError) as exc:
        messages.error(request, f"Nothing was excluded. {getattr(exc, 'message', 'Give the segment.')}")
    return _to_match(match, _posted_view(request))


@role_required(Role.MODERATOR)
@require_POST
def match_skip(request, match_id):
    match = _match(request, match_id)
    claims.skip(match, request.user)
    return _to_next(request, _posted_view(request))


@role_required(Role.MODERATOR)
@require_POST
def decision_undo(request, event_id):
    event = ReviewEvent.objects.filter(id=event_id, user=request.user).select_related("match").first()
    if event is None:
        raise Http404("No such decision of yours.")
    match = _match(request, event.match_id)  # (the scope still sees it)
    try:
        decisions.undo_decision(event=event, user=request.user)
        messages.success(
            request, f"Undone: match {match.id} is {ReviewStatus(event.previous).label.lower()} again."
        )
    except ApiError as exc:
        messages.error(request, exc.message)
    return _to_match(match, _posted_view(request))


@role_required(Role.VIEWER)
def audit_log(request):
    scope = request_scope(request)
    form = AuditFilterForm(request.GET or None, libraries=libraries(scope))
    events = decisions.audit_log(scope=scope)
    if form.is_valid():
        data = form.cleaned_data
        events = decisions.audit_log(
            scope=scope, decision=data.get("decision") or "", library=data.get("library")
        )
        if data.get("user"):
            events = events.filter(username=data["user"])
    context = {
        "form": form,
        "page": paginate(request, events),
        "query": query_without_page(request),
        "statuses": dict(ReviewStatus.choices),
    }
    return render(request, "review/audit.html", context)


@role_required(Role.MODERATOR)
def review_throughput(request):
    scope = request_scope(request)
    days, moderators, counts = throughput.decisions_per_day(scope=scope)
    table = [(day, [counts.get((day, name), 0) for name in moderators]) for day in days]
    context = {
        "moderators": moderators,
        "table": table,
        "waiting": throughput.waiting_by_library(scope=scope),
    }
    return render(request, "review/throughput.html", context)


def _library(request, library_id):
    try:
        return get_library(library_id, scope=request_scope(request))
    except ApiError as exc:
        raise Http404(exc.message) from exc


@role_required(Role.MODERATOR)
def policy_list(request):
    found = libraries(request_scope(request)).order_by("name")
    rows = [(library, policies.policy_of(library)) for library in found]
    return render(request, "review/policies.html", {"rows": rows})


@role_required(Role.MODERATOR)
def policy_detail(request, library_id):
    """A library's policy; admins change it (each change logged with its reason)."""
    library = _library(request, library_id)
    policy = policies.policy_of(library)
    form = PolicyForm(request.POST or None, initial={name: getattr(policy, name) for name in policies.FIELDS})
    if request.method == "POST":
        if not has_role(request.user, Role.ADMIN):
            raise PermissionDenied("Changing a policy needs the admin role.")
        if form.is_valid():
            try:
                data = form.cleaned_data
                policies.set_policy(library=library, user=request.user, **data)
                messages.success(request, f"The policy of {library.name} is changed (logged).")
                return HttpResponseRedirect(reverse("review-policy-page", args=[library.id.hex]))
            except ApiError as exc:
                form.add_error(None, exc.message)
    changes = PolicyChange.objects.filter(library=library)[:50]
    context = {"library": library, "policy": policy, "form": form, "changes": changes}
    return render(request, "review/policy.html", context)


def _with_peak(bins: list) -> dict:
    """The bins and their largest count (the spread's bars are drawn against it)."""
    return {"bins": bins, "peak": max([max(b.confirmed, b.dismissed) for b in bins] + [1])}


@role_required(Role.MODERATOR)
def calibration_page(request, library_id):
    library = _library(request, library_id)
    try:
        max_error = min(0.5, max(0.0, float(request.GET.get("error", "0.01"))))
    except ValueError:
        max_error = 0.01
    scored = calibration.decided_by_moderators(library)
    context = {
        "library": library,
        "max_error": max_error,
        "decided": len(scored),
        "by_confidence": _with_peak(calibration.spread(scored, "confidence")),
        "by_share": _with_peak(calibration.spread(scored, "query_share")),
        "has_shares": library.media_type != "image",  # a picture matches whole: no share
        "confirm": calibration.suggest_confirm(scored, max_error),
        "dismiss": calibration.suggest_dismiss(scored, max_error),
        "policy": policies.policy_of(library),
        "min_support": calibration.MIN_SUPPORT,
    }
    return render(request, "review/calibration.html", context)
