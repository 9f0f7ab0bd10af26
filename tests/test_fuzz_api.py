"""Fuzz the HTTP API from its own OpenAPI schema (schemathesis strategies, bounded): no input gives a 5xx."""

from __future__ import annotations

import os
import shutil

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from app.api import create_app
from app.config import Settings

EXAMPLES = int(os.environ.get("WENDA_FUZZ_EXAMPLES", "10"))


@pytest.fixture(scope="module")
def schema(seeded_dir, tmp_path_factory):
    data = tmp_path_factory.mktemp("fuzz") / "data"
    shutil.copytree(seeded_dir, data)
    app = create_app(Settings.load(env={}, dotenv=None, data_dir=data, max_question_chars=2000))
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_no_input_gives_a_server_error(schema):
    calls: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def fuzz(case):
            response = case.call()
            calls.append(f"{case.method} {case.path}")
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path} → {response.status_code}: {response.text[:300]}"
            )

        fuzz()
    assert len(calls) >= EXAMPLES, calls
    print(f"fuzzed {len(calls)} requests over {len(set(calls))} operations")
