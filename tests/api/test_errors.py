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


def test_a_nul_character_anywhere_is_refused_with_a_code(api, db, make_library):
    library = make_library()
    assert api.get("/api/v1/jobs/?pipeline=a%00b").json()["code"] == "InvalidParameter"
    response = api.post(
        "/api/v1/libraries/",
        b'{"name": "x", "media_type": "text", "description": "a\\u0000b"}',
        content_type="application/json",
    )
    assert response.status_code == 400 and "NUL" in response.json()["message"]
    response = api.post(f"/api/v1/libraries/{library['id']}/media/", {"primary_key": "a\x00"})
    assert response.status_code == 400


def test_a_written_backslash_u0000_is_text_not_a_nul(api, db):
    body = b'{"name": "escapes", "media_type": "text", "description": "C writes it \\\\u0000"}'
    response = api.post("/api/v1/libraries/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["description"] == "C writes it \\u0000"


def test_a_page_asked_with_a_nul_character_is_a_plain_400(client, db):
    response = client.get("/jobs/?library=%00")
    assert response.status_code == 400
    assert b"NUL" in response.content


def test_a_forged_cursor_is_refused(api, db):
    from base64 import b64encode

    for position in ("\x00", "2026-13-45T00:00:00", "not a time"):
        cursor = b64encode(f"p={position}&r=1".encode()).decode()
        response = api.get(f"/api/v1/jobs/?cursor={cursor}")
        assert response.status_code == 400 and response.json()["code"] == "InvalidParameter.Cursor", position
