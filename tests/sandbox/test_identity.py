"""The identity service behaves as Xero's: consent, codes, rotation, grace, expiry, revocation."""

from __future__ import annotations

import base64
import hashlib

import pytest

from tests.sandbox.conftest import REDIRECT_URI, SandboxClient

DAY = 86_400


def refresh(client: SandboxClient, token: str) -> tuple[int, dict[str, object]]:
    reply = client.token(grant_type="refresh_token", refresh_token=token)
    return reply.status_code, reply.json()


def test_code_exchange_returns_xero_token_response(client: SandboxClient) -> None:
    tokens = client.authorize()
    assert tokens["expires_in"] == 1800
    assert tokens["token_type"] == "Bearer"
    assert "offline_access" in str(tokens["scope"]).split()
    assert tokens["refresh_token"] and tokens["id_token"]
    assert str(tokens["access_token"]).count(".") == 2  # a JWT, as Xero's are


def test_code_is_single_use(client: SandboxClient) -> None:
    code = client.authorization_code()
    first = client.token(grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI)
    second = client.token(grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI)
    assert first.status_code == 200
    assert (second.status_code, second.json()) == (400, {"error": "invalid_grant"})


def test_code_bound_to_redirect_uri(client: SandboxClient) -> None:
    code = client.authorization_code()
    reply = client.token(grant_type="authorization_code", code=code,
                         redirect_uri="http://localhost:1/elsewhere")
    assert reply.json() == {"error": "invalid_grant"}


def test_client_may_authenticate_with_form_fields(client: SandboxClient) -> None:
    code = client.authorization_code()
    reply = client.http.post(f"{client.url}/connect/token", timeout=10, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
        "client_id": client.config.client_id, "client_secret": client.config.client_secret})
    assert reply.status_code == 200


def test_wrong_client_secret_is_invalid_client(client: SandboxClient) -> None:
    code = client.authorization_code()
    reply = client.http.post(f"{client.url}/connect/token", auth=(client.config.client_id, "x"),
                             data={"grant_type": "authorization_code", "code": code,
                                   "redirect_uri": REDIRECT_URI}, timeout=10)
    assert (reply.status_code, reply.json()) == (400, {"error": "invalid_client"})


def test_pkce_verifier_must_match_challenge(client: SandboxClient) -> None:
    verifier = "v" * 64
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    params = {"response_type": "code", "client_id": client.config.client_id,
              "redirect_uri": REDIRECT_URI, "scope": "offline_access accounting.settings.read",
              "code_challenge": challenge.rstrip(b"=").decode(), "code_challenge_method": "S256"}
    for sent_verifier, expected in (("w" * 64, 400), (verifier, 200)):
        location = client.http.get(f"{client.url}/identity/connect/authorize", params=params,
                                   allow_redirects=False, timeout=10).headers["Location"]
        code = location.split("code=")[1].split("&")[0]
        reply = client.token(grant_type="authorization_code", code=code,
                             redirect_uri=REDIRECT_URI, code_verifier=sent_verifier)
        assert reply.status_code == expected


def test_refresh_rotates_the_refresh_token(client: SandboxClient) -> None:
    first = client.authorize()
    status, second = refresh(client, str(first["refresh_token"]))
    assert status == 200
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert refresh(client, str(second["refresh_token"]))[0] == 200


def test_used_refresh_token_accepted_within_grace_then_refused(client: SandboxClient) -> None:
    old = str(client.authorize()["refresh_token"])
    assert refresh(client, old)[0] == 200
    client.admin("POST", "clock", json={"seconds": 29 * 60})
    status, retried = refresh(client, old)  # the response was "lost": retry the old one
    assert status == 200 and retried["refresh_token"]
    client.admin("POST", "clock", json={"seconds": 2 * 60})
    assert refresh(client, old) == (400, {"error": "invalid_grant"})
    assert client.admin("GET", "stats")["tokens"]["grace_refreshes"] == 1


def test_unused_refresh_token_expires_after_60_days(client: SandboxClient) -> None:
    tokens = client.authorize()
    client.admin("POST", "clock", json={"seconds": 60 * DAY + 1})
    assert refresh(client, str(tokens["refresh_token"])) == (400, {"error": "invalid_grant"})


def test_refresh_token_alive_at_59_days(client: SandboxClient) -> None:
    tokens = client.authorize()
    client.admin("POST", "clock", json={"seconds": 59 * DAY})
    assert refresh(client, str(tokens["refresh_token"]))[0] == 200


def test_unknown_refresh_token_is_invalid_grant(client: SandboxClient) -> None:
    assert refresh(client, "not-a-token") == (400, {"error": "invalid_grant"})


def test_access_token_expires_by_the_clock(client: SandboxClient) -> None:
    tokens = client.authorize()
    access = str(tokens["access_token"])
    assert client.api("/api.xro/2.0/Currencies", access).status_code == 200
    client.admin("POST", "clock", json={"seconds": 1801})
    reply = client.api("/api.xro/2.0/Currencies", access)
    assert reply.status_code == 401
    assert reply.json()["Detail"].startswith("TokenExpired: token expired at ")
    assert reply.json()["Title"] == "Unauthorized"


