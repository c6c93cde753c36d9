"""REST endpoints for bulk imports (admins only): start a batch from a folder under the import root
or an uploaded manifest or archive, read its progress and items, cancel it, download its report.
Thin: parse, call imports.services, respond."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import StreamingHttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from core.errors import ApiError
from core.pagination import Pages
from core.roles import Role
from imports import report, services
from imports.models import ImportBatch, ItemStatus
from imports.serializers import BatchCreateSerializer, BatchSerializer, ItemSerializer
from jobs.inputs import InputError, resolve_import_folder
from libraries.access import request_scope
from libraries.selectors import get_library


class ItemPages(Pages):
    """A batch's items in their source's order (a cursor's position is a row number)."""

    ordering = "row"

    def decode_cursor(self, request):
        try:
            cursor = CursorPagination.decode_cursor(self, request)
        except NotFound as exc:
            raise ApiError("InvalidParameter.Cursor", "The cursor is not valid.") from exc
        if cursor is not None and cursor.position is not None and not str(cursor.position).isdigit():
            raise ApiError("InvalidParameter.Cursor", "The cursor is not valid.")
        return cursor


class ImportViewSet(viewsets.ViewSet):
    serializer_class = BatchSerializer
    pagination_class = Pages
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    lookup_value_regex = "[^/]+"
    read_role = write_role = Role.ADMIN

    def _batch(self, request, pk) -> ImportBatch:
        batches = ImportBatch.objects.select_related("library").filter(
            request_scope(request).libraries_q("library__")
        )
        try:
            return batches.get(id=services.parse_batch_id(pk))
        except ImportBatch.DoesNotExist as exc:
            raise ApiError(
                "ResourceNotFound.Import", f"Import {pk!r} does not exist.", status.HTTP_404_NOT_FOUND
            ) from exc

    def list(self, request):
        batches = ImportBatch.objects.select_related("library").filter(
            request_scope(request).libraries_q("library__")
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(batches, request, view=self)
        return paginator.get_paginated_response(BatchSerializer(page, many=True).data)

    @extend_schema(request={"multipart/form-data": BatchCreateSerializer}, responses={201: BatchSerializer})
    def create(self, request):
        serializer = BatchCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        library = get_library(
            data["library"], scope=request_scope(request), http_status=status.HTTP_400_BAD_REQUEST
        )
        if data.get("folder"):
            try:
                source = resolve_import_folder(data["folder"], Path(settings.IMPORT_ROOT))
            except InputError as exc:
                forbidden = exc.code.startswith("Forbidden")
                raise ApiError(exc.code, exc.message, 403 if forbidden else 400) from exc
        else:
            source = services.store_upload(data.get("manifest") or data.get("archive"))
        batch = services.start_batch(
            library=library,
            source=source,
            save_type=data["save_type"],
            media_type=data["media_type"],
            user=request.user,
            in_background=True,
        )
        return Response(BatchSerializer(batch).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request, pk=None):
        return Response(BatchSerializer(self._batch(request, pk)).data)

    @extend_schema(request=None, responses=BatchSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        batch = self._batch(request, pk)
        services.cancel(batch)
        return Response(BatchSerializer(self._batch(request, pk)).data)

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=[*ItemStatus.values])],
        responses=ItemSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def items(self, request, pk=None):
        batch = self._batch(request, pk)
        items = batch.items.all()
        if wanted := request.query_params.get("status"):
            if wanted not in ItemStatus.values:
                raise ApiError("InvalidParameter.Status", f"status: one of {', '.join(ItemStatus.values)}.")
            items = items.filter(status=wanted)
        paginator = ItemPages()
        page = paginator.paginate_queryset(items, request, view=self)
        return paginator.get_paginated_response(ItemSerializer(page, many=True).data)

    @extend_schema(responses={(200, "text/csv"): str})
    @action(detail=True, methods=["get"])
    def report(self, request, pk=None):
        batch = self._batch(request, pk)
        response = StreamingHttpResponse(report.failed_rows(batch), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{batch.id.hex[:8]}-failed.csv"'
        return response
