"""The shared matcher scenarios, run through the HTTP API over real PostGIS like an outside client.

Each JSON file beside this one is a small world (HSDS 3.1 services) and the steps a client takes in it
(see /work/shared/scenarios/README.md): match, capacity, hold, concurrent_holds, import and raw steps,
each checked against its `expect`; `save` keeps a value of an answer as `{var}` for later steps.
Every step runs on the state the earlier steps left.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import pathlib
from datetime import datetime
from typing import Any

import pytest

HERE = pathlib.Path(__file__).resolve().parent
SCENARIOS = sorted(HERE.glob("*.json"))


def _instant(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _pool_id(catalog: list[dict[str, Any]], service: str, pool: str) -> str:
    for s in catalog:
        if s["name"] == service:
            for c in s.get("capacities", []):
                if c.get("description") == pool:
                    return str(c["id"])
    raise KeyError((service, pool))


def _check_match(js: dict[str, Any], exp: dict[str, Any], idname: dict[str, str]) -> list[str]:
    fails: list[str] = []
    entry = next((n for n in js.get("needs", []) if n.get("need") == exp["need"]), None)
    if entry is None:
        return [f"no entry for need {exp['need']}"]
    got = [idname.get(o["service_id"], o["service_id"]) for o in entry["options"]]
    if "order" in exp and got != exp["order"]:
        fails.append(f"order {got} != {exp['order']}")
    fails += [f"missing {n} (got {got})" for n in exp.get("include", []) if n not in got]
    fails += [f"offered {n}" for n in exp.get("exclude", []) if n in got]
    by_name = {idname.get(o["service_id"]): o for o in entry["options"]}
    statuses = exp.get("status") if isinstance(exp.get("status"), dict) else {}
    for n, status in statuses.items():
        if (by_name.get(n) or {}).get("capacity", {}).get("status") != status:
            fails.append(f"{n} status != {status}: {by_name.get(n)}")
    for n, pool in exp.get("pool", {}).items():
        if (by_name.get(n) or {}).get("capacity", {}).get("pool") != pool:
            fails.append(f"{n} pool != {pool}: {by_name.get(n)}")
    for n, codes in exp.get("warns", {}).items():
        warnings = (by_name.get(n) or {}).get("warnings", [])
        fails += [f"{n} lacks warning {c} ({warnings})" for c in codes if c not in warnings]
    for n, codes in exp.get("no_warns", {}).items():
        warnings = (by_name.get(n) or {}).get("warnings", [])
        fails += [f"{n} warns {c} ({warnings})" for c in codes if c in warnings]
    for n, when in exp.get("next_open", {}).items():
        if n not in by_name or "next_open" not in by_name[n]:
            fails.append(f"{n} has no next_open: {by_name.get(n)}")
        elif _instant(by_name[n]["next_open"]) != _instant(when):
            fails.append(f"{n} next_open {by_name[n]['next_open']} != {when}")
    if "gap" in exp:
        gap = entry.get("gap")
        reason = gap.get("reason") if isinstance(gap, dict) else gap
        if reason != exp["gap"]:
            fails.append(f"gap {reason!r} != {exp['gap']!r} ({gap})")
        if isinstance(gap, dict) and not gap.get("detail"):
            fails.append("gap without detail")
    return fails


_MISSING = object()


def _at(js: Any, dotted: str) -> Any:
    """The value at a dotted path into an answer (`history.-1.state`: -1 is the last item)."""
    value = js
    for part in dotted.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.lstrip("-").isdigit() and -len(value) <= int(part) < len(value):
            value = value[int(part)]
        else:
            return _MISSING
    return value


class World:
    """One scenario's client session: keys by role, and the steps' calls."""

    def __init__(self, client: Any, make_key: Any, catalog: list[dict[str, Any]]) -> None:
        self.client, self.make_key, self.catalog = client, make_key, catalog
        self.keys = {role: make_key(role) for role in ("admin", "case_manager", "planner", "curator")}
        self.keys["none"] = {}
        self.idname = {s["id"]: s["name"] for s in catalog}
        self.saved: dict[str, Any] = {}

    def fill(self, value: Any) -> Any:
        """`{var}` in a step's path, body or expected values, replaced by the value saved earlier."""
        if isinstance(value, str):
            for name, saved in self.saved.items():
                if value == "{" + name + "}":
                    return saved
                value = value.replace("{" + name + "}", str(saved))
            return value
        if isinstance(value, list):
            return [self.fill(v) for v in value]
        if isinstance(value, dict):
            return {k: self.fill(v) for k, v in value.items()}
        return value

    def save(self, step: dict[str, Any], js: Any) -> list[str]:
        fails = []
        for name, dotted in step.get("save", {}).items():
            value = _at(js, dotted)
            if value is _MISSING:
                fails.append(f"cannot save {name}: no {dotted} in the answer")
            else:
                self.saved[name] = value
        return fails

    def key(self, auth: str) -> str:
        """The key for `auth`: a role, `provider:<organization name>` or `program:<code>`, made on first use."""
        if auth not in self.keys:
            kind, _, name = auth.partition(":")
            if kind == "provider":
                org = next(s["organization"]["id"] for s in self.catalog if s["organization"]["name"] == name)
                self.keys[auth] = self.make_key("provider", org=org)
            elif kind == "program":
                self.keys[auth] = self.make_key("case_manager", program=name)
            else:
                self.keys[auth] = self.make_key(auth)
        return auth

    def call(
        self, method: str, path: str, body: Any = None, auth: str = "case_manager", lang: str | None = None
    ) -> Any:
        auth = self.key(auth)
        kwargs: dict[str, Any] = {"headers": {**self.keys[auth], **({"Accept-Language": lang} if lang else {})}}
        if body is not None:
            if isinstance(body, str):
                kwargs["content"] = body.encode()
                kwargs["headers"] = {**kwargs["headers"], "Content-Type": "application/json"}
            else:
                kwargs["json"] = body
        return self.client.request(method, path, **kwargs)

    def run(self, step: dict[str, Any]) -> list[str]:
        step = self.fill(step)  # `{var}` anywhere in a step: path, body or expected values
        exp = step.get("expect", {})
        if "match" in step:
            auth = step.get("auth", "case_manager")
            if "key_program" in step:
                self.keys["bound"] = self.make_key("case_manager", program=step["key_program"])
                auth = "bound"
            r = self.call("POST", "/v1/match", step["match"], auth=auth, lang=step.get("lang"))
            # In a match step `status` is either the HTTP status (an int) or, per option name, the
            # capacity status (a dict); the dict form still expects 200 unless `http_status` says.
            http_status = exp["status"] if isinstance(exp.get("status"), int) else exp.get("http_status", 200)
            if r.status_code != http_status:
                return [f"match {r.status_code} != {http_status}: {r.text[:300]}"]
            return _check_match(r.json(), exp, self.idname) if r.status_code == 200 and "need" in exp else []
        if "capacity" in step:
            cap = step["capacity"]
            auth = "admin"
            if "as_provider_of" in cap:
                org = next(
                    s["organization"]["id"] for s in self.catalog if s["organization"]["name"] == cap["as_provider_of"]
                )
                self.keys["provider"] = self.make_key("provider", org=org)
                auth = "provider"
            r = self.call(
                "PUT", f"/v1/capacity/{_pool_id(self.catalog, cap['service'], cap['pool'])}", cap["body"], auth=auth
            )
            if r.status_code != exp.get("status", 200):
                return [f"capacity {r.status_code} != {exp.get('status')}: {r.text[:300]}"]
            if "applied" in exp and r.json().get("applied") != exp["applied"]:
                return [f"applied {r.json().get('applied')} != {exp['applied']}"]
            return []
        if "hold" in step:
            h = step["hold"]
            body = {"capacity_id": _pool_id(self.catalog, h["service"], h["pool"]), "minutes": h.get("minutes", 60)}
            if "program" in h:
                body["program"] = h["program"]
            r = self.call("POST", "/v1/holds", body, auth=step.get("auth", "case_manager"))
            if r.status_code != exp["status"]:
                return [f"hold {r.status_code} != {exp['status']}: {r.text[:300]}"]
            return self.save(step, r.json()) if "save" in step else []
        if "concurrent_holds" in step:
            h = step["concurrent_holds"]
            body = {"capacity_id": _pool_id(self.catalog, h["service"], h["pool"]), "minutes": h.get("minutes", 60)}
            with cf.ThreadPoolExecutor(h["n"]) as pool:
                codes = list(pool.map(lambda _: self.call("POST", "/v1/holds", body).status_code, range(h["n"])))
            if codes.count(201) != exp["created"] or codes.count(409) != exp["conflict"]:
                return [f"concurrent holds {sorted(codes)}"]
            return []
        if "import" in step:
            cat = self.catalog if step["import"]["catalog"] == "same" else step["import"]["catalog"]
            r = self.call("POST", "/v1/import/hsds", cat, auth="admin")
            fails = [] if r.status_code == exp["status"] else [f"import {r.status_code}: {r.text[:300]}"]
            js = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
            fails += [
                f"import {k} {js.get(k)} != {exp[k]}"
                for k in ("created", "updated")
                if k in exp and js.get(k) != exp[k]
            ]
            return fails
        if "raw" in step:
            raw = step["raw"]
            r = self.call(raw["method"], raw["path"], raw.get("body"), auth=raw.get("auth", "case_manager"))
            fails = (
                [] if r.status_code == exp.get("status", 200) else [f"{raw['path']} {r.status_code}: {r.text[:300]}"]
            )
            try:
                js = r.json()
            except ValueError:
                js = None
            fails += [f"lacks {k}" for k in exp.get("json_has", []) if not isinstance(js, dict) or k not in js]
            fails += [
                f"{k} = {_at(js, k)!r}, not {v!r}"
                for k, v in exp.get("json_eq", {}).items()
                if not isinstance(js, dict) or _at(js, k) != v
            ]
            fails += [f"lacks text {t!r}" for t in exp.get("text_has", []) if t not in r.text]
            fails += [f"leaks {t!r}" for t in exp.get("text_lacks", []) if t in r.text]
            return fails if fails else self.save(step, js)
        return [f"unknown step kind {sorted(step)}"]


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path: pathlib.Path, client: Any, make_key: Any) -> None:
    scenario = json.loads(path.read_text())
    world = World(client, make_key, scenario["catalog"])
    r = world.call("POST", "/v1/import/hsds", scenario["catalog"], auth="admin")
    assert r.status_code == 200, f"import {r.status_code}: {r.text[:500]}"
    fails: list[str] = []
    for i, step in enumerate(scenario["steps"]):
        fails += [f"step {i}: {f}" for f in world.run(step)]
    assert not fails, f"{scenario['name']} ({scenario['principle']}):\n" + "\n".join(fails)
