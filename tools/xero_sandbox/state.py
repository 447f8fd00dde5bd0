"""The whole simulated Xero: organisations, identity, limits, faults and statistics.

Everything the HTTP layer needs lives here, so tests can also drive the sandbox in-process.
"""

from __future__ import annotations

import gc
import pickle
import random
import threading
import uuid
from collections import Counter, deque
from dataclasses import dataclass, field, replace
from typing import Any

from xero_sandbox import endpoints
from xero_sandbox.activity import simulate_activity
from xero_sandbox.clock import Clock
from xero_sandbox.faults import Faults
from xero_sandbox.generator import generate_organisation, stamp
from xero_sandbox.identity import App, Identity
from xero_sandbox.limits import Limits, RateLimiter
from xero_sandbox.store import Organisation
from xero_sandbox.tenants import organisation_names, organisation_scales
from xero_sandbox.webhooks import Subscription, Webhooks

ALL_SCOPES = (
    "openid", "profile", "email", "offline_access",
    "accounting.settings", "accounting.settings.read",
    "accounting.contacts", "accounting.contacts.read",
    "accounting.transactions", "accounting.transactions.read",
    "accounting.invoices", "accounting.invoices.read",
    "accounting.payments", "accounting.payments.read",
    "accounting.banktransactions", "accounting.banktransactions.read",
    "accounting.manualjournals", "accounting.manualjournals.read",
    "accounting.journals.read", "accounting.reports.read",
    "payroll.employees", "payroll.employees.read",
)
@dataclass
class SandboxConfig:
    """How a sandbox is seeded and which apps it knows."""

    seed: int = 42
    tenants: int = 2
    scale: int = 1000
    auto_consent: bool = False
    client_id: str = "sandbox-client-id"
    client_secret: str = "sandbox-client-secret"  # noqa: S105 - a documented test credential
    custom_client_id: str = "sandbox-custom-client-id"
    custom_client_secret: str = "sandbox-custom-client-secret"  # noqa: S105
    app_name: str = "Xero Sync Sandbox App"
    access_token_ttl: int = 1800
    limits: Limits = field(default_factory=Limits)
    webhook: Subscription | None = None  # a subscription from the start (--webhook-url)


@dataclass
class Stats:
    """What clients did, for tests and benchmarks to count calls against."""

    calls: Counter[tuple[str, str]] = field(default_factory=Counter)  # (tenant, endpoint)
    statuses: Counter[int] = field(default_factory=Counter)
    rate_limited: Counter[str] = field(default_factory=Counter)
    identity: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record_call(self, tenant_id: str, endpoint: str) -> None:
        """Count a call that reached an endpoint for an organisation."""
        with self.lock:
            self.calls[(tenant_id, endpoint)] += 1

    def count_status(self, status: int) -> None:
        """Count a response by status (0: the connection was dropped without one)."""
        with self.lock:
            self.statuses[status] += 1

    def count_429(self, problem: str) -> None:
        """Count a 429, by which limit (or injected fault) refused the call."""
        with self.lock:
            self.rate_limited[problem] += 1

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready snapshot."""
        with self.lock:
            per_tenant: dict[str, dict[str, int]] = {}
            for (tenant, name), count in sorted(self.calls.items()):
                per_tenant.setdefault(tenant, {})[name] = count
            return {
                "calls": per_tenant,
                "calls_total": sum(self.calls.values()),
                "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
                "rate_limited": dict(self.rate_limited),
                "identity": dict(self.identity),
            }


REQUEST_LOG_SIZE = 2000


@dataclass
class RequestLog:
    """The last requests clients sent (never their credentials), oldest first.

    Tests read it to check what a client asked for, e.g. the If-Modified-Since a backfill sent.
    Bounded: past ``size`` entries the oldest are dropped and counted.
    """

    size: int = REQUEST_LOG_SIZE
    entries: deque[dict[str, Any]] = field(default_factory=deque)
    dropped: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, method: str, path: str, query: dict[str, list[str]],
               headers: dict[str, str], status: int) -> None:
        """Keep one request: method, path, query, If-Modified-Since, tenant and status."""
        entry = {"method": method, "path": path,
                 "query": {key: values[-1] for key, values in query.items() if values},
                 "if_modified_since": headers.get("if-modified-since"),
                 "tenant": headers.get("xero-tenant-id"), "status": status}
        with self.lock:
            self.entries.append(entry)
            if len(self.entries) > self.size:
                self.entries.popleft()
                self.dropped += 1

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready snapshot."""
        with self.lock:
            return {"requests": list(self.entries), "dropped": self.dropped}


