"""The sandbox's ``where``/``order`` must filter, sort and fail exactly as xero-api.md 2.3/6 say.

Every example expression from section 2.3 is here, as received by the server after URL decoding.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from xero_sandbox.msdate import format_ms, to_ms
from xero_sandbox.query import QueryParseError, compile_order, compile_where

ACCOUNT = "13918178-849a-4823-9a31-57b7eac713d7"
PETER = "9b9ba9e5-e907-4b4e-8210-54d82b0aa479"
BOOM = "0f8b5c2b-75c5-4f6e-9bd9-4e8d4b0a3c21"


def ms(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> str:
    """Wire form of a UTC moment."""
    return format_ms(to_ms(datetime(year, month, day, hour, minute, second, tzinfo=UTC)))


RECORDS: list[dict[str, Any]] = [
    {
        "Key": "bank",
        "AccountID": ACCOUNT,
        "Type": "BANK",
        "Status": "ACTIVE",
        "Name": "Business Bank Account",
        "UpdatedDateUTC": ms(1999, 6, 1),
    },
    {
        "Key": "inv1",
        "Type": "ACCREC",
        "Status": "AUTHORISED",
        "Date": ms(2015, 1, 1),
        "AmountDue": 100.0,
        "Reference": 'Say "hi"',
        "Contact": {"ContactID": PETER, "Name": "Peter Parker"},
        "UpdatedDateUTC": ms(2019, 1, 1),
    },
    {
        "Key": "inv2",
        "Type": "ACCPAY",
        "Status": "AUTHORISED",
        "Date": ms(2015, 12, 31),
        "AmountDue": 0.0,
        "Contact": {"ContactID": BOOM, "Name": "Boomtown"},
        "UpdatedDateUTC": ms(2019, 6, 1),
    },
    {
        "Key": "inv3",
        "Type": "ACCREC",
        "Status": "DRAFT",
        "Date": ms(2016, 1, 15),
        "AmountDue": 0.1,
        "Contact": {"ContactID": PETER, "Name": "Peter Parker"},
        "UpdatedDateUTC": ms(2000, 1, 1),
    },
    {
        "Key": "contact",
        "Name": "Peter Smith",
        "EmailAddress": "Boom@example.com",
        "IsSupplier": True,
        "UpdatedDateUTC": ms(1999, 12, 31, 23, 59, 59),
    },
    {"Key": "item1", "Name": "Widget", "Code": "W1", "IsSold": True},
    {
        "Key": "item2",
        "Name": "peterson gadget",
        "IsSold": False,
        "EmailAddress": "sales@boomer.com",
    },
]
ALL = [record["Key"] for record in RECORDS]
INVOICES = ["inv1", "inv2", "inv3"]
NOT_INVOICES = ["bank", "contact", "item1", "item2"]


def matches(expression: str) -> list[str]:
    """Keys of the records the expression selects, in input order."""
    predicate = compile_where(expression)
    return [record["Key"] for record in RECORDS if predicate(record)]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # The examples of xero-api.md section 2.3.
        ('Type=="BANK"', ["bank"]),
        ('Status=="AUTHORISED" AND Type=="ACCREC"', ["inv1"]),
        ('Name.Contains("Peter")', ["contact", "item2"]),
        ('EmailAddress!=null&&EmailAddress.StartsWith("boom")', ["contact"]),
        ("Date >= DateTime(2015, 01, 01) && Date < DateTime(2015, 12, 31)", ["inv1"]),
        (f'Contact.ContactID==Guid("{PETER}")', ["inv1", "inv3"]),
        (f'AccountID = GUID("{ACCOUNT}")', ["bank"]),
        ('UpdatedDateUTC>=DateTime.Parse("2000-01-01T00:00:00")', INVOICES),
        ("AmountDue > 0", ["inv1", "inv3"]),
        ("IsSold==true", ["item1"]),
        # Boolean operator spellings.
        ('Status=="AUTHORISED" && Type=="ACCREC"', ["inv1"]),
        ('Status=="AUTHORISED" and Type=="ACCREC"', ["inv1"]),
        ('Type=="BANK" || Type=="ACCPAY"', ["bank", "inv2"]),
        ('Type == "BANK" Or Type == "ACCPAY"', ["bank", "inv2"]),
        # Precedence: NOT > AND > OR, and parentheses.
        ('Type=="BANK" OR Type=="ACCREC" AND Status=="DRAFT"', ["bank", "inv3"]),
        ('Type=="ACCREC" AND Status=="DRAFT" OR Type=="BANK"', ["bank", "inv3"]),
        ('(Type=="BANK" OR Type=="ACCREC") AND Status=="AUTHORISED"', ["inv1"]),
        ('NOT Type=="ACCREC" AND Contact != null', ["inv2"]),
        ('NOT (Type=="ACCREC" OR Type=="ACCPAY")', NOT_INVOICES),
        ('!(Status == "DRAFT") && Type == "ACCREC"', ["inv1"]),
        ('not not Type=="BANK"', ["bank"]),
        ('((Type=="BANK"))', ["bank"]),
        # Case-insensitive strings, field names, keywords, type and method names.
        ('Type=="bank"', ["bank"]),
        ('TYPE=="BANK"', ["bank"]),
        ('Contact.Name == "peter parker"', ["inv1", "inv3"]),
        (f'contact.contactid == guid("{PETER}")', ["inv1", "inv3"]),
        (f'Contact.ContactID == Guid("{PETER.upper()}")', ["inv1", "inv3"]),
        (f'AccountID == Guid("{{{ACCOUNT.upper()}}}")', ["bank"]),
        ('Name.contains("PETER")', ["contact", "item2"]),
        ('EmailAddress.EndsWith("BOOMER.COM")', ["item2"]),
        ('Contact.Name.StartsWith("boom")', ["inv2"]),
        ('Name.ToLower() == "widget"', ["item1"]),
        ('Name.ToUpper().StartsWith("PETERSON")', ["item2"]),
        ("IsSold == TRUE", ["item1"]),
        ('  Type ==\n"BANK"  ', ["bank"]),
        # Dates compare as instants; DateTime literals are UTC.
        ("Date <= DateTime(2015,12,31)", ["inv1", "inv2"]),
        ("Date > DateTime(2015,12,31,0,0,0)", ["inv3"]),
        ("Date == DateTime(2015, 1, 1)", ["inv1"]),
        ("UpdatedDateUTC < DateTime(2000, 1, 1)", ["bank", "contact"]),
        ("UpdatedDateUTC >= DateTime(1999, 12, 31, 23, 59, 59, 1)", INVOICES),
        ('UpdatedDateUTC>=DateTime.Parse("2000-01-01T01:00:00+01:00")', INVOICES),
        ('UpdatedDateUTC>=DateTime.Parse("2000-01-01")', INVOICES),
        ("Date >= UpdatedDateUTC", ["inv3"]),
        # Numbers compare numerically and exactly (the float 0.1 equals the literal 0.1).
        ("AmountDue == 0.1", ["inv3"]),
        ("AmountDue >= -1", INVOICES),
        ("AmountDue <= 0", ["inv2"]),
        ("AmountDue < 100.5", INVOICES),
        # Booleans and null: a missing field equals null and fails every other comparison.
        ("IsSold==false", ["item2"]),
        ("IsSold", ["item1"]),
        ("!IsSold", ["bank", "inv1", "inv2", "inv3", "contact", "item2"]),
        ("IsSold != true", ["item2"]),
        ("IsSold == null", ["bank", "inv1", "inv2", "inv3", "contact"]),
        ("null == IsSold", ["bank", "inv1", "inv2", "inv3", "contact"]),
        ("Contact == null", NOT_INVOICES),
        ("Contact.Name == null", NOT_INVOICES),
        ('Contact.Name != "Peter Parker"', ["inv2"]),
        ('Contact.Name <> "Peter Parker"', ["inv2"]),
        ('Nope == "x"', []),
        ("Nope == null", ALL),
        ("Date > null", []),
        # Unrelated types are unequal, never an error.
        ('AmountDue == "100"', []),
        ('AmountDue != "100"', INVOICES),
        # String literals: backslash escapes, doubled quotes, one-character char literals.
        (r'Reference == "Say \"hi\""', ["inv1"]),
        ('Reference == "Say ""hi"""', ["inv1"]),
        ("Code.StartsWith('W')", ["item1"]),
        ("Type == 'B'", []),
        # Constant conditions.
        ("true", ALL),
        ("false", []),
        ("", ALL),
        ("   ", ALL),
    ],
)
def test_where_selects(expression: str, expected: list[str]) -> None:
    assert matches(expression) == expected


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        # Unterminated strings.
        ('Type=="BANK', "Unterminated string literal"),
        ('Name.Contains("Pete', "Unterminated string literal"),
        ('Type=="BANK\\"', "Unterminated string literal"),
        ("Type=='B", "Unterminated string literal"),
        # A missing operand.
        ("Type==", "Expression expected"),
        ('=="BANK"', "Expression expected"),
        ('Type=="A" AND', "Expression expected"),
        ('Type=="A" &&', "Expression expected"),
        ('Type=="A" OR OR Type=="B"', "Expression expected"),
        ("Type ==== 1", "Expression expected"),
        ("()", "Expression expected"),
        ("NOT", "Expression expected"),
        ("Date > DateTime(2015,,1)", "Expression expected"),
        ('Name.Contains("x",)', "Expression expected"),
        ("AmountDue > -", "Expression expected"),
        # C# char literals hold one character.
        ("Type == 'AB'", "Character literal must contain exactly one character"),
        ("Type == ''", "Character literal must contain exactly one character"),
        # Everything else malformed.
        ('(Type=="A"', "Syntax error"),
        ('Type=="A")', "Syntax error"),
        ('Type=="A" Type=="B"', "Syntax error"),
        ('Type # "A"', "Syntax error"),
        ('Type & "A"', "Syntax error"),
        ('Type | "A"', "Syntax error"),
        ('Type == "A";', "Syntax error"),
        ('Name.Foo("x")', "Syntax error"),
        ("Name.Contains()", "Syntax error"),
        ('Name.ToLower("x")', "Syntax error"),
        ("Name.Contains(5)", "Syntax error"),
        ('Name.Contains("x"', "Syntax error"),
        ('Name.Length == 3 AND Name.Length.Foo("x")', "Syntax error"),
        ('Foo("x")', "Syntax error"),
        ("Contact.", "Syntax error"),
        ('Type == "A" == "B"', "Syntax error"),
        ('Type == "A" AND "B"', "Syntax error"),
        ('"A"', "Syntax error"),
        ('NOT "A"', "Syntax error"),
        ("-AmountDue > 1", "Syntax error"),
        ("AmountDue > 1.", "Syntax error"),
        ("Date >= DateTime(2015, 13, 1)", "Syntax error"),
        ("Date >= DateTime(2015, 2, 30)", "Syntax error"),
        ("Date >= DateTime(2015, 1, 1, 24, 0, 0)", "Syntax error"),
        ("Date >= DateTime(2015, 1, 1, 0, 0, 0, 1000)", "Syntax error"),
        ("Date >= DateTime(2015, 1)", "Syntax error"),
        ("Date >= DateTime(2015, 1.5, 1)", "Syntax error"),
        ('Date >= DateTime("2015", 1, 1)', "Syntax error"),
        ("Date >= DateTime()", "Syntax error"),
        ('Date >= DateTime.Parse("not a date")', "Syntax error"),
        ('Date >= DateTime.Parse("2015-13-01")', "Syntax error"),
        ("Date >= DateTime.Parse(2015)", "Syntax error"),
        ("Date >= DateTime.Now", "Syntax error"),
        ('ContactID == Guid("not-a-guid")', "Syntax error"),
        ("ContactID == Guid()", "Syntax error"),
        ("(" * 60 + 'Type=="A"' + ")" * 60, "Syntax error"),
        ("NOT " * 60 + "IsSold", "Syntax error"),
    ],
)
def test_where_rejects_with_xeros_message(expression: str, message: str) -> None:
    with pytest.raises(QueryParseError) as caught:
        compile_where(expression)
    assert caught.value.message == message
    assert str(caught.value) == message


