from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from dnaportal import views
from imports import pages as import_pages
from imports.api import ImportViewSet
from jobs import pages as job_pages
from jobs.api import JobViewSet
from libraries import pages as library_pages
from libraries.api import LibraryMediaViewSet, LibraryViewSet
from review import pages as review_pages
from review.api import MatchViewSet, ReviewQueueViewSet

libraries = LibraryViewSet.as_view({"get": "list", "post": "create"})
library = LibraryViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"})
media_list = LibraryMediaViewSet.as_view({"get": "list"})
media_item = LibraryMediaViewSet.as_view({"get": "retrieve", "delete": "destroy"})
jobs = JobViewSet.as_view({"get": "list", "post": "create"})
job = JobViewSet.as_view({"get": "retrieve"})
job_cancel = JobViewSet.as_view({"post": "cancel"})
match = MatchViewSet.as_view({"get": "retrieve"})
match_review = MatchViewSet.as_view({"post": "review"})
match_skip = MatchViewSet.as_view({"post": "skip"})
review_next = ReviewQueueViewSet.as_view({"post": "next"})
review_bulk = ReviewQueueViewSet.as_view({"post": "bulk"})
imports = ImportViewSet.as_view({"get": "list", "post": "create"})
import_batch = ImportViewSet.as_view({"get": "retrieve"})
import_cancel = ImportViewSet.as_view({"post": "cancel"})
import_items = ImportViewSet.as_view({"get": "items"})
import_report = ImportViewSet.as_view({"get": "report"})

api_v1 = [
    path("", views.api_root, name="api-root"),
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
    path("matches/<str:pk>/", match, name="match-detail"),
    path("matches/<str:pk>/review/", match_review, name="match-review"),
    path("matches/<str:pk>/skip/", match_skip, name="match-skip"),
    path("review/next/", review_next, name="review-next"),
    path("review/bulk/", review_bulk, name="review-bulk"),
    path("imports/", imports, name="import-list"),
    path("imports/<str:pk>/", import_batch, name="import-detail"),
    path("imports/<str:pk>/cancel/", import_cancel, name="import-cancel"),
    path("imports/<str:pk>/items/", import_items, name="import-items"),
    path("imports/<str:pk>/report.csv", import_report, name="import-report"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]

pages = [
    path("", views.dashboard, name="home"),
    path("libraries/", library_pages.library_list, name="library-list-page"),
    path("libraries/new/", library_pages.library_create, name="library-create-page"),
    path("libraries/<str:library_id>/", library_pages.library_detail, name="library-page"),
    path("libraries/<str:library_id>/edit/", library_pages.library_edit, name="library-edit-page"),
    path("libraries/<str:library_id>/delete/", library_pages.library_delete, name="library-delete-page"),
    path("items/<str:media_id>/", library_pages.item_detail, name="item-page"),
    path("items/<str:media_id>/delete/", library_pages.item_delete, name="item-delete-page"),
    path("items/<str:media_id>/file", library_pages.item_file, name="item-file"),
    path("items/<str:media_id>/thumb", library_pages.item_thumb, name="item-thumb"),
    path("items/<str:media_id>/waveform", library_pages.item_waveform, name="item-waveform"),
    path("submit/", job_pages.submit, name="submit-page"),
    path("jobs/", job_pages.job_list, name="job-list-page"),
    path("jobs/<str:job_id>/", job_pages.job_detail, name="job-page"),
    path("jobs/<str:job_id>/cancel/", job_pages.job_cancel, name="job-cancel-page"),
    path("jobs/<str:job_id>/file", job_pages.job_file, name="job-file"),
    path("jobs/<str:job_id>/thumb", job_pages.job_thumb, name="job-thumb"),
    path("jobs/<str:job_id>/waveform", job_pages.job_waveform, name="job-waveform"),
    path("matches/<int:match_id>/", review_pages.match_review, name="match-page"),
    path("matches/<int:match_id>/decide/", review_pages.match_decide, name="match-decide"),
    path("matches/<int:match_id>/skip/", review_pages.match_skip, name="match-skip-page"),
    path("matches/<int:match_id>/exclude/", review_pages.match_exclude, name="match-exclude-page"),
    path("decisions/<int:event_id>/undo/", review_pages.decision_undo, name="decision-undo"),
    path("review/", review_pages.review_queue, name="review-queue-page"),
    path("review/next/", review_pages.review_next, name="review-next-page"),
    path("review/bulk/", review_pages.review_bulk, name="review-bulk-page"),
    path("review/views/", review_pages.saved_view_create, name="saved-view-create"),
    path("review/views/<int:view_id>/delete/", review_pages.saved_view_delete, name="saved-view-delete"),
    path("review/throughput/", review_pages.review_throughput, name="review-throughput-page"),
    path("review/policies/", review_pages.policy_list, name="review-policies-page"),
    path("review/policies/<str:library_id>/", review_pages.policy_detail, name="review-policy-page"),
    path(
        "review/calibration/<str:library_id>/", review_pages.calibration_page, name="review-calibration-page"
    ),
    path("audit/", review_pages.audit_log, name="audit-page"),
    path("imports/", import_pages.import_list, name="import-list-page"),
    path("imports/<str:batch_id>/", import_pages.import_detail, name="import-page"),
    path("imports/<str:batch_id>/cancel/", import_pages.import_cancel, name="import-cancel-page"),
]

urlpatterns = [
    *pages,
    path("api/v1/", include(api_v1)),
    # Drop-in shapes of the cloud DNA APIs (docs/compat.md).
    path("api/", include("compat.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
]

handler400 = "core.errors.json_400"
handler404 = "core.errors.json_404"
handler500 = "core.errors.json_500"
