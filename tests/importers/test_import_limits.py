"""Import limits over HTTP: the error list is capped (first errors in order, and the total count), and
a datapackage zip that unpacks past the setting is refused before it is unpacked."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from fastapi.testclient import TestClient


def test_the_error_list_is_capped_with_a_total_count(client: Any, admin_headers: dict[str, str]) -> None:
    services = [{"id": f"s{i}"} for i in range(1500)]  # each one lacks its name (and more)
    r = client.post("/v1/import/hsds", json=services, headers=admin_headers)
    assert r.status_code == 422, r.text[:300]
    body = r.json()
    assert len(body["errors"]) == 1000
    assert body["error_count"] >= 1500
    assert [e["index"] for e in body["errors"]] == sorted(e["index"] for e in body["errors"])
    assert body["errors"][0]["index"] == 0
    assert len(r.content) < 400_000


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_the_zip_unpack_limit_is_a_setting(db: Any, settings: Any, admin_headers: dict[str, str]) -> None:
    from api.app import create_app

    # 3 MB of CSV that compresses to a few KB: a small upload, a large unpacking.
    bomb = _zip({"services.csv": b"id,name\n" + b"s1,Shelter\n" * 300_000})
    assert len(bomb) < 50_000
    tight = settings.model_copy(update={"zip_unpacked_limit_bytes": 1024 * 1024})
    with TestClient(create_app(tight)) as client:
        r = client.post("/v1/import/hsds", content=bomb, headers={**admin_headers, "Content-Type": "application/zip"})
    assert r.status_code == 422 and "unpacks to more than 1048576 bytes" in r.json()["detail"], r.text[:300]
