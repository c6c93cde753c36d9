from jobs.models import Job
from jobs.tasks import process_next_job


def test_it_cancels_a_queuing_job_and_the_worker_skips_it(api, make_library, queue_job):
    job_id = queue_job(make_library())
    response = api.post(f"/api/v1/jobs/{job_id}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["finished_at"]
    assert process_next_job("") is None
    assert Job.objects.get(id=job_id).status == "cancelled"


def test_it_refuses_to_cancel_a_finished_job(api, make_library, submit, images):
    job_id = submit(make_library(), "b", file=images["balloons.jpg"]).json()["id"]
    response = api.post(f"/api/v1/jobs/{job_id}/cancel/")
    assert response.status_code == 409
    assert response.json()["code"] == "IncorrectStatus.Job"
    assert Job.objects.get(id=job_id).status == "success"


def test_cancel_needs_post(api, make_library, queue_job):
    job_id = queue_job(make_library())
    response = api.get(f"/api/v1/jobs/{job_id}/cancel/")
    assert response.status_code == 405
    assert response.json()["code"] == "MethodNotAllowed"


def test_higher_priority_jobs_run_first(make_library, queue_job):
    library = make_library()
    low = queue_job(library, "low")
    high = queue_job(library, "high", photo="elephant.jpg", priority=2)
    assert process_next_job("") == high
    assert process_next_job("") == low
