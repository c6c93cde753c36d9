"""One error shape everywhere: {code, message, request_id}, never a 500 for bad input."""


def test_an_unknown_endpoint_answers_json_404(api, db):
    response = api.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json()["code"] == "ResourceNotFound"
    assert response.json()["request_id"] == response["X-Request-Id"]


def test_malformed_json_is_a_400(api, db):
    response = api.post("/api/v1/libraries/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "InvalidParameter"


def test_an_unsupported_content_type_is_a_415(api, db):
    response = api.post("/api/v1/libraries/", "name=x", content_type="text/csv")
    assert response.status_code == 415
    assert response.json()["code"] == "Unsupported.ContentType"


def test_a_bad_token_is_a_401(anon, db):
    anon.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = anon.get("/api/v1/jobs/")
    assert response.status_code == 401
    assert response.json()["code"] == "Unauthorized"


def test_the_openapi_schema_describes_the_endpoints(api, db):
    response = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for path in ["/api/v1/libraries/", "/api/v1/jobs/", "/api/v1/jobs/{id}/cancel/"]:
        assert path in schema["paths"], path


def test_pages_send_anonymous_users_to_sign_in(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_home_page_lists_libraries_for_a_signed_in_user(client, user, make_library):
    make_library("holiday photos")
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    assert b"holiday photos" in response.content


def test_an_inline_body_over_the_limit_is_a_json_413(api, make_library, settings):
    library = make_library("texts", media_type="text")
    body = {"library": library["id"], "primary_key": "k", "media_type": "text", "text": "word " * 100_000}
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    response = api.post("/api/v1/jobs/", body, format="json")
    assert response.status_code == 413
    assert response.json()["code"] == "InvalidParameter.FileTooLarge"
