"""Xero's ``where`` and ``order`` list parameters, compiled to plain Python callables.

Xero evaluates ``where`` with a C#/LINQ-like language (Dynamic LINQ) and answers a malformed one
with 400 ``QueryParseException`` (xero-api.md sections 2.3 and 6). The sandbox must filter the same
way and fail with the same messages, yet never hand client text to ``eval``: a small tokenizer and
a recursive-descent parser turn the expression into closures over one wire-form record (PascalCase
keys, ``/Date(ms+0000)/`` strings, a missing key meaning null).

Grammar (keywords, type names and method names are case-insensitive, as in Dynamic LINQ)::

    where      := or
    or         := and (("||" | OR) and)*
    and        := not (("&&" | AND) not)*
    not        := ("!" | NOT) not | comparison
    comparison := postfix [("==" | "=" | "!=" | "<>" | ">" | ">=" | "<" | "<=") postfix]
    postfix    := primary ("." METHOD "(" [or ("," or)*] ")")*
    primary    := "(" or ")" | STRING | CHAR | ["-"] NUMBER | true | false | null
                | DateTime "(" y, m, d [, h, mi, s [, ms]] ")" | DateTime.Parse "(" STRING ")"
                | Guid "(" STRING ")" | FIELD ("." FIELD)*

    order      := FIELD ("." FIELD)* [ASC | DESC | ASCENDING | DESCENDING] ("," ...)*
"""

from __future__ import annotations

import math
import operator
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final

from xero_sandbox.msdate import parse_ms, to_ms

Record = dict[str, Any]
Getter = Callable[[Record], Any]

SYNTAX_ERROR: Final = "Syntax error"
EXPRESSION_EXPECTED: Final = "Expression expected"
UNTERMINATED_STRING: Final = "Unterminated string literal"
BAD_CHARACTER_LITERAL: Final = "Character literal must contain exactly one character"

# Nesting deeper than this is refused, so hostile input cannot exhaust Python's recursion limit.
_MAX_DEPTH: Final = 50


class QueryParseError(ValueError):
    """A ``where``/``order`` expression Xero would reject; ``message`` is Xero's exact text.

    The server turns it into ``400 {"ErrorNumber": 16, "Type": "QueryParseException",
    "Message": message}``, so the class carries the number and type as well.
    """

    error_number: Final = 16
    error_type: Final = "QueryParseException"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --------------------------------------------------------------------------------------- values


class _NullLiteral:
    """The ``null`` keyword, kept apart from a missing field (None).

    ``Field != null`` is true for a present field, while ``Field != "x"`` is false for a missing
    one; telling the two apart needs a value that no record can hold.
    """

    def __repr__(self) -> str:
        return "null"


_NULL: Final = _NullLiteral()
_NOT_CONSTANT: Final = object()


@dataclass(frozen=True)
class _Instant:
    """A ``DateTime(...)`` literal: a UTC instant in epoch ms, like the MS date strings."""

    ms: int


@dataclass(frozen=True)
class _Guid:
    """A ``Guid("...")`` literal in canonical lower-case form, so comparison ignores case."""

    text: str


@dataclass(frozen=True)
class _Node:
    """A compiled sub-expression: how to read its value from a record, and its value if literal.

    The parser uses ``constant`` to reject nonsense it can see without data (``"A" AND B``,
    ``DateTime(Year, 1, 1)``); fields are unknown until a record arrives. ``kind`` is the .NET
    type Xero's model gives the operand ("Guid", "DateTime", "String", ...), when known.
    """

    get: Getter
    constant: object = _NOT_CONSTANT
    kind: str | None = None

    @property
    def is_constant(self) -> bool:
        """True when the value does not depend on the record."""
        return self.constant is not _NOT_CONSTANT


def _constant(value: object) -> _Node:
    """A node that always yields ``value``."""
    return _Node(get=lambda _record: value, constant=value, kind=_literal_kind(value))