def test_query_parse_error_carries_xeros_error_number_and_type() -> None:
    error = QueryParseError("Syntax error")
    assert isinstance(error, ValueError)
    assert (error.error_number, error.error_type) == (16, "QueryParseException")


def test_long_flat_or_chain_does_not_exhaust_the_stack() -> None:
    expression = " OR ".join(f'Code == "X{n}"' for n in range(3000)) + ' OR Code == "W1"'
    assert matches(expression) == ["item1"]


def test_where_predicate_ignores_non_dict_intermediate_values() -> None:
    predicate = compile_where('Contact.Name == "x"')
    assert predicate({"Contact": "not an object"}) is False
    assert predicate({"Contact": [{"Name": "x"}]}) is False


# ----------------------------------------------------------------------------------- order


def keys(records: list[dict[str, Any]]) -> list[str]:
    """The Key of each record, in order."""
    return [record["Key"] for record in records]


PEOPLE: list[dict[str, Any]] = [
    {"Key": "a", "Name": "beta", "Total": 10, "Date": "/Date(99000+0000)/", "Type": "X"},
    {"Key": "b", "Name": "Alpha", "Total": 9.5, "Date": "/Date(100000+0000)/", "Type": "Y"},
    {"Key": "c", "Total": 100, "Date": "/Date(-5000+0000)/", "Type": "X"},
    {"Key": "d", "Name": "gamma", "Type": "Y", "Date": "/Date(100000+0000)/"},
    {"Key": "e", "Name": "BETA", "Total": 10, "Type": "X", "Date": "/Date(100000+0000)/"},
]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # Strings ignore case; missing values come first in ASC and last in DESC; ties are stable.
        ("Name ASC", ["c", "b", "a", "e", "d"]),
        ("Name", ["c", "b", "a", "e", "d"]),
        ("name asc", ["c", "b", "a", "e", "d"]),
        ("Name DESC", ["d", "a", "e", "b", "c"]),
        ("Name descending", ["d", "a", "e", "b", "c"]),
        # Numbers sort numerically, not as text.
        ("Total ASC", ["d", "b", "a", "e", "c"]),
        ("Total DESC", ["c", "a", "e", "b", "d"]),
        # Dates sort as instants (text order would put 99000 after 100000).
        ("Date ASC", ["c", "a", "b", "d", "e"]),
        ("Date DESC", ["b", "d", "e", "a", "c"]),
        # Several keys.
        ("Type ASC, Date DESC", ["e", "a", "c", "b", "d"]),
        ("Type DESC,Name ASC", ["b", "d", "c", "a", "e"]),
        ("Name ASC, Total DESC", ["c", "b", "a", "e", "d"]),
    ],
)
def test_order_sorts(expression: str, expected: list[str]) -> None:
    assert keys(compile_order(expression)(PEOPLE)) == expected


