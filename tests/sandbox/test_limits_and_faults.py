"""Rate limits and injected faults look to a client exactly as Xero's would."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import requests

from tests.sandbox.conftest import SandboxClient
from xero_sandbox.clock import Clock
from xero_sandbox.limits import Limits, RateLimiter

CURRENCIES = "/api.xro/2.0/Currencies"


def test_every_response_carries_the_limit_headers(client: SandboxClient,
                                                  access_token: str) -> None:
    first = client.api(CURRENCIES, access_token)
    second = client.api(CURRENCIES, access_token)
    assert first.headers["X-DayLimit-Remaining"] == "4999"
    assert first.headers["X-MinLimit-Remaining"] == "59"
    assert first.headers["X-AppMinLimit-Remaining"] == "9999"
    assert second.headers["X-MinLimit-Remaining"] == "58"


def test_minute_limit_429_and_rolling_window(client: SandboxClient, access_token: str) -> None:
    client.admin("POST", "limits", json={"per_minute": 3})
    for _ in range(3):
        assert client.api(CURRENCIES, access_token).status_code == 200
    refused = client.api(CURRENCIES, access_token)
    assert refused.status_code == 429
    assert refused.headers["X-Rate-Limit-Problem"] == "minute"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["X-MinLimit-Remaining"] == "0"
    other_tenant = client.api(CURRENCIES, access_token, tenant=client.tenants[1])
    assert other_tenant.status_code == 200  # limits are per organisation
    client.admin("POST", "clock", json={"seconds": 61})
    assert client.api(CURRENCIES, access_token).status_code == 200


def test_window_frees_a_call_exactly_a_minute_after_it_started(
        client: SandboxClient, access_token: str) -> None:
    """Xero's "rolling 60 second window": call i is accepted from call i-N's start + 60 s."""
    client.admin("POST", "limits", json={"per_minute": 2})
    client.api(CURRENCIES, access_token)
    client.admin("POST", "clock", json={"seconds": 30})
    client.api(CURRENCIES, access_token)
    client.admin("POST", "clock", json={"seconds": 29.5})
    refused = client.api(CURRENCIES, access_token)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    client.admin("POST", "clock", json={"seconds": 0.6})
    assert client.api(CURRENCIES, access_token).status_code == 200  # the first call has left
    assert client.api(CURRENCIES, access_token).status_code == 429  # the second has not


def test_a_tests_look_around_under_lifted_limits_counts_against_nothing_after() -> None:
    limiter = RateLimiter(Clock(), Limits(per_minute=2, per_day=3))

    def call() -> str | None:
        problem = limiter.admit("app", "org").problem
        limiter.release("app", "org")
        return problem

    assert call() is None
    with limiter.lifted():
        assert [call() for _ in range(10)] == [None] * 10
    assert limiter.limits == Limits(per_minute=2, per_day=3)
    left = limiter.remaining("app", "org")
    assert (left.minute_remaining, left.day_remaining) == (2, 3)


def test_limits_are_per_connection_not_per_organisation(client: SandboxClient,
                                                         access_token: str) -> None:
    """"Rate limits apply to each connection" (xero-api.md section 5): a second app reading
    the same organisation has a minute of its own."""
    client.admin("POST", "limits", json={"per_minute": 2})
    custom = client.http.post(
        f"{client.url}/connect/token", timeout=10, data={"grant_type": "client_credentials"},
        auth=(client.config.custom_client_id, client.config.custom_client_secret)).json()
    organisation = client.admin("GET", "tenants")["custom_tenant"]
    for _ in range(2):
        assert client.api(CURRENCIES, access_token, tenant=organisation).status_code == 200
    assert client.api(CURRENCIES, access_token, tenant=organisation).status_code == 429
    other_app = client.api(CURRENCIES, custom["access_token"], tenant="")
    assert other_app.status_code == 200
    assert other_app.headers["X-MinLimit-Remaining"] == "1"


def test_day_limit_429_with_long_retry_after(client: SandboxClient, access_token: str) -> None:
    client.admin("POST", "limits", json={"per_day": 2})
    client.api(CURRENCIES, access_token)
    client.admin("POST", "clock", json={"seconds": 600})
    client.api(CURRENCIES, access_token)
    refused = client.api(CURRENCIES, access_token)
    assert refused.status_code == 429
    assert refused.headers["X-Rate-Limit-Problem"] == "day"
    assert refused.headers["X-DayLimit-Remaining"] == "0"
    assert 85_000 < int(refused.headers["Retry-After"]) <= 86_400 - 600 + 1
    client.admin("POST", "clock", json={"seconds": 86_400 - 600 + 1})
    fresh = str(client.authorize()["access_token"])
    assert client.api(CURRENCIES, fresh).status_code == 200


def test_app_minute_limit_spans_tenants(client: SandboxClient, access_token: str) -> None:
    client.admin("POST", "limits", json={"app_per_minute": 2})
    client.api(CURRENCIES, access_token)
    client.api(CURRENCIES, access_token, tenant=client.tenants[1])
    refused = client.api(CURRENCIES, access_token, tenant=client.tenants[1])
    assert refused.status_code == 429
    assert refused.headers["X-AppMinLimit-Remaining"] == "0"


def test_concurrent_limit(client: SandboxClient, access_token: str) -> None:
    client.admin("POST", "limits", json={"concurrent": 2})
    client.admin("POST", "faults", json={"kind": "slow", "rate": 1.0, "delay": 1.0,
                                         "path": "Currencies"})
    statuses: list[int] = []
    problems: list[str] = []

    def call() -> None:
        reply = client.api(CURRENCIES, access_token)
        statuses.append(reply.status_code)
        problems.append(reply.headers.get("X-Rate-Limit-Problem", ""))

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
        time.sleep(0.05)
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 200, 429, 429]
    assert problems.count("concurrent") == 2
    assert client.admin("GET", "stats")["rate_limited"]["concurrent"] == 2
    assert client.sandbox.state.limiter.peak_in_flight() == 2  # the refused never were


@pytest.mark.parametrize(("kind", "status", "problem"), [
    ("429_minute", 429, "minute"), ("429_day", 429, "day"), ("500", 500, None), ("503", 503, None),
])
def test_injected_fault_on_nth_call(client: SandboxClient, access_token: str, kind: str,
                                    status: int, problem: str | None) -> None:
    client.admin("POST", "faults", json={"kind": kind, "nth": 2})
    assert client.api(CURRENCIES, access_token).status_code == 200
    faulty = client.api(CURRENCIES, access_token)
    assert faulty.status_code == status
    assert faulty.headers.get("X-Rate-Limit-Problem") == problem
    if problem:
        assert int(faulty.headers["Retry-After"]) >= 1
    assert client.api(CURRENCIES, access_token).status_code == 200
    assert client.admin("GET", "stats")["faults_injected"] == {kind: 1}


def test_dropped_connection(client: SandboxClient, access_token: str) -> None:
    client.admin("POST", "faults", json={"kind": "drop", "nth": 1})
    with pytest.raises(requests.ConnectionError):
        client.api(CURRENCIES, access_token)
    assert client.api(CURRENCIES, access_token).status_code == 200


def test_dropped_token_response_is_the_lost_response(client: SandboxClient) -> None:
    tokens = client.authorize()
    client.admin("POST", "faults", json={"kind": "drop", "nth": 1, "target": "token"})
    with pytest.raises(requests.ConnectionError):
        client.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    # The refresh happened server-side; within the grace period the old token still works.
    retry = client.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert retry.status_code == 200


def test_a_stalled_token_answer_arrives_late_by_the_sandbox_clock(
        client: SandboxClient) -> None:
    tokens = client.authorize()
    client.admin("POST", "faults", json={"kind": "stall", "nth": 1, "target": "token",
                                         "delay": 1801})
    before = client.sandbox.state.clock.offset
    reply = client.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert reply.status_code == 200 and reply.json()["expires_in"] == 1800
    assert client.sandbox.state.clock.offset == before + 1801  # issued, then answered late
    late = client.api(CURRENCIES, reply.json()["access_token"])
    assert late.status_code == 401 and "TokenExpired" in late.text


def test_fault_rate_is_repeatable(client: SandboxClient, access_token: str) -> None:
    def run() -> list[int]:
        client.sandbox.state.reset()
        client.admin("POST", "faults", json={"kind": "500", "rate": 0.3})
        return [client.api(CURRENCIES, access_token).status_code for _ in range(30)]

    first = run()
    assert first == run()
    assert 3 <= first.count(500) <= 20


@pytest.mark.parametrize("spec", [{"kind": "boom", "rate": 0.1}, {"kind": "500"},
                                  {"kind": "500", "rate": 2}, {"kind": "500", "nth": 0},
                                  {"kind": "500", "rate": 0.1, "colour": "red"},
                                  {"kind": "stall", "rate": 1.0},
                                  {"kind": "stall", "nth": 1, "target": "token", "delay": -1}])
def test_bad_fault_spec_is_refused(client: SandboxClient, spec: dict[str, object]) -> None:
    reply = client.http.post(f"{client.url}/_sandbox/faults", json=spec, timeout=10)
    assert reply.status_code == 400
    assert reply.json()["error"]


def test_stats_count_calls_per_tenant_and_endpoint(client: SandboxClient,
                                                   access_token: str) -> None:
    client.api(CURRENCIES, access_token)
    client.api("/api.xro/2.0/Invoices", access_token, tenant=client.tenants[1])
    client.api("/api.xro/2.0/Invoices", access_token, tenant=client.tenants[1])
    stats = client.admin("GET", "stats")
    assert stats["calls"] == {client.tenants[0]: {"Currencies": 1},
                              client.tenants[1]: {"Invoices": 2}}
    assert stats["tokens"]["issued"] == {"authorization_code": 1}
    assert stats["statuses"] == {"200": 4, "302": 1}  # consent, code exchange, 3 API calls


def test_request_log_shows_what_clients_asked_never_their_credentials(
        client: SandboxClient, access_token: str) -> None:
    client.api("/api.xro/2.0/Invoices", access_token, tenant=client.tenants[1],
               params={"page": 2, "order": "UpdatedDateUTC ASC"},
               headers={"If-Modified-Since": "2026-03-03T10:00:00Z"})
    logged = client.admin("GET", "requests")
    assert logged["dropped"] == 0
    first, last = logged["requests"][0], logged["requests"][-1]
    assert last == {"method": "GET", "path": "/api.xro/2.0/Invoices",
                    "query": {"page": "2", "order": "UpdatedDateUTC ASC"},
                    "if_modified_since": "2026-03-03T10:00:00Z", "tenant": client.tenants[1],
                    "status": 200}
    assert first["path"] == "/identity/connect/authorize"
    assert [r["path"] for r in logged["requests"]][1] == "/connect/token"
    assert access_token not in str(logged)  # no headers but the two above, no bodies
    client.admin("POST", "reset")
    assert client.admin("GET", "requests") == {"requests": [], "dropped": 0}


def test_request_log_is_bounded(client: SandboxClient, access_token: str) -> None:
    client.sandbox.state.requests.size = 3
    for page in range(1, 6):
        client.api(CURRENCIES, access_token, params={"page": page})
    logged = client.admin("GET", "requests")
    assert [r["query"].get("page") for r in logged["requests"]] == ["3", "4", "5"]
    assert logged["dropped"] == 4  # consent, token, pages 1 and 2


@pytest.mark.parametrize(("kind", "content_type", "body_check"), [
    ("empty", "application/json", lambda body: body == b""),
    ("truncated", "application/json", lambda body: body.startswith(b'{"Id":') and not
     body.rstrip().endswith(b"}")),
    ("html_as_json", "application/json", lambda body: b"502 Bad Gateway" in body),
    ("maintenance", "text/html", lambda body: b"maintenance" in body),
    ("xml", "text/xml", lambda body: body.startswith(b"<Response>")),
    ("list_body", "application/json", lambda body: body.startswith(b"[")),
    ("no_collection", "application/json", lambda body: b'"Currencies"' not in body),
    ("null_collection", "application/json", lambda body: b'"Currencies": null' in body),
])
def test_malformed_answers_are_200s_with_the_body_they_name(
        client: SandboxClient, access_token: str, kind: str, content_type: str,
        body_check: Any) -> None:
    client.admin("POST", "faults", json={"kind": kind, "nth": 1})

    reply = client.api(CURRENCIES, access_token)

    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith(content_type)
    assert body_check(reply.content)
    assert client.api(CURRENCIES, access_token).json()["Currencies"]  # the next is whole


def test_a_server_ignoring_paging_repeats_its_first_page(client: SandboxClient,
                                                         access_token: str) -> None:
    params = {"page": "2", "pageSize": "5", "order": "UpdatedDateUTC"}
    first = client.api("/api.xro/2.0/Invoices", access_token,
                       params={**params, "page": "1"}).json()["Invoices"]
    client.admin("POST", "faults", json={"kind": "ignore_paging", "rate": 1.0})

    again = client.api("/api.xro/2.0/Invoices", access_token, params=params,
                       headers={"If-Modified-Since": "2100-01-01T00:00:00"}).json()["Invoices"]

    assert [r["InvoiceID"] for r in again] == [r["InvoiceID"] for r in first]