def _literal_kind(value: object) -> str | None:
    """The .NET type of a literal; None for null, which compares with anything."""
    kinds = ((bool, "Boolean"), (str, "String"), (_Guid, "Guid"), (_Instant, "DateTime"),
             (int, "Int32"), (Decimal, "Decimal"))
    return next((kind for cls, kind in kinds if isinstance(value, cls)), None)


@dataclass(frozen=True)
class Schema:
    """What Xero's model of one type holds: its name (``Invoice``) and the .NET type of each
    property, by case-folded name. Given one, ``where`` and ``order`` fail as Xero's do on a
    property the type lacks ("No property or field 'Foo' exists in type 'Invoice'", also what
    an unquoted ``Type==ACCREC`` gets) and on a GUID or date compared with a string
    ("Operator '==' incompatible with operand types 'Guid' and 'String'"). Without one, every
    name reads as a field that may be missing and unlike types are merely unequal."""

    type_name: str
    kinds: dict[str, str | None]  # None: a property whose values were all null

    @classmethod
    def of(cls, collection: str, records: Iterable[Record]) -> Schema:
        """The schema the records show: every property any of them holds, typed by its first
        value that is not null (a ``/Date()/`` string is a DateTime, a GUID in a property
        named ...ID a Guid). The type is the collection's singular (Invoices: Invoice)."""
        kinds: dict[str, str | None] = {}
        for record in records:
            for name, value in record.items():
                folded = name.casefold()
                if kinds.get(folded) is None:
                    kinds[folded] = _value_kind(name, value)
        return cls(_singular(collection), kinds)

    def kind_of(self, path: Sequence[str]) -> str | None:
        """The type of a property path's value: its first step must exist; deeper steps are
        objects the sandbox does not model, read leniently."""
        name = path[0].casefold()
        if name not in self.kinds:
            raise QueryParseError(f"No property or field '{path[0]}' exists in type "
                                  f"'{self.type_name}'")
        return self.kinds[name] if len(path) == 1 else None


def _value_kind(name: str, value: object) -> str | None:
    """The .NET type a wire value stands for (None: null, no telling)."""
    if isinstance(value, str):
        if parse_ms(value) is not None:
            return "DateTime"
        if name.endswith("ID") and _guid_text(value) is not None:
            return "Guid"
        return "String"
    if isinstance(value, dict | list):
        return "Object"
    if isinstance(value, bool):
        return "Boolean"
    return None if value is None else "Decimal"


def _singular(collection: str) -> str:
    """Xero's model type of a collection: TrackingCategories → TrackingCategory."""
    if collection.endswith("ies"):
        return collection[:-3] + "y"
    return collection[:-1] if collection.endswith("s") else collection


# Pairs Dynamic LINQ will not compare (no implicit conversion from text), as Xero answers.
_STRICT_KINDS: Final = frozenset({"Guid", "DateTime"})


def _check_operands(op_text: str, left: _Node, right: _Node) -> None:
    kinds = {left.kind, right.kind}
    if "String" in kinds and kinds & _STRICT_KINDS:
        raise QueryParseError(f"Operator '{op_text}' incompatible with operand types "
                              f"'{left.kind}' and '{right.kind}'")


# ------------------------------------------------------------------------------------ tokenizer

_IDENT, _NUMBER, _STRING, _SYMBOL, _END = "ident", "number", "string", "symbol", "end"


@dataclass(frozen=True)
class _Token:
    """One lexeme; ``value`` holds the decoded text of string literals and numbers."""

    kind: str
    text: str
    value: object = None


_LEXEME = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<number>\d+(?:\.\d+)?)"
    r"|(?P<ident>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<symbol>==|!=|>=|<=|<>|&&|\|\||[=<>!(),.\-])"
)
_ESCAPES: Final = {"n": "\n", "t": "\t", "r": "\r", "0": "\0"}
_QUOTES: Final = ('"', "'")


