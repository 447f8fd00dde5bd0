"""The extraction strategies and the spec a mapping hands the extractor (design decision 3).

Shared by ``mapping`` (which validates a file's ``strategy`` and builds the spec from it) and
``extract`` (which reads Xero by it). It lives apart from both so that neither imports the
other: the mapping loader, which the DAG processor and ``python -m xero_sync.mapping check``
run, stays free of the HTTP client, and ``extract`` needs nothing of the YAML loader. It
imports only ``errors``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from xero_sync.errors import ConfigurationError

STRATEGIES = ("paged", "modified_since", "full", "journals", "client_filtered")
JOURNAL_NUMBER = "JournalNumber"  # the ``journals`` strategy reads on from the highest one


def journal_number(record: Any) -> int | None:
    """A record's JournalNumber when it is a JSON integer, else None. The one rule for both
    the extraction (which reads on from the highest) and the transform (which quarantines a
    journal without one), so a journal is never stored that the offset skipped, or the
    reverse."""
    value = record.get(JOURNAL_NUMBER) if isinstance(record, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class ExtractSpec:
    """What to read for one object; built from its mapping file."""

    name: str  # mapping name, e.g. "invoices"
    resource: str  # path segment, e.g. "Invoices"
    collection: str  # JSON collection key, e.g. "Invoices"
    strategy: str
    api: str = "accounting"
    updated_field: str | None = "UpdatedDateUTC"
    paged: bool = False  # the endpoint accepts `page`
    page_size_param: bool = False  # ... and `pageSize`
    params: Mapping[str, str] = field(default_factory=dict)
    id_field: str | None = None  # the record's Xero id (drops records keyset paging re-reads)
    ids_filter: str | None = None  # the list filter taking ids (IDs); None: by ``where``
    # The list gives a summary: read each listed record again by id (Payroll AU employees).
    read_each_by_id: bool = False

    @property
    def keyset(self) -> bool:
        """Whether pages can be asked for by If-Modified-Since: paged incrementally, oldest
        change first by an explicit order, and records carry their id."""
        order = self.params.get("order", "").replace(" ", "").lower()
        return (self.strategy == "paged" and self.paged and self.id_field is not None
                and self.updated_field is not None
                and order in ("updateddateutc", "updateddateutcasc"))

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ConfigurationError(
                f"{self.name}: strategy {self.strategy!r} is not one of {', '.join(STRATEGIES)}"
            )
