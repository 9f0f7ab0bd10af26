"""`wenda eval --corpus NAME`: build a corpus, ingest it into an index of its own, run its gold set.

`seeds` is the five seed documents; the other names come from `evals/corpora.py` (`NAMES`, and
`build(name, root, progress) -> folder of documents`), imported only when asked for. Each corpus gets
its own data dir, `<WENDA_DATA_DIR>/corpora/<name>/index` (always embedded Chroma), ingested
incrementally — a re-run on an unchanged corpus embeds nothing — and its gold set
`evals/gold_<name>.jsonl` (`evals/gold.jsonl` for the seeds). `--corpus all` runs each and writes a
summary table, one row per corpus, to `<out>/summary.md` and `<out>/summary.json`.

It leaves out what a corpus is made of (evals/corpora.py) and how an eval runs (evals/runner.py).
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import sys
from collections.abc import Callable
from pathlib import Path

from app.config import PROJECT_ROOT, SEEDS_DIR, Settings
from app.errors import BadRequest

SEEDS = "seeds"
SUMMARY = ["evidence@1500", "hit@1", "all_facts", "false_refusal", "refusal_correct", "citation_right_doc"]
Builder = Callable[..., Path]  # build(name, root, progress=True) -> the folder of the corpus's documents


def corpus_names() -> tuple[str, ...]:
    """`seeds`, then every corpus evals/corpora.py knows (just `seeds` without it)."""
    try:
        corpora = importlib.import_module("evals.corpora")  # sys.modules first (tests put a stub there)
    except ImportError:
        return (SEEDS,)
    return (SEEDS, *corpora.NAMES)


def _builder(name: str) -> Builder:
    try:
        corpora = importlib.import_module("evals.corpora")  # sys.modules first (tests put a stub there)
    except ImportError as exc:
        raise BadRequest(
            f"--corpus {name} needs evals/corpora.py, which this checkout does not have "
            f"(it builds the corpora from Debian packages); only --corpus seeds works without it"
        ) from exc
    if name not in corpora.NAMES:
        raise BadRequest(f"unknown corpus {name!r}: one of {', '.join((SEEDS, *corpora.NAMES))}, or all")
    return corpora.build


def corpus_root(settings: Settings, name: str) -> Path:
    """Where a corpus's index (`index/`) and its built documents (`corpus/`) live."""
    return settings.data_path / "corpora" / name


def corpus_settings(settings: Settings, name: str) -> Settings:
    """`settings` with the corpus's own data dir, in embedded Chroma (never a server's shared collections)."""
    return dataclasses.replace(settings, data_dir=corpus_root(settings, name) / "index", chroma_url=None)


def gold_path(name: str, folder: Path = PROJECT_ROOT / "evals") -> Path:
    return folder / ("gold.jsonl" if name == SEEDS else f"gold_{name}.jsonl")


def prepare(
    name: str, settings: Settings, progress: bool = True, builder: Builder | None = None, embedder=None
):
    """Build corpus `name` and bring its index up to date: (its settings, its index)."""
    from app.core import chunk_settings, open_index
    from ingest.pipeline import ingest_paths

    if name == SEEDS and builder is None:
        folder = SEEDS_DIR
    else:
        folder = Path(
            (builder or _builder(name))(name, corpus_root(settings, name) / "corpus", progress=progress)
        )
    own = corpus_settings(settings, name)
    index = open_index(own, embedder)
    report = ingest_paths(index, [folder], settings=chunk_settings(own), progress=progress)
    if progress:
        print(f"corpus {name}: {report.summary()}", file=sys.stderr)
    if not index.documents():
        raise BadRequest(f"corpus {name}: no documents could be ingested from {folder}")
    return own, index


def evaluate_corpus(
    name: str,
    settings: Settings,
    out: Path,
    gold: Path | None = None,
    builder: Builder | None = None,
    embedder=None,
    **options,
) -> dict:
    """Run corpus `name`'s gold set (or `gold`) on its own index; write the reports to `out`."""
    from app.chain import build_chain
    from evals.runner import evaluate

    if name != SEEDS and builder is None:
        builder = _builder(name)  # first: a missing evals/corpora.py is the thing to fix
    gold = Path(gold) if gold else gold_path(name)
    if not gold.is_file():
        raise BadRequest(f"corpus {name}: no gold set at {gold} (write it, or pass --gold FILE)")
    own, index = prepare(name, settings, options.get("progress", True), builder, embedder)
    return evaluate(own, gold, out, chain=build_chain(own, index), **options)


def evaluate_all(
    settings: Settings,
    out: Path,
    names: tuple[str, ...] | None = None,
    builder: Builder | None = None,
    embedder=None,
    gold_dir: Path | None = None,
    **options,
) -> dict:
    """Every corpus into `out/<name>/`, then `out/summary.md` and `out/summary.json`. A corpus that cannot
    run (no evals/corpora.py, no gold set) is listed with the reason, not fatal."""
    summary = {}
    for name in names or corpus_names():
        try:
            gold = gold_path(name, gold_dir) if gold_dir else None
            report = evaluate_corpus(
                name, settings, out / name, gold, builder=builder, embedder=embedder, **options
            )
        except BadRequest as exc:
            print(f"wenda eval: skipping corpus {name}: {exc.message}", file=sys.stderr)
            summary[name] = {"skipped": exc.message}
            continue
        overall = report["systems"]["wenda"]["overall"]
        summary[name] = {
            "items": report["items"],
            "errors": overall.get("errors", 0),
            **{m: overall.get(m) for m in SUMMARY},
        }
    if all("skipped" in row for row in summary.values()):
        raise BadRequest(
            "no corpus could be evaluated: " + "; ".join(f"{n}: {r['skipped']}" for n, r in summary.items())
        )
    write_summary(summary, out)
    return summary


def summary_markdown(summary: dict) -> str:
    """One row per corpus.

    >>> md = summary_markdown({"seeds": {"items": 2, "errors": 0, "hit@1": 0.5}, "x": {"skipped": "no gold"}})
    >>> md.splitlines()[-2:]
    ['| seeds | 2 | 0 | – | 0.500 | – | – | – | – |', '| x | skipped: no gold | | | | | | | |']
    """
    lines = [
        "# wenda eval — per corpus",
        "",
        "| corpus | items | errors | " + " | ".join(SUMMARY) + " |",
        "|---|---|---|" + "---|" * len(SUMMARY),
    ]
    for name, row in summary.items():
        if "skipped" in row:
            reason = row["skipped"].replace("|", "/").replace("\n", " ")
            lines.append(f"| {name} | skipped: {reason} |" + " |" * (len(SUMMARY) + 1))
            continue
        cells = [_fmt(row.get(m)) for m in SUMMARY]
        lines.append(f"| {name} | {row['items']} | {row['errors']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _fmt(value) -> str:
    return "–" if value is None else f"{value:.3f}"


def write_summary(summary: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    (out / "summary.md").write_text(summary_markdown(summary), encoding="utf-8")
