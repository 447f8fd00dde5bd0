"""Authenticated, rate-limit-aware requests to Xero's APIs, one at a time.

What Xero says (xero-api.md section 5) and what we do about it (design decision 2):

* 60 calls a rolling minute and 5 in flight per organisation, 10,000 a minute per app. Every
  call to an organisation first asks the rate limiter (``xero_sync.ratelimit``), which keeps
  those limits across every process sharing its ledger (the hook's is in the warehouse) by
  rolling-window arithmetic: a call starts as soon as Xero will accept it, and no sooner.
  Xero's ``X-MinLimit-Remaining`` / ``X-AppMinLimit-Remaining`` are reported back to it as a
  cross-check. A minute-limit 429 (another client of the app) carries ``Retry-After``: we wait
  that long and try again, a bounded number of times.
* 5,000 (or 1,000) calls a rolling day per organisation. A day-limit 429 fails at once with the
  time the limit resets: sleeping for hours inside a worker helps nobody, and the watermark is
  intact so the next run resumes.
* 5xx answers and dropped connections are retried with exponential backoff, a bounded number
  of times; a 401 ``TokenExpired`` forces one token refresh and one retry.
* A 200 whose body is not the JSON promised (empty, cut short, an HTML maintenance or gateway
  page, JSON without the collection asked for) is a ``MalformedResponse`` naming the endpoint,
  organisation, status, content type and the first bytes of the body (tokens redacted). The
  kinds a glitch explains are retried with the same backoff; XML (the Accept header was not
  honoured) fails at once. It is never read as an empty answer.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol
from urllib.parse import urlencode

import requests

from xero_sync.auth.masking import MASK
from xero_sync.auth.masking import redact as redact_known
from xero_sync.errors import DayLimitReached, MalformedResponse, XeroApiError, XeroUnavailable
from xero_sync.ratelimit.limiter import RateLimiter, Slot
from xero_sync.settings import XeroSettings

log = logging.getLogger(__name__)

USER_AGENT = "xero-sync/0.1 (+https://github.com/xero-sync/xero-sync)"
API_BASES = {"accounting": "/api.xro/2.0", "payroll_au": "/payroll.xro/1.0"}
_TRANSIENT = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)
PREVIEW_BYTES = 200  # of a malformed body, in its error

class AccessTokens(Protocol):
    """Where the client gets bearer tokens (auth.oauth.TokenManager in production)."""

    def access_token(self) -> str:
        """A token valid for at least a few more minutes."""
        ...

    def force_refresh(self, rejected_access_token: str) -> str:
        """A new token after Xero rejected this one as expired."""
        ...


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before giving up; every loop in this module is bounded by it."""

    max_attempts: int = 6  # per request, for 5xx and dropped connections
    backoff_base: float = 1.0
    backoff_max: float = 30.0
    max_rate_limit_waits: int = 10  # minute / concurrent 429s per request
    max_retry_after: float = 120.0  # a longer Retry-After is not a minute limit: fail
    timeout: tuple[float, float] = (10.0, 120.0)  # connect, read


@dataclass(frozen=True)
class Limits:
    """What Xero says is left, from the headers of the last response."""

    day_remaining: int | None = None
    minute_remaining: int | None = None
    app_minute_remaining: int | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> Limits:
        """Read the three ``X-*Limit-Remaining`` headers (absent ones stay None)."""
        return cls(_int(headers.get("X-DayLimit-Remaining")),
                   _int(headers.get("X-MinLimit-Remaining")),
                   _int(headers.get("X-AppMinLimit-Remaining")))


@dataclass(frozen=True)
class ApiResponse:
    """A successful JSON response and the limits it reported."""

    body: Any
    limits: Limits
    server_time: datetime | None = None  # Xero's clock: the Date header (aware UTC)


@dataclass
class CallCounter:
    """Calls made through one client, for logs, ``_sync_runs`` and benchmarks."""

    calls: int = 0
    retries: int = 0
    rate_limit_waits: int = 0  # 429s waited out
    slept_seconds: float = 0.0  # waiting out 429s and backing off
    paced_seconds: float = 0.0  # waiting for the organisation's budget (the rate limiter)


