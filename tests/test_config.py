"""Configuration from the environment: values convert, and a value that cannot be used is a clear error
naming its variable."""

from __future__ import annotations

import pytest

from app.config import ConfigError, Settings


def load(**env: str) -> Settings:
    return Settings.load(env=env, dotenv=None)


def test_the_refusal_threshold_is_the_calibrated_one_unless_set():
    assert load().refusal_threshold is None
    assert load(WENDA_REFUSAL_THRESHOLD="0.5").refusal_threshold == 0.5
    assert load(WENDA_REFUSAL_THRESHOLD="0").refusal_threshold == 0.0  # answer everything it can
    assert load(WENDA_REFUSAL_THRESHOLD="1").refusal_threshold == 1.0


@pytest.mark.parametrize(
    ("value", "message"),
    [("1.5", "WENDA_REFUSAL_THRESHOLD is a probability between 0 and 1"), ("strict", "is not a number")],
)
def test_a_refusal_threshold_that_is_not_a_probability_is_refused(value, message):
    with pytest.raises(ConfigError, match=message):
        load(WENDA_REFUSAL_THRESHOLD=value)


def test_a_key_or_base_url_switches_the_answerer_to_the_llm():
    assert load().llm == "extractive"
    assert load(OPENAI_BASE_URL="http://127.0.0.1:9/v1").llm == "openai"
    assert load(OPENAI_API_KEY="sk-x", WENDA_LLM="extractive").llm == "extractive"
