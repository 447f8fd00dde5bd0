"""What each Xero list endpoint accepts and returns: the facts of section 1 of xero-api.md.

The server reads behaviour from this table rather than from per-object code, so an endpoint's
paging, If-Modified-Since, filters and scope group are stated once, here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ACCOUNTING = "accounting"
PAYROLL_AU = "payroll_au"

# Scope groups: a request is allowed when the token holds any scope of the endpoint's group
# (".read" variants allow GET). Broad scopes predate March 2026; granular ones are required of
# apps created since (xero-api.md section 4.6).
SCOPES: dict[str, tuple[str, ...]] = {
    "settings": ("accounting.settings",),
    "contacts": ("accounting.contacts",),
    "invoices": ("accounting.transactions", "accounting.invoices"),
    "payments": ("accounting.transactions", "accounting.payments"),
    "banktransactions": ("accounting.transactions", "accounting.banktransactions"),
    "manualjournals": ("accounting.transactions", "accounting.manualjournals"),
    "journals": ("accounting.journals",),
    "reports": ("accounting.reports",),
    "items": ("accounting.settings", "accounting.invoices"),
    "payroll_employees": ("payroll.employees",),
}


@dataclass(frozen=True)
class Endpoint:
    """One list endpoint (and its get-by-id twin)."""

    name: str  # path segment, e.g. "Invoices"
    id_field: str
    scope_group: str
    collection: str = ""  # JSON collection key; defaults to name
    family: str = ACCOUNTING
    updated_field: str | None = "UpdatedDateUTC"
    if_modified_since: bool = False
    paged: bool = False  # accepts `page`
    page_size: bool = False  # accepts `pageSize` (and returns `pagination`)
    where: bool = True
    order: bool = True
    offset_paged: bool = False  # Journals
    include_archived: bool = False
    include_deleted: bool = False
    summary_only: bool = False
    alt_key: str | None = None  # second key accepted by get-by-id, e.g. InvoiceNumber
    detail_fields: tuple[str, ...] = ()  # returned only when paging or fetching one record
    list_fields: tuple[str, ...] = ()  # when set, all a list gives (paged or not); by id: all
    # Accepts unitdp=4 (the spec's endpoints with the parameter): unit prices come rounded to
    # two places unless it is sent.
    unit_decimals: bool = False
    hidden_statuses: tuple[str, ...] = ()  # not returned unless includeArchived / includeDeleted
    never_listed_statuses: tuple[str, ...] = ()  # never returned on GET (DELETED ContactGroups)
    status_field: str = "Status"
    retired: bool = False  # removed from Xero: answers 404 like an unknown route
    extra_filters: dict[str, str] = field(default_factory=dict)  # query param -> record field

    @property
    def key(self) -> str:
        """The JSON collection key of the response."""
        return self.collection or self.name


_LINES = ("LineItems",)
# What Payroll AU's employee list gives, paged or not: the fields of the list example in
# Xero's spec (XeroAPI/Xero-OpenAPI xero-payroll-au.yaml, GET /Employees, 200). The rest
# (HomeAddress, TaxDeclaration, BankAccounts, LeaveBalances, PayTemplate, ...) only comes with
# one employee by id (GET /Employees/{EmployeeID}): "this is how the Payroll AU API behaves"
# (Xero staff, XeroAPI/Xero-NetStandard#234; also XeroAPI/xero-node#576).
_EMPLOYEE_LIST_FIELDS = (
    "EmployeeID", "FirstName", "MiddleNames", "LastName", "Status", "Email", "DateOfBirth",
    "Gender", "Phone", "Mobile", "StartDate", "OrdinaryEarningsRateID", "PayrollCalendarID",
    "UpdatedDateUTC", "IsSTP2Qualified",
)

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("Accounts", "AccountID", "settings", if_modified_since=True),
    Endpoint(
        "BankTransactions", "BankTransactionID", "banktransactions",
        if_modified_since=True, paged=True, page_size=True, detail_fields=_LINES,
        unit_decimals=True,
    ),
    Endpoint(
        "BankTransfers", "BankTransferID", "banktransactions", updated_field="CreatedDateUTC",
        if_modified_since=True, include_deleted=True, hidden_statuses=("DELETED",),
    ),
    Endpoint("BatchPayments", "BatchPaymentID", "payments", if_modified_since=True),
    Endpoint(
        "BrandingThemes", "BrandingThemeID", "settings", updated_field=None,
        where=False, order=False,
    ),
    Endpoint(
        "Contacts", "ContactID", "contacts", if_modified_since=True, paged=True, page_size=True,
        include_archived=True, summary_only=True, alt_key="ContactNumber",
        hidden_statuses=("ARCHIVED",), status_field="ContactStatus",
        detail_fields=("ContactPersons", "ContactGroups", "PaymentTerms", "Balances",
                       "SalesTrackingCategories", "PurchasesTrackingCategories"),
        extra_filters={"IDs": "ContactID"},
    ),
    Endpoint(
        "ContactGroups", "ContactGroupID", "contacts", updated_field=None,
        detail_fields=("Contacts",), never_listed_statuses=("DELETED",),
    ),
    Endpoint(
        "CreditNotes", "CreditNoteID", "invoices", if_modified_since=True, paged=True,
        page_size=True, detail_fields=_LINES, unit_decimals=True,
    ),
    Endpoint("Currencies", "Code", "settings", updated_field=None),
    Endpoint(
        "Invoices", "InvoiceID", "invoices", if_modified_since=True, paged=True, page_size=True,
        include_archived=True, summary_only=True, alt_key="InvoiceNumber", detail_fields=_LINES,
        unit_decimals=True,
        extra_filters={"IDs": "InvoiceID", "InvoiceNumbers": "InvoiceNumber",
                       "ContactIDs": "Contact.ContactID", "Statuses": "Status"},
    ),
    Endpoint("Items", "ItemID", "items", if_modified_since=True, alt_key="Code",
             unit_decimals=True),
    Endpoint(
        "Journals", "JournalID", "journals", updated_field="CreatedDateUTC",
        if_modified_since=True, offset_paged=True, where=False, order=False,
        alt_key="JournalNumber",
    ),
    Endpoint(
        "LinkedTransactions", "LinkedTransactionID", "invoices", paged=True,
        where=False, order=False,
        extra_filters={"SourceTransactionID": "SourceTransactionID",
                       "TargetTransactionID": "TargetTransactionID",
                       "ContactID": "ContactID", "Status": "Status"},
    ),
    Endpoint(
        "ManualJournals", "ManualJournalID", "manualjournals", if_modified_since=True,
        paged=True, page_size=True, detail_fields=("JournalLines",),
    ),
    Endpoint(
        "Organisation", "OrganisationID", "settings", collection="Organisations",
        updated_field=None, where=False, order=False,
    ),
    Endpoint(
        "Overpayments", "OverpaymentID", "payments", if_modified_since=True, paged=True,
        page_size=True, detail_fields=_LINES, unit_decimals=True,
    ),
    Endpoint(
        "Payments", "PaymentID", "payments", if_modified_since=True, paged=True, page_size=True,
    ),
    Endpoint(
        "Prepayments", "PrepaymentID", "payments", if_modified_since=True, paged=True,
        page_size=True, detail_fields=_LINES, unit_decimals=True,
    ),
    Endpoint(
        "PurchaseOrders", "PurchaseOrderID", "invoices", if_modified_since=True, paged=True,
        page_size=True, where=False, alt_key="PurchaseOrderNumber", detail_fields=_LINES,
        extra_filters={"Status": "Status"},
    ),
    Endpoint(
        "Quotes", "QuoteID", "invoices", if_modified_since=True, paged=True, where=False,
        detail_fields=_LINES,
        extra_filters={"ContactID": "Contact.ContactID", "Status": "Status",
                       "QuoteNumber": "QuoteNumber"},
    ),
    Endpoint("RepeatingInvoices", "RepeatingInvoiceID", "invoices", updated_field=None),
    Endpoint("TaxRates", "TaxType", "settings", updated_field=None),
    Endpoint(
        "TrackingCategories", "TrackingCategoryID", "settings", updated_field=None,
        include_archived=True, hidden_statuses=("ARCHIVED",),
    ),
    Endpoint("Users", "UserID", "settings", if_modified_since=True),
    # Retired on 28 April 2026 (xero-api.md section 8; peers.md): Xero answers as for any
    # unknown resource. Employees live on in the Payroll API below.
    Endpoint("Employees", "EmployeeID", "settings", retired=True),
    Endpoint("ExpenseClaims", "ExpenseClaimID", "invoices", retired=True),
    Endpoint("Receipts", "ReceiptID", "invoices", retired=True),
    # Payroll (AU) API v1: same envelope and date conventions as Accounting, paged by 100.
    Endpoint(
        "Employees", "EmployeeID", "payroll_employees", family=PAYROLL_AU,
        if_modified_since=True, paged=True, list_fields=_EMPLOYEE_LIST_FIELDS,
    ),
)

# Granular report scopes of apps created since March 2026, one per report (xero-api.md 4.6);
# the broad accounting.reports(.read) allows them all.
REPORT_SCOPES = {
    "TrialBalance": "accounting.reports.trialbalance.read",
    "ProfitAndLoss": "accounting.reports.profitandloss.read",
    "BalanceSheet": "accounting.reports.balancesheet.read",
    "AgedReceivablesByContact": "accounting.reports.aged.read",
    "AgedPayablesByContact": "accounting.reports.aged.read",
}
# The Reports API (reports.py): computed, not listed, so not among the served endpoints.
REPORTS = Endpoint("Reports", "ReportID", "reports", updated_field=None, where=False,
                   order=False)

BASE_PATHS = {ACCOUNTING: "/api.xro/2.0", PAYROLL_AU: "/payroll.xro/1.0"}


def find(family: str, name: str) -> Endpoint | None:
    """The endpoint for a path segment, matched case-insensitively as Xero does."""
    lowered = name.lower()
    if family == ACCOUNTING and lowered == "reports":
        return REPORTS
    for endpoint in ENDPOINTS:
        if endpoint.family == family and endpoint.name.lower() == lowered:
            return endpoint
    return None


def served() -> list[Endpoint]:
    """Every endpoint that answers with data (retired ones excluded)."""
    return [endpoint for endpoint in ENDPOINTS if not endpoint.retired]
