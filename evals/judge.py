"""Optional LLM-judge metrics, as RAGAS defines them, off by default (`wenda eval --judge`, needs an LLM).

- faithfulness: the answer's claims that the retrieved context supports, over all its claims.
- answer correctness (factual part): F1 between the answer's claims and the reference's claims,
  a claim counting as matched when the other side's text states it.

Prompts are `prompts/judge_claims.txt` and `prompts/judge_verify.txt`. A reply that is not the JSON
asked for scores the item as None (reported, not guessed).
"""

from __future__ import annotations

import json
import re

from app.prompts import render


def _json_list(text: str) -> list | None:
    match = re.search(r"\[.*\]", text, re.S)
    try:
        value = json.loads(match.group(0)) if match else None
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, list) else None


class Judge:
    """`score(row)` → {"faithfulness", "answer_correctness"}; `llm` has `generate(messages) -> str`."""

    def __init__(self, llm) -> None:
        self.llm = llm

    def claims(self, text: str) -> list[str] | None:
        reply = self.llm.generate([("human", render("judge_claims", text=text))])
        items = _json_list(reply)
        return [str(c) for c in items] if items is not None else None

    def verify(self, claims: list[str], context: str) -> list[bool] | None:
        if not claims:
            return []
        reply = self.llm.generate(
            [
                (
                    "human",
                    render("judge_verify", context=context, claims=json.dumps(claims, ensure_ascii=False)),
                )
            ]
        )
        verdicts = _json_list(reply)
        if verdicts is None or len(verdicts) != len(claims):
            return None
        return [bool(v) for v in verdicts]

    def score(self, row: dict) -> dict:
        if row.get("refused") or row.get("error") or row["type"] == "unanswerable":
            return {"faithfulness": None, "answer_correctness": None}
        context = "\n\n".join(p["text"] for p in row.get("retrieved", []))
        answer_claims = self.claims(row.get("answer", ""))
        reference_claims = self.claims(row.get("reference", ""))
        if answer_claims is None or reference_claims is None:
            return {"faithfulness": None, "answer_correctness": None}
        supported = self.verify(answer_claims, context)
        faithfulness = sum(supported) / len(supported) if supported else None
        in_reference = self.verify(answer_claims, row.get("reference", ""))
        in_answer = self.verify(reference_claims, row.get("answer", ""))
        if not in_reference or not in_answer:
            return {"faithfulness": faithfulness, "answer_correctness": None}
        precision, recall = sum(in_reference) / len(in_reference), sum(in_answer) / len(in_answer)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {"faithfulness": faithfulness, "answer_correctness": round(f1, 4)}
