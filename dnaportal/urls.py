from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from dnaportal import views
from jobs.api import JobViewSet
from libraries.api import LibraryMediaViewSet, LibraryViewSet

libraries = LibraryViewSet.as_view({"get": "list", "post": "create"})
library = LibraryViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"})
media_list = LibraryMediaViewSet.as_view({"get": "list"})
media_item = LibraryMediaViewSet.as_view({"get": "retrieve", "delete": "destroy"})
jobs = JobViewSet.as_view({"get": "list", "post": "create"})
job = JobViewSet.as_view({"get": "retrieve"})
job_cancel = JobViewSet.as_view({"post": "cancel"})

api_v1 = [
    path("libraries/", libraries, name="library-list"),
    path("libraries/<str:pk>/", library, name="library-detail"),
    path("libraries/<str:library_pk>/media/", media_list, name="media-list"),
    # Primary keys are client-chosen and may hold any character, '/' included (percent-encoded).
    re_path(
        r"^libraries/(?P<library_pk>[^/]+)/media/(?P<primary_key>.+)/$",
        media_item,
        name="media-detail",
    ),
    path("jobs/", jobs, name="job-list"),
    path("jobs/<str:pk>/", job, name="job-detail"),
    path("jobs/<str:pk>/cancel/", job_cancel, name="job-cancel"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("api/v1/", include(api_v1)),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
]

handler400 = "dnaportal.errors.json_400"
handler404 = "dnaportal.errors.json_404"
handler500 = "dnaportal.errors.json_500"