def test_access_token_lifetime_is_configurable(client: SandboxClient) -> None:
    client.admin("POST", "config", json={"access_token_ttl": 5})
    tokens = client.authorize()
    assert tokens["expires_in"] == 5
    client.admin("POST", "clock", json={"seconds": 6})
    assert client.api("/api.xro/2.0/Currencies", str(tokens["access_token"])).status_code == 401


def test_revocation_kills_refresh_token_and_connections(client: SandboxClient) -> None:
    tokens = client.authorize()
    reply = client.http.post(f"{client.url}/connect/revocation",
                             data={"token": tokens["refresh_token"]},
                             auth=(client.config.client_id, client.config.client_secret),
                             timeout=10)
    assert reply.status_code == 200
    assert refresh(client, str(tokens["refresh_token"])) == (400, {"error": "invalid_grant"})
    listed = client.http.get(f"{client.url}/connections", timeout=10,
                             headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert listed.json() == []


def test_connections_list_every_consented_tenant(client: SandboxClient) -> None:
    tokens = client.authorize()
    reply = client.http.get(f"{client.url}/connections", timeout=10,
                            headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert reply.status_code == 200
    connections = reply.json()
    assert sorted(c["tenantId"] for c in connections) == sorted(client.tenants)
    for connection in connections:
        assert set(connection) == {"id", "authEventId", "tenantId", "tenantType", "tenantName",
                                   "createdDateUtc", "updatedDateUtc"}
        assert connection["tenantType"] == "ORGANISATION"
        assert not connection["createdDateUtc"].endswith("Z")


def test_deleted_connection_forbids_its_tenant(client: SandboxClient) -> None:
    tokens = client.authorize()
    access = str(tokens["access_token"])
    auth = {"Authorization": f"Bearer {access}"}
    connections = client.http.get(f"{client.url}/connections", headers=auth, timeout=10).json()
    gone = connections[0]
    deleted = client.http.delete(f"{client.url}/connections/{gone['id']}", headers=auth,
                                 timeout=10)
    assert deleted.status_code == 204
    assert client.api("/api.xro/2.0/Currencies", access, tenant=gone["tenantId"]).status_code == 403
    again = client.http.delete(f"{client.url}/connections/{gone['id']}", headers=auth, timeout=10)
    assert again.status_code == 404


def test_client_credentials_for_custom_connection(client: SandboxClient) -> None:
    reply = client.http.post(
        f"{client.url}/connect/token", timeout=10,
        data={"grant_type": "client_credentials"},
        auth=(client.config.custom_client_id, client.config.custom_client_secret))
    assert reply.status_code == 200
    body = reply.json()
    assert "refresh_token" not in body
    custom_tenant = client.admin("GET", "tenants")["custom_tenant"]
    # Custom Connections are single-organisation: an empty tenant header is accepted.
    listed = client.api("/api.xro/2.0/Organisation", body["access_token"], tenant="")
    assert listed.status_code == 200
    assert listed.json()["Organisations"][0]["OrganisationID"] == custom_tenant


def test_web_app_cannot_use_client_credentials(client: SandboxClient) -> None:
    reply = client.token(grant_type="client_credentials")
    assert (reply.status_code, reply.json()) == (400, {"error": "unauthorized_client"})


def test_consent_page_without_auto_consent(client: SandboxClient) -> None:
    client.sandbox.state.config.auto_consent = False
    try:
        params = {"response_type": "code", "client_id": client.config.client_id,
                  "redirect_uri": REDIRECT_URI, "scope": "offline_access", "state": "s1"}
        page = client.http.get(f"{client.url}/identity/connect/authorize", params=params,
                               timeout=10)
        assert page.status_code == 200 and "Allow access" in page.text
        form = dict(params, decision="allow", **{f"tenant_{client.tenants[1]}": "on"})
        answer = client.http.post(f"{client.url}/identity/connect/authorize", data=form,
                                  allow_redirects=False, timeout=10)
        assert answer.status_code == 302 and "code=" in answer.headers["Location"]
        denied = client.http.post(f"{client.url}/identity/connect/authorize",
                                  data=dict(params, decision="deny"), allow_redirects=False,
                                  timeout=10)
        assert "error=access_denied" in denied.headers["Location"]
    finally:
        client.sandbox.state.config.auto_consent = True


@pytest.mark.parametrize("redirect", ["http://evil.example.com/cb", "myapp://callback"])
def test_redirect_uri_must_be_https_or_localhost(client: SandboxClient, redirect: str) -> None:
    params = {"response_type": "code", "client_id": client.config.client_id,
              "redirect_uri": redirect, "scope": "offline_access"}
    reply = client.http.get(f"{client.url}/identity/connect/authorize", params=params,
                            allow_redirects=False, timeout=10)
    assert reply.status_code == 400
