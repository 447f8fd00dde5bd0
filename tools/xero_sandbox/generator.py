"""Deterministic, realistic Xero organisations for the sandbox, in Xero's JSON wire form.

Why generated rather than fixtures: the sync must meet realistic volume (10k-100k invoices per
tenant) and the awkward data a real organisation accumulates: several currencies, part payments,
credit allocations, voided and deleted documents, archived contacts, non-ASCII and quoted text,
pre-1970 and ``/Date(0)/`` dates, timestamps that collide to the second. Every tenant differs,
yet the same seed always yields the same bytes, so a failing sync reproduces.

Records are full detail, as GET-by-id returns them; the server trims detail-only fields. Money is
computed in integer cents so totals, allocations and journals add up exactly. `Books` holds the
rules that keep documents, payments and journals consistent; ``activity.py`` reuses it.
"""

from __future__ import annotations

import bisect
import copy
import functools
import itertools
import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from xero_sandbox.msdate import format_ms, iso_no_zone, parse_ms, to_ms

Record = dict[str, Any]

DAY_MS = 86_400_000
_GUID_CLEAR = ~(0xF000 << 64) & ~(0xC000 << 48)  # version and variant bits
_GUID_SET = 0x4000 << 64 | 0x8000 << 48  # version 4, RFC 4122 variant
START_MS = to_ms(datetime(2023, 1, 1, tzinfo=UTC))
ANCHOR_MS = to_ms(datetime(2026, 6, 30, tzinfo=UTC))

COLLECTION_KEYS = (
    "Accounts", "BankTransactions", "BankTransfers", "BatchPayments", "BrandingThemes",
    "Contacts", "ContactGroups", "CreditNotes", "Currencies", "Invoices", "Items", "Journals",
    "LinkedTransactions", "ManualJournals", "Organisations", "Overpayments", "Payments",
    "Prepayments", "PurchaseOrders", "Quotes", "RepeatingInvoices", "TaxRates",
    "TrackingCategories", "Users", "Employees",
)
# Collections whose records also carry the ISO twin of UpdatedDateUTC (xero-api.md section 3).
UTC_STRING_TWINS = frozenset({"Invoices", "CreditNotes", "Overpayments", "Payments", "Prepayments"})
POSTED = frozenset({"AUTHORISED", "PAID", "VOIDED"})


# --------------------------------------------------------------------------------------------
# Small value helpers


def guid(rng: random.Random) -> str:
    """A version-4 GUID drawn from ``rng``, so ids repeat exactly for the same seed.

    Same text as ``str(uuid.UUID(int=rng.getrandbits(128), version=4))``, twice as fast: a large
    tenant needs over a million of them.
    """
    value = rng.getrandbits(128) & _GUID_CLEAR | _GUID_SET
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def cents(amount: float) -> int:
    """Integer cents of a 2-dp wire amount: sums of cents never drift like float sums."""
    return round(amount * 100)


def money(amount_cents: int) -> float:
    """Wire form of an amount: a float with at most 2 dp."""
    return round(amount_cents / 100, 2)


def to_base(amount_cents: int, rate: float) -> int:
    """Base-currency cents of a foreign amount; Xero's CurrencyRate is foreign units per base."""
    return round(amount_cents / rate)


def day_ms(ms: int) -> int:
    """Midnight UTC of the day holding ``ms``: date-only fields are sent as that instant."""
    return ms - ms % DAY_MS


def date_text(ms: int) -> str:
    """Wire form of a date-only field."""
    return format_ms(day_ms(ms))


def set_date(record: Record, name: str, ms: int, twin: bool = False) -> None:
    """Set a date-only field and, where Xero sends one, its ``<name>String`` twin."""
    record[name] = date_text(ms)
    if twin:
        record[name + "String"] = _day_string(day_ms(ms))


@functools.lru_cache(maxsize=4096)
def _day_string(midnight_ms: int) -> str:
    """``yyyy-MM-ddT00:00:00`` of a day; cached because thousands of documents share a day."""
    return iso_no_zone(midnight_ms)


def stamp(record: Record, key: str, ms: int) -> None:
    """Set UpdatedDateUTC (and its ISO twin on the collections that have one)."""
    record["UpdatedDateUTC"] = format_ms(ms)
    if key in UTC_STRING_TWINS:
        record["UpdatedDateUTCString"] = iso_no_zone(ms) + "Z"


def ms_of(text: str) -> int:
    """The instant of a wire date; generated data only holds valid ones."""
    value = parse_ms(text)
    if value is None:
        raise ValueError(f"not an MS date: {text!r}")
    return value


def compact(record: Record) -> Record:
    """Drop None and empty-string values: Xero omits unset fields rather than sending null."""
    return {k: v for k, v in record.items() if v is not None and v != ""}


def summary(contact: Record) -> Record:
    """The contact summary Xero nests in documents."""
    return {"ContactID": contact["ContactID"], "Name": contact["Name"]}


def slug(text: str) -> str:
    """ASCII-only fragment for e-mail addresses and URLs (Xero rejects umlauts in e-mails)."""
    return re.sub(r"[^a-z0-9]+", "", text.lower())[:20]


# --------------------------------------------------------------------------------------------
# Time


class Clock:
    """Hands out timestamps between START_MS and ANCHOR_MS, some deliberately colliding.

    Bulk imports and batch runs make many real records share a second or even a millisecond;
    If-Modified-Since (second precision) and paging by UpdatedDateUTC must cope with that.
    """

    def __init__(self, rng: random.Random, limit_ms: int = ANCHOR_MS) -> None:
        self._rng = rng
        self._limit = limit_ms
        self._last: dict[str, int] = {}

    def after(self, lo_ms: int, mean_ms: int = DAY_MS) -> int:
        """A fresh moment not before ``lo_ms``, usually soon after it, never after the limit."""
        lo = min(max(lo_ms, START_MS), self._limit)
        moment = lo + int(self._rng.expovariate(1 / mean_ms))
        if moment > self._limit:
            moment = self._rng.randint(lo, self._limit)
        return moment

    def final(self, key: str, ms: int) -> int:
        """A record's UpdatedDateUTC: sometimes the previous record's exact ms or second."""
        last = self._last.get(key)
        roll = self._rng.random()
        if last is not None and ms <= last and roll < 0.12:
            second = last - last % 1000
            ms = last if roll < 0.07 else self._rng.randint(max(ms, second), second + 999)
            ms = min(ms, self._limit)
        self._last[key] = ms
        return ms

    def day(self, lo_ms: int = START_MS, hi_ms: int = ANCHOR_MS - 7 * DAY_MS) -> int:
        """A random midnight in [lo, hi]: the Date of a document."""
        return day_ms(self._rng.randint(lo_ms, max(lo_ms, hi_ms)))


# --------------------------------------------------------------------------------------------
# Country profiles


@dataclass(frozen=True)
class TaxSpec:
    """One tax rate of a country's default set; ``use`` says which lines may carry it."""

    tax_type: str
    name: str
    percent: float
    report: str
    use: str  # sales | purchases | none
    status: str = "ACTIVE"
    components: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Profile:
    """What differs between an NZ, AU, UK and US organisation."""

    country: str
    country_name: str
    currency: str
    version: str
    timezone: str
    suffixes: tuple[str, ...]
    tax_word: str
    fy_end_month: int
    tax_basis: str
    tax_period: str
    sales_tax: str
    purchase_tax: str
    no_tax: str
    taxes: tuple[TaxSpec, ...]
    cities: tuple[tuple[str, str, str], ...]
    phone_country: str


_NZ_TAXES = (
    TaxSpec("OUTPUT2", "15% GST on Income", 15.0, "OUTPUT", "sales"),
    TaxSpec("INPUT2", "15% GST on Expenses", 15.0, "INPUT", "purchases"),
    TaxSpec("NONE", "No GST", 0.0, "NONE", "none"),
    TaxSpec("ZERORATED", "Zero Rated", 0.0, "ZERORATEDOUTPUT", "sales"),
    TaxSpec("GSTONIMPORTS", "GST on Imports", 0.0, "GSTONIMPORTS", "purchases"),
    TaxSpec("EXEMPTOUTPUT", "Exempt Income", 0.0, "EXEMPTOUTPUT", "sales"),
    TaxSpec("EXEMPTINPUT", "Exempt Expenses", 0.0, "EXEMPTINPUT", "purchases"),
    TaxSpec("TAX001", "12.5% GST (pre-2010)", 12.5, "OUTPUT", "none", "ARCHIVED"),
    TaxSpec("TAX002", "Kōura levy 2% (deleted)", 2.0, "OUTPUT", "none", "DELETED"),
)
_AU_TAXES = (
    TaxSpec("OUTPUT", "GST on Income", 10.0, "OUTPUT", "sales"),
    TaxSpec("INPUT", "GST on Expenses", 10.0, "INPUT", "purchases"),
    TaxSpec("EXEMPTOUTPUT", "GST Free Income", 0.0, "EXEMPTOUTPUT", "sales"),
    TaxSpec("EXEMPTEXPENSES", "GST Free Expenses", 0.0, "EXEMPTEXPENSES", "purchases"),
    TaxSpec("BASEXCLUDED", "BAS Excluded", 0.0, "BASEXCLUDED", "none"),
    TaxSpec("INPUTTAXED", "Input Taxed", 0.0, "INPUTTAXED", "purchases"),
    TaxSpec("GSTONIMPORTS", "GST on Imports", 0.0, "GSTONIMPORTS", "purchases"),
    TaxSpec("CAPEXINPUT", "GST on Capital", 10.0, "CAPEXINPUT", "purchases"),
    TaxSpec("EXEMPTEXPORT", "GST Free Exports", 0.0, "EXEMPTEXPORT", "sales"),
    TaxSpec("TAX001", "Wine Equalisation Tax (old)", 29.0, "OUTPUT", "none", "ARCHIVED"),
)
_UK_TAXES = (
    TaxSpec("OUTPUT2", "20% (VAT on Income)", 20.0, "OUTPUT", "sales"),
    TaxSpec("INPUT2", "20% (VAT on Expenses)", 20.0, "INPUT", "purchases"),
    TaxSpec("RROUTPUT", "5% (VAT on Income)", 5.0, "OUTPUT", "sales"),
    TaxSpec("RRINPUT", "5% (VAT on Expenses)", 5.0, "INPUT", "purchases"),
    TaxSpec("ZERORATEDOUTPUT", "Zero Rated Income", 0.0, "ZERORATEDOUTPUT", "sales"),
    TaxSpec("ZERORATEDINPUT", "Zero Rated Expenses", 0.0, "ZERORATEDINPUT", "purchases"),
    TaxSpec("EXEMPTOUTPUT", "Exempt Income", 0.0, "EXEMPTOUTPUT", "sales"),
    TaxSpec("EXEMPTINPUT", "Exempt Expenses", 0.0, "EXEMPTINPUT", "purchases"),
    TaxSpec("NONE", "No VAT", 0.0, "NONE", "none"),
    TaxSpec("ECZROUTPUT", "Zero Rated EC Goods Income", 0.0, "ECOUTPUT", "none", "ARCHIVED"),
)
_US_TAXES = (
    TaxSpec("TAX001", "New York City (8.875%)", 8.875, "USSALESTAX", "sales", "ACTIVE",
            (("State Tax", 4.0), ("City Tax", 4.5), ("MCTD", 0.375))),
    TaxSpec("TAX002", "California (7.25%)", 7.25, "USSALESTAX", "sales", "ACTIVE",
            (("State Tax", 6.0), ("County Tax", 1.25))),
    TaxSpec("TAX003", "Texas (6.25%)", 6.25, "USSALESTAX", "sales"),
    TaxSpec("NONE", "Tax Exempt", 0.0, "NONE", "none"),
    TaxSpec("INPUT", "Tax on Purchases", 0.0, "INPUT", "purchases"),
    TaxSpec("TAX004", "Oregon (0%)", 0.0, "USSALESTAX", "sales"),
    TaxSpec("TAX005", "Old County Rate", 1.5, "USSALESTAX", "none", "ARCHIVED"),
)

PROFILES: dict[str, Profile] = {
    "NZ": Profile(
        "NZ", "New Zealand", "NZD", "NZ", "NEWZEALANDSTANDARDTIME", ("Limited", "Ltd"), "GST",
        3, "INVOICE", "TWOMONTHS", "OUTPUT2", "INPUT2", "NONE", _NZ_TAXES,
        (("Auckland", "Auckland", "1010"), ("Wellington", "Wellington", "6011"),
         ("Christchurch", "Canterbury", "8011"), ("Tauranga", "Bay of Plenty", "3110")), "64",
    ),
    "AU": Profile(
        "AU", "Australia", "AUD", "AU", "AUSEASTERNSTANDARDTIME", ("Pty Ltd", "Pty. Limited"),
        "GST", 6, "ACCRUALS", "QUARTERLY1", "OUTPUT", "INPUT", "BASEXCLUDED", _AU_TAXES,
        (("Sydney", "NSW", "2000"), ("Melbourne", "VIC", "3000"), ("Brisbane", "QLD", "4000"),
         ("Perth", "WA", "6000")), "61",
    ),
    "GB": Profile(
        "GB", "United Kingdom", "GBP", "UK", "GMTSTANDARDTIME", ("Ltd", "LLP", "plc"), "VAT",
        3, "ACCRUAL", "QUARTERLY1", "OUTPUT2", "INPUT2", "NONE", _UK_TAXES,
        (("London", "Greater London", "EC1A 1BB"), ("Manchester", "Greater Manchester", "M1 1AE"),
         ("Edinburgh", "Scotland", "EH1 1YZ"), ("Cardiff", "Wales", "CF10 1AA")), "44",
    ),
    "US": Profile(
        "US", "United States", "USD", "US", "EASTERNSTANDARDTIME", ("Inc.", "LLC", "Corp."),
        "Sales Tax", 12, "ACCRUAL", "NONE", "TAX001", "INPUT", "NONE", _US_TAXES,
        (("New York", "NY", "10001"), ("San Francisco", "CA", "94103"), ("Austin", "TX", "73301"),
         ("Portland", "OR", "97201")), "1",
    ),
}
_PROFILE_ORDER = ("NZ", "AU", "GB", "US")

