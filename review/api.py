"""REST endpoints of moderation. Thin: parse, call a service, respond."""

from collections.abc import Mapping

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from libraries.access import request_scope
from review import claims, decisions
from review.queue import matches_in_view
from review.serializers import (
    BulkResultSerializer,
    BulkSerializer,
    DecisionSerializer,
    NextSerializer,
    ReviewedMatchSerializer,
    ViewSerializer,
)


class MatchViewSet(viewsets.ViewSet):
    """A match with its review state and claim; moderators post decisions and skips to it."""

    serializer_class = ReviewedMatchSerializer

    def retrieve(self, request, pk=None):
        return Response(ReviewedMatchSerializer(decisions.get_match(pk, scope=request_scope(request))).data)

    @extend_schema(request=DecisionSerializer, responses=ReviewedMatchSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """Decide the match. 409 Review.ClaimedByOther while another moderator holds it (unless
        take_over), 409 Review.Stale when `version` is not the match's review_version any more."""
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        scope = request_scope(request)
        match = decisions.get_match(pk, scope=scope)
        decisions.decide_match(match=match, user=request.user, **serializer.validated_data)
        return Response(ReviewedMatchSerializer(decisions.get_match(match.id, scope=scope)).data)

    @extend_schema(request=None, responses=ReviewedMatchSerializer)
    @action(detail=True, methods=["post"])
    def skip(self, request, pk=None):
        """Pass over the match: released, offered to you again only after everything else."""
        match = decisions.get_match(pk, scope=request_scope(request))
        claims.skip(match, request.user)
        return Response(ReviewedMatchSerializer(match).data)


class ReviewQueueViewSet(viewsets.ViewSet):
    serializer_class = ReviewedMatchSerializer

    @extend_schema(
        request=ViewSerializer,
        responses={200: NextSerializer},
        description="Claim the next match of the view (filters in the body or the query string) and "
        "return it with `remaining`, how many others the view holds; `match` is null when none is free.",
    )
    @action(detail=False, methods=["post"])
    def next(self, request):
        body = request.data
        # The view's filters may come in the query string too; a body that is not an object is the
        # serializer's to refuse (400).
        data = {**request.query_params.dict(), **body} if isinstance(body, Mapping) else body
        serializer = ViewSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        scope = request_scope(request)
        view = serializer.view(scope)
        match = claims.claim_next(user=request.user, scope=scope, view=view)
        remaining = matches_in_view(scope=scope, view=view).count() - (match is not None)
        body = ReviewedMatchSerializer(match).data if match is not None else None
        return Response({"match": body, "remaining": remaining})

    @extend_schema(
        request=BulkSerializer,
        responses=BulkResultSerializer,
        description="One decision on the matches `ids` (among the view's), or on every match of the view; "
        "one audit event per match; matches other moderators hold are left to them.",
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        serializer = BulkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data, scope = serializer.validated_data, request_scope(request)
        matches = matches_in_view(scope=scope, view=serializer.view(scope))
        expected = data.get("expected")
        if "ids" in data:
            matches = matches.filter(id__in=data["ids"])
            expected = len(set(data["ids"])) if expected is None else expected
        done = decisions.decide_many(
            matches=matches,
            user=request.user,
            decision=data["decision"],
            note=data["note"],
            expected=expected,
            reason=data["reason"],
        )
        return Response(BulkResultSerializer(done).data)
