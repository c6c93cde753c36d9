from django.urls import path, re_path

from compat import ci, ice, mps

# SDKs call the endpoint's root with or without a trailing slash; both work (no redirect for a POST).
urlpatterns = [
    re_path(r"^ice/?$", ice.rpc, name="ice-rpc"),
    path("ice/dna-results/<str:job_id>", ice.dna_result, name="ice-dna-result"),
    re_path(r"^mps/?$", mps.rpc, name="mps-rpc"),
    re_path(r"^ci/jobs/?$", ci.jobs, name="ci-jobs"),
    re_path(r"^ci/jobs/(?P<job_id>[^/]+)/?$", ci.job, name="ci-job"),
]