def _scan_string(text: str, start: int) -> tuple[str, int]:
    """Decode the quoted literal opening at ``start``; returns it and the index after it.

    Backslash escapes are honoured, and so is a doubled quote (Dynamic LINQ's own escape).
    """
    quote, index, parts = text[start], start + 1, []
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            parts.append(_ESCAPES.get(text[index + 1], text[index + 1]))
            index += 2
        elif char == quote and text[index + 1 : index + 2] == quote:
            parts.append(quote)
            index += 2
        elif char == quote:
            return "".join(parts), index + 1
        else:
            parts.append(char)
            index += 1
    raise QueryParseError(UNTERMINATED_STRING)


def _string_token(text: str, start: int) -> tuple[_Token, int]:
    """A string token; single quotes make a C# char literal, which holds exactly one character."""
    value, end = _scan_string(text, start)
    if text[start] == "'" and len(value) != 1:
        raise QueryParseError(BAD_CHARACTER_LITERAL)
    return _Token(_STRING, text[start:end], value), end


def _number_value(text: str) -> int | Decimal:
    """Integers stay ints (``DateTime`` needs them); anything with a point is an exact Decimal."""
    return Decimal(text) if "." in text else int(text)


def _tokenize(text: str) -> list[_Token]:
    """Split an expression into tokens, ending with an ``end`` token."""
    tokens: list[_Token] = []
    index = 0
    while index < len(text):
        if text[index] in _QUOTES:
            token, index = _string_token(text, index)
            tokens.append(token)
            continue
        match = _LEXEME.match(text, index)
        if match is None:
            raise QueryParseError(SYNTAX_ERROR)
        index = match.end()
        kind = match.lastgroup
        if kind == _NUMBER:
            tokens.append(_Token(_NUMBER, match[0], _number_value(match[0])))
        elif kind != "space":
            tokens.append(_Token(str(kind), match[0]))
    tokens.append(_Token(_END, ""))
    return tokens


# ---------------------------------------------------------------------------------- comparison