class XeroClient:
    """GET requests to Xero with the headers, retries and pacing described above.

    Without a ``limiter`` the client paces by a ledger of its own process, with the
    connection's limits; the hook passes one whose ledger every worker shares."""

    def __init__(self, settings: XeroSettings, tokens: AccessTokens,
                 policy: RetryPolicy | None = None, session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 limiter: RateLimiter | None = None) -> None:
        self.settings = settings
        self.tokens = tokens
        self.policy = policy or RetryPolicy()
        self.session = session or requests.Session()
        self.sleep = sleep
        self.limiter = limiter or RateLimiter(settings.client_id, limits=settings.rate_limits,
                                              sleep=sleep)
        self.counter = CallCounter()

    def connections(self) -> list[dict[str, Any]]:
        """``GET /connections``: the organisations this app may read."""
        body = self._get(f"{self.settings.api_url}/connections", None, {}, None, _LIST).body
        return list(body)

    def get(self, resource: str, tenant_id: str, params: Mapping[str, Any] | None = None,
            modified_since: datetime | None = None, api: str = "accounting",
            collection: str | None = None) -> ApiResponse:
        """GET ``/api.xro/2.0/<resource>`` (or another API family) for one organisation.

        The body must be a JSON object, holding a list under ``collection`` when given:
        anything else is a ``MalformedResponse``, never an empty answer."""
        url = f"{self.settings.api_url}{API_BASES[api]}/{resource}"
        return self._get(url, tenant_id, dict(params or {}), modified_since, collection)

    def _get(self, url: str, tenant_id: str | None, params: dict[str, Any],
             modified_since: datetime | None, expected: str | None) -> ApiResponse:
        attempt = waits = 0
        refreshed = False
        while True:
            with self._budget(tenant_id) as slot:
                # Asked for once the budget allows the call, not before waiting for it: a token
                # judged fresh before a long wait could reach Xero expired.
                token = self.tokens.access_token()
                response = self._send(url, tenant_id, params, modified_since, token)
                _report(slot, response)
            if response is not None and response.status_code == 200:
                try:
                    return self._success(response, _Call(url, tenant_id, params, expected,
                                                         token))
                except MalformedResponse as malformed:
                    if not malformed.transient:
                        raise
                    attempt += 1
                    self._back_off(response, url, attempt, malformed)
                    continue
            if not refreshed and _token_rejected(response):
                self.tokens.force_refresh(token)
                refreshed = True
                continue
            if response is not None and response.status_code == 429:
                waits += 1
                self._wait_for_rate_limit(response, tenant_id, waits)
                continue
            if response is not None and response.status_code < 500:
                raise _refusal(response, url, tenant_id)
            attempt += 1
            self._back_off(response, url, attempt)

    @contextlib.contextmanager
    def _budget(self, tenant_id: str | None) -> Iterator[Slot | None]:
        """A place in the organisation's budget for one call (``/connections`` needs none)."""
        if tenant_id is None:
            yield None
            return
        with self.limiter.call(tenant_id) as slot:
            self.counter.paced_seconds += slot.waited
            yield slot

    def _send(self, url: str, tenant_id: str | None, params: dict[str, Any],
              modified_since: datetime | None, token: str) -> requests.Response | None:
        """One HTTP exchange; None when the connection failed before an answer arrived."""
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json",
                   "User-Agent": USER_AGENT}
        if tenant_id is not None:
            headers["xero-tenant-id"] = tenant_id
        if modified_since is not None:
            headers["If-Modified-Since"] = format_if_modified_since(modified_since)
        self.counter.calls += 1
        try:
            return self.session.get(url, params=params, headers=headers,
                                    timeout=self.policy.timeout)
        except _TRANSIENT as error:
            log.warning("Xero request failed before an answer (%s): %s", type(error).__name__,
                        url)
            return None

    def _success(self, response: requests.Response, call: _Call) -> ApiResponse:
        body = _parsed(response, call)
        headers = response.headers
        return ApiResponse(body, Limits.from_headers(headers), server_time(headers))

    def _wait_for_rate_limit(self, response: requests.Response, tenant_id: str | None,
                             waits: int) -> None:
        problem = response.headers.get("X-Rate-Limit-Problem", "minute").lower()
        retry_after = float(_int(response.headers.get("Retry-After")) or 1)
        if problem == "day" or retry_after > self.policy.max_retry_after:
            resets = datetime.fromtimestamp(time.time() + retry_after, UTC)
            raise DayLimitReached(
                f"Xero's daily call limit for organisation {tenant_id} is spent "
                f"(X-Rate-Limit-Problem: {problem}); it resets in {retry_after:.0f} s, at "
                f"{resets:%Y-%m-%d %H:%M:%S} UTC. The watermark is intact.",
                fix=f"Nothing to do: the next run after {resets:%Y-%m-%d %H:%M} UTC resumes "
                "where this one stopped.")
        if waits > self.policy.max_rate_limit_waits:
            raise XeroUnavailable(
                f"Xero refused {waits} calls in a row with 429 ({problem}) for organisation "
                f"{tenant_id}; another client may be using this app's budget"
            )
        self.counter.rate_limit_waits += 1
        log.info("Xero %s limit reached for %s: waiting %.0f s (Retry-After)", problem,
                 tenant_id, retry_after)
        self._sleep(retry_after)

    def _back_off(self, response: requests.Response | None, url: str, attempt: int,
                  malformed: MalformedResponse | None = None) -> None:
        what = "no answer" if response is None else f"HTTP {response.status_code}"
        if malformed is not None:
            what = f"a malformed body ({malformed})"
            if attempt >= self.policy.max_attempts:
                raise MalformedResponse(
                    f"{malformed} It came {attempt} times in a row, with backoff between: "
                    "Xero may be in maintenance (https://status.developer.xero.com). Nothing "
                    "was read as empty or marked deleted; the next run reads again from the "
                    "watermark.") from malformed
        if attempt >= self.policy.max_attempts:
            raise XeroUnavailable(f"Xero gave {what} for {url} {attempt} times; giving up")
        delay = min(self.policy.backoff_max, self.policy.backoff_base * 2 ** (attempt - 1))
        delay *= 0.5 + random.random() / 2  # noqa: S311 - jitter, not security
        self.counter.retries += 1
        log.warning("Xero gave %s for %s; retry %d in %.1f s", what, url, attempt, delay)
        self._sleep(delay)

    def _sleep(self, seconds: float) -> None:
        self.counter.slept_seconds += seconds
        self.sleep(seconds)


