"""Xero's identity service: apps, consent, codes, token rotation, revocation and connections.

Facts (xero-api.md section 4): access tokens live 1800 s; every refresh returns a new refresh
token; the one just used may be used again for 30 minutes (in case the response was lost);
unused refresh tokens die after 60 days; every failure of the token endpoint is
``400 {"error": "invalid_grant"}``. A test can shorten the access-token lifetime and move the
clock, so all of this is observable without waiting.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from xero_sandbox.clock import Clock

ACCESS_TOKEN_TTL = 1800
REFRESH_GRACE = 30 * 60
REFRESH_IDLE_EXPIRY = 60 * 24 * 3600
AUTH_CODE_TTL = 300


class OAuthError(Exception):
    """A token-endpoint failure, rendered as Xero renders it: ``400 {"error": ...}``."""

    def __init__(self, error: str, status: int = 400) -> None:
        super().__init__(error)
        self.error = error
        self.status = status


@dataclass
class App:
    """A registered Xero app: a web app (authorization code) or a Custom Connection."""

    client_id: str
    client_secret: str
    name: str
    custom_tenant: str | None = None  # Custom Connections are bound to one organisation
    custom_scopes: tuple[str, ...] = ()


@dataclass
class Connection:
    """One organisation authorised for one app (``GET /connections``)."""

    id: str
    tenant_id: str
    tenant_name: str
    auth_event_id: str
    created_ms: int
    updated_ms: int


@dataclass
class AccessToken:
    """What the API gateway knows about a bearer token."""

    client_id: str
    scopes: frozenset[str]
    expires_at: float
    auth_event_id: str
    custom_tenant: str | None = None


@dataclass
class RefreshToken:
    """One link of a rotation chain."""

    client_id: str
    scopes: frozenset[str]
    auth_event_id: str
    issued_at: float
    used_at: float | None = None
    revoked: bool = False


@dataclass
class AuthCode:
    """A one-time authorization code and what the user consented to."""

    client_id: str
    redirect_uri: str
    scopes: frozenset[str]
    auth_event_id: str
    expires_at: float
    code_challenge: str | None = None


@dataclass
class Counters:
    """Token traffic, reported by ``/_sandbox/stats``."""

    issued: dict[str, int] = field(default_factory=dict)
    refreshed: int = 0
    grace_refreshes: int = 0
    invalid_grant: int = 0
    revoked: int = 0


class Identity:
    """The identity service's state, guarded by one lock (the token endpoint is not hot)."""

    def __init__(self, clock: Clock, tenants: dict[str, str]) -> None:
        self.clock = clock
        self.tenants = tenants  # tenant id -> organisation name
        self.apps: dict[str, App] = {}
        self.connections: dict[str, list[Connection]] = {}  # client id -> connections
        self.access_tokens: dict[str, AccessToken] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.codes: dict[str, AuthCode] = {}
        self.counters = Counters()
        self.access_token_ttl = ACCESS_TOKEN_TTL
        self._signing_key = secrets.token_bytes(32)
        self._lock = threading.RLock()

    # -- apps -------------------------------------------------------------------------------

    def register(self, app: App) -> None:
        """Add or replace an app; a Custom Connection is connected to its tenant at once."""
        with self._lock:
            self.apps[app.client_id] = app
            if app.custom_tenant:
                self.connections[app.client_id] = []
                self._connect(app.client_id, [app.custom_tenant], self._new_id())

    def authenticate_client(self, client_id: str, client_secret: str) -> App:
        """The app whose credentials these are, or ``invalid_client``."""
        app = self.apps.get(client_id)
        if app is None or not hmac.compare_digest(app.client_secret, client_secret):
            raise OAuthError("invalid_client")
        return app

    # -- consent and codes ------------------------------------------------------------------

    def issue_code(
        self,
        client_id: str,
        redirect_uri: str,
        scopes: frozenset[str],
        tenant_ids: list[str],
        code_challenge: str | None = None,
    ) -> str:
        """Record the user's consent (connecting the chosen organisations) and mint a code."""
        with self._lock:
            auth_event_id = self._new_id()
            self._connect(client_id, tenant_ids, auth_event_id)
            code = secrets.token_urlsafe(32)
            self.codes[code] = AuthCode(
                client_id, redirect_uri, scopes, auth_event_id,
                self.clock.now() + AUTH_CODE_TTL, code_challenge,
            )
            return code

    def _connect(self, client_id: str, tenant_ids: list[str], auth_event_id: str) -> None:
        now_ms = self.clock.now_ms()
        existing = {c.tenant_id: c for c in self.connections.setdefault(client_id, [])}
        for tenant_id in tenant_ids:
            if tenant_id in existing:
                existing[tenant_id].updated_ms = now_ms
                existing[tenant_id].auth_event_id = auth_event_id
                continue
            self.connections[client_id].append(
                Connection(self._new_id(), tenant_id, self.tenants[tenant_id],
                           auth_event_id, now_ms, now_ms)
            )

    # -- the token endpoint -----------------------------------------------------------------

    def exchange_code(
        self, app: App, code: str, redirect_uri: str, verifier: str | None
    ) -> dict[str, object]:
        """``grant_type=authorization_code``: codes are single-use and bound to the app."""
        with self._lock:
            grant = self.codes.pop(code, None)
            if grant is None or grant.client_id != app.client_id:
                raise self._invalid_grant()
            if grant.expires_at < self.clock.now() or grant.redirect_uri != redirect_uri:
                raise self._invalid_grant()
            if grant.code_challenge and not _pkce_matches(grant.code_challenge, verifier):
                raise self._invalid_grant()
            self._count_issue("authorization_code")
            return self._token_response(app, grant.scopes, grant.auth_event_id)

    def refresh(self, app: App, token: str) -> dict[str, object]:
        """``grant_type=refresh_token`` with rotation, grace period and idle expiry."""
        with self._lock:
            record = self.refresh_tokens.get(token)
            now = self.clock.now()
            if record is None or record.revoked or record.client_id != app.client_id:
                raise self._invalid_grant()
            if record.used_at is None and now - record.issued_at > REFRESH_IDLE_EXPIRY:
                raise self._invalid_grant()
            if record.used_at is not None:
                if now - record.used_at > REFRESH_GRACE:
                    raise self._invalid_grant()
                self.counters.grace_refreshes += 1
            else:
                record.used_at = now
            self.counters.refreshed += 1
            self._count_issue("refresh_token")
            return self._token_response(app, record.scopes, record.auth_event_id)

    def client_credentials(self, app: App, requested: frozenset[str]) -> dict[str, object]:
        """``grant_type=client_credentials``: Custom Connections only, never a refresh token."""
        if not app.custom_tenant:
            raise OAuthError("unauthorized_client")
        scopes = requested or frozenset(app.custom_scopes)
        if not scopes <= frozenset(app.custom_scopes):
            raise OAuthError("invalid_scope")
        with self._lock:
            self._count_issue("client_credentials")
            auth_event_id = self.connections[app.client_id][0].auth_event_id
            return self._token_response(app, scopes - {"offline_access"}, auth_event_id)

    def revoke(self, app: App, token: str) -> None:
        """Revoke a refresh token: its chain dies and the user's connections are removed."""
        with self._lock:
            record = self.refresh_tokens.get(token)
            if record is None or record.client_id != app.client_id:
                return  # RFC 7009: unknown tokens are not an error
            for other in self.refresh_tokens.values():
                if other.auth_event_id == record.auth_event_id or other.client_id == app.client_id:
                    other.revoked = True
            self.connections[app.client_id] = []
            self.counters.revoked += 1

    # -- the API gateway's view -------------------------------------------------------------

    def lookup(self, bearer: str) -> AccessToken | None:
        """The access token record, or None for a token Xero never issued."""
        return self.access_tokens.get(bearer)

    def connections_for(self, client_id: str) -> list[Connection]:
        """The organisations currently connected to an app."""
        with self._lock:
            return list(self.connections.get(client_id, []))

    def disconnect(self, client_id: str, connection_id: str) -> bool:
        """``DELETE /connections/{id}``; False when the app has no such connection."""
        with self._lock:
            current = self.connections.get(client_id, [])
            kept = [c for c in current if c.id != connection_id]
            self.connections[client_id] = kept
            return len(kept) != len(current)

    def is_connected(self, client_id: str, tenant_id: str) -> bool:
        """Whether an app may call the API for this organisation."""
        return any(c.tenant_id == tenant_id for c in self.connections.get(client_id, []))

    # -- helpers ----------------------------------------------------------------------------

    def _token_response(
        self, app: App, scopes: frozenset[str], auth_event_id: str
    ) -> dict[str, object]:
        now = self.clock.now()
        access = self._jwt(app, scopes, auth_event_id, now)
        self.access_tokens[access] = AccessToken(
            app.client_id, scopes, now + self.access_token_ttl, auth_event_id, app.custom_tenant
        )
        body: dict[str, object] = {
            "access_token": access,
            "expires_in": self.access_token_ttl,
            "token_type": "Bearer",
            "scope": " ".join(sorted(scopes)),
        }
        if "openid" in scopes:
            body["id_token"] = self._jwt(app, frozenset({"openid"}), auth_event_id, now)
        if "offline_access" in scopes and not app.custom_tenant:
            refresh = secrets.token_hex(32)
            self.refresh_tokens[refresh] = RefreshToken(app.client_id, scopes, auth_event_id, now)
            body["refresh_token"] = refresh
        return body

    def _jwt(self, app: App, scopes: frozenset[str], auth_event_id: str, now: float) -> str:
        """An HS256 JWT shaped like Xero's (clients may decode it; none should trust it)."""
        header = {"alg": "HS256", "typ": "JWT"}
        claims = {
            "iss": "https://identity.xero.com", "nbf": int(now), "exp": int(now) +
            self.access_token_ttl, "client_id": app.client_id, "xero_userid": "sandbox-user",
            "authentication_event_id": auth_event_id, "scope": sorted(scopes),
            "jti": secrets.token_hex(16),
        }
        signing_input = f"{_b64(header)}.{_b64(claims)}"
        digest = hmac.new(self._signing_key, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{base64.urlsafe_b64encode(digest).rstrip(b'=').decode()}"

    def _count_issue(self, grant_type: str) -> None:
        self.counters.issued[grant_type] = self.counters.issued.get(grant_type, 0) + 1

    def _invalid_grant(self) -> OAuthError:
        self.counters.invalid_grant += 1
        return OAuthError("invalid_grant")

    def _new_id(self) -> str:
        return str(uuid.uuid4())


def _b64(payload: Mapping[str, object]) -> str:
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _pkce_matches(challenge: str, verifier: str | None) -> bool:
    """S256 PKCE check (Xero's native-app flow)."""
    if not verifier:
        return False
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == challenge
