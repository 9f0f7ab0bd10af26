"""LLM-judge metrics (faithfulness, answer correctness) against the fake OpenAI-compatible server."""

from __future__ import annotations

import json

import pytest

from app.config import Settings
from app.llm import OpenAIChat
from evals.judge import Judge
from tests.fake_openai import FakeOpenAI, reply

ROW = {
    "type": "number",
    "answer": "2008年总产值达到11340亿元[1]。出口年均增长22%[1]。",
    "reference": "11340亿元",
    "retrieved": [{"text": "2008年,全国生物产业实现总产值达到11340亿元。"}],
    "refused": False,
}


@pytest.fixture
def judge(tmp_path):
    server = FakeOpenAI().start()
    settings = Settings.load(
        env={},
        dotenv=None,
        data_dir=tmp_path,
        llm="openai",
        openai_base_url=server.base_url,
        openai_api_key="x",
        llm_timeout=5,
    )
    yield Judge(OpenAIChat(settings)), server
    server.stop()


def test_faithfulness_and_correctness_follow_the_ragas_definitions(judge):
    judge, server = judge
    server.script(
        reply('["2008年总产值达到11340亿元", "出口年均增长22%"]'),  # claims of the answer
        reply('["总产值为11340亿元"]'),  # claims of the reference
        reply("[true, false]"),  # answer claims vs the retrieved context
        reply("[true, false]"),  # answer claims vs the reference
        reply("[true]"),  # reference claims vs the answer
    )
    scores = judge.score(ROW)
    assert scores == {"faithfulness": 0.5, "answer_correctness": 0.6667}
    prompts = [r["messages"][-1]["content"] for r in server.chat_requests()]
    assert "11340亿元" in prompts[2] and json.loads(prompts[2].split("Claims (JSON list):")[1].strip()) == [
        "2008年总产值达到11340亿元",
        "出口年均增长22%",
    ]


def test_an_unusable_judge_reply_scores_none_not_a_guess(judge):
    judge, server = judge
    server.script(reply("I think the answer is fine."), reply('["x"]'))
    assert judge.score(ROW) == {"faithfulness": None, "answer_correctness": None}


def test_refusals_are_not_judged(judge):
    judge, server = judge
    assert judge.score({**ROW, "refused": True}) == {"faithfulness": None, "answer_correctness": None}
    assert server.chat_requests() == []