def _report(slot: Slot | None, response: requests.Response | None) -> None:
    """Tell the rate limiter what Xero said is left (and, after a minute-limit 429, when the
    minute frees), so its ledger can take in calls made elsewhere."""
    if slot is None or response is None:
        return
    limits = Limits.from_headers(response.headers)
    retry_after = None
    problem = response.headers.get("X-Rate-Limit-Problem", "").lower()
    if response.status_code == 429 and problem in ("minute", "appminute"):
        retry_after = float(_int(response.headers.get("Retry-After")) or 1)
    slot.observe(limits.minute_remaining, limits.app_minute_remaining, retry_after)


_LIST = "[]"  # the body expected of /connections: a JSON list, not an object


@dataclass(frozen=True)
class _Call:
    """One request, as a malformed answer's error names it."""

    url: str
    tenant_id: str | None
    params: Mapping[str, Any]
    expected: str | None  # the collection the object must hold, _LIST, or None: any object
    token: str  # redacted from what the error quotes

    @property
    def endpoint(self) -> str:
        query = urlencode(dict(self.params))
        return f"GET {self.url}{'?' + query if query else ''}"


def _parsed(response: requests.Response, call: _Call) -> Any:
    """The JSON body, checked to have the shape asked for; else a MalformedResponse."""
    content_type = response.headers.get("Content-Type", "")
    content = response.content or b""
    if "xml" in content_type.lower():
        raise _malformed(response, call, "XML: the Accept: application/json header was not "
                         "honoured (a proxy between here and Xero may drop it)", transient=False)
    if not content.strip():
        raise _malformed(response, call, "an empty body", transient=True)
    if "json" not in content_type.lower():
        kind = "an HTML page" if "html" in content_type.lower() else "a body that is not JSON"
        raise _malformed(response, call, f"{kind} (a maintenance or gateway page)",
                         transient=content_type.lower().startswith("text/") or not content_type)
    try:
        body = json.loads(content)
    except ValueError as error:
        raise _malformed(response, call, f"a body that is not valid JSON ({error}): cut short, "
                         "or a gateway's page labelled as JSON", transient=True) from None
    problem = _shape_problem(body, call.expected)
    if problem:
        raise _malformed(response, call, problem, transient=True)
    return body


