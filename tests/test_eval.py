"""The eval runner, metrics and reports: resumable, honest about errors, Chinese-aware."""

from __future__ import annotations

import json

import pytest

from app.errors import BadRequest
from evals.gold import load_gold
from evals.metrics import item_scores, summarize, token_f1
from evals.runner import evaluate, read_results

GOLD = [
    {
        "id": "n1",
        "type": "number",
        "question": "2008年全国生物产业总产值是多少?",
        "answer": "11340亿元",
        "must_contain": ["11340亿元"],
        "source": "000_841085c0cc8188e6.txt",
        "evidence": ["2008年,全国生物产业实现总产值达到11340亿元。"],
    },
    {
        "id": "t1",
        "type": "traditional",
        "question": "十四五生物经济发展规划是哪个部门发布的?",
        "answer": "国家发改委",
        "must_contain": ["发改委"],
        "source": "003_357a7b81d8420e82.txt",
        "evidence": ["5月10日,國家發(fā)改委發(fā)布"],
    },
    {
        "id": "u1",
        "type": "unanswerable",
        "question": "😀😀😀?",
        "answer": "文档未提及",
        "must_contain": [],
        "source": [],
        "evidence": [],
    },
]


def write_gold(path, items=GOLD):
    path.write_text("\n".join(json.dumps(i, ensure_ascii=False) for i in items) + "\n", encoding="utf-8")
    return path


class CountingChain:
    """The real chain, counting calls, failing on one question."""

    def __init__(self, chain, fail_on: str | None = None):
        self.chain, self.calls, self.fail_on = chain, 0, fail_on
        self.mode, self.index = chain.mode, chain.index

    def ask(self, question, history=None, top_k=None):
        self.calls += 1
        if question == self.fail_on:
            raise RuntimeError("boom")
        return self.chain.ask(question, history, top_k)


@pytest.mark.slow
def test_run_is_resumable_records_errors_and_writes_reports(seeded_settings, seeded_chain, tmp_path):
    gold = write_gold(tmp_path / "gold.jsonl")
    out = tmp_path / "out"
    chain = CountingChain(seeded_chain, fail_on=GOLD[1]["question"])
    report = evaluate(seeded_settings, gold, out, chain=chain, progress=False)
    assert chain.calls == 3
    rows = {r["id"]: r for r in read_results(out / "results.jsonl")}
    assert rows["t1"]["error"] == "RuntimeError: boom" and "11340亿元" in rows["n1"]["answer"]
    assert rows["u1"]["refused"] is True
    overall = report["systems"]["wenda"]["overall"]
    assert overall["n"] == 3 and overall["errors"] == 1 and overall["refusal_correct"] == 1.0
    for name in ("report.json", "report.md", "report.html", "results.jsonl"):
        assert (out / name).stat().st_size > 0
    assert "<svg" in (out / "report.html").read_text(encoding="utf-8")
    assert "| evidence@1500 |" in (out / "report.md").read_text(encoding="utf-8")

    again = CountingChain(seeded_chain)
    evaluate(seeded_settings, gold, out, chain=again, progress=False)
    assert again.calls == 0  # every item is already in results.jsonl
    evaluate(seeded_settings, gold, out, chain=again, fresh=True, progress=False)
    assert again.calls == 3


def test_metrics_on_known_rows():
    passage = {"text": "2008年,全国生物产业实现总产值达到11340亿元。", "source": "a.txt"}
    other = {"text": "无关的段落。", "source": "b.txt"}
    base = {
        "type": "number",
        "must_contain": ["11340亿元"],
        "gold_source": ["a.txt"],
        "evidence": ["总产值达到11340亿元"],
        "reference": "11340亿元",
        "timings_ms": {"total": 10.0},
        "dropped": [],
    }
    good = {
        **base,
        "answer": "总产值达到11340亿元[1]。",
        "refused": False,
        "retrieved": [passage, other],
        "citations": [{"source": "a.txt", "text": passage["text"], "quotes": [{}]}],
    }
    late = {
        **base,
        "answer": "不知道",
        "refused": False,
        "retrieved": [other, passage],
        "citations": [{"source": "b.txt", "text": "无关的段落。", "quotes": [{}]}],
    }
    unanswerable = {
        "type": "unanswerable",
        "answer": "没有",
        "refused": False,
        "retrieved": [],
        "citations": [],
        "timings_ms": {"total": 30.0},
    }
    summary = summarize([good, late, unanswerable])["overall"]
    assert summary["hit@1"] == 0.5 and summary["hit@3"] == 1.0 and summary["mrr"] == 0.75
    assert (
        summary["all_facts"] == 0.5
        and summary["citation_precision"] == 0.5
        and summary["refusal_correct"] == 0.0
    )
    assert summary["latency_p50_ms"] == 10.0
    assert item_scores(good)["evidence@1500"] == 1.0


def test_traditional_evidence_matches_after_normalisation():
    row = {
        "type": "traditional",
        "answer": "國家發改委",
        "refused": False,
        "must_contain": ["发改委"],
        "gold_source": ["t.txt"],
        "evidence": ["國家發(fā)改委發(fā)布"],
        "retrieved": [{"text": "5月10日,国家发改委发布规划", "source": "t.txt"}],
        "citations": [],
    }
    scores = item_scores(row)
    assert scores["hit@1"] == 1.0 and scores["all_facts"] == 1.0


