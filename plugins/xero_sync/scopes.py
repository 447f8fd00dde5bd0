"""Which OAuth scope each Xero endpoint needs, for new apps and for old ones.

Xero split its broad scopes in 2026: apps created since 2 March 2026 cannot ask for
``accounting.transactions``; they ask for a granular scope per kind of document instead
(``accounting.invoices``, ``accounting.payments``...). Apps created before may keep the broad
ones until September 2027 (xero-api.md section 4.6). A mapping names an endpoint, so the scope
it needs follows from it: the connection form's default, the README's scopes table and
``python -m xero_sync.mapping check`` all read this one table.
"""

from __future__ import annotations

from dataclasses import dataclass

from xero_sync.errors import ConfigurationError

OFFLINE_ACCESS = "offline_access"  # what gives a refresh token
SINCE = "2 March 2026"


@dataclass(frozen=True)
class ScopeNeed:
    """The read scope an endpoint needs, and when the default scopes leave it out."""

    granular: str  # apps created since 2 March 2026
    broad: str  # apps created before (until September 2027)
    opt_in: str | None = None  # why the default scopes leave it out; None: in the default


_SETTINGS = ScopeNeed("accounting.settings.read", "accounting.settings.read")
_CONTACTS = ScopeNeed("accounting.contacts.read", "accounting.contacts.read")
_INVOICES = ScopeNeed("accounting.invoices.read", "accounting.transactions.read")
_PAYMENTS = ScopeNeed("accounting.payments.read", "accounting.transactions.read")
_BANK = ScopeNeed("accounting.banktransactions.read", "accounting.transactions.read")
_MANUAL = ScopeNeed("accounting.manualjournals.read", "accounting.transactions.read")
_JOURNALS = ScopeNeed(
    "accounting.journals.read", "accounting.journals.read",
    "since March 2026 Xero serves Journals only to apps on its Advanced tier")
_PAYROLL = ScopeNeed("payroll.employees.read", "payroll.employees.read",
                     "Xero Payroll AU organisations only")

# (api, resource) as a mapping names them -> the scope; the order is the README table's.
ENDPOINT_SCOPES: dict[tuple[str, str], ScopeNeed] = {
    **{("accounting", name): _SETTINGS for name in (
        "Accounts", "BrandingThemes", "Currencies", "Items", "Organisation", "TaxRates",
        "TrackingCategories", "Users")},
    **{("accounting", name): _CONTACTS for name in ("Contacts", "ContactGroups")},
    **{("accounting", name): _INVOICES for name in (
        "Invoices", "CreditNotes", "LinkedTransactions", "PurchaseOrders", "Quotes",
        "RepeatingInvoices")},
    **{("accounting", name): _PAYMENTS for name in (
        "Payments", "BatchPayments", "Overpayments", "Prepayments")},
    **{("accounting", name): _BANK for name in ("BankTransactions", "BankTransfers")},
    ("accounting", "ManualJournals"): _MANUAL,
    ("accounting", "Journals"): _JOURNALS,
    ("payroll_au", "Employees"): _PAYROLL,
}


# Xero's Reports API (the xero__reports DAG): apps created since March 2026 ask for a scope per
# report (xero-api.md section 4.6, relaying Xero's scopes page); older apps have
# ``accounting.reports.read`` for all of them. No Journals needed: the reports are Xero's own.
REPORTS_BROAD = "accounting.reports.read"
REPORT_SCOPES: dict[str, ScopeNeed] = {
    "TrialBalance": ScopeNeed("accounting.reports.trialbalance.read", REPORTS_BROAD),
    "ProfitAndLoss": ScopeNeed("accounting.reports.profitandloss.read", REPORTS_BROAD),
    "BalanceSheet": ScopeNeed("accounting.reports.balancesheet.read", REPORTS_BROAD),
    "AgedReceivablesByContact": ScopeNeed("accounting.reports.aged.read", REPORTS_BROAD),
    "AgedPayablesByContact": ScopeNeed("accounting.reports.aged.read", REPORTS_BROAD),
}


def _distinct(scopes: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(scopes))


# What the connection form offers: what an app created since March 2026 may ask for, for every
# object and the report snapshots, but the two that need more than a scope (a Xero tier, a
# payroll product).
GRANULAR_DEFAULT = _distinct(
    [OFFLINE_ACCESS, *(need.granular for need in ENDPOINT_SCOPES.values() if not need.opt_in),
     *(need.granular for need in REPORT_SCOPES.values())])
OPT_IN = _distinct([need.granular for need in ENDPOINT_SCOPES.values() if need.opt_in])
# Every object of this package: what the sandbox set-ups (demo, tests, benchmarks) ask for.
EVERY_OBJECT = _distinct([*GRANULAR_DEFAULT, *OPT_IN])


def scope_for(api: str, resource: str, where: str = "") -> ScopeNeed:
    """The scope a mapping of ``resource`` (under ``api``) needs; refused when not known."""
    need = ENDPOINT_SCOPES.get((api, resource))
    if need is None:
        known = sorted(name for family, name in ENDPOINT_SCOPES if family == api)
        raise ConfigurationError(
            f"{where}resource: found {resource!r}; expected a Xero {api} endpoint this package "
            f"knows: {', '.join(known) or 'none'} (spelt as in Xero's API paths)")
    return need