_ORDERING: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
_COMPARISON_SYMBOLS: Final = {"==": "==", "=": "==", "!=": "!=", "<>": "!="} | {
    op: op for op in (">", ">=", "<", "<=")
}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _parse_iso(text: str) -> int | None:
    """Epoch ms of an ISO-8601 date or date-time (naive means UTC), or None if it is not one."""
    if not _ISO_DATE.match(text):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return to_ms(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _instant_of(value: object) -> int | None:
    """The instant a value denotes: a DateTime literal, an MS date string, or an ISO string."""
    if isinstance(value, _Instant):
        return value.ms
    if isinstance(value, str):
        ms = parse_ms(value)
        return ms if ms is not None else _parse_iso(value)
    return None


def _is_ms_date(value: object) -> bool:
    """Whether a record value is one of Xero's ``/Date(...)/`` strings."""
    return isinstance(value, str) and parse_ms(value) is not None


def _as_instants(left: object, right: object) -> tuple[int, int] | None:
    """Both sides as instants, when either is a date; dates compare by instant, not by text."""
    if not any(isinstance(v, _Instant) or _is_ms_date(v) for v in (left, right)):
        return None
    pair = _instant_of(left), _instant_of(right)
    return None if pair[0] is None or pair[1] is None else (pair[0], pair[1])


def _guid_text(value: object) -> str | None:
    """Canonical lower-case GUID text, or None for anything that is not a GUID."""
    if isinstance(value, _Guid):
        return value.text
    if not isinstance(value, str):
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def _as_guids(left: object, right: object) -> tuple[str, str] | None:
    """Both sides as GUIDs when either is a ``Guid(...)`` literal: case-insensitive equality."""
    if not (isinstance(left, _Guid) or isinstance(right, _Guid)):
        return None
    pair = _guid_text(left), _guid_text(right)
    return None if pair[0] is None or pair[1] is None else (pair[0], pair[1])


def _number_of(value: object) -> Decimal | None:
    """An exact Decimal for JSON numbers (floats via ``str`` so 0.1 equals the literal 0.1)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    if isinstance(value, float):
        return Decimal(str(value)) if math.isfinite(value) else None
    return Decimal(value)


def _as_numbers(left: object, right: object) -> tuple[Decimal, Decimal] | None:
    """Both sides as numbers, when both are numbers."""
    pair = _number_of(left), _number_of(right)
    return None if pair[0] is None or pair[1] is None else (pair[0], pair[1])


def _as_bools(left: object, right: object) -> tuple[bool, bool] | None:
    """Both sides when both are booleans (kept apart from numbers: True is not 1 here)."""
    if isinstance(left, bool) and isinstance(right, bool):
        return left, right
    return None


def _as_strings(left: object, right: object) -> tuple[str, str] | None:
    """Both sides case-folded, when both are strings: Xero's string comparison ignores case."""
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold(), right.casefold()
    return None


_COERCIONS: Final[tuple[Callable[[object, object], tuple[Any, Any] | None], ...]] = (
    _as_instants,
    _as_guids,
    _as_bools,
    _as_numbers,
    _as_strings,
)


def _compare_with_null(op: str, left: object, right: object) -> bool:
    """``x == null`` / ``x != null``; ordering against null is never true (as in C#)."""
    other = right if left is _NULL else left
    is_null = other is None or other is _NULL
    if op == "==":
        return is_null
    if op == "!=":
        return not is_null
    return False


def _compare(op: str, left: object, right: object) -> bool:
    """Apply a comparison with Xero's semantics.

    A missing field only matches ``== null``; values of unrelated types are simply unequal.
    """
    if left is _NULL or right is _NULL:
        return _compare_with_null(op, left, right)
    if left is None or right is None:
        return False
    for coerce in _COERCIONS:
        pair = coerce(left, right)
        if pair is not None:
            return _ORDERING[op](pair[0], pair[1])
    return op == "!="


# -------------------------------------------------------------------------------------- methods


def _contains(value: object, needle: object) -> bool:
    """``Field.Contains("x")``, case-insensitive like Xero's."""
    return (
        isinstance(value, str) and isinstance(needle, str) and needle.casefold() in value.casefold()
    )


def _starts_with(value: object, prefix: object) -> bool:
    """``Field.StartsWith("x")``, case-insensitive."""
    return (
        isinstance(value, str)
        and isinstance(prefix, str)
        and value.casefold().startswith(prefix.casefold())
    )


def _ends_with(value: object, suffix: object) -> bool:
    """``Field.EndsWith("x")``, case-insensitive."""
    return (
        isinstance(value, str)
        and isinstance(suffix, str)
        and value.casefold().endswith(suffix.casefold())
    )


def _to_lower(value: object) -> object:
    """``Field.ToLower()``; a missing or non-string value stays as it is."""
    return value.lower() if isinstance(value, str) else value


def _to_upper(value: object) -> object:
    """``Field.ToUpper()``; a missing or non-string value stays as it is."""
    return value.upper() if isinstance(value, str) else value


# Method name (case-folded) -> implementation taking the target then the arguments.
_METHODS: Final[dict[str, Callable[..., object]]] = {
    "contains": _contains,
    "startswith": _starts_with,
    "endswith": _ends_with,
    "tolower": _to_lower,
    "toupper": _to_upper,
}
_METHOD_ARITY: Final = {"contains": 1, "startswith": 1, "endswith": 1, "tolower": 0, "toupper": 0}


def _method_node(target: _Node, name: str, args: Sequence[_Node]) -> _Node:
    """Bind a string method call; unknown methods, wrong arity or non-string literals fail."""
    key = name.casefold()
    if key not in _METHODS or len(args) != _METHOD_ARITY[key]:
        raise QueryParseError(SYNTAX_ERROR)
    if any(arg.is_constant and not isinstance(arg.constant, str) for arg in args):
        raise QueryParseError(SYNTAX_ERROR)
    method, get_target, arg_getters = _METHODS[key], target.get, [arg.get for arg in args]

    def get(record: Record) -> object:
        return method(get_target(record), *(arg(record) for arg in arg_getters))

    return _Node(get)


# ---------------------------------------------------------------------------------- fields


def _lookup(mapping: dict[str, Any], name: str, folded: str) -> Any:
    """Value of a key matched case-insensitively (Xero's property names ignore case)."""
    if name in mapping:
        return mapping[name]
    for key, value in mapping.items():
        if key.casefold() == folded:
            return value
    return None


def _field_getter(path: Sequence[str]) -> Getter:
    """Read a dotted path such as ``Contact.ContactID``; a broken path reads as missing (None)."""
    steps = tuple((name, name.casefold()) for name in path)

    def get(record: Record) -> Any:
        value: Any = record
        for name, folded in steps:
            if not isinstance(value, dict):
                return None
            value = _lookup(value, name, folded)
        return value

    return get


# ------------------------------------------------------------------------------------- literals


def _datetime_literal(args: Sequence[_Node]) -> _Node:
    """``DateTime(y, m, d[, h, mi, s[, ms]])`` as a UTC instant; impossible dates fail to parse."""
    ints = [a.constant for a in args if type(a.constant) is int]
    if len(ints) != len(args) or len(ints) not in (3, 6, 7):
        raise QueryParseError(SYNTAX_ERROR)
    year, month, day, hour, minute, second, millisecond = (*ints, 0, 0, 0, 0)[:7]
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError as error:
        raise QueryParseError(SYNTAX_ERROR) from error
    if not 0 <= millisecond < 1000:
        raise QueryParseError(SYNTAX_ERROR)
    return _constant(_Instant(to_ms(moment) + millisecond))


def _single_string(args: Sequence[_Node]) -> str:
    """The one string-literal argument that ``Guid(...)`` and ``DateTime.Parse(...)`` take."""
    if len(args) != 1 or not isinstance(args[0].constant, str):
        raise QueryParseError(SYNTAX_ERROR)
    return args[0].constant


def _datetime_parse_literal(args: Sequence[_Node]) -> _Node:
    """``DateTime.Parse("2000-01-01T00:00:00")``: ISO-8601, no zone meaning UTC."""
    ms = _parse_iso(_single_string(args).strip())
    if ms is None:
        raise QueryParseError(SYNTAX_ERROR)
    return _constant(_Instant(ms))


def _guid_literal(args: Sequence[_Node]) -> _Node:
    """``Guid("...")`` / ``GUID("...")``; text that is not a GUID fails to parse."""
    text = _guid_text(_single_string(args))
    if text is None:
        raise QueryParseError(SYNTAX_ERROR)
    return _constant(_Guid(text))


# AND/OR cannot start an operand, so ``A OR OR B`` lacks an expression rather than naming a field.
_BINARY_KEYWORDS: Final = frozenset({"and", "or"})
_KEYWORD_CONSTANTS: Final[dict[str, object]] = {"true": True, "false": False, "null": _NULL}
_CONSTRUCTORS: Final[dict[str, Callable[[Sequence[_Node]], _Node]]] = {
    "datetime": _datetime_literal,
    "guid": _guid_literal,
}


# ------------------------------------------------------------------------------- logic nodes


def _is_true(value: object) -> bool:
    """Only a real boolean true satisfies a condition; a missing field does not."""
    return value is True


def _require_condition(node: _Node) -> None:
    """Refuse a literal that cannot be a condition, such as ``Type == "A" AND "B"``."""
    if node.is_constant and not isinstance(node.constant, bool):
        raise QueryParseError(SYNTAX_ERROR)


def _all_of(nodes: Sequence[_Node]) -> _Node:
    """AND over a flat list, so long chains do not nest closures (and Python's stack)."""
    getters = [node.get for node in nodes]
    return _Node(lambda record: all(_is_true(get(record)) for get in getters))


def _any_of(nodes: Sequence[_Node]) -> _Node:
    """OR over a flat list, for the same reason as ``_all_of``."""
    getters = [node.get for node in nodes]
    return _Node(lambda record: any(_is_true(get(record)) for get in getters))


def _not(node: _Node) -> _Node:
    """Logical NOT: a missing field is not true, so its negation is."""
    get = node.get
    return _Node(lambda record: not _is_true(get(record)))


def _comparison(op: str, left: _Node, right: _Node, op_text: str | None = None) -> _Node:
    """A compiled comparison between two operands (refused when their types cannot be)."""
    _check_operands(op_text or op, left, right)
    get_left, get_right = left.get, right.get
    return _Node(lambda record: _compare(op, get_left(record), get_right(record)))


# -------------------------------------------------------------------------------------- parser


class _Parser:
    """Recursive descent over the token list; each ``_parse_*`` method is one grammar rule."""

    def __init__(self, tokens: list[_Token], schema: Schema | None = None) -> None:
        self._tokens = tokens
        self._index = 0
        self._depth = 0
        self._schema = schema

    # -- token helpers

    def _peek(self, ahead: int = 0) -> _Token:
        """The token ``ahead`` places on (the end token repeats past the end)."""
        return self._tokens[min(self._index + ahead, len(self._tokens) - 1)]

    def _advance(self) -> _Token:
        """Consume and return the current token."""
        token = self._peek()
        self._index = min(self._index + 1, len(self._tokens) - 1)
        return token

    def _at_symbol(self, symbol: str, ahead: int = 0) -> bool:
        """Whether the token ``ahead`` places on is the given punctuation."""
        token = self._peek(ahead)
        return token.kind == _SYMBOL and token.text == symbol

    def _accept_operator(self, symbol: str, word: str) -> bool:
        """Consume a logical operator written either as a symbol or as a keyword."""
        token = self._peek()
        if (token.kind == _SYMBOL and token.text == symbol) or (
            token.kind == _IDENT and token.text.casefold() == word
        ):
            self._advance()
            return True
        return False

    def _expect_symbol(self, symbol: str) -> None:
        """Consume required punctuation; its absence is a plain syntax error."""
        if not self._at_symbol(symbol):
            raise QueryParseError(SYNTAX_ERROR)
        self._advance()

    def expect_end(self) -> None:
        """Anything left over after a complete expression is a syntax error."""
        if self._peek().kind != _END:
            raise QueryParseError(SYNTAX_ERROR)

    @contextmanager
    def _nested(self) -> Iterator[None]:
        """Bound the nesting depth so hostile input cannot exhaust the recursion limit."""
        self._depth += 1
        if self._depth > _MAX_DEPTH:
            raise QueryParseError(SYNTAX_ERROR)
        try:
            yield
        finally:
            self._depth -= 1

    # -- where rules

    def parse_or(self) -> _Node:
        """``and (OR and)*``; OR binds loosest."""
        with self._nested():
            nodes = [self._parse_and()]
            while self._accept_operator("||", "or"):
                nodes.append(self._parse_and())
        return nodes[0] if len(nodes) == 1 else _any_of(self._conditions(nodes))

    def _parse_and(self) -> _Node:
        """``not (AND not)*``; AND binds tighter than OR."""
        nodes = [self._parse_not()]
        while self._accept_operator("&&", "and"):
            nodes.append(self._parse_not())
        return nodes[0] if len(nodes) == 1 else _all_of(self._conditions(nodes))

    @staticmethod
    def _conditions(nodes: list[_Node]) -> list[_Node]:
        """Check every operand of AND/OR can be a condition, then hand them back."""
        for node in nodes:
            _require_condition(node)
        return nodes

    def _parse_not(self) -> _Node:
        """``NOT not | comparison``; NOT applies to a whole comparison (``NOT Type == "A"``)."""
        if not self._accept_operator("!", "not"):
            return self._parse_comparison()
        with self._nested():
            operand = self._parse_not()
        _require_condition(operand)
        return _not(operand)

    def _parse_comparison(self) -> _Node:
        """``postfix [op postfix]``; a second comparison operator is left over and fails."""
        left = self._parse_postfix()
        token = self._peek()
        op = _COMPARISON_SYMBOLS.get(token.text) if token.kind == _SYMBOL else None
        if op is None:
            return left
        self._advance()
        return _comparison(op, left, self._parse_postfix(), token.text)

    def _parse_postfix(self) -> _Node:
        """A primary followed by any chain of ``.Method(args)`` calls."""
        node = self._parse_primary()
        chain = 0
        while self._at_symbol("."):
            self._advance()
            name = self._advance()
            chain += 1
            if name.kind != _IDENT or chain > _MAX_DEPTH:
                raise QueryParseError(SYNTAX_ERROR)
            node = _method_node(node, name.text, self._parse_arguments())
        return node

    def _parse_arguments(self) -> list[_Node]:
        """``"(" [or ("," or)*] ")"``; an empty slot such as ``(1,)`` wants an expression."""
        self._expect_symbol("(")
        args: list[_Node] = []
        if self._at_symbol(")"):
            self._advance()
            return args
        args.append(self.parse_or())
        while self._at_symbol(","):
            self._advance()
            args.append(self.parse_or())
        self._expect_symbol(")")
        return args

    def _parse_primary(self) -> _Node:
        """Literals, parentheses and identifiers; anything else means an operand is missing."""
        token = self._peek()
        if token.kind in (_STRING, _NUMBER):
            self._advance()
            return _constant(token.value)
        if token.kind == _IDENT and token.text.casefold() not in _BINARY_KEYWORDS:
            return self._parse_identifier()
        if self._at_symbol("-"):
            return self._parse_negative()
        if self._at_symbol("("):
            self._advance()
            node = self.parse_or()
            self._expect_symbol(")")
            return node
        raise QueryParseError(EXPRESSION_EXPECTED)

    def _parse_negative(self) -> _Node:
        """``-`` only negates a number literal (there is no arithmetic on fields)."""
        self._advance()
        token = self._peek()
        if token.kind != _NUMBER:
            self._parse_primary()  # "Expression expected" when nothing follows
            raise QueryParseError(SYNTAX_ERROR)
        self._advance()
        return _constant(-_number_value(token.text))

    def _parse_identifier(self) -> _Node:
        """Keywords (true/false/null), constructors, ``DateTime.Parse`` or a field path."""
        word = self._peek().text.casefold()
        if word in _KEYWORD_CONSTANTS:
            self._advance()
            return _constant(_KEYWORD_CONSTANTS[word])
        if word == "datetime" and self._at_symbol(".", ahead=1):
            return self._parse_static_call()
        if self._at_symbol("(", ahead=1):
            constructor = _CONSTRUCTORS.get(word)
            if constructor is None:
                raise QueryParseError(SYNTAX_ERROR)
            self._advance()
            return constructor(self._parse_arguments())
        path = self._parse_path()
        kind = self._schema.kind_of(path) if self._schema is not None else None
        return _Node(_field_getter(path), kind=kind)

    def _parse_static_call(self) -> _Node:
        """``DateTime.Parse("...")``, the only static member supported."""
        self._advance()
        self._advance()
        member = self._advance()
        if member.kind != _IDENT or member.text.casefold() != "parse":
            raise QueryParseError(SYNTAX_ERROR)
        return _datetime_parse_literal(self._parse_arguments())

    def _parse_path(self) -> list[str]:
        """``Name(.Name)*``, stopping before a segment that is really a method call."""
        path = [self._advance().text]
        while (
            self._at_symbol(".")
            and self._peek(1).kind == _IDENT
            and not self._at_symbol("(", ahead=2)
        ):
            self._advance()
            path.append(self._advance().text)
        return path

    # -- order rules

    def parse_order(self) -> list[tuple[list[str], bool]]:
        """``path [direction] ("," path [direction])*`` as (path, descending) pairs."""
        keys = [self._parse_order_key()]
        while self._at_symbol(","):
            self._advance()
            keys.append(self._parse_order_key())
        return keys

    def _parse_order_key(self) -> tuple[list[str], bool]:
        """One sort key; a direction word is optional and ascending by default."""
        if self._peek().kind != _IDENT:
            raise QueryParseError(SYNTAX_ERROR)
        path = self._parse_path()
        token = self._peek()
        if token.kind != _IDENT:
            return path, False
        direction = _DIRECTIONS.get(token.text.casefold())
        if direction is None:
            raise QueryParseError(SYNTAX_ERROR)
        self._advance()
        return path, direction


# Direction word (case-folded) -> descending?
_DIRECTIONS: Final = {"asc": False, "ascending": False, "desc": True, "descending": True}


# ------------------------------------------------------------------------------------ public


def compile_where(expression: str, schema: Schema | None = None) -> Callable[[Record], bool]:
    """Compile a ``where`` expression into a predicate over one wire-form record.

    Raises QueryParseError with Xero's message when the expression is malformed (or, given
    the type's ``schema``, names a property it lacks or compares unlike types). A blank
    expression filters nothing, as Xero treats an empty ``where=``.
    """
    if not expression.strip():
        return lambda _record: True
    parser = _Parser(_tokenize(expression), schema)
    node = parser.parse_or()
    parser.expect_end()
    _require_condition(node)
    get = node.get
    return lambda record: _is_true(get(record))


def _sort_key(value: object) -> tuple[int, Any]:
    """A total order across JSON types: missing first, then booleans, numbers, dates, strings.

    Dates sort as instants and strings ignore case; the rank keeps unlike types from ever being
    compared with each other.
    """
    if value is None:
        return 0, 0
    if isinstance(value, bool):
        return 1, int(value)
    number = _number_of(value)
    if number is not None:
        return 2, number
    if isinstance(value, str):
        ms = parse_ms(value)
        return (3, ms) if ms is not None else (4, value.casefold())
    return 5, 0


def _record_key(get: Getter) -> Callable[[Record], tuple[int, Any]]:
    """The sort key of one record for one ``order`` term."""
    return lambda record: _sort_key(get(record))


OrderTerm = tuple[tuple[str, ...], bool]  # (field path, descending?)
OrderTerms = tuple[OrderTerm, ...]


def parse_order(expression: str, schema: Schema | None = None) -> OrderTerms:
    """Parse an ``order`` expression into its normal form: (field path, descending) per term.

    Two expressions with the same normal form sort identically (``UpdatedDateUTC``,
    ``UpdatedDateUTC ASC`` and ``UpdatedDateUTC  ascending`` are one), so the form can key a
    cache of sorted lists. Field names keep their case, since lookup prefers an exact match.
    A blank expression is ``()``: keep the input order. Any malformed expression raises
    QueryParseError("Syntax error"); given the type's ``schema``, a property it lacks raises
    Xero's "No property or field ..." (the same parser reads ``order``).
    """
    if not expression.strip():
        return ()
    try:
        parser = _Parser(_tokenize(expression))
        terms = parser.parse_order()
        parser.expect_end()
    except QueryParseError as error:
        raise QueryParseError(SYNTAX_ERROR) from error
    if schema is not None:
        for path, _ in terms:
            schema.kind_of(path)
    return tuple((tuple(path), descending) for path, descending in terms)


def sort_records(records: Sequence[Record], terms: OrderTerms) -> list[Record]:
    """A new list of ``records`` stably sorted by ``terms`` (the last term sorted first).

    Stable sorting commutes with filtering: sorting a subsequence of a list gives the same
    subsequence of the sorted list, ties included, so a sorted list may be cached and filtered.
    """
    result = list(records)
    for path, descending in reversed(terms):
        result.sort(key=_record_key(_field_getter(path)), reverse=descending)
    return result


def compile_order(expression: str) -> Callable[[list[Record]], list[Record]]:
    """Compile an ``order`` expression into a function returning a new, stably sorted list.

    Missing values come first in ASC and last in DESC, as in SQL Server. Any malformed
    expression raises QueryParseError("Syntax error"); a blank one keeps the input order.
    """
    terms = parse_order(expression)
    if not terms:
        return list

    def sort(records: list[Record]) -> list[Record]:
        return sort_records(records, terms)

    return sort
