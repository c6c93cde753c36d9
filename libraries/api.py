"""REST endpoints for libraries and their media. Thin: parse, call a selector or service, respond."""

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.response import Response

from core.pagination import Pages
from core.roles import Role
from libraries import selectors, services
from libraries.access import refuse_limited_token, request_scope, sole_team
from libraries.serializers import LibrarySerializer, LibraryUpdateSerializer, MediaSerializer


class LibraryViewSet(viewsets.ViewSet):
    serializer_class = LibrarySerializer
    pagination_class = Pages  # also what the schema shows: a page of results
    lookup_value_regex = "[^/]+"
    write_role = Role.ADMIN

    def list(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.libraries(request_scope(request)), request, view=self)
        return paginator.get_paginated_response(LibrarySerializer(page, many=True).data)

    def create(self, request):
        scope = request_scope(request)
        refuse_limited_token(scope, "create libraries")
        serializer = LibrarySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "team" not in data:  # not said: the creator's team, if they are in exactly one
            data["team"] = sole_team(request.user)
        library = services.create_library(user=request.user, **data)
        library = selectors.get_library(library.id, scope=scope)
        return Response(LibrarySerializer(library).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request, pk=None):
        return Response(LibrarySerializer(selectors.get_library(pk, scope=request_scope(request))).data)

    @extend_schema(request=LibraryUpdateSerializer, responses=LibrarySerializer)
    def partial_update(self, request, pk=None):
        scope = request_scope(request)
        library = selectors.get_library(pk, scope=scope)
        serializer = LibraryUpdateSerializer(library, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.update_library(library=library, **serializer.validated_data)
        return Response(LibrarySerializer(selectors.get_library(pk, scope=scope)).data)

    def destroy(self, request, pk=None):
        services.delete_library(library=selectors.get_library(pk, scope=request_scope(request)))
        return Response(status=status.HTTP_204_NO_CONTENT)


class LibraryMediaViewSet(viewsets.ViewSet):
    serializer_class = MediaSerializer
    pagination_class = Pages  # also what the schema shows: a page of results
    lookup_field = "primary_key"
    lookup_value_regex = "[^/]+"

    def list(self, request, library_pk=None):
        library = selectors.get_library(library_pk, scope=request_scope(request))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.library_media(library), request, view=self)
        return paginator.get_paginated_response(MediaSerializer(page, many=True).data)

    def retrieve(self, request, library_pk=None, primary_key=None):
        library = selectors.get_library(library_pk, scope=request_scope(request))
        return Response(MediaSerializer(selectors.get_media(library, primary_key)).data)

    def destroy(self, request, library_pk=None, primary_key=None):
        library = selectors.get_library(library_pk, scope=request_scope(request))
        services.delete_media(media=selectors.get_media(library, primary_key))
        return Response(status=status.HTTP_204_NO_CONTENT)
