"""A job may only be sent to a pipeline some worker cluster serves: otherwise it would wait for ever."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jobs import pipelines
from jobs.models import Job, Pipeline
from tests.conftest import upload_image


@pytest.fixture
def real_queue(settings):
    """Tasks go to the broker, as in production (tests otherwise run them inline, serving any pipeline)."""
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}
    pipelines._announced_at.clear()


def test_a_pipeline_no_worker_announced_is_refused(api, make_library, images, real_queue):
    response = upload_image(api, make_library(), images["balloons.jpg"], "b", pipeline="night")
    assert response.status_code == 400
    assert response.json()["code"] == "ResourceNotFound.Pipeline"
    assert "Q_CLUSTER_NAME=night" in response.json()["message"]
    assert not Job.objects.exists()


def test_a_pipeline_is_accepted_once_a_worker_announces_it(api, make_library, images, real_queue):
    pipelines.announce("night")
    response = upload_image(api, make_library(), images["balloons.jpg"], "b", pipeline="night")
    assert response.status_code == 201, response.content
    assert Job.objects.get().pipeline == "night"


def test_a_pipeline_whose_workers_went_away_long_ago_is_refused(api, make_library, images, real_queue):
    Pipeline.objects.create(
        name="night", seen_at=timezone.now() - pipelines.PIPELINE_KEPT - timedelta(hours=1)
    )
    response = upload_image(api, make_library(), images["balloons.jpg"], "b", pipeline="night")
    assert response.status_code == 400


def test_a_new_worker_process_announces_its_clusters_pipeline(db, monkeypatch, real_queue):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "CLUSTER_NAME", "night")
    pipelines.announce_on_spawn(sender="django_q", proc_name="Process-1")
    assert pipelines.served("night")
    monkeypatch.setattr(Conf, "CLUSTER_NAME", "dnaportal")  # the default cluster serves ""
    assert pipelines.current_pipeline() == ""


def test_the_default_pipeline_is_always_served(db, real_queue):
    assert pipelines.served("")


def test_an_ice_job_for_an_unknown_pipeline_id_is_refused(rpc, make_library, real_queue, settings):
    library = make_library(media_type="text")
    (settings.IMPORT_ROOT / "bucket").mkdir()
    (settings.IMPORT_ROOT / "bucket" / "a.txt").write_text("A passage worth keeping. " * 20)
    answer = rpc(
        "ice",
        "SubmitDNAJob",
        expect=400,
        DBId=library["id"],
        PrimaryKey="p1",
        PipelineId="night",
        Input='{"Type": "OSS", "Media": "oss://bucket/a.txt"}',
        Config='{"SaveType": "save", "MediaType": "text"}',
    )
    assert answer["Code"] == "InvalidParameter.ResourceNotFound"
    assert "pipeline" in answer["Message"]


@pytest.fixture
def rpc(client, api, user):
    from rest_framework.authtoken.models import Token

    token = Token.objects.get_or_create(user=user)[0].key

    def call(product, action, expect=200, **params):
        response = client.post(
            f"/api/{product}/", {"Action": action, **params}, HTTP_AUTHORIZATION=f"Token {token}"
        )
        assert response.status_code == expect, response.content.decode()
        return response.json()

    return call