# The text field an edit changes when the caller names none.
EDITED_FIELDS = {"Contacts": "EmailAddress", "Items": "Description"}


class EditError(ValueError):
    """An edit the sandbox cannot make; the message says why."""


def tenant_ids(seed: int, count: int) -> list[str]:
    """Stable organisation ids: the same seed always names the same tenants."""
    rng = random.Random(f"tenants-{seed}")  # noqa: S311 - ids, not secrets
    return [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(count)]


class SandboxState:
    """The simulated Xero, independent of HTTP."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.clock = Clock()
        self.tenant_names = dict(zip(tenant_ids(config.seed, config.tenants),
                                     organisation_names(config.seed, config.tenants),
                                     strict=True))
        self.tenant_scales = dict(zip(self.tenant_names,
                                      organisation_scales(config.seed, config.tenants,
                                                          config.scale), strict=True))
        self._initial_limits = replace(config.limits)
        self._initial_ttl = config.access_token_ttl
        self.identity = Identity(self.clock, self.tenant_names)
        self.identity.access_token_ttl = config.access_token_ttl
        self.limiter = RateLimiter(self.clock, replace(config.limits))
        self.faults = Faults(config.seed)
        self.stats = Stats()
        self.requests = RequestLog()
        self.organisations: dict[str, Organisation] = {}
        self.webhooks = Webhooks(self.clock, config.seed)
        self.webhooks.reset(config.webhook)
        self._edits = random.Random(f"edits-{config.seed}")  # noqa: S311 - which record to edit
        self._pristine: bytes | None = None
        self._register_apps()
        self.load_data()

    def _register_apps(self) -> None:
        config = self.config
        self.identity.register(App(config.client_id, config.client_secret, config.app_name))
        first_tenant = next(iter(self.tenant_names))
        self.identity.register(App(
            config.custom_client_id, config.custom_client_secret, config.app_name,
            custom_tenant=first_tenant,
            custom_scopes=tuple(s for s in ALL_SCOPES if s.startswith(("accounting", "payroll"))),
        ))

    def load_data(self) -> None:
        """(Re)load every organisation's records as the seed made them.

        Generation runs once; resets restore a pickled snapshot, which is many times faster
        than generating again (tests reset before every test).
        """
        if self._pristine is None:
            generated = [
                generate_organisation(self.config.seed, index, tenant_id, name,
                                      self.tenant_scales[tenant_id])
                for index, (tenant_id, name) in enumerate(self.tenant_names.items())
            ]
            self._pristine = pickle.dumps(generated, protocol=pickle.HIGHEST_PROTOCOL)
        datasets = _unpickled(self._pristine)
        served = endpoints.served()
        organisations = {}
        for index, (tenant_id, name) in enumerate(self.tenant_names.items()):
            data = datasets[index]
            organisations[tenant_id] = Organisation(
                tenant_id, name, data, served, seed=self.config.seed * 1000 + index
            )
        self.organisations = organisations

    def reset(self, *, identity: bool = False, clock: bool = False) -> None:
        """Back to the seeded state: data, limits, token lifetime, faults and statistics."""
        self.load_data()
        self.limiter.reset()
        self.limiter.limits = replace(self._initial_limits)
        self.config.access_token_ttl = self._initial_ttl
        self.faults.reset()
        self.stats = Stats()
        self.requests = RequestLog()
        self.webhooks.reset(self.config.webhook)
        if clock:
            self.clock.reset()
        if identity:
            self.identity = Identity(self.clock, self.tenant_names)
            self._register_apps()
        self.identity.access_token_ttl = self._initial_ttl

    def simulate(self, intensity: int, tenant: str | None = None) -> dict[str, Any]:
        """Let each organisation's users work for a while (see activity.py)."""
        reports = {}
        for tenant_id, organisation in self.organisations.items():
            if tenant and tenant != tenant_id:
                continue
            with organisation.lock:
                now_ms = self.clock.now_ms()
                report = simulate_activity(organisation.data, organisation.activity_random,
                                           now_ms, intensity)
                organisation.invalidate()
                self._announce(tenant_id, organisation, report.created, "CREATE", now_ms)
                self._announce(tenant_id, organisation, report.updated, "UPDATE", now_ms)
            reports[tenant_id] = {
                "created": report.created, "updated": report.updated,
                "hard_deleted": report.hard_deleted, "silent": report.silent,
            }
        return reports

    def _announce(self, tenant_id: str, organisation: Organisation,
                  changed: dict[str, list[str]], event_type: str, now_ms: int) -> None:
        """The webhook events of records the activity created or changed (Xero sends none for
        hard deletes and silent edits)."""
        for key, ids in changed.items():
            for record_id in ids:
                record = organisation.data.get(key, {}).get(record_id)
                if record is not None:
                    self.webhooks.announce(tenant_id, key, record, event_type, now_ms)

    def edit(self, tenant_id: str, key: str, record_id: str | None = None,
             fields: dict[str, Any] | None = None) -> dict[str, Any]:
        """A user edits one record: top-level fields set (by default a reference or similar
        text field), UpdatedDateUTC stamped now, the webhook event sent. Totals and journals are
        left alone, so only text or flag fields should be given. Raises ``EditError``."""
        organisation = self.organisations.get(tenant_id)
        if organisation is None:
            raise EditError(f"unknown tenant {tenant_id}; see /_sandbox/tenants")
        endpoint = organisation.endpoints.get(key)
        if endpoint is None or not endpoint.updated_field:
            raise EditError(f"object {key!r} cannot be edited: use a collection with a change "
                            "timestamp, such as Invoices, Contacts or CreditNotes")
        default = EDITED_FIELDS.get(key, "Reference")
        changes = dict(fields) if fields else {default: f"Edited at {self.clock.now_ms()}"}
        protected = {endpoint.id_field, endpoint.updated_field, "UpdatedDateUTCString"}
        bad = [name for name, value in changes.items() if name in protected
               or not isinstance(value, str | int | float | bool | None)]
        if bad:
            raise EditError(f"field {bad[0]!r} cannot be set: give top-level text, number or "
                            f"flag fields other than {', '.join(sorted(protected))}")
        with organisation.lock:
            records = organisation.data[key]
            record = (records.get(record_id) or records.get(record_id.lower())
                      if record_id else self._edits.choice(list(records.values())))
            if record is None:
                raise EditError(f"no {key} record {record_id} in tenant {tenant_id}")
            now_ms = self.clock.now_ms()
            record.update(changes)
            stamp(record, key, now_ms)
            organisation.invalidate(key)
            self.webhooks.announce(tenant_id, key, record, "UPDATE", now_ms)
            return {"tenant": tenant_id, "object": key, "id": str(record[endpoint.id_field]),
                    "fields": {name: record[name] for name in changes},
                    endpoint.updated_field: record[endpoint.updated_field],
                    "changed_at_ms": now_ms}

    def truth(self, tenant: str, key: str) -> list[dict[str, Any]]:
        """Every stored record of one object for one tenant, at full detail."""
        organisation = self.organisations[tenant]
        with organisation.lock:
            endpoint = organisation.endpoints[key]
            return list(organisation.ordered(endpoint))


def _unpickled(pristine: bytes) -> Any:
    """The datasets of a pickled snapshot, with the cyclic garbage collector paused: unpickling
    creates hundreds of thousands of dicts, each allocation counting towards a collection that
    walks every live object, and finds nothing to free. Paused, a reset of two organisations of
    2,500 invoices takes 0.33 s instead of 1.0 s (more in a process holding more objects, as a
    test session does)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(pristine)  # noqa: S301 - our own bytes, never external
    finally:
        if was_enabled:
            gc.enable()
