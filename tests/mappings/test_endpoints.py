"""Each mapping agrees with its endpoint: what it accepts and returns (xero_sandbox.endpoints)."""

from __future__ import annotations

import pytest

from tests.mappings.conftest import OBJECTS
from xero_sandbox.endpoints import Endpoint, find, served
from xero_sync.mapping import ObjectMapping

# Endpoints that take `unitdp` (xero-api.md section 8): not in the endpoint table.
UNITDP = {"BankTransactions", "CreditNotes", "Invoices", "Items", "Overpayments", "Prepayments"}
# Journals take `paymentsOnly` (xero-api.md sections 1 and 8): the cash-basis ledger.
PAYMENTS_ONLY = {"Journals"}


def endpoint_of(mapping: ObjectMapping) -> Endpoint:
    endpoint = find(mapping.api, mapping.resource)
    assert endpoint is not None, f"{mapping.name}: no {mapping.api} endpoint {mapping.resource}"
    return endpoint


def strategy_for(endpoint: Endpoint) -> str:
    """The extraction strategy an endpoint's paging and If-Modified-Since support call for."""
    if endpoint.offset_paged:
        return "journals"
    if endpoint.if_modified_since:
        return "paged" if endpoint.paged else "modified_since"
    if endpoint.paged and endpoint.updated_field:
        return "client_filtered"
    return "full"


def paging_for(endpoint: Endpoint, strategy: str) -> str:
    if strategy not in ("paged", "client_filtered"):
        return "none"
    return "page_size" if endpoint.page_size else "page"


def allowed_params(endpoint: Endpoint) -> set[str]:
    allowed = {"order"} if endpoint.order else set()
    allowed |= {"includeArchived"} if endpoint.include_archived else set()
    allowed |= {"includeDeleted"} if endpoint.include_deleted else set()
    allowed |= {"paymentsOnly"} if endpoint.name in PAYMENTS_ONLY else set()
    return allowed | ({"unitdp"} if endpoint.name in UNITDP else set())


def test_every_served_endpoint_has_a_mapping(mappings: dict[str, ObjectMapping]) -> None:
    wanted = {(e.family, e.name) for e in served()}
    assert {(m.api, m.resource) for m in mappings.values()} == wanted


@pytest.mark.parametrize("name", OBJECTS)
def test_resource_is_served_under_its_api(mappings: dict[str, ObjectMapping], name: str) -> None:
    endpoint = endpoint_of(mappings[name])
    assert not endpoint.retired
    assert endpoint.family == mappings[name].api


@pytest.mark.parametrize("name", OBJECTS)
def test_collection_key_and_ids_match(mappings: dict[str, ObjectMapping], name: str) -> None:
    mapping = mappings[name]
    endpoint = endpoint_of(mapping)
    assert mapping.collection == endpoint.key
    assert mapping.primary_key == endpoint.id_field
    assert mapping.updated_field == endpoint.updated_field


@pytest.mark.parametrize("name", OBJECTS)
def test_strategy_fits_paging_and_if_modified_since(mappings: dict[str, ObjectMapping],
                                                    name: str) -> None:
    mapping = mappings[name]
    endpoint = endpoint_of(mapping)
    assert mapping.strategy == strategy_for(endpoint)
    assert mapping.paging == paging_for(endpoint, mapping.strategy)


@pytest.mark.parametrize("name", OBJECTS)
def test_params_are_ones_the_endpoint_accepts(mappings: dict[str, ObjectMapping],
                                              name: str) -> None:
    mapping = mappings[name]
    assert set(mapping.params) <= allowed_params(endpoint_of(mapping))
    assert mapping.params.get("unitdp", "4") == "4"


def test_hidden_statuses_are_fetched_and_marked_deleted(
        mappings: dict[str, ObjectMapping]) -> None:
    """Archived contacts and tracking categories, deleted transfers: only returned when asked."""
    hiding = {name: endpoint_of(m) for name, m in mappings.items()
              if endpoint_of(m).hidden_statuses}
    assert {mappings[name].resource for name in hiding} == {
        "BankTransfers", "Contacts", "TrackingCategories"}
    for name, endpoint in hiding.items():
        mapping = mappings[name]
        flag = "includeArchived" if endpoint.include_archived else "includeDeleted"
        assert mapping.params.get(flag) == "true", name
        assert mapping.deleted_field == endpoint.status_field, name
        assert set(endpoint.hidden_statuses) <= set(mapping.deleted_values), name


@pytest.mark.parametrize("name", OBJECTS)
def test_deleted_status_field_is_also_a_column(mappings: dict[str, ObjectMapping],
                                               name: str) -> None:
    mapping = mappings[name]
    if mapping.deleted_field is not None:
        assert mapping.deleted_field in {c.source for c in mapping.columns}
