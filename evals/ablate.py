"""What each rule of the extractive answer path earns: every gold item of each corpus answered with one
rule switched off at a time, everything else as shipped (docs/evaluation.md, "What each rule of the
answer path earns"). A rule stays when it gains on a corpus it was not written for.

    python -m evals.ablate [--corpus seeds,lohelp,debfaq,debref,mandev] [--rules runner_up,paragraph,...]

Each corpus is answered from its index as `wenda eval --corpus NAME` built it (run that first); the
rule is switched off by replacing the module constant or function named in `ABLATIONS` for the run.
Prints all facts, false refusals, refusal on unanswerable and right-document citations per run.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager

ABLATIONS: dict[str, dict[str, object]] = {
    "none": {},
    "runner_up": {"app.quotes.RUNNER_UP": 9.0},  # no runner-up reaches 9× the best score
    "structure": {"app.answer_window.MAX_WINDOW_UNITS": 1},
    "paragraph": {"app.answer_window.PARAGRAPH_TOKENS": 0},
    "read_on": {"app.extractive.READ_ON": 0},
    "item_lines": {"app.answer_window._same_item": lambda *args: False},
    "split_questions": {"app.extractive.split_questions": lambda message: [message]},
    "quantity": {"app.quotes.asks_quantity": lambda question: False},
    "term": {"app.answer_window.term_above": lambda *args: None},  # a description quoted without its term
    "title": {"app.quotes._is_title": lambda *args: False},  # the document's title quoted like any line
    # a line of bare words ("基本信息", "Writer 的辅助功能") is a candidate like any sentence, not a label
    "labels": {"app.quotes._TITLE": re.compile(r"(?!)")},
    "rank_prior": {"app.quotes.RANK_PRIOR": 0.0},  # a unit gains nothing from its passage's rank
    # an English question matched by its own words (and the glossary), not by the Chinese of its words
    "english_wording": {"app.extractive.english_wording": lambda question, used: None},
    # a follow-up ("那…呢?") searched and answered without the earlier question's subject
    "followup_subject": {"app.chain.history_aware_query": lambda question, history, carry=0: question},
}
METRICS = ("all_facts", "false_refusal", "refusal_correct", "citation_right_doc")


def _target(path: str) -> tuple[object, str]:
    module, attr = path.rsplit(".", 1)
    owner = importlib.import_module(module)
    if not hasattr(owner, attr):
        raise AttributeError(f"{path} does not exist: ABLATIONS names something that was renamed")
    return owner, attr


@contextmanager
def switched_off(rule: str) -> Iterator[None]:
    """The answer path with `rule` switched off, for the length of the block."""
    saved = []
    try:
        for path, replacement in ABLATIONS[rule].items():
            owner, attr = _target(path)
            saved.append((owner, attr, getattr(owner, attr)))
            setattr(owner, attr, replacement)
        yield
    finally:
        for owner, attr, original in reversed(saved):
            setattr(owner, attr, original)


def run(corpus: str, rules: list[str]) -> list[dict]:
    """One row of figures per rule: the corpus's gold set answered (as `wenda eval` answers it, through
    `evals.runner.run_items`) with that rule switched off."""
    import tempfile
    from pathlib import Path

    from app.chain import build_chain
    from app.config import Settings
    from evals.gold import load_gold
    from evals.metrics import summarize
    from evals.per_corpus import corpus_settings, gold_path
    from evals.runner import run_items

    chain = build_chain(corpus_settings(Settings.load(), corpus))
    items = load_gold(gold_path(corpus))
    out = []
    with tempfile.TemporaryDirectory(prefix="wenda-ablate-") as tmp:
        for rule in rules:
            with switched_off(rule):
                rows = run_items(chain, items, Path(tmp) / f"{rule}.jsonl", fresh=True, progress=False)
            overall = summarize(rows)["overall"]
            row = {"corpus": corpus, "rule": rule} | {m: overall.get(m) for m in METRICS}
            out.append(row)
            print("  ".join(f"{k} {v}" for k, v in row.items()), flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.ablate", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus", default="seeds,lohelp,debfaq,debref,mandev", help="comma-separated corpus names"
    )
    parser.add_argument("--rules", default=",".join(ABLATIONS), help=f"any of {', '.join(ABLATIONS)}")
    args = parser.parse_args(argv)
    rules = args.rules.split(",")
    unknown = [r for r in rules if r not in ABLATIONS]
    if unknown:
        parser.error(f"unknown rule {', '.join(unknown)}: choose from {', '.join(ABLATIONS)}")
    for corpus in args.corpus.split(","):
        run(corpus, rules)
    return 0


if __name__ == "__main__":
    sys.exit(main())