USD_VALUE = {"NZD": 0.60, "AUD": 0.66, "GBP": 1.27, "USD": 1.0, "EUR": 1.08, "JPY": 0.0067}
CURRENCY_NAMES = {
    "NZD": "New Zealand Dollar", "AUD": "Australian Dollar", "GBP": "British Pound",
    "USD": "United States Dollar", "EUR": "Euro", "JPY": "Japanese Yen",
}
_FOREIGN_ORDER = ("EUR", "USD", "JPY", "AUD", "GBP", "NZD")

# (code, name, type, default tax use, system account); "{tax}" and "{fx}" are filled per org.
_CHART: tuple[tuple[str, str, str, str, str], ...] = (
    ("090", "Business Bank Account", "BANK", "none", ""),
    ("091", "Business Savings Account", "BANK", "none", ""),
    ("092", "{fx} Trading Account", "BANK", "none", ""),
    ("093", "Company Credit Card", "BANK", "none", ""),
    ("200", "Sales", "REVENUE", "sales", ""),
    ("260", "Other Revenue", "REVENUE", "sales", ""),
    ("270", "Interest Income", "OTHERINCOME", "none", ""),
    ("300", "Purchases", "DIRECTCOSTS", "purchases", ""),
    ("310", "Cost of Goods Sold", "DIRECTCOSTS", "purchases", ""),
    ("400", "Advertising", "OVERHEADS", "purchases", ""),
    ("404", "Bank Fees", "OVERHEADS", "none", ""),
    ("408", "Cleaning", "OVERHEADS", "purchases", ""),
    ("412", "Consulting & Accounting", "EXPENSE", "purchases", ""),
    ("416", "Depreciation", "DEPRECIATN", "none", ""),
    ("420", "Entertainment", "OVERHEADS", "purchases", ""),
    ("425", "Freight & Courier", "EXPENSE", "purchases", ""),
    ("429", "General Expenses", "EXPENSE", "purchases", ""),
    ("433", "Insurance", "EXPENSE", "purchases", ""),
    ("445", "Light, Power, Heating", "EXPENSE", "purchases", ""),
    ("449", "Motor Vehicle Expenses", "EXPENSE", "purchases", ""),
    ("453", "Office Expenses", "EXPENSE", "purchases", ""),
    ("461", "Printing & Stationery", "EXPENSE", "purchases", ""),
    ("469", "Rent", "EXPENSE", "purchases", ""),
    ("473", "Repairs and Maintenance", "EXPENSE", "purchases", ""),
    ("477", "Wages and Salaries", "EXPENSE", "none", ""),
    ("485", "Subscriptions", "EXPENSE", "purchases", ""),
    ("489", "Telephone & Internet", "EXPENSE", "purchases", ""),
    ("493", "Travel - National", "EXPENSE", "purchases", ""),
    ("497", "Bank Revaluations", "OVERHEADS", "none", "BANKCURRENCYGAIN"),
    ("498", "Unrealised Currency Gains", "OVERHEADS", "none", "UNREALISEDCURRENCYGAIN"),
    ("499", "Realised Currency Gains", "OVERHEADS", "none", "REALISEDCURRENCYGAIN"),
    ("610", "Accounts Receivable", "CURRENT", "none", "DEBTORS"),
    ("620", "Prepayments", "CURRENT", "none", ""),
    ("630", "Inventory", "INVENTORY", "none", ""),
    ("710", "Office Equipment", "FIXED", "purchases", ""),
    ("720", "Computer Equipment", "FIXED", "purchases", ""),
    ("800", "Accounts Payable", "CURRLIAB", "none", "CREDITORS"),
    ("814", "Wages Payable - Payroll", "CURRLIAB", "none", "WAGEPAYABLES"),
    ("820", "{tax}", "CURRLIAB", "none", "GST"),
    ("840", "Historical Adjustment", "CURRLIAB", "none", "HISTORICAL"),
    ("850", "Suspense", "CURRLIAB", "none", ""),
    ("860", "Rounding", "CURRLIAB", "none", "ROUNDING"),
    ("877", "Tracking Transfers", "CURRLIAB", "none", "TRACKINGTRANSFERS"),
    ("880", "Owner's Drawings", "EQUITY", "none", ""),
    ("900", "Loan", "TERMLIAB", "none", ""),
    ("960", "Retained Earnings", "EQUITY", "none", "RETAINEDEARNINGS"),
    ("970", "Owner A Share Capital", "EQUITY", "none", ""),
    ("455", "Petty Cash (old) — do not use", "EXPENSE", "none", ""),
)
_ARCHIVED_ACCOUNT = "455"
_CLASS_OF_TYPE = {
    "BANK": "ASSET", "CURRENT": "ASSET", "FIXED": "ASSET", "INVENTORY": "ASSET",
    "NONCURRENT": "ASSET", "PREPAYMENT": "ASSET", "CURRLIAB": "LIABILITY", "LIABILITY": "LIABILITY",
    "TERMLIAB": "LIABILITY", "PAYG": "LIABILITY", "EQUITY": "EQUITY", "DEPRECIATN": "EXPENSE",
    "DIRECTCOSTS": "EXPENSE", "EXPENSE": "EXPENSE", "OVERHEADS": "EXPENSE",
    "OTHERINCOME": "REVENUE", "REVENUE": "REVENUE", "SALES": "REVENUE",
}

# How each document posts: (journal SourceType, sign of its lines, control account role).
# Sign -1 credits the lines (income); the control line (AR, AP or bank) takes the balance.
POSTING: dict[tuple[str, str], tuple[str, int, str]] = {
    ("Invoices", "ACCREC"): ("ACCREC", -1, "ar"),
    ("Invoices", "ACCPAY"): ("ACCPAY", 1, "ap"),
    ("CreditNotes", "ACCRECCREDIT"): ("ACCRECCREDIT", 1, "ar"),
    ("CreditNotes", "ACCPAYCREDIT"): ("ACCPAYCREDIT", -1, "ap"),
    ("BankTransactions", "RECEIVE"): ("CASHREC", -1, "bank"),
    ("BankTransactions", "SPEND"): ("CASHPAID", 1, "bank"),
    ("Prepayments", "RECEIVE-PREPAYMENT"): ("ARPREPAYMENT", -1, "bank"),
    ("Prepayments", "SPEND-PREPAYMENT"): ("APPREPAYMENT", 1, "bank"),
    ("Overpayments", "RECEIVE-OVERPAYMENT"): ("AROVERPAYMENT", -1, "bank"),
    ("Overpayments", "SPEND-OVERPAYMENT"): ("APOVERPAYMENT", 1, "bank"),
}
# Payment type and the sign of its bank line (+1 = money in), by the paid document's Type.
PAYMENT_KINDS = {
    "ACCREC": ("ACCRECPAYMENT", 1), "ACCPAY": ("ACCPAYPAYMENT", -1),
    "ACCRECCREDIT": ("ARCREDITPAYMENT", -1), "ACCPAYCREDIT": ("APCREDITPAYMENT", 1),
}
_CREDIT_LINKS = {  # credit collection -> (id field, number field, invoice list field)
    "CreditNotes": ("CreditNoteID", "CreditNoteNumber", "CreditNotes"),
    "Prepayments": ("PrepaymentID", "", "Prepayments"),
    "Overpayments": ("OverpaymentID", "", "Overpayments"),
}

# --------------------------------------------------------------------------------------------
# Text that a sync must carry through unharmed

SPECIAL_CONTACTS = (
    "Müller & Söhne GmbH", "株式会社テスト", "Café Ōtautahi", "O'Brien's Plumbing & Gas",
    'The "Best" Widgets Co.', "Łódź Import—Export Sp. z o.o.", "🚀 Rocket Supplies 🦄",
    "Ngā Tāonga Whānau Trust", "Ærøskøbing Fiskeri ApS", "Déjà Vu Café & Bar",
)
_FIRST = ("Aroha", "James", "Mei", "Oliver", "Siobhán", "Zoë", "José", "Hēmi", "Emma", "Liam",
          "Priya", "Noah", "Chloé", "Ngaio", "Björn", "Fatima", "Tama", "Grace")
_LAST = ("Smith", "Ngata", "O'Brien", "Müller", "Williams", "Brown", "Tanaka", "García", "Wilson",
         "Nguyen", "Kowalski", "Taylor", "Singh", "Davies", "Dubois", "Rāwiri", "Chen", "Patel")
_CO_A = ("Harbour", "Kauri", "Summit", "Blue Fern", "Southern Cross", "Pōhutukawa", "Riverside",
         "Ironbark", "Silver Birch", "Pacific", "Highland", "Coastal", "Golden Wattle",
         "Red Tussock", "Maple", "Northwind", "Tūī", "Lighthouse", "Granite", "Evergreen")
_CO_B = ("Traders", "Logistics", "Plumbing", "Design Studio", "Consulting", "Bakery",
         "Engineering", "Electrical", "Cleaning Services", "Software", "Hardware", "Landscaping",
         "Catering", "Motors", "Printing", "Pharmacy", "Fisheries", "Vineyards", "Builders")
_STREETS = ("Queen Street", "High Street", "Main Street", "Te Awe Awe Street", "Rue de l'Église",
            "King's Road", "Kōwhai Lane", "Market Square", "Gänsemarkt")
_SALES_TEXT = ("Consulting services", "Monthly retainer — June", "Design work (phase 2)",
               'Widgets 3/8" (box of 100)', "Installation & commissioning", "Café catering",
               "Support plan — annual", "Training: \"Xero for beginners\"", "Hire of equipment",
               "Travel recharge", "Ōtautahi site visit")
_PURCHASE_TEXT = ("Office supplies", "Courier — overnight", "Software subscription", "Power bill",
                  "Rent for the month", "Fuel", "Cleaning (weekly)", "Stationery & toner",
                  "Hardware parts", "Advertising — Facebook", "Parking at O'Connell St")
_ITEM_NAMES = ("Standard Widget", "Deluxe Widget", "Crème Brûlée Kit", "Kōwhai Seeds (50g)",
               "Consulting Hour", "Installation — On-site", "Müsli Bar 12-pack",
               'Cable 3/8" x 10m', "Chef's Knife", "Espresso Beans 1kg", "Hi-Vis Vest",
               "Printer Paper A4", "Kawakawa Balm", "Pounamu Pendant", "Service Call-out",
               "Annual Support Plan", "Delivery", "Gift Card", "Laptop Stand", "USB-C Hub",
               "Ergonomic Chair", "Desk Lamp", "Whiteboard Markers", "Safety Boots",
               "Coffee Grinder", "Tea Towel (Māori design)", "Wool Blanket", "Notebook A5")
_NARRATIONS = ("Accrual for Q3 — \"estimated\"", "Depreciation — Ōtautahi office",
               "Correction: O'Brien's bill", "Reclass of café expenses", "Year-end adjustment",
               "Prepaid insurance release", "Wages accrual 💼")


# --------------------------------------------------------------------------------------------
# Books: reference data plus the arithmetic of documents, payments and journals


