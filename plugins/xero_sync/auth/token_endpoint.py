"""Xero's token endpoint: authorization-code exchange, refresh, client credentials.

Client authentication is the ``Authorization: Basic`` header and the body is form-encoded, as
Xero documents (xero-api.md section 4.2). Every failure is classified here, once:

- ``invalid_grant`` → :class:`ReauthorizationRequired`, naming the command a person must run;
- ``invalid_client`` / ``unauthorized_client`` / ``invalid_scope`` → :class:`ConfigurationError`
  naming the connection field to fix;
- no usable answer (dropped connection, timeout, 5xx, 429, garbled body) →
  :class:`TokenEndpointUnavailable`: Xero may have processed the request, so a refresh is
  retried with the same refresh token, which Xero accepts again for 30 minutes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import requests

from xero_sync.auth.masking import mask_secrets, mask_tokens, redact
from xero_sync.auth.tokens import TokenSet, utcnow
from xero_sync.errors import (
    ConfigurationError,
    ReauthorizationRequired,
    XeroApiError,
    XeroUnavailable,
)
from xero_sync.settings import XeroSettings

log = logging.getLogger(__name__)

DEFAULT_CONN_ID = "xero_default"
AUTHORIZE_COMMAND = "python -m xero_sync.auth authorize --conn-id {conn_id}"
DEFAULT_TIMEOUT = (5.0, 15.0)  # connect, read (seconds); see oauth.DEFAULT_RETRY_DELAYS
_NOT_FOR_CLIENT_CREDENTIALS = {"offline_access", "openid", "profile", "email"}


class TokenEndpointUnavailable(XeroUnavailable):
    """The token endpoint gave no usable answer; the request may still have been processed."""


def authorize_command(conn_id: str = DEFAULT_CONN_ID) -> str:
    """The exact command that connects (or reconnects) a Xero app."""
    return AUTHORIZE_COMMAND.format(conn_id=conn_id)


class OAuthClient:
    """Talks to ``settings.token_url`` and ``/connections`` for one Xero app."""

    def __init__(self, settings: XeroSettings, *, conn_id: str = DEFAULT_CONN_ID,
                 session: requests.Session | None = None,
                 timeout: tuple[float, float] = DEFAULT_TIMEOUT,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.settings = settings
        self.conn_id = conn_id
        mask_secrets(settings.client_secret)
        self.session = session or requests.Session()
        self.timeout = timeout
        self.clock = clock

    def exchange_code(self, code: str, redirect_uri: str,
                      code_verifier: str | None = None) -> TokenSet:
        """Trade the code from the consent redirect for the first token pair."""
        mask_secrets(code, code_verifier)
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        if code_verifier:
            form["code_verifier"] = code_verifier
        tokens = self._post(form)
        if tokens.refresh_token is None:
            raise ConfigurationError(
                f"connection {self.conn_id!r}: Xero issued no refresh token; add offline_access "
                "to extra.scopes and run the authorize command again"
            )
        return tokens

    def refresh(self, refresh_token: str) -> TokenSet:
        """A new pair for the refresh token; the old refresh token is spent (rotation)."""
        mask_secrets(refresh_token)
        return self._post({"grant_type": "refresh_token", "refresh_token": refresh_token})

    def client_credentials(self) -> TokenSet:
        """A token for a Custom Connection (no refresh token, one organisation)."""
        scopes = [s for s in self.settings.scopes if s not in _NOT_FOR_CLIENT_CREDENTIALS]
        return self._post({"grant_type": "client_credentials", "scope": " ".join(scopes)})

    def connections(self, access_token: str) -> list[dict[str, Any]]:
        """``GET /connections``: the organisations this token may reach."""
        url = f"{self.settings.api_url}/connections"
        try:
            reply = self.session.get(url, timeout=self.timeout, headers={
                "Authorization": f"Bearer {access_token}", "Accept": "application/json"})
        except requests.RequestException as error:
            raise XeroUnavailable(f"GET {url} failed: {type(error).__name__}") from None
        if reply.status_code != 200:
            raise XeroApiError(f"GET {url} answered {reply.status_code}: "
                               f"{redact(reply.text)[:200]}",
                               reply.status_code)
        listed = reply.json()
        return [dict(item) for item in listed]

    # -- the token endpoint -----------------------------------------------------------------

    def _post(self, form: dict[str, str]) -> TokenSet:
        url = self.settings.token_url
        # Xero starts the token's lifetime when it receives the request, not when the answer
        # arrives: counting from before sending errs on the safe side of a slow answer.
        sent = self.clock()
        try:
            reply = self.session.post(
                url, data=form, timeout=self.timeout, headers={"Accept": "application/json"},
                auth=(self.settings.client_id, self.settings.client_secret),
            )
        except requests.RequestException as error:
            # Only the class name: the exception text could quote the request.
            raise TokenEndpointUnavailable(
                f"the Xero token endpoint {url} gave no answer ({type(error).__name__})"
            ) from None
        if reply.status_code >= 500 or reply.status_code == 429:
            raise TokenEndpointUnavailable(
                f"the Xero token endpoint {url} answered {reply.status_code}"
            )
        if reply.status_code != 200:
            raise self._refusal(reply, form["grant_type"])
        return self._token_set(reply, sent)

    def _token_set(self, reply: requests.Response, sent: datetime) -> TokenSet:
        try:
            body = reply.json()
            access_token = str(body["access_token"])
            expires_in = int(body.get("expires_in", 1800))
        except (ValueError, KeyError, TypeError):
            raise TokenEndpointUnavailable(
                f"the Xero token endpoint {self.settings.token_url} answered 200 without a "
                "readable token"
            ) from None
        refresh = body.get("refresh_token")
        scope = body.get("scope")
        scopes = tuple(str(scope).split()) if scope else self.settings.scopes
        tokens = TokenSet(access_token, str(refresh) if refresh else None,
                          sent + timedelta(seconds=expires_in), scopes)
        mask_tokens(tokens)
        return tokens

    def _refusal(self, reply: requests.Response, grant_type: str) -> Exception:
        try:
            error = str(reply.json().get("error", ""))
        except (ValueError, AttributeError):
            error = ""
        conn = f"connection {self.conn_id!r}"
        if error == "invalid_grant":
            return ReauthorizationRequired(
                self._invalid_grant_message(grant_type),
                fix=f"Connect the Xero app again: run {authorize_command(self.conn_id)}")
        if error == "invalid_client":
            return ConfigurationError(
                f"{conn}: Xero rejected the client id/secret (invalid_client); set login to the "
                "app's client id and password to its client secret (developer.xero.com → My Apps)"
            )
        if error in ("unauthorized_client", "invalid_scope"):
            return ConfigurationError(
                f"{conn}: Xero refused grant {grant_type} ({error}); check extra.auth_mode "
                "(client_credentials only for Custom Connections) and extra.scopes"
            )
        return XeroApiError(
            f"the Xero token endpoint answered {reply.status_code} "
            f"{redact(error or reply.text)[:200]!r}",
            reply.status_code,
        )

    def _invalid_grant_message(self, grant_type: str) -> str:
        what = {"authorization_code": "the authorization code (expired or already used)"}.get(
            grant_type, "the stored refresh token (revoked, unused for 60 days, or spent more "
            "than 30 minutes ago by a process that lost Xero's answer)")
        return (
            f"Xero answered invalid_grant for {what} of app {self.settings.client_id}: a person "
            "must connect the app again."
        )
