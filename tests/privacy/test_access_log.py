"""The access log names method, path and status, never a query string or a body."""

import logging


def test_access_log_has_no_query_string_or_body(client, make_key, caplog):
    headers = make_key("case_manager")
    with caplog.at_level(logging.INFO, logger="divert.access"):
        client.get("/v1/services?active_substance_use=true&gender=female", headers=headers)
        client.post(
            "/v1/match",
            headers=headers,
            json={
                "location": {"lat": 47.6062, "lon": -122.3321},
                "needs": ["shelter"],
                "participant": {"age": 34, "gender": "nonbinary", "on_moud": True},
            },
        )
    lines = [r.getMessage() for r in caplog.records if r.name == "divert.access"]
    assert any(line.startswith("GET /v1/services 200") for line in lines), lines
    assert any(line.startswith("POST /v1/match 200") for line in lines), lines
    text = "\n".join(r.getMessage() for r in caplog.records)
    for leaked in ("active_substance_use", "female", "nonbinary", "on_moud", "47.6062"):
        assert leaked not in text


def test_every_answer_says_how_long_the_server_took(client, make_key):
    """The same middleware puts a W3C Server-Timing header on every answer, errors included."""
    from bench.run import server_time_ms

    headers = make_key("case_manager")
    answers = [
        client.post(
            "/v1/match", headers=headers, json={"location": {"lat": 47.6062, "lon": -122.3321}, "needs": ["shelter"]}
        ),
        client.get("/v1/services/no-such-service", headers=headers),
        client.get("/v1/"),
    ]
    assert [r.status_code for r in answers] == [200, 404, 200]
    for r in answers:
        assert r.headers["server-timing"].startswith("app;dur="), r.headers
        took = server_time_ms(r)
        assert took is not None and 0 <= took < 60_000