class Books:
    """An organisation's ledger rules over its reference data.

    Built from generated settings, or from a live sandbox tenant when simulating activity, so new
    documents made later follow exactly the same rules (totals, allocations, balanced journals).
    """

    def __init__(self, rng: random.Random, profile: Profile,
                 collections: Mapping[str, Iterable[Record]]) -> None:
        self.rng = rng
        self.profile = profile
        self.base = profile.currency
        self.accounts = {a["Code"]: a for a in collections["Accounts"] if "Code" in a}
        self.taxes = {t["TaxType"]: t for t in collections["TaxRates"]}
        self.currencies = [c["Code"] for c in collections["Currencies"]]
        self.tracking = _tracking_choices(collections["TrackingCategories"])
        self.items = list(collections["Items"])
        self.themes = [t["BrandingThemeID"] for t in collections["BrandingThemes"]]
        self.journals: list[tuple[int, Record]] = []
        self._roles()

    @classmethod
    def from_collections(cls, rng: random.Random,
                         collections: Mapping[str, Iterable[Record]]) -> Books:
        """Books for an existing tenant: the profile is found from its Organisation record."""
        org = next(iter(collections["Organisations"]))
        return cls(rng, PROFILES[org["CountryCode"]], collections)

    def _roles(self) -> None:
        """Find the accounts each posting needs, by system role, type and currency."""
        active = {c: a for c, a in self.accounts.items() if a.get("Status") == "ACTIVE"}
        system = {a["SystemAccount"]: c for c, a in active.items() if a.get("SystemAccount")}
        self.ar, self.ap = system["DEBTORS"], system["CREDITORS"]
        self.tax_account, self.fx_account = system["GST"], system["REALISEDCURRENCYGAIN"]
        banks = [c for c, a in active.items()
                 if a["Type"] == "BANK" and a.get("BankAccountType", "BANK") == "BANK"]
        self.banks = [c for c in banks if _currency_of(active[c], self.base) == self.base]
        self.foreign_banks = [c for c in banks if _currency_of(active[c], self.base) != self.base]
        plain = {c: a for c, a in active.items() if not a.get("SystemAccount")}
        self.revenue = [c for c, a in plain.items() if a.get("TaxType") == self.profile.sales_tax]
        self.expense = [c for c, a in plain.items()
                        if a.get("TaxType") == self.profile.purchase_tax and a["Type"] != "FIXED"]
        self.balance_sheet = [c for c, a in plain.items()
                              if a["Type"] in ("CURRLIAB", "FIXED", "EQUITY", "CURRENT")]
        live = [s for s in self.profile.taxes if s.status == "ACTIVE" and s.tax_type in self.taxes]
        self.side_taxes = {
            "sales": [s.tax_type for s in live if s.use == "sales"],
            "purchases": [s.tax_type for s in live if s.use == "purchases"],
        }

    def guid(self) -> str:
        """A new GUID from this organisation's random stream."""
        return guid(self.rng)

    def rate(self, currency: str) -> float:
        """Today's CurrencyRate for ``currency`` (foreign units per base unit), 1.0 for base."""
        if currency == self.base:
            return 1.0
        table = USD_VALUE[self.base] / USD_VALUE[currency]
        return round(table * self.rng.uniform(0.95, 1.05), 6)

    # ---- lines and totals ------------------------------------------------------------------

    def line_items(self, side: str, count: int, amount_types: str,
                   discount: bool = False) -> list[Record]:
        """``count`` realistic lines for a sales or purchases document."""
        return [self._line(side, amount_types, discount) for _ in range(count)]

    def _line(self, side: str, amount_types: str, discount: bool) -> Record:
        """One line: quantity x unit (less discount), taxed per its TaxType, maybe tracked."""
        rng = self.rng
        item = rng.choice(self.items) if self.items and rng.random() < 0.4 else None
        code, tax_type, text, unit = self._line_basis(side, item)
        rate = rng.choice((5.0, 10.0, 12.5, 15.0)) if discount and rng.random() < 0.1 else 0.0
        if amount_types in ("NoTax", "NOTAX"):
            tax_type = self.profile.no_tax
        line: Record = {
            "LineItemID": self.guid(), "Description": text, "Quantity": self._quantity(),
            "UnitAmount": unit, "AccountCode": code, "AccountID": self.accounts[code]["AccountID"],
            "TaxType": tax_type,
        }
        if rate:
            line["DiscountRate"] = rate
        tracking = self.tracking_refs()
        if tracking:
            line["Tracking"] = tracking
        if item is not None:
            line["ItemCode"] = item["Code"]
            line["Item"] = {"ItemID": item["ItemID"], "Name": item["Name"], "Code": item["Code"]}
        self.price_line(line, amount_types)
        return line

    def price_line(self, line: Record, amount_types: str) -> None:
        """LineAmount and TaxAmount from quantity, unit price, discount and tax type."""
        gross = round(line["Quantity"] * line["UnitAmount"] * 100)
        amount = round(gross * (100 - line.get("DiscountRate", 0.0)) / 100)
        line["TaxAmount"] = money(self.tax_of(amount, line["TaxType"], amount_types))
        line["LineAmount"] = money(amount)

    def _line_basis(self, side: str, item: Record | None) -> tuple[str, str, str, float]:
        """Account, tax type, description and unit price: from the item when one is used."""
        details = (item or {}).get("SalesDetails" if side == "sales" else "PurchaseDetails")
        if item is not None and details and "UnitPrice" in details:
            code = details.get("AccountCode") or item.get("InventoryAssetAccountCode") or ""
            text = item.get("Description" if side == "sales" else "PurchaseDescription")
            if code in self.accounts:
                return code, details["TaxType"], text or item["Name"], details["UnitPrice"]
        rng = self.rng
        code = rng.choice(self.revenue if side == "sales" else self.expense)
        tax_type = self.accounts[code].get("TaxType", self.profile.no_tax)
        if rng.random() < 0.15 and self.side_taxes[side]:
            tax_type = rng.choice(self.side_taxes[side])
        text = rng.choice(_SALES_TEXT if side == "sales" else _PURCHASE_TEXT)
        return code, tax_type, text, self.price()

    def _quantity(self) -> float:
        """Mostly whole units, sometimes fractions up to 4 dp (hours, kilograms)."""
        roll = self.rng.random()
        if roll < 0.7:
            return float(self.rng.randint(1, 10))
        if roll < 0.9:
            return round(self.rng.uniform(0.25, 20), 2)
        return round(self.rng.uniform(0.1, 5), 4)

    def price(self) -> float:
        """A unit price, skewed like real price lists; a few carry 4 dp (unitdp=4)."""
        price = min(max(self.rng.lognormvariate(4.0, 1.1), 1.0), 20000.0)
        return round(price, 4 if self.rng.random() < 0.05 else 2)

    def tax_of(self, amount: int, tax_type: str, amount_types: str) -> int:
        """Tax cents on a line amount, exclusive or inclusive of tax."""
        percent = self.taxes[tax_type].get("EffectiveRate", 0.0)
        if amount_types in ("NoTax", "NOTAX") or not percent:
            return 0
        if amount_types in ("Inclusive", "INCLUSIVE"):
            return round(amount * percent / (100 + percent))
        return round(amount * percent / 100)

    def tracking_refs(self) -> list[Record]:
        """Zero to two tracking references (one per category), as on a line item."""
        refs = []
        for options in self.tracking:
            if options and self.rng.random() < 0.45:
                refs.append(dict(self.rng.choice(options)))
        return refs

    def line_for_amount(self, side: str, total: int, amount_types: str) -> Record:
        """A single line whose document total is about ``total`` cents (credits, prepayments)."""
        tax_type = self.profile.sales_tax if side == "sales" else self.profile.purchase_tax
        if amount_types == "NoTax":
            tax_type = self.profile.no_tax
        percent = self.taxes[tax_type].get("EffectiveRate", 0.0)
        amount = total if amount_types != "Exclusive" else round(total * 100 / (100 + percent))
        code = self.rng.choice(self.revenue if side == "sales" else self.expense)
        line = {
            "LineItemID": self.guid(), "Description": "Credit — see original document",
            "Quantity": 1.0, "UnitAmount": money(amount), "AccountCode": code,
            "AccountID": self.accounts[code]["AccountID"], "TaxType": tax_type,
            "TaxAmount": money(self.tax_of(amount, tax_type, amount_types)),
            "LineAmount": money(amount),
        }
        return line

    @staticmethod
    def set_totals(record: Record) -> None:
        """SubTotal, TotalTax, Total and TotalDiscount from the lines, as Xero computes them."""
        inclusive = record.get("LineAmountTypes") in ("Inclusive", "INCLUSIVE")
        amount = tax = discount = 0
        for line in record["LineItems"]:
            amount += cents(line["LineAmount"])
            tax += cents(line.get("TaxAmount", 0.0))
            if "DiscountRate" in line:
                discount += round(line["Quantity"] * line["UnitAmount"] * 100)
                discount -= cents(line["LineAmount"])
        sub = amount - tax if inclusive else amount
        record["SubTotal"], record["TotalTax"] = money(sub), money(tax)
        record["Total"] = money(sub + tax)
        if discount:
            record["TotalDiscount"] = money(discount)

    # ---- journals ----------------------------------------------------------------------------

    def journal(self, source_id: str, source_type: str, journal_date: str, created_ms: int,
                lines: list[Record], reference: str | None = None) -> Record:
        """Record a journal; JournalNumber is assigned later in CreatedDateUTC order."""
        record = compact({
            "JournalID": self.guid(), "JournalDate": journal_date, "JournalNumber": 0,
            "CreatedDateUTC": format_ms(created_ms), "Reference": reference,
            "SourceID": source_id, "SourceType": source_type, "JournalLines": lines,
        })
        self.journals.append((created_ms, record))
        return record

    def journal_line(self, code: str, net: int, tax: int = 0, tax_type: str | None = None,
                     source: Record | None = None) -> Record:
        """One journal line; ``source`` is the document line it comes from, if any."""
        account = self.accounts[code]
        line: Record = {  # built key by key, not compacted: this runs a million times at scale
            "JournalLineID": self.guid(), "AccountID": account["AccountID"], "AccountCode": code,
            "AccountType": account["Type"], "AccountName": account["Name"],
        }
        if source is not None and source.get("Description"):
            line["Description"] = source["Description"]
        line["NetAmount"], line["GrossAmount"] = money(net), money(net + tax)
        line["TaxAmount"] = money(tax)
        if tax_type:
            line["TaxType"], line["TaxName"] = tax_type, self.taxes[tax_type]["Name"]
        if source is not None and source.get("Tracking"):
            line["TrackingCategories"] = [dict(ref) for ref in source["Tracking"]]
        return line

    def document_lines(self, record: Record, sign: int, control: str) -> list[Record]:
        """Balanced journal lines of a document: its lines, tax, and the control account."""
        rate = record.get("CurrencyRate", 1.0)
        inclusive = record.get("LineAmountTypes") == "Inclusive"
        lines: list[Record] = []
        total = tax_total = 0
        for item in record["LineItems"]:
            tax = to_base(cents(item.get("TaxAmount", 0.0)), rate)
            gross = cents(item["LineAmount"])
            net = to_base(gross - cents(item.get("TaxAmount", 0.0)) if inclusive else gross, rate)
            lines.append(self.journal_line(item["AccountCode"], sign * net, sign * tax,
                                           item.get("TaxType"), item))
            total += net + tax
            tax_total += tax
        if tax_total:
            lines.append(self.journal_line(self.tax_account, sign * tax_total))
        lines.append(self.journal_line(control, -sign * total))
        return lines

    def control_for(self, key: str, record: Record,
                    bank: str | None = None) -> tuple[str, int, str]:
        """Journal SourceType, line sign and control account code for a document."""
        source_type, sign, role = POSTING[(key, record["Type"])]
        if role == "bank":
            code = bank or record["BankAccount"]["Code"]
        else:
            code = self.ar if role == "ar" else self.ap
        return source_type, sign, code

    def post_document(self, key: str, record: Record, created_ms: int, id_field: str,
                      bank: str | None = None, reverse: bool = False) -> Record:
        """Post (or, with ``reverse``, reverse) a document's journal at ``created_ms``."""
        source_type, sign, control = self.control_for(key, record, bank)
        lines = self.document_lines(record, -sign if reverse else sign, control)
        reference = record.get("InvoiceNumber") or record.get("CreditNoteNumber")
        return self.journal(record[id_field], source_type, record["Date"], created_ms, lines,
                            reference or record.get("Reference"))

    def payment_lines(self, payment: Record, document: Record, sign: int) -> list[Record]:
        """Bank against AR/AP at the document's rate; any rate difference is an FX gain/loss."""
        amount = cents(payment["Amount"])
        bank = to_base(amount, payment.get("CurrencyRate", 1.0))
        control_base = to_base(amount, document.get("CurrencyRate", 1.0))
        control = self.ar if document["Type"] in ("ACCREC", "ACCRECCREDIT") else self.ap
        lines = [self.journal_line(payment["Account"]["Code"], sign * bank),
                 self.journal_line(control, -sign * control_base)]
        if bank != control_base:
            lines.append(self.journal_line(self.fx_account, sign * (control_base - bank)))
        return lines

    def numbered_journals(self, first_number: int = 1) -> list[Record]:
        """All recorded journals in CreatedDateUTC order, numbered from ``first_number``."""
        ordered = sorted(self.journals, key=lambda pair: pair[0])
        for number, (_, journal) in enumerate(ordered, start=first_number):
            journal["JournalNumber"] = number
        return [journal for _, journal in ordered]

    # ---- documents ---------------------------------------------------------------------------

    def invoice(self, inv_type: str, contact: Record, number: str | None, date_ms: int,
                status: str, lines: int, amount_types: str) -> Record:
        """A new invoice or bill with lines and totals; payments come later via `payment`."""
        rng = self.rng
        currency = contact.get("DefaultCurrency", self.base)
        sales = inv_type == "ACCREC"
        record = compact({
            "Type": inv_type, "InvoiceID": self.guid(), "InvoiceNumber": number,
            "Reference": _reference(rng) if sales else None, "Contact": summary(contact),
            "Status": status, "LineAmountTypes": amount_types,
            "LineItems": self.line_items("sales" if sales else "purchases", lines, amount_types,
                                         discount=sales),
            "CurrencyCode": currency, "CurrencyRate": self.rate(currency),
            "BrandingThemeID": rng.choice(self.themes) if sales and self.themes else None,
            "HasAttachments": rng.random() < 0.05, "HasErrors": False,
        })
        set_date(record, "Date", date_ms, twin=True)
        set_date(record, "DueDate", date_ms + rng.choice((7, 14, 20, 30, 60)) * DAY_MS, twin=True)
        self.set_totals(record)
        record["IsDiscounted"] = "TotalDiscount" in record
        record.update({"AmountDue": record["Total"], "AmountPaid": 0.0, "AmountCredited": 0.0,
                       "Payments": [], "CreditNotes": [], "Prepayments": [], "Overpayments": []})
        return record

    def credit_note(self, cn_type: str, contact: Record, number: str | None, date_ms: int,
                    status: str, lines: list[Record], amount_types: str) -> Record:
        """A new credit note; allocations and refunds come later."""
        currency = contact.get("DefaultCurrency", self.base)
        record = compact({
            "Type": cn_type, "CreditNoteID": self.guid(), "CreditNoteNumber": number,
            "Reference": _reference(self.rng) if self.rng.random() < 0.3 else None,
            "Contact": summary(contact), "Status": status, "LineAmountTypes": amount_types,
            "LineItems": lines, "CurrencyCode": currency, "CurrencyRate": self.rate(currency),
            "HasAttachments": False, "HasErrors": False,
        })
        set_date(record, "Date", date_ms)
        self.set_totals(record)
        if status in ("AUTHORISED", "PAID"):
            record["RemainingCredit"] = record["Total"]
        record.update({"Allocations": [], "Payments": []})
        return record

    def payment(self, document: Record, amount: int, date_ms: int, created_ms: int,
                bank: str | None = None) -> Record:
        """Pay (or refund) ``amount`` cents of a document: posts the journal and applies it."""
        payment_type, sign = PAYMENT_KINDS[document["Type"]]
        account = self.accounts[bank or self.rng.choice(self.banks)]
        foreign = document.get("CurrencyCode", self.base) != self.base
        rate = round(document["CurrencyRate"] * self.rng.uniform(0.98, 1.02), 6) if foreign else 1.0
        record = compact({
            "PaymentID": self.guid(), "Date": date_text(date_ms),
            "BankAmount": money(to_base(amount, rate)), "Amount": money(amount),
            "CurrencyRate": rate, "Reference": _payment_reference(self.rng, document),
            "IsReconciled": self.rng.random() < 0.8, "Status": "AUTHORISED",
            "PaymentType": payment_type, "HasAccount": False, "HasValidationErrors": False,
            "Account": {"AccountID": account["AccountID"], "Code": account["Code"]},
        })
        record.update(_paid_document(document))
        stamp(record, "Payments", created_ms)
        lines = self.payment_lines(record, document, sign)
        self.journal(record["PaymentID"], payment_type, record["Date"], created_ms, lines)
        self._apply_payment(document, record, amount, date_ms)
        return record

    def delete_payment(self, payment: Record, document: Record, deleted_ms: int) -> None:
        """Delete a payment: reverse its journal and take it off the document again."""
        payment_type, sign = PAYMENT_KINDS[document["Type"]]
        lines = self.payment_lines(payment, document, -sign)
        self.journal(payment["PaymentID"], payment_type, payment["Date"], deleted_ms, lines)
        payment["Status"] = "DELETED"
        stamp(payment, "Payments", deleted_ms)
        document["Payments"] = [p for p in document["Payments"]
                                if p["PaymentID"] != payment["PaymentID"]]
        amount = cents(payment["Amount"])
        if "InvoiceID" in document:
            document["AmountPaid"] = money(cents(document["AmountPaid"]) - amount)
        else:
            document["RemainingCredit"] = money(cents(document["RemainingCredit"]) + amount)
        document.pop("FullyPaidOnDate", None)
        document["Status"] = "AUTHORISED"
        self.refresh_due(document, payment["Date"])

    def _apply_payment(self, document: Record, payment: Record, amount: int, date_ms: int) -> None:
        """Add the payment summary to the document and move its amounts and status."""
        document["Payments"].append(compact({
            "PaymentID": payment["PaymentID"], "Date": payment["Date"], "Amount": payment["Amount"],
            "CurrencyRate": payment["CurrencyRate"], "Reference": payment.get("Reference"),
            "HasAccount": False, "HasValidationErrors": False,
        }))
        if "InvoiceID" in document:
            document["AmountPaid"] = money(cents(document["AmountPaid"]) + amount)
        else:
            document["RemainingCredit"] = money(cents(document["RemainingCredit"]) - amount)
        self.refresh_due(document, date_text(date_ms))

    @staticmethod
    def refresh_due(document: Record, settled_on: str) -> None:
        """AmountDue (invoices) / RemainingCredit (credits) decide PAID; record when it happened."""
        if "InvoiceID" in document:
            due = cents(document["Total"]) - cents(document["AmountPaid"])
            due -= cents(document["AmountCredited"])
            document["AmountDue"] = money(due)
        else:
            due = cents(document["RemainingCredit"])
        if due == 0 and document["Status"] == "AUTHORISED":
            document["Status"] = "PAID"
            if "InvoiceID" in document or "CreditNoteID" in document:
                document["FullyPaidOnDate"] = settled_on

    def allocate(self, key: str, credit: Record, invoice: Record, amount: int,
                 date_ms: int) -> None:
        """Apply ``amount`` cents of a credit note, prepayment or overpayment to an invoice."""
        id_field, number_field, list_field = _CREDIT_LINKS[key]
        credit["Allocations"].append(compact({
            "AllocationID": self.guid(), "Amount": money(amount), "Date": date_text(date_ms),
            "Invoice": compact({"InvoiceID": invoice["InvoiceID"],
                                "InvoiceNumber": invoice.get("InvoiceNumber")}),
        }))
        credit["RemainingCredit"] = money(cents(credit["RemainingCredit"]) - amount)
        self.refresh_due(credit, date_text(date_ms))
        link = {id_field: credit[id_field]}
        if number_field and credit.get(number_field):
            link[number_field] = credit[number_field]
        link.update({"AppliedAmount": money(amount), "Date": credit["Date"],
                     "Total": credit["Total"]})
        invoice[list_field].append(link)
        invoice["AmountCredited"] = money(cents(invoice["AmountCredited"]) + amount)
        self.refresh_due(invoice, date_text(date_ms))

    def void(self, key: str, record: Record, id_field: str, void_ms: int,
             bank: str | None = None) -> None:
        """Void a posted document: a reversing journal, Status VOIDED, nothing left to pay."""
        self.post_document(key, record, void_ms, id_field, bank, reverse=True)
        record["Status"] = "VOIDED"
        if "AmountDue" in record:
            record["AmountDue"] = 0.0
        if "RemainingCredit" in record:
            record["RemainingCredit"] = 0.0
        stamp(record, key, void_ms)

    def contact(self, index: int, name: str, role: str, currency: str | None) -> Record:
        """A contact with addresses, phones and the optional details real contacts carry."""
        rng, profile = self.rng, self.profile
        supplier = role in ("supplier", "both")
        customer = role in ("customer", "both")
        record = compact({
            "ContactID": self.guid(),
            "ContactNumber": f"C{index:06d}" if rng.random() < 0.3 else None,
            "AccountNumber": f"ACC-{index:05d}" if rng.random() < 0.2 else None,
            "ContactStatus": "ACTIVE", "Name": name, **_person(rng),
            "EmailAddress": f"accounts{index}@{slug(name) or 'contact'}.example.com",
            "BankAccountDetails": _bank_number(rng) if supplier else None,
            "TaxNumber": f"{rng.randint(10, 99)}-{rng.randint(100, 999)}-{rng.randint(100, 999)}"
            if rng.random() < 0.4 else None,
            "AccountsReceivableTaxType": profile.sales_tax if customer else None,
            "AccountsPayableTaxType": profile.purchase_tax if supplier else None,
            "Addresses": _addresses(rng, profile), "Phones": _phones(rng, profile),
            "IsSupplier": False, "IsCustomer": False, "DefaultCurrency": currency,
            "HasAttachments": False, "HasValidationErrors": False,
        })
        record.update(self._contact_extras(role))
        record.update(_contact_details(index, name, customer, self.themes))
        return record

    def _contact_extras(self, role: str) -> Record:
        """Optional contact details: people, terms, defaults, batch-payment bank details."""
        rng = self.rng
        extras: Record = {}
        if rng.random() < 0.3:
            extras["ContactPersons"] = [_contact_person(rng) for _ in range(rng.randint(1, 2))]
        if rng.random() < 0.25:
            term = {"Day": rng.choice((7, 14, 20, 30)), "Type": rng.choice(
                ("DAYSAFTERBILLDATE", "OFFOLLOWINGMONTH", "DAYSAFTERBILLMONTH"))}
            extras["PaymentTerms"] = {"Sales" if role == "customer" else "Bills": term}
        if role != "customer" and rng.random() < 0.3:
            extras["BatchPayments"] = {"BankAccountNumber": _bank_number(rng),
                                       "BankAccountName": "Main account", "Details": "Invoice"}
        if rng.random() < 0.2 and self.revenue:
            extras["SalesDefaultAccountCode"] = rng.choice(self.revenue)
            extras["SalesDefaultLineAmountType"] = rng.choice(("INCLUSIVE", "EXCLUSIVE"))
        if rng.random() < 0.1 and self.tracking and self.tracking[0]:
            ref = rng.choice(self.tracking[0])
            extras["SalesTrackingCategories"] = [{"TrackingCategoryName": ref["Name"],
                                                  "TrackingOptionName": ref["Option"]}]
        return extras


