"""The fast paths of an import keep its meaning: JSON read as the standard library reads it, values
written as given, a failed write leaves nothing behind."""

from __future__ import annotations

import json
from typing import Any

import pytest
from import_worlds import small_world
from sqlalchemy import text

from divert.errors import ImportFailed
from importers.export import service_documents
from importers.hsds_json import loads_json
from importers.pipeline import import_services


@pytest.mark.parametrize(
    "body",
    [
        b'[{"id": 123456789012345678901234567890, "n": 1.5}]',
        b'{"services": [{"id": "a", "big": -99999999999999999999}]}',
        '\ufeff[{"id": "bom"}]'.encode(),
        '[{"id": "utf16"}]'.encode("utf-16"),
        b'[{"id": "a", "n": 1e400}]',
        b'[{"id": "dup", "id": "last"}]',
    ],
)
def test_bodies_read_as_the_standard_library_reads_them(body: bytes) -> None:
    assert loads_json(body) == json.loads(body)


@pytest.mark.parametrize("body", [b'[{"x": NaN}]', b'[{"x": Infinity}]', b"[1,", b"\xff\xfe\xfd"])
def test_bodies_the_standard_library_refuses_are_refused(body: bytes) -> None:
    with pytest.raises(ValueError):
        loads_json(body)


def test_a_long_integer_id_keeps_its_digits(db) -> None:  # type: ignore[no-untyped-def]
    services = loads_json(
        b'[{"id": 123456789012345678901234567890, "name": "Long id", "organization_id": "o1",'
        b' "organization": {"id": "o1", "name": "Org"}}]'
    )
    with db() as s:
        import_services(s, services, source="hsds", actor="test")
        s.commit()
        assert s.execute(text("SELECT id FROM service")).scalar_one() == "123456789012345678901234567890"


def test_values_equal_in_python_but_different_in_json_are_stored_as_given(db) -> None:  # type: ignore[no-untyped-def]
    # True == 1 == 1.0 in Python; a column written once for a repeated value must not merge them.
    services: list[dict[str, Any]] = small_world()
    for service, flag in zip(services, [True, 1, 1.0], strict=True):
        service["x_flag"] = flag
        service["x_note"] = {"value": flag}
    with db() as s:
        import_services(s, services, source="hsds", actor="test")
        s.commit()
        by_id = {doc["id"]: doc for doc in service_documents(s, [x["id"] for x in services])}
    for service, flag in zip(services, [True, 1, 1.0], strict=True):
        stored = by_id[service["id"]]
        assert type(stored["x_flag"]) is type(flag) and stored["x_flag"] == flag
        assert type(stored["x_note"]["value"]) is type(flag)


def test_a_value_the_database_refuses_mid_write_leaves_nothing(db) -> None:  # type: ignore[no-untyped-def]
    services = small_world()
    services[2]["description"] = "refused\x00here"
    with db() as s:
        with pytest.raises(ImportFailed) as failure:
            import_services(s, services, source="hsds", actor="test")
        s.rollback()
        assert [e["path"] for e in failure.value.extra["errors"]] == ["description"]
        assert s.execute(text("SELECT count(*) FROM service")).scalar_one() == 0
        assert s.execute(text("SELECT count(*) FROM metadata")).scalar_one() == 0
    # The session's connection (and its staging tables) serve the next import normally.
    with db() as s:
        import_services(s, small_world(), source="hsds", actor="test")
        s.commit()
        assert s.execute(text("SELECT count(*) FROM service")).scalar_one() == 3


def test_a_second_import_in_one_transaction_reuses_the_staging_tables(db) -> None:  # type: ignore[no-untyped-def]
    services = small_world()
    with db() as s:
        first = import_services(s, services[:2], source="hsds", actor="test")
        second = import_services(s, services[2:], source="hsds", actor="test")
        s.commit()
        assert (first.created, second.created) == (2, 1)
        assert s.execute(text("SELECT count(*) FROM service")).scalar_one() == 3
