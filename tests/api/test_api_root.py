"""GET /api/v1/: a newcomer's first request lists every endpoint, and each listed one answers."""


def test_it_lists_the_endpoints_without_a_token(anon, db):
    response = anon.get("/api/v1/")
    assert response.status_code == 200
    root = response.json()
    assert root["libraries"] == "http://testserver/api/v1/libraries/"
    assert root["job"] == "http://testserver/api/v1/jobs/{job_id}/"
    assert root["cloud_styles"]["alibaba_ice"] == "http://testserver/api/ice"
    assert "make token" in root["authentication"]


def test_every_listed_endpoint_answers(anon, api):
    root = anon.get("/api/v1/").json()
    plain = [
        url for key, url in root.items() if isinstance(url, str) and url.startswith("http") and "{" not in url
    ]
    assert len(plain) == 4  # libraries, jobs, imports, schema
    for url in plain:
        path = url.removeprefix("http://testserver")
        assert api.get(path).status_code == 200, path
    assert anon.get("/api/v1/schema/").status_code == 200  # the schema is documentation: no token needed