def _contact_details(index: int, name: str, customer: bool, themes: list[str]) -> Record:
    """Details some contacts carry, chosen by the contact's position, not drawn from the
    generator's random stream (a draw here would change every record after it): a website, a
    company number, and for some customers a standing discount (a percentage) and a branding
    theme for their documents."""
    details: Record = {}
    if index % 3 == 0:
        details["Website"] = f"https://www.{slug(name) or 'contact'}.example.com"
    if index % 4 == 1:
        details["CompanyNumber"] = f"{10_000_000 + index * 7919 % 89_999_999:08d}"
    if customer and index % 7 == 2:
        details["Discount"] = 2.5 * (1 + index % 4)
    if customer and themes and index % 5 == 3:
        details["BrandingTheme"] = {"BrandingThemeID": themes[index % len(themes)]}
    return details


def _currency_of(account: Record, base: str) -> str:
    """An account's currency: bank accounts name one, others are in base currency."""
    return str(account.get("CurrencyCode", base))


def _tracking_choices(categories: Iterable[Record]) -> list[list[Record]]:
    """Per active category, the line-item references of its active options."""
    choices = []
    for category in categories:
        if category.get("Status") != "ACTIVE":
            continue
        choices.append([
            {"Name": category["Name"], "Option": option["Name"],
             "TrackingCategoryID": category["TrackingCategoryID"],
             "TrackingOptionID": option["TrackingOptionID"]}
            for option in category.get("Options", []) if option.get("Status") == "ACTIVE"
        ])
    return choices[:2]


def _paid_document(document: Record) -> Record:
    """The summary of the paid document a payment carries (Invoice or CreditNote)."""
    if "InvoiceID" in document:
        return {"Invoice": compact({
            "Type": document["Type"], "InvoiceID": document["InvoiceID"],
            "InvoiceNumber": document.get("InvoiceNumber"), "Contact": document["Contact"],
            "CurrencyCode": document["CurrencyCode"],
        })}
    return {"CreditNote": compact({
        "Type": document["Type"], "CreditNoteID": document["CreditNoteID"],
        "CreditNoteNumber": document.get("CreditNoteNumber"), "Contact": document["Contact"],
        "CurrencyCode": document["CurrencyCode"],
    })}


def _reference(rng: random.Random) -> str | None:
    """Customer references, some with quotes and apostrophes; many documents have none."""
    roll = rng.random()
    if roll < 0.4:
        return None
    if roll < 0.8:
        return f"PO {rng.randint(1000, 99999)}"
    return rng.choice(("Job: O'Brien's kitchen", 'Ref "urgent"', "Order #A-17 — Café",
                       "Müller project", "Phase 2 / stage 3"))


def _payment_reference(rng: random.Random, document: Record) -> str | None:
    """What the bank statement said, if anything."""
    if rng.random() < 0.5:
        return None
    return rng.choice(("Direct credit", "Internet banking", "Card payment", "Cheque 001234",
                       str(document.get("InvoiceNumber") or document.get("CreditNoteNumber")
                           or "Payment")))


def contact_name(rng: random.Random, profile: Profile, taken: set[str]) -> str:
    """A new contact name not in ``taken`` (Xero requires unique names); adds it to ``taken``."""
    if rng.random() < 0.25:
        name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
    else:
        name = f"{rng.choice(_CO_A)} {rng.choice(_CO_B)} {rng.choice(profile.suffixes)}"
    base, suffix = name, 2
    while name in taken:
        name, suffix = f"{base} ({suffix})", suffix + 1
    taken.add(name)
    return name


def _person(rng: random.Random) -> Record:
    """First and last name of the contact's main person (half of contacts have one)."""
    if rng.random() < 0.5:
        return {}
    return {"FirstName": rng.choice(_FIRST), "LastName": rng.choice(_LAST)}


def _contact_person(rng: random.Random) -> Record:
    """An extra person on a contact."""
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    return {"FirstName": first, "LastName": last,
            "EmailAddress": f"{slug(first) or 'x'}.{slug(last) or 'y'}@example.com",
            "IncludeInEmails": rng.random() < 0.5}


def _bank_number(rng: random.Random) -> str:
    """A bank account number in the NZ layout (format is free text in Xero)."""
    return f"{rng.randint(10, 38):02d}-{rng.randint(1000, 9999)}-{rng.randint(1000000, 9999999)}-00"


def _addresses(rng: random.Random, profile: Profile) -> list[Record]:
    """POBOX and STREET addresses, as Xero always returns both types (often empty)."""
    city, region, postcode = rng.choice(profile.cities)
    po_box = compact({
        "AddressType": "POBOX", "AddressLine1": f"PO Box {rng.randint(1, 99999)}",
        "City": city, "Region": region, "PostalCode": postcode, "Country": profile.country_name,
        "AttentionTo": "Accounts Payable" if rng.random() < 0.3 else None,
    })
    if rng.random() < 0.3:
        po_box = {"AddressType": "POBOX"}
    street = {
        "AddressType": "STREET", "AddressLine1": f"{rng.randint(1, 400)} {rng.choice(_STREETS)}",
        "AddressLine2": "Level 2" if rng.random() < 0.2 else None,
        "City": city, "Region": region, "PostalCode": postcode, "Country": profile.country_name,
    }
    return [po_box, compact(street)]


def _phones(rng: random.Random, profile: Profile) -> list[Record]:
    """The four phone types Xero always returns; only some carry numbers."""
    phones = []
    for phone_type in ("DEFAULT", "DDI", "FAX", "MOBILE"):
        if rng.random() < (0.7 if phone_type == "DEFAULT" else 0.2):
            phones.append({"PhoneType": phone_type,
                           "PhoneNumber": f"{rng.randint(2000000, 9999999)}",
                           "PhoneAreaCode": f"{rng.randint(2, 9):02d}",
                           "PhoneCountryCode": profile.phone_country})
        else:
            phones.append({"PhoneType": phone_type})
    return phones


# --------------------------------------------------------------------------------------------
# Settings: organisation, currencies, tax rates, accounts, tracking, themes, users


def _organisation(rng: random.Random, profile: Profile, tenant_id: str, name: str,
                  created_ms: int) -> Record:
    """The single Organisation record; OrganisationID equals the tenant id, as in Xero."""
    city, region, postcode = profile.cities[0]
    record = {
        "OrganisationID": tenant_id, "APIKey": guid(rng).replace("-", "")[:30].upper(),
        "Name": name, "LegalName": f"{name} {profile.suffixes[0]}", "PaysTax": True,
        "Version": profile.version, "OrganisationType": "COMPANY",
        "BaseCurrency": profile.currency, "CountryCode": profile.country,
        "IsDemoCompany": False, "OrganisationStatus": "ACTIVE",
        "RegistrationNumber": str(rng.randint(1000000, 9999999)),
        "TaxNumber": f"{rng.randint(100, 999)}-{rng.randint(100, 999)}-{rng.randint(100, 999)}",
        "FinancialYearEndDay": 30 if profile.fy_end_month == 6 else 31,
        "FinancialYearEndMonth": profile.fy_end_month, "SalesTaxBasis": profile.tax_basis,
        "SalesTaxPeriod": profile.tax_period, "DefaultSalesTax": "Tax Exclusive",
        "DefaultPurchasesTax": "Tax Inclusive",
        "PeriodLockDate": date_text(to_ms(datetime(2024, 3, 31, tzinfo=UTC))),
        "EndOfYearLockDate": date_text(to_ms(datetime(2023, 12, 31, tzinfo=UTC))),
        "CreatedDateUTC": format_ms(created_ms), "Timezone": profile.timezone,
        "OrganisationEntityType": "COMPANY", "ShortCode": f"!{slug(guid(rng))[:5]}",
        "Class": "PREMIUM", "Edition": "BUSINESS", "LineOfBusiness": "Professional services",
        "Addresses": [{"AddressType": "STREET", "AddressLine1": "1 Queen Street", "City": city,
                       "Region": region, "PostalCode": postcode,
                       "Country": profile.country_name}],
        "Phones": [{"PhoneType": "OFFICE", "PhoneNumber": "5551234", "PhoneAreaCode": "09",
                    "PhoneCountryCode": profile.phone_country}],
        "ExternalLinks": [{"LinkType": "Website",
                           "Url": f"https://{slug(name) or 'org'}.example.com"}],
        "PaymentTerms": {"Bills": {"Day": 20, "Type": "OFFOLLOWINGMONTH"},
                         "Sales": {"Day": 20, "Type": "OFFOLLOWINGMONTH"}},
    }
    if profile.country == "US":
        ein = f"{rng.randint(10, 99)}-{rng.randint(1, 10**7):07d}"
        record["EmployerIdentificationNumber"] = ein
    return record