def _shape_problem(body: Any, expected: str | None) -> str | None:
    """What is wrong with a parsed body's envelope, or None."""
    if expected == _LIST:
        return None if isinstance(body, list) else f"a JSON {_kind(body)} where a list was expected"
    if not isinstance(body, dict):
        return f"a JSON {_kind(body)} where an object was expected"
    if expected is None:
        return None
    if expected not in body:
        return f"a JSON object without the {expected!r} collection"
    if not isinstance(body[expected], list):
        return f"a JSON object whose {expected!r} is {_kind(body[expected])}, not a list"
    return None


def _kind(value: Any) -> str:
    return {dict: "object", list: "list", str: "string", bool: "boolean",
            type(None): "null"}.get(type(value), "number")


def _malformed(response: requests.Response, call: _Call, problem: str, *,
               transient: bool) -> MalformedResponse:
    content_type = response.headers.get("Content-Type") or "(none)"
    # Redacted before it is cut: a token cut in half would no longer look like one.
    head = (response.content or b"")[:PREVIEW_BYTES * 40].decode("utf-8", "replace")
    start = redact(head, call.token)[:PREVIEW_BYTES]
    organisation = call.tenant_id or "(none: the connections list)"
    return MalformedResponse(
        f"Xero answered {call.endpoint} for organisation {organisation} with HTTP "
        f"{response.status_code}, Content-Type {content_type!r}: {problem}. The body begins "
        f"{start!r}.", transient=transient)


def redact(text: str, *secrets: str) -> str:
    """``text`` without the given secrets (the call's own token) or anything else
    ``auth.masking.redact`` knows or recognises as a token or credential."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return redact_known(text)


def format_if_modified_since(moment: datetime) -> str:
    """Xero's documented form: a UTC timestamp ``yyyy-mm-ddThh:mm:ss`` (second precision)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    # Not strftime("%Y"): glibc writes year 1 as "1", not "0001" (a header Xero cannot read).
    return moment.replace(microsecond=0, tzinfo=None).isoformat(timespec="seconds")


def server_time(headers: Mapping[str, str]) -> datetime | None:
    """The ``Date`` header as an aware UTC datetime; None when absent or unreadable."""
    value = headers.get("Date")
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _token_rejected(response: requests.Response | None) -> bool:
    """A 401 that a fresh access token may cure (expired, or revoked by a refresh elsewhere)."""
    if response is None or response.status_code != 401:
        return False
    return _problem_detail(response).startswith(("TokenExpired", "AuthenticationUnsuccessful"))


def _problem_detail(response: requests.Response) -> str:
    """The ``Detail`` of a problem-details body (Xero's gateway uses both casings)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    return str(body.get("Detail") or body.get("detail") or "")


def _refusal(response: requests.Response, url: str, tenant_id: str | None) -> XeroApiError:
    """The error for a 4xx that retrying cannot fix, with what the user should do."""
    status = response.status_code
    detail = _problem_detail(response)
    if status == 401 and detail == "AuthorizationUnsuccessful":
        return XeroApiError(
            f"Xero refused {url}: the app lacks the scope for it (or the organisation's plan "
            "excludes it). Add the scope to the connection's extra.scopes and re-run the "
            "authorize command.", status)
    if status == 401:
        return XeroApiError(f"Xero rejected the access token for {url} ({detail}); re-run the "
                            "authorize command if this persists.", status)
    if status == 403:
        return XeroApiError(
            f"Xero refused organisation {tenant_id}: it is not connected to this app (it may "
            "have been disconnected). Reconnect it with the authorize command or remove it "
            "from the connection's extra.tenant_ids.", status)
    # Redacted before it is cut: a token cut in half would no longer look like one.
    text = redact_known(response.text[:5000])[:500]
    return XeroApiError(f"Xero answered {url} with HTTP {status}: {text}", status)
