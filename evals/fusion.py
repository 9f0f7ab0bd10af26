"""Retrieval alone, per corpus: does the hybrid ranking beat each of its parts, and which re-rank
features earn their place?

    python -m evals.fusion [--corpus all|NAME,NAME…] [--variants hybrid,dense,…]

For every answerable gold item it searches the way the chain does (a follow-up carries the previous
question) and scores hit@1 and evidence@1500 exactly as `wenda eval` does, for each variant of the
retrieval settings below. Only retrieval runs (no answerer), so a corpus takes seconds once its index is
built; build them with `wenda eval --corpus NAME` first.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from app.config import Settings
from app.questions import history_aware_query
from app.retrieval import HybridRetriever, RetrievalSettings
from app.sentence_vectors import SentenceVectors
from evals.gold import load_gold
from evals.metrics import item_scores
from evals.per_corpus import corpus_names, corpus_settings, gold_path

NO_RERANK = {"coverage_weight": 0.0, "phrase_weight": 0.0, "sentence_weight": 0.0}
VARIANTS: dict[str, dict] = {
    "hybrid": {},
    "dense": {"lexical_weight": 0.0},
    "bm25": {"dense_weight": 0.0, "sentence_weight": 0.0},  # no e5 at all
    "hybrid-plain": NO_RERANK,
    "dense-plain": {"lexical_weight": 0.0, **NO_RERANK},
    "bm25-plain": {"dense_weight": 0.0, **NO_RERANK},
    "no-coverage": {"coverage_weight": 0.0},
    "no-phrase": {"phrase_weight": 0.0},
    "no-sentence": {"sentence_weight": 0.0},
    "no-glossary": {"glossary": False},
    "rrf": {"fusion": "rrf"},
    "no-dictionary": {"dictionary": False},
    "no-dense-best": {"dense_best_within": None},
    **{f"alpha{a}": {"alpha": a} for a in (0.3, 0.7)},
}
SCORES = ("hit@1", "evidence@1500")


class _CachedRetriever(HybridRetriever):
    """The chain's retriever with the question's embedding kept across variants (same vector each time)."""

    def __init__(self, index, settings, vectors: dict, sentences: SentenceVectors) -> None:
        super().__init__(index, settings, sentences)
        self._vectors = vectors

    def query_vector(self, query: str):
        if query not in self._vectors:
            self._vectors[query] = super().query_vector(query)
        return self._vectors[query]


def score_variants(index, items: list[dict], variants: dict[str, dict], top_k: int, context_tokens: int):
    """{variant: {score: mean over answerable items}}."""
    vectors: dict = {}
    sentences = SentenceVectors(index.embedder, capacity=1_000_000)  # every variant's sentences, once
    base = RetrievalSettings(top_k=top_k, context_tokens=context_tokens)
    out = {}
    for name, overrides in variants.items():
        retriever = _CachedRetriever(index, dataclasses.replace(base, **overrides), vectors, sentences)
        totals = {s: [] for s in SCORES}
        for item in items:
            if item["type"] == "unanswerable":
                continue
            query = history_aware_query(item["question"], item.get("history"))
            passages = retriever.search(query)
            row = {**item, "retrieved": [p.to_dict() for p in passages], "answer": "", "refused": True}
            scores = item_scores(row)
            for s in SCORES:
                if scores.get(s) is not None:
                    totals[s].append(scores[s])
        out[name] = {s: round(sum(v) / len(v), 3) if v else None for s, v in totals.items()}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.fusion", description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default="all", help="comma-separated corpus names, or all")
    parser.add_argument(
        "--variants", default=",".join(VARIANTS), help="comma-separated: " + ",".join(VARIANTS)
    )
    parser.add_argument("--json", type=Path, help="also write the table as JSON here")
    args = parser.parse_args(argv)
    from app.core import open_index

    settings = Settings.load()
    names = corpus_names() if args.corpus == "all" else tuple(args.corpus.split(","))
    chosen = {v: VARIANTS[v] for v in args.variants.split(",")}
    table = {}
    for name in names:
        own = corpus_settings(settings, name)
        if not (own.data_path / "chroma").exists():
            print(
                f"{name}: no index at {own.data_path}; run `wenda eval --corpus {name}` first",
                file=sys.stderr,
            )
            continue
        items = load_gold(gold_path(name))
        table[name] = score_variants(open_index(own), items, chosen, settings.top_k, settings.context_tokens)
    print("| variant | " + " | ".join(f"{c} hit@1 | {c} ev@1500" for c in table) + " |")
    print("|---|" + "---|---|" * len(table))
    for v in chosen:
        cells = [f"{table[c][v]['hit@1']} | {table[c][v]['evidence@1500']}" for c in table]
        print(f"| {v} | " + " | ".join(cells) + " |")
    if args.json:
        args.json.write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
