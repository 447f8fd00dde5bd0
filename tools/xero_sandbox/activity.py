"""What an organisation's users do between two syncs, applied to a sandbox tenant in place.

Why: an incremental sync is only proven when records appear, change and disappear between runs,
including the changes Xero does not advertise: hard deletes (Items, LinkedTransactions) and the
documented edits that leave UpdatedDateUTC alone. Every advertised change is stamped ``now_ms``,
so a test can ask If-Modified-Since for exactly this batch; the report says what changed, so the
test knows the right answer. The arithmetic (totals, payments, allocations, balanced journals)
is the generator's `Books`, so new records obey the same rules as generated ones.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

from xero_sandbox.generator import (
    DAY_MS,
    Books,
    cents,
    contact_name,
    day_ms,
    money,
    ms_of,
    set_date,
    stamp,
    to_base,
)

Record = dict[str, Any]
BACK_DATED_DAYS = 40  # the first new invoice of a session is dated this long ago
Data = dict[str, dict[str, Record]]


@dataclass
class ActivityReport:
    """Ids touched by one burst of activity, by collection key."""

    created: dict[str, list[str]] = field(default_factory=dict)
    updated: dict[str, list[str]] = field(default_factory=dict)
    hard_deleted: dict[str, list[str]] = field(default_factory=dict)
    silent: dict[str, list[str]] = field(default_factory=dict)  # changed, UpdatedDateUTC kept

    def add(self, bucket: str, key: str, record_id: str) -> None:
        """Record one id under ``bucket`` (created, updated, hard_deleted or silent)."""
        ids = getattr(self, bucket).setdefault(key, [])
        if record_id not in ids:
            ids.append(record_id)


def simulate_activity(data: dict[str, dict[str, dict]], rng: random.Random, now_ms: int,
                      intensity: int = 10) -> ActivityReport:
    """Change one tenant's records as its users would over a short period, all at ``now_ms``.

    ``intensity`` 10 means about 10 new invoices (the first back-dated), 5 edits, 5 payments
    (one in a foreign currency when an invoice in one is open), 1-2 voids, 2 new contacts,
    1 archived contact, 1 deleted item, 1 deleted linked transaction, 1 new credit note, plus
    exactly one change Xero documents as not bumping UpdatedDateUTC (reported as ``silent``).
    """
    session = _Session(data, rng, now_ms, intensity)
    session.run()
    return session.report


class _Session:
    """One burst of activity; each record is changed by at most one action."""

    def __init__(self, data: Data, rng: random.Random, now_ms: int, intensity: int) -> None:
        self.data, self.rng, self.now = data, rng, now_ms
        self.today = day_ms(now_ms)
        self.factor = max(intensity, 1) / 10
        self.books = Books.from_collections(rng, {k: list(v.values()) for k, v in data.items()})
        self.report = ActivityReport()
        self.touched: set[str] = set()
        self.reserved: set[str] = set()

    def run(self) -> None:
        """Every kind of change, then the new journals in number order."""
        silent = self._reserve_silent()
        self._new_contacts(self._count(2))
        self._new_invoices(self._count(10))
        self._edit_invoices(self._count(5))
        self._pay_invoices(self._count(5))
        self._void_invoices(self._count(1.5))
        self._archive_contacts(self._count(1))
        self._hard_delete("Items", self._count(1))
        self._hard_delete("LinkedTransactions", 1)
        self._new_credit_note()
        self._silent_edit(silent)
        self._store_journals()

    def _count(self, per_ten: float) -> int:
        """How many of one action at this intensity (at least one)."""
        return max(1, round(per_ten * self.factor))

    def _free(self, record_id: str) -> bool:
        """Not yet changed in this session and not kept for the silent edit."""
        return record_id not in self.touched and record_id not in self.reserved

    def _mark(self, bucket: str, key: str, record_id: str) -> None:
        """Report a change and keep the record out of later actions."""
        self.touched.add(record_id)
        self.report.add(bucket, key, record_id)

    def _sample(self, candidates: list[Record], count: int) -> list[Record]:
        """Up to ``count`` distinct candidates, chosen by the session's random stream."""
        return self.rng.sample(candidates, min(count, len(candidates)))

    def _invoices(self, *statuses: str) -> list[Record]:
        """Free invoices in the given statuses, in storage order."""
        return [i for i in self.data["Invoices"].values()
                if i["Status"] in statuses and self._free(i["InvoiceID"])]

    # ---- contacts ----------------------------------------------------------------------------

    def _new_contacts(self, count: int) -> None:
        """New customers and suppliers, with unique names."""
        contacts = self.data["Contacts"]
        taken = {c["Name"] for c in contacts.values()}
        for _ in range(count):
            role = "customer" if self.rng.random() < 0.7 else "supplier"
            name = contact_name(self.rng, self.books.profile, taken)
            record = self.books.contact(len(contacts), name, role, None)
            stamp(record, "Contacts", self.now)
            contacts[record["ContactID"]] = record
            self._mark("created", "Contacts", record["ContactID"])

    def _archive_contacts(self, count: int) -> None:
        """Contacts the users archived (hidden from lists unless includeArchived)."""
        active = [c for c in self.data["Contacts"].values()
                  if c.get("ContactStatus") == "ACTIVE" and self._free(c["ContactID"])]
        for contact in self._sample(active, count):
            contact["ContactStatus"] = "ARCHIVED"
            stamp(contact, "Contacts", self.now)
            self._mark("updated", "Contacts", contact["ContactID"])

    # ---- invoices ----------------------------------------------------------------------------

    def _new_invoices(self, count: int) -> None:
        """New sales invoices and bills, dated today; approved ones are posted.

        The first is approved and back-dated into an earlier month, as users enter a bill that
        arrived late: its journal is created now but dated then, so reports of a period
        already synced change (reports must be recomputed from JournalDate, not appended to).
        """
        for index in range(count):
            sales = self.rng.random() < 0.7
            contact = self._trading_contact(sales)
            status = self.rng.choice(("AUTHORISED",) * 6 + ("DRAFT",) * 3 + ("SUBMITTED",))
            number = self._next_number("INV") if sales else str(self.rng.randint(1000, 99999))
            amount_types = self.rng.choice(("Exclusive", "Exclusive", "Inclusive", "NoTax"))
            dated = self.today - BACK_DATED_DAYS * DAY_MS if index == 0 else self.today
            status = "AUTHORISED" if index == 0 else status
            record = self.books.invoice("ACCREC" if sales else "ACCPAY", contact, number,
                                        dated, status, self.rng.randint(1, 3), amount_types)
            if status == "AUTHORISED":
                self.books.post_document("Invoices", record, self.now, "InvoiceID")
            stamp(record, "Invoices", self.now)
            self.data["Invoices"][record["InvoiceID"]] = record
            self._mark("created", "Invoices", record["InvoiceID"])

    def _trading_contact(self, sales: bool) -> Record:
        """An active contact already trading on this side, so IsCustomer/IsSupplier stay true."""
        flag = "IsCustomer" if sales else "IsSupplier"
        contacts = [c for c in self.data["Contacts"].values() if c.get("ContactStatus") == "ACTIVE"]
        trading = [c for c in contacts if c.get(flag)]
        return self.rng.choice(trading or contacts or list(self.data["Contacts"].values()))

    def _next_number(self, prefix: str) -> str:
        """The next number of a series (INV-, CN-), continuing after the highest in use."""
        field_name = "InvoiceNumber" if prefix == "INV" else "CreditNoteNumber"
        key = "Invoices" if prefix == "INV" else "CreditNotes"
        pattern = re.compile(rf"^{prefix}-(\d+)$")
        highest = 0
        for record in self.data[key].values():
            match = pattern.match(str(record.get(field_name, "")))
            if match:
                highest = max(highest, int(match.group(1)))
        return f"{prefix}-{highest + 1:05d}"

    def _edit_invoices(self, count: int) -> None:
        """Drafts get a changed quantity; unpaid approved invoices a new reference (re-posted)."""
        drafts = self._invoices("DRAFT", "SUBMITTED")
        approved = [i for i in self._invoices("AUTHORISED")
                    if not i["AmountPaid"] and not i["AmountCredited"]]
        for invoice in self._sample(drafts + approved, count):
            if invoice["Status"] == "AUTHORISED":
                self._amend_approved(invoice)
            else:
                self._amend_draft(invoice)
            stamp(invoice, "Invoices", self.now)
            self._mark("updated", "Invoices", invoice["InvoiceID"])

    def _amend_draft(self, invoice: Record) -> None:
        """One more unit on a line of a draft; totals follow."""
        line = self.rng.choice(invoice["LineItems"])
        line["Quantity"] = round(line["Quantity"] + 1, 4)
        self.books.price_line(line, invoice["LineAmountTypes"])
        self.books.set_totals(invoice)
        invoice["AmountDue"] = invoice["Total"]

    def _amend_approved(self, invoice: Record) -> None:
        """A text change on an approved invoice: Xero reverses the journal and posts it again."""
        self.books.post_document("Invoices", invoice, self.now, "InvoiceID", reverse=True)
        if invoice["Type"] == "ACCREC":
            invoice["Reference"] = f"Amended {self.rng.randint(100, 999)} — O'Neill"
        line = invoice["LineItems"][0]
        line["Description"] = f"{line.get('Description', 'Line')} (amended)"
        self.books.post_document("Invoices", invoice, self.now, "InvoiceID")

    def _pay_invoices(self, count: int) -> None:
        """Payments against open invoices, about half of them in part."""
        open_invoices = [i for i in self._invoices("AUTHORISED") if i["AmountDue"] > 0]
        chosen = self._sample(open_invoices, count)
        foreign = [i for i in open_invoices if i.get("CurrencyCode", self.books.base)
                   != self.books.base]
        if chosen and foreign and not any(i in foreign for i in chosen):
            chosen[-1] = self.rng.choice(foreign)  # one payment in another currency (FX gain)
        for invoice in chosen:
            due = cents(invoice["AmountDue"])
            amount = due if due < 2 or self.rng.random() < 0.55 else self.rng.randint(1, due - 1)
            payment = self.books.payment(invoice, amount, self.today, self.now)
            self.data["Payments"][payment["PaymentID"]] = payment
            stamp(invoice, "Invoices", self.now)
            self._mark("created", "Payments", payment["PaymentID"])
            self._mark("updated", "Invoices", invoice["InvoiceID"])

    def _void_invoices(self, count: int) -> None:
        """Approved, unpaid invoices voided: a reversing journal and Status VOIDED."""
        unpaid = [i for i in self._invoices("AUTHORISED")
                  if not i["AmountPaid"] and not i["AmountCredited"]]
        for invoice in self._sample(unpaid, count):
            self.books.void("Invoices", invoice, "InvoiceID", self.now)
            self._mark("updated", "Invoices", invoice["InvoiceID"])

    def _new_credit_note(self) -> None:
        """A credit note, allocated to an open invoice of the same contact when there is one."""
        open_invoices = [i for i in self._invoices("AUTHORISED") if cents(i["AmountDue"]) > 1]
        invoice = self.rng.choice(open_invoices) if open_invoices else None
        sales = invoice is None or invoice["Type"] == "ACCREC"
        contact = (self.data["Contacts"][invoice["Contact"]["ContactID"]] if invoice
                   else self._trading_contact(True))
        target = self.rng.randint(1, cents(invoice["AmountDue"]) - 1) if invoice else 5000
        amount_types = invoice["LineAmountTypes"] if invoice else "Exclusive"
        line = self.books.line_for_amount("sales" if sales else "purchases", target, amount_types)
        credit = self.books.credit_note("ACCRECCREDIT" if sales else "ACCPAYCREDIT", contact,
                                        self._next_number("CN") if sales else None, self.today,
                                        "AUTHORISED", [line], amount_types)
        if invoice:
            credit["CurrencyRate"] = invoice["CurrencyRate"]
        self.books.post_document("CreditNotes", credit, self.now, "CreditNoteID")
        if invoice:
            amount = min(cents(credit["Total"]), cents(invoice["AmountDue"]))
            self.books.allocate("CreditNotes", credit, invoice, amount, self.today)
            stamp(invoice, "Invoices", self.now)
            self._mark("updated", "Invoices", invoice["InvoiceID"])
        stamp(credit, "CreditNotes", self.now)
        self.data["CreditNotes"][credit["CreditNoteID"]] = credit
        self._mark("created", "CreditNotes", credit["CreditNoteID"])

    # ---- hard deletes ------------------------------------------------------------------------

    def _hard_delete(self, key: str, count: int) -> None:
        """Records Xero deletes outright: they simply vanish from every response."""
        ids = list(self.data[key])
        for record_id in self._sample_ids(ids, count):
            del self.data[key][record_id]
            self._mark("hard_deleted", key, record_id)

    def _sample_ids(self, ids: list[str], count: int) -> list[str]:
        """Up to ``count`` distinct ids."""
        return self.rng.sample(ids, min(count, len(ids)))

    # ---- the documented blind spot -----------------------------------------------------------

    def _reserve_silent(self) -> Record | None:
        """Pick, before anything else, the partly paid invoice whose DueDate will move silently."""
        partly_paid = [i for i in self._invoices("AUTHORISED")
                       if i["AmountPaid"] > 0 and i["AmountDue"] > 0]
        if not partly_paid:
            return None
        invoice = self.rng.choice(partly_paid)
        self.reserved.add(invoice["InvoiceID"])
        return invoice

    def _silent_edit(self, invoice: Record | None) -> None:
        """Exactly one change Xero documents as not bumping UpdatedDateUTC.

        Preferred: DueDate moved on a partly paid invoice. Otherwise a contact's Balances (or,
        failing that, IsSupplier), which Xero derives from other records without a new stamp.
        """
        if invoice is not None:
            due = ms_of(invoice["DueDate"]) + 14 * DAY_MS
            set_date(invoice, "DueDate", due, twin="DueDateString" in invoice)
            self.report.add("silent", "Invoices", invoice["InvoiceID"])
            return
        contact = self._silent_contact()
        if contact is not None:
            self.report.add("silent", "Contacts", contact["ContactID"])

    def _silent_contact(self) -> Record | None:
        """Refresh the Balances of a contact whose invoices changed today (else flip IsSupplier)."""
        changed = [self.data["Invoices"][i]["Contact"]["ContactID"]
                   for i in self.report.updated.get("Invoices", [])
                   + self.report.created.get("Invoices", [])]
        free = [c for c in changed if self._free(c)]
        if free:
            contact = self.data["Contacts"][self.rng.choice(free)]
            contact["Balances"] = self._balances(contact["ContactID"])
            return contact
        others = [c for c in self.data["Contacts"].values() if self._free(c["ContactID"])]
        if not others:
            return None
        contact = self.rng.choice(others)
        contact["IsSupplier"] = not contact.get("IsSupplier", False)
        return contact

    def _balances(self, contact_id: str) -> Record:
        """Outstanding and overdue amounts (base currency) as Xero derives them today."""
        sums = {"ACCREC": [0, 0], "ACCPAY": [0, 0]}
        for invoice in self.data["Invoices"].values():
            if invoice["Contact"]["ContactID"] != contact_id or invoice["Status"] != "AUTHORISED":
                continue
            due = to_base(cents(invoice["AmountDue"]), invoice.get("CurrencyRate", 1.0))
            sums[invoice["Type"]][0] += due
            if ms_of(invoice["DueDate"]) < self.today:
                sums[invoice["Type"]][1] += due
        return {
            "AccountsReceivable": {"Outstanding": money(sums["ACCREC"][0]),
                                   "Overdue": money(sums["ACCREC"][1])},
            "AccountsPayable": {"Outstanding": money(sums["ACCPAY"][0]),
                                "Overdue": money(sums["ACCPAY"][1])},
        }

    # ---- journals ----------------------------------------------------------------------------

    def _store_journals(self) -> None:
        """New journals continue the organisation's JournalNumber sequence."""
        journals = self.data["Journals"]
        first = max((int(j["JournalNumber"]) for j in journals.values()), default=0) + 1
        for journal in self.books.numbered_journals(first):
            journals[journal["JournalID"]] = journal
            self.report.add("created", "Journals", journal["JournalID"])