def test_token_f1_tokenises_chinese_with_jieba():
    assert token_f1("全国生物产业总产值达到11340亿元", "生物产业总产值11340亿元") > 0.5
    # a whitespace tokenizer would see one token on each side and score 0
    assert "全国生物产业总产值达到11340亿元".split() != "生物产业总产值11340亿元".split()


@pytest.mark.parametrize(
    "line, message",
    [
        ("{not json", "not valid JSON"),
        ('{"id": "x"}', "field"),
        (json.dumps({**GOLD[0], "type": " "}), "short label"),
        (json.dumps({**GOLD[0], "type": "a|b"}), "short label"),
    ],
)
def test_malformed_gold_lines_name_the_line(tmp_path, line, message):
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps(GOLD[0], ensure_ascii=False) + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(BadRequest, match=rf"gold.jsonl:2: .*{message}"):
        load_gold(path)


@pytest.mark.slow
def test_baselines_answer_from_their_own_retriever(seeded_settings, seeded_chain, tmp_path):
    from evals.baselines import bm25_only, dense_only

    question = "国家生物制造产业创新中心在哪里启动建设?"
    dense = dense_only(seeded_settings, seeded_chain, tmp_path).ask(question)
    lexical = bm25_only(seeded_settings, seeded_chain, tmp_path).ask(question)
    assert dense.retrieved and lexical.retrieved
    assert dense.retrieved[0].chunk_id != lexical.retrieved[0].chunk_id or [
        p.chunk_id for p in dense.retrieved
    ] != [p.chunk_id for p in lexical.retrieved]
    assert dense_only(seeded_settings, seeded_chain, tmp_path).retriever.settings.lexical_weight == 0.0


def test_any_type_is_accepted_and_reported_per_type(tmp_path):
    from evals.report import markdown

    items = [{**GOLD[0], "id": "h1", "type": "howto"}, {**GOLD[0], "id": "t1", "type": "table"}, GOLD[2]]
    gold = load_gold(write_gold(tmp_path / "gold.jsonl", items))
    assert [g["type"] for g in gold] == ["howto", "table", "unanswerable"]
    passage = {"text": GOLD[0]["evidence"][0], "source": GOLD[0]["source"]}
    rows = [
        {
            **g,
            "reference": g["answer"],
            "gold_source": g["source"],
            "answer": "总产值达到11340亿元[1]。",
            "refused": False,
            "retrieved": [passage],
            "citations": [],
        }
        for g in gold
    ]
    summary = summarize(rows)
    assert set(summary["by_type"]) == {"howto", "table", "unanswerable"}
    by_type = summary["by_type"]
    assert by_type["table"]["all_facts"] == 1.0 and by_type["unanswerable"]["refusal_correct"] == 0.0
    md = markdown({"gold": "g", "items": 3, "mode": "extractive", "systems": {"wenda": summary}})
    assert "| howto | 1 |" in md and "| table | 1 |" in md


class FrozenChain:
    """Answers from a script of (refused, confidence); setting any attribute after construction fails."""

    mode = "extractive"
    refusal_threshold = 0.4

    def __init__(self, script: dict[str, tuple[bool, float | None]]):
        object.__setattr__(self, "script", script)

    def __setattr__(self, name, value):
        raise AssertionError(f"the eval set chain.{name}")

    def ask(self, question, history=None, top_k=None):
        from app.models import Answer

        refused, confidence = self.script[question]
        if confidence == "boom":
            raise RuntimeError("boom")
        text = "没有" if refused else "答案"
        return Answer(text, refused, "extractive", [], [], {"total": 1.0}, confidence=confidence)


def test_the_refusal_trade_off_comes_from_recorded_confidences(tmp_path):
    from evals.runner import refusal_tradeoff

    # n1: answered with confidence 0.7; t1: an error (no confidence, not refused); u1: refused at 0.2
    chain = FrozenChain(
        {
            GOLD[0]["question"]: (False, 0.7),
            GOLD[1]["question"]: (False, "boom"),
            GOLD[2]["question"]: (True, 0.2),
        }
    )
    gold = write_gold(tmp_path / "gold.jsonl")
    report = evaluate(None, gold, tmp_path / "out", chain=chain, progress=False, refusal_sweep=True)
    rows = {r["threshold"]: r for r in report["refusal_tradeoff"]}
    assert [t for t, r in rows.items() if r["current"]] == [0.4] and 0.0 in rows and 1.0 in rows
    assert (rows[0.0]["refusal_correct"], rows[0.0]["false_refusal"]) == (0.0, 0.0)
    assert (rows[0.4]["refusal_correct"], rows[0.4]["false_refusal"]) == (1.0, 0.0)  # as the chain answered
    # the error never refuses
    assert (rows[0.75]["refusal_correct"], rows[0.75]["false_refusal"]) == (1.0, 0.5)
    refused = [r["refusal_correct"] + r["false_refusal"] for r in report["refusal_tradeoff"]]
    assert refused == sorted(refused)  # a higher threshold never refuses less
    assert "## Refusal trade-off" in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    # an LLM answer has no confidence: refused as recorded, at every threshold
    llm = [{"type": "fact", "refused": True, "confidence": None}, {"type": "unanswerable", "refused": False}]
    curve = refusal_tradeoff(llm, current=0.33)
    assert {(r["refusal_correct"], r["false_refusal"]) for r in curve} == {(0.0, 1.0)}
    assert [r["threshold"] for r in refusal_tradeoff(llm, current=0.33) if r["current"]] == [0.33]
    assert not any(r["current"] for r in refusal_tradeoff(llm))