def _currencies(profile: Profile) -> list[Record]:
    """Base currency first, then four foreign ones: every org trades in EUR and JPY."""
    foreign = [c for c in _FOREIGN_ORDER if c != profile.currency][:4]
    return [{"Code": code, "Description": CURRENCY_NAMES[code]}
            for code in (profile.currency, *foreign)]


def _tax_rates(profile: Profile) -> list[Record]:
    """The country's default tax rates, with components and usage flags."""
    records = []
    for spec in profile.taxes:
        components = spec.components or ((profile.tax_word, spec.percent),)
        records.append({
            "Name": spec.name, "TaxType": spec.tax_type,
            "TaxComponents": [{"Name": name, "Rate": rate, "IsCompound": False,
                               "IsNonRecoverable": False} for name, rate in components],
            "Status": spec.status, "ReportTaxType": spec.report,
            "CanApplyToAssets": spec.use != "sales", "CanApplyToEquity": spec.use == "none",
            "CanApplyToExpenses": spec.use != "sales", "CanApplyToLiabilities": True,
            "CanApplyToRevenue": spec.use != "purchases",
            "DisplayTaxRate": spec.percent, "EffectiveRate": spec.percent,
        })
    return records


def _accounts(rng: random.Random, clock: Clock, profile: Profile, fx: str) -> list[Record]:
    """A standard chart of accounts, with one foreign-currency bank and one archived account."""
    uses = {"sales": profile.sales_tax, "purchases": profile.purchase_tax, "none": profile.no_tax}
    records = []
    for code, name, acc_type, use, system in _CHART:
        record = compact({
            "AccountID": guid(rng), "Code": code,
            "Name": name.format(tax=profile.tax_word, fx=fx), "Type": acc_type,
            "Status": "ARCHIVED" if code == _ARCHIVED_ACCOUNT else "ACTIVE",
            "TaxType": uses[use], "Class": _CLASS_OF_TYPE[acc_type],
            "EnablePaymentsToAccount": acc_type == "BANK", "ShowInExpenseClaims":
            acc_type in ("EXPENSE", "OVERHEADS"), "SystemAccount": system or None,
            "HasAttachments": False, "AddToWatchlist": code in ("200", "090"),
            "ReportingCode": "REV" if acc_type == "REVENUE" else None,
            "ReportingCodeName": "Revenue" if acc_type == "REVENUE" else None,
        })
        if acc_type == "BANK":
            record["BankAccountNumber"] = _bank_number(rng)
            record["BankAccountType"] = "CREDITCARD" if code == "093" else "BANK"
            record["CurrencyCode"] = fx if code == "092" else profile.currency
        else:
            record["Description"] = f"{record['Name']} — standard account"
        stamp(record, "Accounts", clock.final("Accounts", clock.after(START_MS, 60 * DAY_MS)))
        records.append(record)
    return records


_TRACKING = (
    ("Region", "ACTIVE", ("North", "South", "Ōtautahi — Christchurch", "Côte d'Azur export"),
     "Central (closed)"),
    ("Department", "ACTIVE", ("Sales", "Operations", 'R&D "Skunkworks"', "Admin"), "Old Dept"),
    ("Project (2023)", "ARCHIVED", ("Alpha", "Beta"), "Gamma"),
)


def _tracking_categories(rng: random.Random) -> list[Record]:
    """Two active categories (Xero's maximum) and one archived, each with an archived option."""
    records = []
    for name, status, options, archived in _TRACKING:
        category_id = guid(rng)
        records.append({
            "TrackingCategoryID": category_id, "Name": name, "Status": status,
            "Options": [{"TrackingOptionID": guid(rng), "Name": option,
                         "Status": "ACTIVE" if status == "ACTIVE" else "ARCHIVED",
                         "TrackingCategoryID": category_id} for option in options]
            + [{"TrackingOptionID": guid(rng), "Name": archived, "Status": "ARCHIVED",
                "TrackingCategoryID": category_id}],
        })
    return records


def _branding_themes(rng: random.Random, clock: Clock) -> list[Record]:
    """The standard theme (SortOrder 0) and two custom ones."""
    names = ("Standard", "Special Projects", "Très Chic ✨")
    return [{"BrandingThemeID": guid(rng), "Name": name,
             "LogoUrl": f"https://in.xero.com/logo?id={slug(name) or 'theme'}", "Type": "INVOICE",
             "SortOrder": order, "CreatedDateUTC": format_ms(clock.after(START_MS, 90 * DAY_MS))}
            for order, name in enumerate(names)]


_USERS = (("Aroha", "Te Rangi", "STANDARD"), ("Zoë", "Müller", "FINANCIALADVISER"),
          ("Liam", "O'Connor", "STANDARD"), ("Priya", "Natarajan", "READONLY"),
          ("Sam", "Lee", "INVOICEONLY"), ("Former", "Bookkeeper", "REMOVED"))


def _users(rng: random.Random, clock: Clock) -> list[Record]:
    """A subscriber, a few staff and one removed user."""
    records = []
    for index, (first, last, role) in enumerate(_USERS):
        record = {"UserID": guid(rng), "EmailAddress": f"{slug(first)}.{slug(last)}@example.com",
                  "FirstName": first, "LastName": last, "IsSubscriber": index == 0,
                  "OrganisationRole": role}
        stamp(record, "Users", clock.final("Users", clock.after(START_MS, 200 * DAY_MS)))
        records.append(record)
    return records


# --------------------------------------------------------------------------------------------
# The organisation generator


@dataclass(frozen=True)
class _Plan:
    """What happens to one generated invoice over its life."""

    type: str
    status: str
    extra: str = ""  # partial, two, credit, prepay, overpay, dropped, date0, foreign


# The first invoices follow this script so that every situation exists even at tiny scale.
_SCRIPT = (
    _Plan("ACCREC", "PAID"), _Plan("ACCPAY", "PAID"), _Plan("ACCREC", "AUTHORISED", "partial"),
    _Plan("ACCREC", "VOIDED", "date0"), _Plan("ACCREC", "DELETED"),
    _Plan("ACCREC", "AUTHORISED", "credit"), _Plan("ACCREC", "PAID", "prepay"),
    _Plan("ACCPAY", "PAID", "overpay"), _Plan("ACCREC", "DRAFT"),
    _Plan("ACCPAY", "AUTHORISED", "partial"), _Plan("ACCREC", "PAID", "foreign"),
    _Plan("ACCREC", "AUTHORISED", "dropped"), _Plan("ACCPAY", "SUBMITTED"),
    _Plan("ACCREC", "PAID", "two"), _Plan("ACCPAY", "VOIDED"),
)
_STATUSES = (("DRAFT", 0.07), ("SUBMITTED", 0.03), ("DELETED", 0.03), ("VOIDED", 0.04),
             ("AUTHORISED", 0.33), ("PAID", 0.50))
_EXTRAS = {
    "AUTHORISED": (("partial", 0.3), ("credit", 0.05), ("prepay", 0.01), ("overpay", 0.01),
                   ("dropped", 0.02), ("", 0.61)),
    "PAID": (("two", 0.08), ("credit", 0.04), ("prepay", 0.01), ("overpay", 0.01), ("", 0.86)),
    "VOIDED": (("date0", 0.15), ("", 0.85)),
}


