"""Metrics computed from `results.jsonl` alone — no LLM needed — overall and per question type.

A passage "contains" an evidence quote when the quote occurs in it after normalisation (whitespace
removed, traditional → simplified, pinyin annotations removed), so a quote from the traditional seed
is found in its passage however either is written. Token-level scores tokenise Chinese with jieba
(common ROUGE implementations split on spaces and silently score Chinese as zero).

    >>> token_f1("生物产业总产值达到11340亿元", "总产值为11340亿元")
    0.6
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict

from ingest.clean import search_text

EVIDENCE_WINDOW = 1500


def norm(text: str) -> str:
    return re.sub(r"\s+", "", search_text(text or ""))


def jieba_tokens(text: str) -> list[str]:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    return [t for t in jieba.lcut(norm(text).lower()) if re.search(r"\w", t)]


def token_f1(answer: str, reference: str) -> float:
    a, r = Counter(jieba_tokens(answer)), Counter(jieba_tokens(reference))
    common = sum((a & r).values())
    if not common:
        return 0.0
    precision, recall = common / sum(a.values()), common / sum(r.values())
    return round(2 * precision * recall / (precision + recall), 4)


def retrieval_texts(row: dict) -> list[str]:
    """The passages as retrieval returned them: `retrieved` is what the answerer read, which may run on
    past a passage's end or add passages (`retrieval_spans`, recorded by `evals.runner`, says which
    passages retrieval returned and where each ended).

    >>> row = {"retrieved": [{"chunk_id": "c1", "text": "abcdef", "start": 10, "end": 16},
    ...                      {"chunk_id": "c2", "text": "xyz", "start": 16, "end": 19}],
    ...        "retrieval_spans": [{"chunk_id": "c1", "start": 10, "end": 13}]}
    >>> retrieval_texts(row)
    ['abc']
    """
    retrieved = row.get("retrieved", [])
    spans = row.get("retrieval_spans")
    if not spans or not all(isinstance(span, dict) for span in spans):  # an older row, or no retriever
        return [p["text"] for p in retrieved]
    texts = []
    for span in spans:
        passage = next(
            (
                p
                for p in retrieved
                if p.get("chunk_id") == span["chunk_id"] and p.get("start") == span["start"]
            ),
            None,
        )
        if passage is not None:
            texts.append(passage["text"][: span["end"] - span["start"]])
    return texts


def item_scores(row: dict) -> dict:
    """Scores of one results line (None where a score does not apply)."""
    answerable = row["type"] != "unanswerable"
    failed = bool(row.get("error")) and not row.get("answer")
    texts = retrieval_texts(row)
    retrieved = [norm(t) for t in texts]
    evidence = [norm(e) for e in row.get("evidence", [])]
    needs_all = row["type"] == "multi_doc"
    scores: dict = {
        "type": row["type"],
        "error": failed,
        "latency": (row.get("timings_ms") or {}).get("total"),
    }
    refused = bool(row.get("refused"))
    if not answerable:
        scores["refusal_correct"] = 1.0 if refused else 0.0
        return scores
    if "known_bad" in row:  # users rejected this answer (app/feedback.py): is it still given?
        scores["repeats_bad_answer"] = float(repeats(row, row["known_bad"]))
    if evidence:  # an item without evidence (a user's correction) scores no retrieval
        rank = next((i + 1 for i, p in enumerate(retrieved) if any(e in p for e in evidence)), None)
        scores.update({f"hit@{k}": float(rank is not None and rank <= k) for k in (1, 3, 5)})
        scores["mrr"] = 1.0 / rank if rank else 0.0
    window = norm("".join(texts)[:EVIDENCE_WINDOW])
    found = [e in window for e in evidence]
    scores["evidence@1500"] = float(all(found) if needs_all else any(found)) if evidence else None
    answer = norm(row.get("answer", ""))
    facts = (
        [norm(m) in answer for m in row.get("must_contain", [])]
        if not refused
        else [False] * len(row.get("must_contain", []))
    )
    scores["fact_recall"] = sum(facts) / len(facts) if facts else None
    scores["all_facts"] = float(all(facts)) if facts else None
    scores["false_refusal"] = 1.0 if refused else 0.0
    if row.get("reference"):
        scores["token_f1"] = token_f1(row.get("answer", ""), row["reference"]) if not refused else 0.0
    citations = row.get("citations", [])
    if citations and (row.get("gold_source") or evidence):  # a user's correction names no source
        good = [
            c["source"] in row.get("gold_source", []) or any(e in norm(c["text"]) for e in evidence)
            for c in citations
        ]
        scores["citation_precision"] = sum(good) / len(good)
        scores["citation_right_doc"] = float(
            all(c["source"] in row.get("gold_source", []) for c in citations)
        )
    dropped = len(row.get("dropped", []))
    kept = sum(len(c.get("quotes", [])) or 1 for c in citations)
    scores["citation_support"] = kept / (kept + dropped) if kept + dropped else None
    return scores


METRICS = [
    "hit@1",
    "hit@3",
    "hit@5",
    "mrr",
    "evidence@1500",
    "fact_recall",
    "all_facts",
    "citation_precision",
    "citation_right_doc",
    "citation_support",
    "false_refusal",
    "refusal_correct",
    "token_f1",
    "repeats_bad_answer",
]


def repeats(row: dict, rejected: dict) -> bool:
    """Whether the answer in `row` is the one users rejected: refused again when they rejected a
    refusal, else the same text (after normalisation).

    >>> repeats({"answer": "产值为 11340亿元"}, {"answer": "产值为11340亿元", "refused": False})
    True
    """
    if rejected.get("refused"):
        return bool(row.get("refused"))
    return not row.get("refused") and norm(row.get("answer", "")) == norm(rejected.get("answer", ""))


def _mean(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return round(sum(values) / len(values), 4) if values else None


def summarize(rows: list[dict]) -> dict:
    """{"overall": {metric: value, …, "n", "latency_p50_ms", "latency_p95_ms"}, "by_type": {type: {…}}}."""
    scored = [item_scores(r) for r in rows]

    def block(items: list[dict]) -> dict:
        out = {"n": len(items), "errors": sum(1 for s in items if s["error"])}
        for metric in METRICS:
            value = _mean([s.get(metric) for s in items])
            if value is not None:
                out[metric] = value
        latencies = sorted(s["latency"] for s in items if s["latency"] is not None)
        if latencies:
            out["latency_p50_ms"] = round(statistics.median(latencies), 1)
            out["latency_p95_ms"] = round(latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))], 1)
        return out

    by_type = defaultdict(list)
    for s in scored:
        by_type[s["type"]].append(s)
    return {"overall": block(scored), "by_type": {t: block(v) for t, v in sorted(by_type.items())}}
