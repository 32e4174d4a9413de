import pytest


@pytest.mark.django_db
def test_openapi_schema_lists_the_auth_and_profile_paths(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/auth/register", "/api/auth/login", "/api/auth/refresh", "/api/auth/logout"):
        assert path in paths
    assert {"get", "put", "patch"} <= set(paths["/api/users/profile"])


@pytest.mark.django_db
def test_swagger_ui_is_served_without_external_assets(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "swagger-ui" in content
    assert "cdn.jsdelivr.net" not in content


@pytest.mark.django_db
def test_unknown_api_paths_answer_json_404(auth_client):
    for path in ("/api/nope", "/api/appointments/not-a-uuid", "/api/services/123"):
        response = auth_client.get(path)
        assert response.status_code == 404
        assert response.json() == {"detail": "Não encontrado."}