def _pick(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    """A weighted choice from (value, weight) pairs."""
    values, cumulative = _cumulative(table)
    return values[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


@functools.cache
def _cumulative(table: tuple[tuple[str, float], ...]) -> tuple[tuple[str, ...], list[float]]:
    """Values and cumulative weights of a table, computed once per table."""
    values = tuple(value for value, _ in table)
    return values, list(itertools.accumulate(weight for _, weight in table))


class _Generator:
    """Builds one organisation, collection by collection, in dependency order."""

    def __init__(self, seed: int, tenant_index: int, tenant_id: str, tenant_name: str,
                 scale: int) -> None:
        self.rng = random.Random(f"xero-sandbox/{seed}/{tenant_index}")
        self.clock = Clock(self.rng)
        self.profile = PROFILES[_PROFILE_ORDER[tenant_index % len(_PROFILE_ORDER)]]
        self.tenant_id, self.tenant_name, self.scale = tenant_id, tenant_name, max(1, scale)
        self.out: dict[str, list[Record]] = {key: [] for key in COLLECTION_KEYS}
        self.counters: dict[str, int] = {}

    def run(self) -> dict[str, list[Record]]:
        """Every collection, each record at full detail."""
        self._settings()
        self.books = Books(self.rng, self.profile, self.out)
        self._items()
        self.books.items = list(self.out["Items"])
        self._contacts()
        self._repeating_invoices()
        self._invoices()
        self._batch_payments()
        self._credit_notes()
        self._prepayments()
        self._bank_transactions()
        self._bank_transfers()
        self._manual_journals()
        self._purchase_orders()
        self._quotes()
        self._linked_transactions()
        self._employees()
        self._contact_balances()
        self.out["Journals"] = self.books.numbered_journals()
        self._children_without_ids()
        return self.out

    def _children_without_ids(self) -> None:
        """Every third credit note, overpayment and prepayment comes with line items without
        LineItemID and allocations without AllocationID, as in Xero's own API examples (and
        its answers before 2023 for allocations), so clients meet them. No random draw: the
        rest of the organisation stays as the seed made it."""
        for key in ("CreditNotes", "Overpayments", "Prepayments"):
            for record in self.out[key][::3]:
                for field, child_id in (("LineItems", "LineItemID"),
                                        ("Allocations", "AllocationID")):
                    if record.get(field):
                        record[field] = [{k: v for k, v in child.items() if k != child_id}
                                         for child in record[field]]

    def next_number(self, prefix: str) -> str:
        """The next document number of a series, e.g. INV-00042."""
        self.counters[prefix] = self.counters.get(prefix, 0) + 1
        return f"{prefix}-{self.counters[prefix]:05d}"

    def _settings(self) -> None:
        """Organisation, currencies, tax rates, accounts, tracking, themes and users."""
        rng, clock, profile = self.rng, self.clock, self.profile
        created = clock.after(START_MS, 2 * DAY_MS)
        self.out["Organisations"] = [_organisation(rng, profile, self.tenant_id,
                                                   self.tenant_name, created)]
        self.out["Currencies"] = _currencies(profile)
        self.out["TaxRates"] = _tax_rates(profile)
        self.out["Accounts"] = _accounts(rng, clock, profile, fx=self.out["Currencies"][1]["Code"])
        self.out["TrackingCategories"] = _tracking_categories(rng)
        self.out["BrandingThemes"] = _branding_themes(rng, clock)
        self.out["Users"] = _users(rng, clock)

    # ---- items and contacts ------------------------------------------------------------------

    def _items(self) -> None:
        """20-50 items: tracked inventory, sold-only, purchased-only and both."""
        count = min(50, 20 + self.scale // 500)
        for index in range(count):
            name = _ITEM_NAMES[index % len(_ITEM_NAMES)]
            if index >= len(_ITEM_NAMES):
                name = f"{name} v{index // len(_ITEM_NAMES) + 1}"
            record = self._item(index, name)
            stamp(record, "Items", self.clock.final("Items", self.clock.after(
                START_MS + index * DAY_MS, 120 * DAY_MS)))
            self.out["Items"].append(record)

    def _item(self, index: int, name: str) -> Record:
        """One item; its account codes and tax types exist in the chart and tax rates."""
        rng, profile, books = self.rng, self.profile, self.books
        kind = ("tracked", "both", "both", "sold", "bought")[index % 5]
        price = books.price()
        record = compact({
            "ItemID": guid(rng), "Code": f"ITM-{index + 1:03d}", "Name": name,
            "Description": name, "PurchaseDescription": f"{name} (supplier pack)"
            if kind != "sold" else None,
            "IsSold": kind != "bought", "IsPurchased": kind != "sold",
            "IsTrackedAsInventory": kind == "tracked",
        })
        if kind != "bought":
            record["SalesDetails"] = {"UnitPrice": price, "AccountCode": "200",
                                      "TaxType": profile.sales_tax}
        if kind == "tracked":
            record["InventoryAssetAccountCode"] = "630"
            record["PurchaseDetails"] = {"UnitPrice": round(price * 0.6, 2),
                                         "COGSAccountCode": "310", "TaxType": profile.purchase_tax}
            quantity = float(rng.randint(0, 500))
            record["QuantityOnHand"] = quantity
            record["TotalCostPool"] = money(round(quantity * price * 60))
        elif kind != "sold":
            record["PurchaseDetails"] = {"UnitPrice": round(price * 0.6, 2), "AccountCode": "300",
                                         "TaxType": profile.purchase_tax}
        return record

    def _contacts(self) -> None:
        """Contacts (scale/5, at least 10): special names first, some foreign, some archived."""
        count = max(10, self.scale // 5)
        foreign = self.books.currencies[1:]
        names: set[str] = set()
        bulk = self.clock.after(START_MS + 3 * DAY_MS, DAY_MS)  # the initial CSV import
        for index in range(count):
            name = self._contact_name(index, names)
            role = ("customer",) * 6 + ("supplier",) * 3 + ("both",)
            currency = self._contact_currency(index, foreign)
            record = self.books.contact(index, name, role[index % 10], currency)
            stamp(record, "Contacts", self._contact_stamp(index, bulk))
            self.out["Contacts"].append(record)
        self._archive_contacts()
        self.contact_index = {c["ContactID"]: c for c in self.out["Contacts"]}
        self.customers = [c for i, c in enumerate(self.out["Contacts"]) if i % 10 in (0, 1, 2, 3,
                                                                                     4, 5, 9)]
        self.suppliers = [c for i, c in enumerate(self.out["Contacts"]) if i % 10 >= 6]
        self._contact_groups()

    def _contact_name(self, index: int, used: set[str]) -> str:
        """A unique contact name (Xero requires unique names); the special ones come first."""
        if index < len(SPECIAL_CONTACTS):
            used.add(SPECIAL_CONTACTS[index])
            return SPECIAL_CONTACTS[index]
        return contact_name(self.rng, self.profile, used)

    def _contact_currency(self, index: int, foreign: list[str]) -> str | None:
        """Müller trades in EUR, the Japanese company in JPY, and about 1 in 8 others abroad."""
        if index == 0:
            return "EUR"
        if index == 1:
            return "JPY"
        if index >= len(SPECIAL_CONTACTS) and self.rng.random() < 0.12:
            return self.rng.choice(foreign)
        return None

    def _contact_stamp(self, index: int, bulk: int) -> int:
        """The first five share one millisecond, the next three one second (a bulk import)."""
        if index < 5:
            return bulk
        if index < 8:
            return bulk - bulk % 1000 + (bulk % 1000 + 97 * index) % 1000
        return self.clock.final("Contacts", self.clock.after(START_MS, 400 * DAY_MS))

    def _archive_contacts(self) -> None:
        """About 5% archived, one of them merged into another contact."""
        contacts = self.out["Contacts"]
        for index, contact in enumerate(contacts):
            if index == 6 or (index >= len(SPECIAL_CONTACTS) and self.rng.random() < 0.05):
                contact["ContactStatus"] = "ARCHIVED"
        contacts[9]["ContactStatus"] = "ARCHIVED"
        contacts[9]["MergedToContactID"] = contacts[0]["ContactID"]

    def _contact_groups(self) -> None:
        """Three active groups with members, and one deleted group (never listed by Xero)."""
        names = ("VIP Customers", "Wholesale — Großhandel", "Preferred Suppliers")
        for index, name in enumerate(names):
            group: Record = {"ContactGroupID": guid(self.rng), "Name": name,
                             "Status": "ACTIVE", "Contacts": []}
            pool = self.suppliers if index == 2 else self.customers
            for contact in pool:
                if self.rng.random() < 0.2 or contact is pool[0]:
                    group["Contacts"].append(summary(contact))
                    contact.setdefault("ContactGroups", []).append(
                        {"ContactGroupID": group["ContactGroupID"], "Name": name,
                         "Status": "ACTIVE"})
            self.out["ContactGroups"].append(group)
        self.out["ContactGroups"].append({"ContactGroupID": guid(self.rng),
                                          "Name": "Old mailing list", "Status": "DELETED",
                                          "Contacts": []})

    # ---- repeating invoices ------------------------------------------------------------------

    def _repeating_invoices(self) -> None:
        """A few templates; some generated invoices point back at them."""
        count = max(3, min(20, self.scale // 100))
        for index in range(count):
            status = ("AUTHORISED", "DRAFT", "DELETED")[index] if index < 3 else _pick(
                self.rng, (("AUTHORISED", 0.8), ("DRAFT", 0.1), ("DELETED", 0.1)))
            purchase = index == 1
            contact = self.rng.choice(self.suppliers if purchase else self.customers)
            self.out["RepeatingInvoices"].append(self._repeating(contact, purchase, status))

    def _repeating(self, contact: Record, purchase: bool, status: str) -> Record:
        """One repeating template with its schedule."""
        rng, books = self.rng, self.books
        template_id = guid(rng)
        start = self.clock.day(START_MS, ANCHOR_MS - 60 * DAY_MS)
        unit = rng.choice(("MONTHLY", "MONTHLY", "WEEKLY"))
        schedule = compact({
            "Period": 1, "Unit": unit, "DueDate": 20, "DueDateType": "OFFOLLOWINGMONTH",
            "StartDate": date_text(start),
            "NextScheduledDate": date_text(self.clock.day(ANCHOR_MS, ANCHOR_MS + 30 * DAY_MS)),
            "EndDate": date_text(ANCHOR_MS + 365 * DAY_MS) if rng.random() < 0.3 else None,
        })
        record = compact({
            "Type": "ACCPAY" if purchase else "ACCREC", "Contact": summary(contact),
            "Schedule": schedule, "LineAmountTypes": "Exclusive",
            "LineItems": books.line_items("purchases" if purchase else "sales",
                                          rng.randint(1, 3), "Exclusive"),
            "Reference": "Monthly retainer" if not purchase else None,
            "BrandingThemeID": books.themes[0], "CurrencyCode":
            contact.get("DefaultCurrency", books.base), "Status": status,
            "RepeatingInvoiceID": template_id, "ID": template_id, "HasAttachments": False,
            "ApprovedForSending": False, "SendCopy": False, "MarkAsSent": rng.random() < 0.5,
            "IncludePDF": False,
        })
        books.set_totals(record)
        return record

    # ---- invoices and their settlement -------------------------------------------------------

    def _invoices(self) -> None:
        """About ``scale`` invoices and bills, following the script first, then chance."""
        batches = max(2, self.scale // 250)
        count = max(len(_SCRIPT), self.scale - 3 * batches)
        for index in range(count):
            plan = _SCRIPT[index] if index < len(_SCRIPT) else self._random_plan()
            self._invoice(plan)

    def _random_plan(self) -> _Plan:
        """Type, status and fate of an ordinary invoice, in realistic proportions."""
        inv_type = "ACCREC" if self.rng.random() < 0.65 else "ACCPAY"
        status = _pick(self.rng, _STATUSES)
        extra = _pick(self.rng, _EXTRAS[status]) if status in _EXTRAS else ""
        return _Plan(inv_type, status, extra)

    def _invoice_contact(self, plan: _Plan) -> tuple[Record, str | None]:
        """The contact (and repeating template, if any) an invoice is raised for."""
        if plan.extra == "foreign":
            return self.out["Contacts"][0], None
        templates = [t for t in self.out["RepeatingInvoices"]
                     if t["Type"] == plan.type and t["Status"] == "AUTHORISED"]
        if templates and self.rng.random() < 0.04:
            template = self.rng.choice(templates)
            contact = next(c for c in self.out["Contacts"]
                           if c["ContactID"] == template["Contact"]["ContactID"])
            return contact, template["RepeatingInvoiceID"]
        return self.rng.choice(self.customers if plan.type == "ACCREC" else self.suppliers), None

    def _invoice(self, plan: _Plan) -> None:
        """One invoice through its whole life: approval, settlement or voiding."""
        rng, books, clock = self.rng, self.books, self.clock
        contact, template = self._invoice_contact(plan)
        date = clock.day()
        number = self.next_number("INV") if plan.type == "ACCREC" else (
            str(rng.randint(1000, 99999)) if rng.random() < 0.9 else None)
        status = "AUTHORISED" if plan.status == "PAID" else plan.status
        amount_types = _pick(rng, (("Exclusive", 0.7), ("Inclusive", 0.2), ("NoTax", 0.1)))
        record = books.invoice(plan.type, contact, number, date, status,
                               rng.choice((1, 1, 1, 2, 2, 3, 4, 5)), amount_types)
        self._invoice_extras(record, template, date)
        if plan.extra == "date0":
            record["Date"], record["DateString"] = format_ms(0), iso_no_zone(0)
        approved = clock.after(date)
        updated = approved
        if status in POSTED:
            books.post_document("Invoices", record, approved, "InvoiceID")
        if status == "AUTHORISED":
            updated = self._settle(record, plan, date, approved)
        final = clock.final("Invoices", clock.after(updated, 20 * DAY_MS)
                            if status == "VOIDED" else updated)
        if status == "VOIDED":
            books.void("Invoices", record, "InvoiceID", final)
        stamp(record, "Invoices", final)
        self.out["Invoices"].append(record)

    def _invoice_extras(self, record: Record, template: str | None, date: int) -> None:
        """Sent flags, expected/planned payment dates, source URLs, repeating template link."""
        rng = self.rng
        if template:
            record["RepeatingInvoiceID"] = template
        if record["Type"] == "ACCREC" and record["Status"] in ("AUTHORISED", "PAID"):
            record["SentToContact"] = rng.random() < 0.7
            if rng.random() < 0.1:
                set_date(record, "ExpectedPaymentDate", date + 25 * DAY_MS)
        if record["Type"] == "ACCPAY" and rng.random() < 0.05:
            set_date(record, "PlannedPaymentDate", date + 20 * DAY_MS)
        if rng.random() < 0.02:
            record["Url"] = f"https://shop.example.com/orders/{rng.randint(1000, 9999)}"

    def _settle(self, record: Record, plan: _Plan, date: int, approved: int) -> int:
        """Credits and payments of an approved invoice; returns its last-change moment."""
        latest = approved
        if plan.extra in ("credit", "prepay", "overpay"):
            latest = max(latest, self._credit(record, plan, date, approved))
        due = cents(record["AmountDue"])
        if plan.status == "PAID" and due > 0:
            parts = _split(self.rng, due, 2 if plan.extra == "two" else 1)
            latest = max(latest, self._pay(record, parts, date, approved))
        elif plan.extra in ("partial", "dropped") and due > 1:
            part = self.rng.randint(1, due - 1)
            latest = max(latest, self._pay(record, [part], date, approved))
            if plan.extra == "dropped":
                payment = self.out["Payments"][-1]
                latest = self.clock.after(latest, 5 * DAY_MS)
                self.books.delete_payment(payment, record, latest)
        return latest

    def _pay(self, record: Record, parts: list[int], date: int, approved: int) -> int:
        """Payments of ``parts`` cents on successive days; returns the last one's creation."""
        latest = approved
        pay_date = date
        for part in parts:
            pay_date = self.clock.day(pay_date, min(pay_date + 60 * DAY_MS, ANCHOR_MS - DAY_MS))
            created = self.clock.after(max(pay_date, latest), DAY_MS // 2)
            created = self.clock.final("Payments", created)
            self.out["Payments"].append(self.books.payment(record, part, pay_date, created))
            latest = created
        return latest

    def _credit(self, invoice: Record, plan: _Plan, date: int, approved: int) -> int:
        """Allocate a credit note, prepayment or overpayment to the invoice."""
        due = cents(invoice["AmountDue"])
        fraction = self.rng.uniform(0.2, 1.0 if plan.status == "PAID" else 0.8)
        target = max(1, round(due * fraction))
        if plan.extra == "credit":
            key, credit, moment = self._credit_note_for(invoice, target, date, approved)
        else:
            key, credit, moment = self._prepayment_for(invoice, plan.extra, target, date, approved)
        cap = due if plan.status == "PAID" else due - 1
        amount = min(cents(credit["Total"]), cap)
        if amount > 0:
            self.books.allocate(key, credit, invoice, amount, max(date, ms_of(credit["Date"])))
        stamp(credit, key, self.clock.final(key, moment))
        return moment

    def _credit_note_for(self, invoice: Record, target: int, date: int,
                         approved: int) -> tuple[str, Record, int]:
        """A credit note for the invoice's contact, approved and posted."""
        books, clock = self.books, self.clock
        contact = self._contact_by_id(invoice["Contact"]["ContactID"])
        cn_date = clock.day(date, min(date + 30 * DAY_MS, ANCHOR_MS - DAY_MS))
        side = "sales" if invoice["Type"] == "ACCREC" else "purchases"
        amount_types = invoice["LineAmountTypes"]
        line = books.line_for_amount(side, target, amount_types)
        record = books.credit_note(invoice["Type"] + "CREDIT", contact, self._cn_number(invoice),
                                   cn_date, "AUTHORISED", [line], amount_types)
        record["CurrencyRate"] = invoice["CurrencyRate"]
        moment = clock.after(max(cn_date, approved))
        books.post_document("CreditNotes", record, moment, "CreditNoteID")
        self.out["CreditNotes"].append(record)
        return "CreditNotes", record, moment

    def _cn_number(self, invoice: Record) -> str | None:
        """Own credit notes are numbered; supplier credits carry the supplier's number or none."""
        if invoice["Type"] == "ACCREC":
            return self.next_number("CN")
        return f"SCN-{self.rng.randint(100, 9999)}" if self.rng.random() < 0.7 else None

    def _contact_by_id(self, contact_id: str) -> Record:
        """The full contact record of a document's contact summary."""
        return self.contact_index[contact_id]

    def _prepayment_for(self, invoice: Record, kind: str, target: int, date: int,
                        approved: int) -> tuple[str, Record, int]:
        """A prepayment or overpayment received before (or with) the invoice."""
        contact = self._contact_by_id(invoice["Contact"]["ContactID"])
        receive = invoice["Type"] == "ACCREC"
        pre_date = self.clock.day(max(START_MS, date - 20 * DAY_MS), date)
        key = "Prepayments" if kind == "prepay" else "Overpayments"
        record, created, _ = self._prepayment(key, contact, receive, pre_date, target,
                                              invoice["CurrencyRate"])
        moment = self.clock.after(max(approved, created))
        return key, record, moment

    def _prepayment(self, key: str, contact: Record, receive: bool, date: int, target: int,
                    rate: float | None = None) -> tuple[Record, int, Record]:
        """A prepayment/overpayment with the bank transaction that created it, posted."""
        books = self.books
        kind = "PREPAYMENT" if key == "Prepayments" else "OVERPAYMENT"
        pp_type = f"{'RECEIVE' if receive else 'SPEND'}-{kind}"
        amount_types = "Exclusive" if kind == "PREPAYMENT" else "NoTax"
        line = books.line_for_amount("sales" if receive else "purchases", target, amount_types)
        if kind == "OVERPAYMENT":
            code = books.ar if receive else books.ap
            line.update({"AccountCode": code, "AccountID": books.accounts[code]["AccountID"],
                         "Description": "Overpayment"})
        currency = contact.get("DefaultCurrency", books.base)
        id_field = "PrepaymentID" if kind == "PREPAYMENT" else "OverpaymentID"
        record = compact({
            "Type": pp_type, "Contact": summary(contact), "Status": "AUTHORISED",
            "LineAmountTypes": amount_types, "LineItems": [line], "CurrencyCode": currency,
            "CurrencyRate": rate or books.rate(currency), id_field: books.guid(),
            "Reference": "Deposit" if kind == "PREPAYMENT" else None, "HasAttachments": False,
        })
        set_date(record, "Date", date)
        books.set_totals(record)
        record.update({"RemainingCredit": record["Total"], "Allocations": [], "Payments": []})
        created = self.clock.after(date)
        bank = self.rng.choice(books.banks)
        books.post_document(key, record, created, id_field, bank=bank)
        transaction = self._bank_for_prepayment(record, id_field, bank, created)
        self.out[key].append(record)
        return record, created, transaction

    def _bank_for_prepayment(self, record: Record, id_field: str, bank: str,
                             created: int) -> Record:
        """The RECEIVE-/SPEND-PREPAYMENT bank transaction behind a prepayment (not re-posted)."""
        account = self.books.accounts[bank]
        transaction = compact({
            "BankTransactionID": self.books.guid(), "Type": record["Type"],
            "Contact": dict(record["Contact"]), "LineItems": copy.deepcopy(record["LineItems"]),
            "BankAccount": _bank_summary(account), "IsReconciled": True, "Date": record["Date"],
            "CurrencyCode": record["CurrencyCode"],
            "CurrencyRate": record["CurrencyRate"] if record["CurrencyRate"] != 1.0 else None,
            "Status": "AUTHORISED", "LineAmountTypes": record["LineAmountTypes"],
            "SubTotal": record["SubTotal"], "TotalTax": record["TotalTax"],
            "Total": record["Total"], id_field: record[id_field], "HasAttachments": False,
        })
        stamp(transaction, "BankTransactions", created)
        self.out["BankTransactions"].append(transaction)
        return transaction

    # ---- batch payments ----------------------------------------------------------------------

    def _batch_payments(self) -> None:
        """Batches of 2-5 same-day payments; the first is a receipt batch, the second a bill run."""
        for index in range(max(2, self.scale // 250)):
            inv_type = ("ACCREC", "ACCPAY")[index] if index < 2 else self.rng.choice(
                ("ACCREC", "ACCPAY"))
            self._batch(inv_type)

    def _batch(self, inv_type: str) -> None:
        """Invoices paid together in one batch, all payments stamped at the same moment."""
        rng, books, clock = self.rng, self.books, self.clock
        pay_date = clock.day(START_MS + 60 * DAY_MS, ANCHOR_MS - DAY_MS)
        created = clock.after(pay_date, DAY_MS // 2)
        bank = books.banks[0]
        pool = [c for c in (self.customers if inv_type == "ACCREC" else self.suppliers)
                if "DefaultCurrency" not in c]
        payments = []
        for _ in range(rng.randint(2, 5)):
            date = clock.day(pay_date - 45 * DAY_MS, pay_date - 5 * DAY_MS)
            number = (self.next_number("INV") if inv_type == "ACCREC"
                      else str(rng.randint(1000, 99999)))
            invoice = books.invoice(inv_type, rng.choice(pool), number, date, "AUTHORISED",
                                    rng.randint(1, 3), "Exclusive")
            books.post_document("Invoices", invoice, min(clock.after(date), created), "InvoiceID")
            payments.append(books.payment(invoice, cents(invoice["AmountDue"]), pay_date, created,
                                          bank))
            stamp(invoice, "Invoices", created)
            self.out["Invoices"].append(invoice)
        self._batch_record(inv_type, payments, bank, pay_date, created)

    def _batch_record(self, inv_type: str, payments: list[Record], bank: str, pay_date: int,
                      created: int) -> None:
        """The BatchPayment record, and the batch link on each of its payments."""
        total = sum(cents(p["Amount"]) for p in payments)
        batch_id = self.books.guid()
        nz, uk = self.profile.country == "NZ", self.profile.country == "GB"
        record = compact({
            "BatchPaymentID": batch_id,
            "Account": {"AccountID": self.books.accounts[bank]["AccountID"]},
            "Reference": "Supplier run" if inv_type == "ACCPAY" else "Customer receipts",
            "Particulars": "BATCH" if nz else None, "Code": "JUNE" if nz else None,
            "Details": None if nz else "Batch payment", "Narrative": "Weekly run" if uk else None,
            "Type": "PAYBATCH" if inv_type == "ACCPAY" else "RECBATCH", "Status": "AUTHORISED",
            "TotalAmount": money(total), "Amount": money(total), "IsReconciled": True,
        })
        set_date(record, "Date", pay_date, twin=True)
        record["Payments"] = [compact({
            "PaymentID": p["PaymentID"], "Amount": p["Amount"], "BankAmount": p["BankAmount"],
            "Reference": p.get("Reference"), "Invoice": compact({
                "InvoiceID": p["Invoice"]["InvoiceID"],
                "InvoiceNumber": p["Invoice"].get("InvoiceNumber")}),
        }) for p in payments]
        stamp(record, "BatchPayments", created)
        for payment in payments:
            payment["BatchPaymentID"] = batch_id
            payment["BatchPayment"] = {"BatchPaymentID": batch_id, "Date": record["Date"],
                                       "Type": record["Type"], "Status": "AUTHORISED",
                                       "TotalAmount": record["TotalAmount"], "IsReconciled": True}
            self.out["Payments"].append(payment)
        self.out["BatchPayments"].append(record)

    # ---- standalone credits --------------------------------------------------------------------

    def _credit_notes(self) -> None:
        """Credit notes not tied to an invoice: refunds, unallocated, voided, deleted, drafts."""
        script = ("refund", "VOIDED", "DELETED", "DRAFT", "AUTHORISED")
        count = max(len(script), self.scale // 20 - len(self.out["CreditNotes"]))
        weights = (("AUTHORISED", 0.45), ("refund", 0.2), ("VOIDED", 0.1), ("DELETED", 0.1),
                   ("DRAFT", 0.1), ("SUBMITTED", 0.05))
        for index in range(count):
            fate = script[index] if index < len(script) else _pick(self.rng, weights)
            self._credit_note(fate)

    def _credit_note(self, fate: str) -> None:
        """One standalone credit note and what happened to it."""
        rng, books, clock = self.rng, self.books, self.clock
        sales = rng.random() < 0.7
        contact = rng.choice(self.customers if sales else self.suppliers)
        date = clock.day()
        status = "AUTHORISED" if fate == "refund" else fate
        number = self.next_number("CN") if sales else None
        amount_types = "Exclusive"
        lines = books.line_items("sales" if sales else "purchases", rng.randint(1, 2), amount_types)
        record = books.credit_note("ACCRECCREDIT" if sales else "ACCPAYCREDIT", contact, number,
                                   date, status, lines, amount_types)
        moment = clock.after(date)
        if status in POSTED:
            books.post_document("CreditNotes", record, moment, "CreditNoteID")
        if fate == "refund":
            pay_date = clock.day(date, min(date + 30 * DAY_MS, ANCHOR_MS - DAY_MS))
            moment = clock.after(max(pay_date, moment))
            self.out["Payments"].append(books.payment(record, cents(record["Total"]), pay_date,
                                                      moment))
        if status == "VOIDED":
            moment = clock.after(moment, 10 * DAY_MS)
            books.void("CreditNotes", record, "CreditNoteID", moment)
        stamp(record, "CreditNotes", clock.final("CreditNotes", moment))
        self.out["CreditNotes"].append(record)

    def _prepayments(self) -> None:
        """Unallocated and voided prepayments/overpayments (allocated ones come with invoices)."""
        for key in ("Prepayments", "Overpayments"):
            for index in range(2 + self.scale // 400):
                status = "VOIDED" if index == 1 else "AUTHORISED"
                receive = index != 2
                pool = self.customers if receive else self.suppliers
                contact = self.rng.choice(pool)
                date = self.clock.day()
                record, moment, transaction = self._prepayment(
                    key, contact, receive, date, round(self.books.price() * 100))
                if status == "VOIDED":
                    moment = self.clock.after(moment, 5 * DAY_MS)
                    id_field = "PrepaymentID" if key == "Prepayments" else "OverpaymentID"
                    self.books.void(key, record, id_field, moment,
                                    bank=transaction["BankAccount"]["Code"])
                    transaction["Status"] = "VOIDED"
                    stamp(transaction, "BankTransactions", moment)
                stamp(record, key, self.clock.final(key, moment))

    # ---- bank --------------------------------------------------------------------------------

    def _bank_transactions(self) -> None:
        """Spend and receive money, about scale/2 bank transactions in all."""
        transfers = max(3, self.scale // 100)
        have = len(self.out["BankTransactions"]) + 2 * transfers
        for index in range(max(4, self.scale // 2 - have)):
            status = ("AUTHORISED", "DELETED", "AUTHORISED", "VOIDED")[index] if index < 4 else (
                _pick(self.rng, (("AUTHORISED", 0.93), ("DELETED", 0.05), ("VOIDED", 0.02))))
            self._bank_transaction(status)

    def _bank_transaction(self, status: str) -> None:
        """One spend/receive money transaction, posted; deleted/voided ones are reversed."""
        rng, books, clock = self.rng, self.books, self.clock
        spend = rng.random() < 0.55
        code = rng.choice(books.foreign_banks if books.foreign_banks and rng.random() < 0.1
                          else books.banks)
        account = books.accounts[code]
        currency = _currency_of(account, books.base)
        amount_types = _pick(rng, (("Inclusive", 0.6), ("Exclusive", 0.3), ("NoTax", 0.1)))
        contact = rng.choice(self.suppliers if spend else self.customers)
        record = compact({
            "BankTransactionID": books.guid(), "Type": "SPEND" if spend else "RECEIVE",
            "Contact": summary(contact),
            "LineItems": books.line_items("purchases" if spend else "sales", rng.randint(1, 3),
                                          amount_types),
            "BankAccount": _bank_summary(account), "IsReconciled": rng.random() < 0.85,
            "Reference": rng.choice(("Card 4421 — café", "Eftpos", "Direct debit", None, None)),
            "CurrencyCode": currency,
            "CurrencyRate": books.rate(currency) if currency != books.base else None,
            "Status": "AUTHORISED", "LineAmountTypes": amount_types, "HasAttachments": False,
        })
        date = clock.day()
        set_date(record, "Date", date)
        books.set_totals(record)
        moment = clock.after(date)
        books.post_document("BankTransactions", record, moment, "BankTransactionID")
        if status != "AUTHORISED":
            moment = clock.after(moment, 5 * DAY_MS)
            books.void("BankTransactions", record, "BankTransactionID", moment)
            record["Status"] = status
        stamp(record, "BankTransactions", clock.final("BankTransactions", moment))
        self.out["BankTransactions"].append(record)

    def _bank_transfers(self) -> None:
        """Transfers between bank accounts, each with its two bank transactions."""
        for index in range(max(3, self.scale // 100)):
            deleted = index == 1 or (index > 2 and self.rng.random() < 0.05)
            self._bank_transfer(deleted, foreign=index == 2)

    def _bank_transfer(self, deleted: bool, foreign: bool) -> None:
        """One transfer; a deleted transfer keeps its record (Status DELETED) and is reversed."""
        rng, books, clock = self.rng, self.books, self.clock
        source = books.banks[0]
        target = books.foreign_banks[0] if foreign and books.foreign_banks else books.banks[-1]
        rate = books.rate(_currency_of(books.accounts[target], books.base))
        amount = round(books.price() * 1000)
        date = clock.day()
        created = clock.after(date)
        record = compact({
            "BankTransferID": books.guid(),
            "FromBankAccount": _bank_summary(books.accounts[source]),
            "ToBankAccount": _bank_summary(books.accounts[target]), "Amount": money(amount),
            "CurrencyRate": rate, "FromIsReconciled": rng.random() < 0.8,
            "ToIsReconciled": rng.random() < 0.8, "Reference": "Top up — savings",
            "HasAttachments": False, "Status": "DELETED" if deleted else "AUTHORISED",
        })
        set_date(record, "Date", date)
        refs = books.tracking_refs()
        if refs:
            record["FromTracking"] = refs
        lines = [books.journal_line(target, amount), books.journal_line(source, -amount)]
        books.journal(record["BankTransferID"], "TRANSFER", record["Date"], created, lines)
        if deleted:
            created = clock.after(created, 3 * DAY_MS)
            lines = [books.journal_line(target, -amount), books.journal_line(source, amount)]
            books.journal(record["BankTransferID"], "TRANSFER", record["Date"], created, lines)
        record["CreatedDateUTC"] = format_ms(clock.final("BankTransfers", created))
        self._transfer_legs(record, source, target, amount, rate, created)
        self.out["BankTransfers"].append(record)

    def _transfer_legs(self, transfer: Record, source: str, target: str, amount: int,
                       rate: float, created: int) -> None:
        """The SPEND-TRANSFER and RECEIVE-TRANSFER bank transactions of a transfer."""
        books = self.books
        status = "DELETED" if transfer["Status"] == "DELETED" else "AUTHORISED"
        for leg, bank, other, leg_amount in (("SPEND", source, target, amount),
                                             ("RECEIVE", target, source, round(amount * rate))):
            account = books.accounts[bank]
            currency = _currency_of(account, books.base)
            line = {"LineItemID": books.guid(), "Description": "Bank Transfer",
                    "Quantity": 1.0, "UnitAmount": money(leg_amount), "AccountCode": other,
                    "AccountID": books.accounts[other]["AccountID"],
                    "TaxType": self.profile.no_tax, "TaxAmount": 0.0,
                    "LineAmount": money(leg_amount)}
            record = compact({
                "BankTransactionID": books.guid(), "Type": f"{leg}-TRANSFER", "LineItems": [line],
                "BankAccount": _bank_summary(account), "IsReconciled": True,
                "Date": transfer["Date"], "CurrencyCode": currency,
                "CurrencyRate": rate if currency != books.base else None, "Status": status,
                "LineAmountTypes": "NoTax", "SubTotal": money(leg_amount), "TotalTax": 0.0,
                "Total": money(leg_amount), "HasAttachments": False,
            })
            stamp(record, "BankTransactions", created)
            transfer[f"{'From' if leg == 'SPEND' else 'To'}BankTransactionID"] = (
                record["BankTransactionID"])
            self.out["BankTransactions"].append(record)

    # ---- manual journals ---------------------------------------------------------------------

    def _manual_journals(self) -> None:
        """Adjustments (scale/50): posted, draft, voided, deleted and archived."""
        script = ("POSTED", "VOIDED", "DRAFT", "DELETED")
        weights = (("POSTED", 0.8), ("DRAFT", 0.07), ("VOIDED", 0.05), ("DELETED", 0.04),
                   ("ARCHIVED", 0.04))
        for index in range(max(len(script), self.scale // 50)):
            status = script[index] if index < len(script) else _pick(self.rng, weights)
            self._manual_journal(status)

    def _manual_journal(self, status: str) -> None:
        """One manual journal whose lines sum to zero; posted ones make journals."""
        rng, books, clock = self.rng, self.books, self.clock
        amounts = [round(books.price() * 100) for _ in range(rng.randint(1, 3))]
        codes = [*rng.sample(books.expense, len(amounts)), rng.choice(books.balance_sheet)]
        signed = [*amounts, -sum(amounts)]
        lines = [compact({
            "Description": rng.choice(("Accrual", "Reversal next month", "Reclass", None)),
            "LineAmount": money(value), "AccountCode": code,
            "AccountID": books.accounts[code]["AccountID"], "TaxType": self.profile.no_tax,
            "TaxAmount": 0.0, "Tracking": books.tracking_refs() or None, "IsBlank": False,
        }) for code, value in zip(codes, signed, strict=True)]
        record = compact({
            "ManualJournalID": books.guid(), "Narration": rng.choice(_NARRATIONS),
            "JournalLines": lines, "LineAmountTypes": "NoTax", "Status": status,
            "ShowOnCashBasisReports": rng.random() < 0.8, "HasAttachments": rng.random() < 0.1,
        })
        date = clock.day()
        set_date(record, "Date", date)
        moment = clock.after(date)
        if status in ("POSTED", "VOIDED", "ARCHIVED"):
            moment = self._post_manual(record, moment, status == "VOIDED")
        stamp(record, "ManualJournals", clock.final("ManualJournals", moment))
        self.out["ManualJournals"].append(record)

    def _post_manual(self, record: Record, moment: int, voided: bool) -> int:
        """Journals of a posted manual journal (and its reversal when voided)."""
        books = self.books
        for sign in (1, -1) if voided else (1,):
            lines = [books.journal_line(line["AccountCode"], sign * cents(line["LineAmount"]),
                                        0, line["TaxType"], line)
                     for line in record["JournalLines"]]
            books.journal(record["ManualJournalID"], "MANJOURNAL", record["Date"], moment, lines,
                          record["Narration"])
            if voided and sign == 1:
                moment = self.clock.after(moment, 10 * DAY_MS)
        return moment

    # ---- purchase orders and quotes ----------------------------------------------------------

    def _purchase_orders(self) -> None:
        """Purchase orders (scale/10) in every status."""
        script = ("AUTHORISED", "BILLED", "DRAFT", "SUBMITTED", "DELETED")
        weights = (("DRAFT", 0.15), ("SUBMITTED", 0.1), ("AUTHORISED", 0.4), ("BILLED", 0.3),
                   ("DELETED", 0.05))
        for index in range(max(len(script), self.scale // 10)):
            status = script[index] if index < len(script) else _pick(self.rng, weights)
            self.out["PurchaseOrders"].append(self._purchase_order(status))

    def _purchase_order(self, status: str) -> Record:
        """One purchase order with delivery details (multi-line address, quotes in text)."""
        rng, books, clock = self.rng, self.books, self.clock
        contact = rng.choice(self.suppliers)
        currency = contact.get("DefaultCurrency", books.base)
        city = self.profile.cities[0][0]
        record = compact({
            "PurchaseOrderID": books.guid(), "PurchaseOrderNumber": self.next_number("PO"),
            "Reference": _reference(rng), "Contact": summary(contact), "Status": status,
            "LineAmountTypes": "Exclusive",
            "LineItems": books.line_items("purchases", rng.randint(1, 4), "Exclusive"),
            "CurrencyCode": currency, "CurrencyRate": books.rate(currency),
            "SentToContact": status in ("AUTHORISED", "BILLED") and rng.random() < 0.6,
            "DeliveryAddress": f"12 Kōwhai Lane\n{city}", "AttentionTo": "Goods inwards",
            "Telephone": "555 0199", "DeliveryInstructions": "Leave at the back door — don't ring!",
            "BrandingThemeID": books.themes[0], "HasAttachments": False,
        })
        date = clock.day()
        set_date(record, "Date", date)
        set_date(record, "DeliveryDate", date + rng.randint(7, 30) * DAY_MS)
        if rng.random() < 0.3:
            set_date(record, "ExpectedArrivalDate", date + rng.randint(7, 40) * DAY_MS)
        books.set_totals(record)
        updated = clock.final("PurchaseOrders", clock.after(date, 3 * DAY_MS))
        stamp(record, "PurchaseOrders", updated)
        return record

    def _quotes(self) -> None:
        """Quotes (scale/10) in every status; Quote.LineAmountTypes is upper case."""
        script = ("SENT", "ACCEPTED", "DRAFT", "DECLINED", "INVOICED", "DELETED")
        weights = (("DRAFT", 0.15), ("SENT", 0.3), ("ACCEPTED", 0.25), ("DECLINED", 0.1),
                   ("INVOICED", 0.15), ("DELETED", 0.05))
        for index in range(max(len(script), self.scale // 10)):
            status = script[index] if index < len(script) else _pick(self.rng, weights)
            self.out["Quotes"].append(self._quote(status))

    def _quote(self, status: str) -> Record:
        """One quote with title, summary and terms."""
        rng, books, clock = self.rng, self.books, self.clock
        contact = rng.choice(self.customers)
        currency = contact.get("DefaultCurrency", books.base)
        amount_types = rng.choice(("EXCLUSIVE", "EXCLUSIVE", "INCLUSIVE", "NOTAX"))
        record = compact({
            "QuoteID": books.guid(), "QuoteNumber": self.next_number("QU"),
            "Reference": _reference(rng), "Terms": "Valid for 30 days. E&OE — prices excl. tax.",
            "Contact": summary(contact),
            "LineItems": books.line_items("sales", rng.randint(1, 4), amount_types.title()
                                          .replace("Notax", "NoTax"), discount=True),
            "Status": status, "CurrencyCode": currency, "CurrencyRate": books.rate(currency),
            "Title": rng.choice(("Website rebuild", "Kitchen renovation", "Annual support",
                                 "Ōtautahi office fit-out")),
            "Summary": "Scope as discussed on site.\nIncludes \"phase 1\" only.",
            "BrandingThemeID": rng.choice(books.themes), "LineAmountTypes": amount_types,
        })
        date = clock.day()
        set_date(record, "Date", date, twin=True)
        set_date(record, "ExpiryDate", date + 30 * DAY_MS, twin=True)
        books.set_totals(record)
        stamp(record, "Quotes", clock.final("Quotes", clock.after(date, 5 * DAY_MS)))
        return record

    # ---- linked transactions -----------------------------------------------------------------

    def _linked_transactions(self) -> None:
        """Billable expenses (a few % of scale) linking bill lines to customers' invoices."""
        invoices = [i for i in self.out["Invoices"] if i["Status"] != "DELETED"]
        bills = [i for i in invoices if i["Type"] == "ACCPAY"]
        targets = {"ONDRAFT": [i for i in invoices if i["Type"] == "ACCREC"
                               and i["Status"] == "DRAFT"],
                   "BILLED": [i for i in invoices if i["Type"] == "ACCREC"
                              and i["Status"] in ("AUTHORISED", "PAID")]}
        for _ in range(max(2, self.scale // 40)):
            self.out["LinkedTransactions"].append(self._linked(self.rng.choice(bills), targets))

    def _linked(self, bill: Record, targets: dict[str, list[Record]]) -> Record:
        """One billable expense; its status follows the bill and the target invoice."""
        rng = self.rng
        status = {"DRAFT": "DRAFT", "VOIDED": "VOIDED"}.get(bill["Status"]) or rng.choice(
            ("APPROVED", "ONDRAFT", "BILLED", "BILLED"))
        target = rng.choice(targets[status]) if targets.get(status) else None
        if status in targets and target is None:
            status = "APPROVED"
        customer = target["Contact"] if target else summary(rng.choice(self.customers))
        record = compact({
            "LinkedTransactionID": self.books.guid(), "SourceTransactionID": bill["InvoiceID"],
            "SourceLineItemID": rng.choice(bill["LineItems"])["LineItemID"],
            "ContactID": customer["ContactID"],
            "TargetTransactionID": target["InvoiceID"] if target else None,
            "TargetLineItemID": target["LineItems"][0]["LineItemID"] if target else None,
            "Status": status, "Type": "BILLABLEEXPENSE", "SourceTransactionTypeCode": "ACCPAY",
        })
        latest = max(ms_of(bill["UpdatedDateUTC"]), ms_of(target["UpdatedDateUTC"]) if target
                     else START_MS)
        stamp(record, "LinkedTransactions",
              self.clock.final("LinkedTransactions", self.clock.after(latest, DAY_MS)))
        return record

    # ---- payroll -----------------------------------------------------------------------------

    def _employees(self) -> None:
        """Payroll AU employees (10-30), some terminated, some born before 1970."""
        calendar, earnings, leave = guid(self.rng), guid(self.rng), guid(self.rng)
        for index in range(min(30, max(10, self.scale // 100))):
            self.out["Employees"].append(self._employee(index, calendar, earnings, leave))

    def _employee(self, index: int, calendar: str, earnings: str, leave: str) -> Record:
        """One employee in the Payroll AU v1 shape (PascalCase, MS dates, AU states)."""
        rng, clock = self.rng, self.clock
        first, last = _FIRST[(index * 7) % len(_FIRST)], _LAST[(index * 5) % len(_LAST)]
        born = to_ms(datetime(1958 if index == 0 else rng.randint(1950, 2004),
                              rng.randint(1, 12), rng.randint(1, 28), tzinfo=UTC))
        start = clock.day(to_ms(datetime(2012, 1, 1, tzinfo=UTC)), ANCHOR_MS - 30 * DAY_MS)
        terminated = index == 1 or (index > 1 and rng.random() < 0.15)
        updated = clock.final("Employees", clock.after(max(start, START_MS), 90 * DAY_MS))
        employee_id = guid(rng)
        record = compact({
            "EmployeeID": employee_id, "Title": rng.choice(("Mr", "Ms", "Mx", "Dr", None)),
            "FirstName": first, "MiddleNames": "Anne-Marie" if index % 9 == 3 else None,
            "LastName": last, "Status": "TERMINATED" if terminated else "ACTIVE",
            "Email": f"{slug(first) or 'staff'}.{slug(last) or index}{index}@example.com",
            "Gender": rng.choice(("F", "M", "I", "N")),
            "Mobile": f"04{rng.randint(10000000, 99999999)}",
            "Phone": f"02 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
            "JobTitle": rng.choice(("Bookkeeper", "Site Manager", "Barista", "Engineer — L2")),
            "IsAuthorisedToApproveLeave": index == 0, "IsAuthorisedToApproveTimesheets": index == 0,
            "OrdinaryEarningsRateID": earnings, "PayrollCalendarID": calendar,
            "EmployeeGroupName": rng.choice(("Head office", "Ōtautahi crew", None)),
            "IncomeType": "SALARYANDWAGES", "EmploymentType": "EMPLOYEE", "IsSTP2Qualified": True,
            "HomeAddress": _home_address(rng),
            "BankAccounts": [{"StatementText": "Salary", "AccountName": f"{first} {last}",
                              "BSB": f"{rng.randint(100000, 999999)}",
                              "AccountNumber": str(rng.randint(10000000, 99999999)),
                              "Remainder": True}],
            "TaxDeclaration": _tax_declaration(rng, employee_id, updated),
            "LeaveBalances": [{"LeaveName": "Annual Leave", "LeaveTypeID": leave,
                               "NumberOfUnits": round(rng.uniform(0, 200), 4),
                               "TypeOfUnits": "Hours"}],
        })
        set_date(record, "DateOfBirth", born)
        set_date(record, "StartDate", start)
        if terminated:
            set_date(record, "TerminationDate", rng.randint(start, updated))
            record["TerminationReason"] = rng.choice(("V", "I", "D", "R", "F", "C", "T"))
        stamp(record, "Employees", updated)
        return record

    # ---- derived contact fields --------------------------------------------------------------

    def _contact_balances(self) -> None:
        """IsCustomer/IsSupplier and Balances, computed from the invoices as Xero does."""
        totals: dict[str, list[int]] = {}
        for invoice in self.out["Invoices"]:
            if invoice["Status"] in ("DELETED", "VOIDED"):
                continue
            row = totals.setdefault(invoice["Contact"]["ContactID"], [0, 0, 0, 0, 0, 0])
            offset = 0 if invoice["Type"] == "ACCREC" else 3
            row[offset] = 1
            if invoice["Status"] == "AUTHORISED":
                due = to_base(cents(invoice["AmountDue"]), invoice["CurrencyRate"])
                row[offset + 1] += due
                if ms_of(invoice["DueDate"]) < ANCHOR_MS:
                    row[offset + 2] += due
        for contact in self.out["Contacts"]:
            if contact["ContactID"] not in totals:
                continue
            row = totals[contact["ContactID"]]
            contact["IsCustomer"], contact["IsSupplier"] = bool(row[0]), bool(row[3])
            contact["Balances"] = {
                "AccountsReceivable": {"Outstanding": money(row[1]), "Overdue": money(row[2])},
                "AccountsPayable": {"Outstanding": money(row[4]), "Overdue": money(row[5])},
            }


def _bank_summary(account: Record) -> Record:
    """The bank-account summary nested in bank transactions and transfers."""
    return {"AccountID": account["AccountID"], "Code": account["Code"], "Name": account["Name"]}


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """``total`` cents in ``parts`` positive pieces."""
    if parts == 1 or total < parts:
        return [total]
    first = rng.randint(1, total - 1)
    return [first, total - first]


_AU_ADDRESSES = (("Sydney", "NSW", "2000"), ("Melbourne", "VIC", "3000"),
                 ("Brisbane", "QLD", "4000"), ("Hobart", "TAS", "7000"), ("Darwin", "NT", "0800"))


def _home_address(rng: random.Random) -> Record:
    """An Australian home address (Payroll AU validates Region as a state code)."""
    city, state, postcode = rng.choice(_AU_ADDRESSES)
    return {"AddressLine1": f"{rng.randint(1, 300)} {rng.choice(_STREETS)}", "City": city,
            "Region": state, "PostalCode": postcode, "Country": "AUSTRALIA"}


def _tax_declaration(rng: random.Random, employee_id: str, updated: int) -> Record:
    """The employee's tax file declaration."""
    return {"EmployeeID": employee_id, "EmploymentBasis": rng.choice(("FULLTIME", "PARTTIME",
                                                                       "CASUAL")),
            "TaxFileNumber": "123456782", "AustralianResidentForTaxPurposes": True,
            "ResidencyStatus": "AUSTRALIANRESIDENT", "TaxScaleType": "REGULAR",
            "TaxFreeThresholdClaimed": rng.random() < 0.8, "HasHELPDebt": rng.random() < 0.2,
            "HasSFSSDebt": False, "HasTradeSupportLoanDebt": False,
            "EligibleToReceiveLeaveLoading": True, "UpdatedDateUTC": format_ms(updated)}


def generate_organisation(seed: int, tenant_index: int, tenant_id: str, tenant_name: str,
                          scale: int) -> dict[str, list[dict]]:
    """Every collection of one organisation, at full detail, identical for identical arguments.

    ``scale`` is about the number of invoices; other objects follow in realistic proportion.
    The organisation's country (NZ, AU, UK, US) rotates with ``tenant_index``.
    """
    return _Generator(seed, tenant_index, tenant_id, tenant_name, scale).run()
