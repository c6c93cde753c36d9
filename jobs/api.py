"""REST endpoints for jobs. Thin: parse, call a selector or service, respond."""

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.pagination import Pages
from jobs import selectors, services
from jobs.limits import SubmitThrottle
from jobs.objects import split_object
from jobs.serializers import (
    JobCreatedSerializer,
    JobCreateSerializer,
    JobSerializer,
)
from libraries.access import request_scope
from libraries.selectors import find_media, get_library


class JobViewSet(viewsets.ViewSet):
    serializer_class = JobSerializer
    pagination_class = Pages  # also what the schema shows: a page of results
    lookup_value_regex = "[^/]+"

    def get_throttles(self):
        return [SubmitThrottle()] if self.action == "create" else []

    def list(self, request):
        paginator = self.pagination_class()
        jobs = selectors.filter_jobs(request.query_params, scope=request_scope(request))
        page = paginator.paginate_queryset(jobs, request, view=self)
        return paginator.get_paginated_response(JobSerializer(page, many=True).data)

    @extend_schema(request=JobCreateSerializer, responses={201: JobCreatedSerializer})
    def create(self, request):
        serializer = JobCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        given = data.get("input") or {}
        kind, reference = given.get("type"), given.get("media", "")
        object_bucket, object_key = split_object(reference) if kind == "object" else ("", "")
        scope = request_scope(request)
        job = services.submit_job(
            library=get_library(data["library"], scope=scope, http_status=status.HTTP_400_BAD_REQUEST),
            primary_key=data["primary_key"],
            media_type=data["media_type"],
            save_type=data["save_type"],
            upload=data.get("file"),
            url=reference if kind == "url" else "",
            path=reference if kind == "path" else "",
            object_bucket=object_bucket,
            object_key=object_key,
            source_media=find_media(reference, scope=scope) if kind == "media" else None,
            text=data.get("text"),
            subtitles=data.get("subtitles"),
            user_data=data["user_data"],
            priority=data["priority"],
            pipeline=data["pipeline"],
            callback_url=data["callback_url"],
            callback_format=data["callback_format"],
            user=request.user,
            request_id=request.request_id,
        )
        body = {"id": job.id.hex, "request_id": request.request_id, "status": job.status}
        return Response(body, status=status.HTTP_201_CREATED)

    def retrieve(self, request, pk=None):
        return Response(JobSerializer(selectors.get_job(pk, scope=request_scope(request))).data)

    @extend_schema(request=None, responses=JobSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        scope = request_scope(request)
        job = services.cancel_job(job=selectors.get_job(pk, scope=scope))
        return Response(JobSerializer(selectors.get_job(job.id, scope=scope)).data)