def test_order_by_dotted_path() -> None:
    invoices = [record for record in RECORDS if record["Key"] in INVOICES]
    assert keys(compile_order("Contact.Name DESC")(invoices)) == ["inv1", "inv3", "inv2"]
    assert keys(compile_order("UpdatedDateUTC DESC")(invoices)) == ["inv2", "inv1", "inv3"]


def test_order_returns_a_new_list_and_leaves_the_input_alone() -> None:
    original = list(PEOPLE)
    result = compile_order("Name DESC")(PEOPLE)
    assert result is not PEOPLE
    assert original == PEOPLE


def test_blank_order_keeps_input_order() -> None:
    assert keys(compile_order("  ")(PEOPLE)) == ["a", "b", "c", "d", "e"]


def test_order_sorts_mixed_types_without_error() -> None:
    mixed = [
        {"Key": "s", "V": "text"},
        {"Key": "n", "V": 3},
        {"Key": "o", "V": {"x": 1}},
        {"Key": "b", "V": True},
        {"Key": "m"},
    ]
    assert keys(compile_order("V ASC")(mixed)) == ["m", "b", "n", "s", "o"]


@pytest.mark.parametrize(
    "expression",
    [
        "Name ASC DESC",
        "Name SIDEWAYS",
        "Name,",
        ",Name",
        "Name,,Date",
        "Name(",
        "Name.",
        "Name;",
        "Na me",
        "ASC Name DESC",
        '"Name"',
        'Name "',
        "1",
        "Name == 1",
    ],
)
def test_order_rejects_malformed(expression: str) -> None:
    with pytest.raises(QueryParseError) as caught:
        compile_order(expression)
    assert caught.value.message == "Syntax error"
