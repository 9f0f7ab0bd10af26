"""The `wenda` command: ingest, ask, kb, serve, eval, bench — thin adapters over the facade
(`app/service.py`) and the core objects. `--kb NAME` picks a knowledge base (default: `default`).

Errors from the core (`WendaError`, `LoadError`, configuration errors) become one line on stderr and a
non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from app.config import SEEDS_DIR, ConfigError, Settings
from app.errors import WendaError
from ingest.chroma import IndexUnavailable


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="wenda", description="问答 — answers questions about your documents, with citations."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="add documents to the index (default: seeds/)")
    p.add_argument("paths", nargs="*", type=Path, help="files or folders (default: seeds/)")
    p.add_argument("--reset", action="store_true", help="drop the index first and rebuild it")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    _kb_option(p, "the knowledge base to add them to (created if it does not exist)")

    p = sub.add_parser("ask", help="ask a question")
    p.add_argument("question")
    p.add_argument("--history", type=Path, help='JSON file: a list of {"role", "content"} turns')
    p.add_argument("--json", action="store_true", help="print the answer object as JSON")
    p.add_argument("--top-k", type=int, default=None)
    _kb_option(p, "the knowledge base to answer from")

    p = sub.add_parser("kb", help="list, create or delete knowledge bases")
    p.add_argument("action", choices=["list", "create", "delete"])
    p.add_argument("name", nargs="?", help="the knowledge base (create, delete)")

    p = sub.add_parser("serve", help="serve the HTTP API and the web UI")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)

    p = sub.add_parser("eval", help="run the gold set and write reports")
    p.add_argument(
        "--gold", type=Path, default=None, help="gold set (default: evals/gold.jsonl, or the corpus's own)"
    )
    p.add_argument(
        "--out", type=Path, default=None, help="report dir (default: evals/out, or evals/out/CORPUS)"
    )
    p.add_argument(
        "--corpus",
        metavar="NAME",
        default=None,
        help="build corpus NAME (seeds, lohelp, manpages, debfaq, debref, mandev, pytut, manen), index it on "
        "its own, run evals/gold_NAME.jsonl; all: each, plus a summary table",
    )
    p.add_argument(
        "--baselines", action="store_true", help="also run the baselines (dense, BM25, LangChain recipe)"
    )
    p.add_argument("--fresh", action="store_true", help="ignore earlier results in --out (no resume)")
    _kb_option(p, "answer from this knowledge base as it is (with --gold written for its documents)")
    p.add_argument(
        "--judge",
        action="store_true",
        help="add LLM-judge metrics (faithfulness, answer correctness); needs an LLM",
    )
    p.add_argument(
        "--refusal-sweep",
        action="store_true",
        help="add refusal vs false refusals per refusal threshold, from the recorded confidences",
    )

    p = sub.add_parser("bench", help="benchmark ingest, queries at several corpus sizes, and a load run")
    p.add_argument("--out", type=Path, default=Path("bench/out"))
    p.add_argument("--sizes", default="seeds,10k,100k", help="comma-separated: seeds, 10k, 100k")
    p.add_argument("--repeats", type=int, default=3, help="passes over the benchmark questions per size")
    p.add_argument("--clients", type=int, default=32, help="concurrent clients in the load run (0: skip it)")
    p.add_argument("--seconds", type=float, default=20.0, help="length of the load run")
    p.add_argument(
        "--work",
        type=Path,
        help="keep the built corpora here and reuse them on the next run (default: a temporary dir)",
    )
    p.add_argument(
        "--formats",
        action="store_true",
        help="instead: OCR pages/s against bare RapidOCR, and a large .xlsx ingest (formats.md in --out)",
    )
    p.add_argument("--ocr-pages", type=int, default=4, help="with --formats: scanned A4 pages to OCR")
    p.add_argument("--xlsx-rows", type=int, default=10_000, help="with --formats: rows of the workbook")

    args = parser.parse_args(argv)
    try:
        settings = Settings.load()
        return COMMANDS[args.command](args, settings)
    except (WendaError, ConfigError, IndexUnavailable) as exc:
        print(f"wenda: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("wenda: interrupted", file=sys.stderr)
        return 130


def _kb_option(parser, help: str) -> None:
    parser.add_argument("--kb", metavar="NAME", default="default", help=f"{help} (default: default)")


def cmd_ingest(args, settings: Settings) -> int:
    from app.service import Wenda
    from ingest.chroma import IndexUnavailable

    paths = args.paths or [SEEDS_DIR]
    try:
        service = Wenda(settings)
        if args.kb not in service.kb_names():
            service.create_kb(args.kb)
            print(f"created knowledge base {args.kb}")
        report = service.ingest(paths, args.kb, reset=args.reset, progress=not args.quiet)
    except IndexUnavailable as exc:
        print(f"wenda: {exc}", file=sys.stderr)
        return 2
    for name, reason in report.skipped:
        print(f"skipped {name}: {reason}", file=sys.stderr)
    print(report.summary())
    return 0


def cmd_ask(args, settings: Settings) -> int:
    from app.service import Wenda

    history = _read_history(args.history) if args.history else []
    answer = Wenda(settings).ask(args.question, history, args.top_k, kb=args.kb)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(answer.answer)
    if answer.citations:
        print("\n来源 Sources:")
        for c in answer.citations:
            quote = " … ".join(q["text"].replace("\n", " ") for q in c.quotes)[:160]
            print(f"  [{c.n}] {c.label} (chars {c.start}–{c.end}): {quote}")
    if answer.error:
        print(f"\n(note: {answer.error}; answered extractively)", file=sys.stderr)
    return 0


def _read_history(path: Path) -> list[dict]:
    from app.errors import BadRequest

    try:
        history = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BadRequest(f"cannot read the history file {path}: {exc}") from exc
    if not isinstance(history, list):
        raise BadRequest(f'{path}: the history must be a JSON list of {{"role", "content"}} objects')
    return history


def cmd_kb(args, settings: Settings) -> int:
    from app.errors import BadRequest
    from app.service import Wenda, job_outcome

    service = Wenda(settings)
    if args.action == "list":
        for kb in service.kbs():
            print(f"{kb['name']}\t{kb['documents']} documents\t{kb['chunks']} chunks")
        return 0
    if not args.name:
        raise BadRequest(f"`wenda kb {args.action}` needs a name: wenda kb {args.action} NAME")
    if args.action == "create":
        print(f"created knowledge base {service.create_kb(args.name)['name']}")
        return 0
    job = service.delete_kb(args.name)
    job.finished.wait()
    job_outcome(job)
    print(f"deleted knowledge base {args.name}: its documents, vectors, lexical index and uploads")
    return 0


def cmd_serve(args, settings: Settings) -> int:
    from app.server import serve

    return serve(settings, args.host, args.port)


def cmd_eval(args, settings: Settings) -> int:
    from evals.runner import main as run_eval

    return run_eval(args, settings)


def cmd_bench(args, settings: Settings) -> int:
    if args.formats:
        from app.bench_formats import main as run_formats_bench

        return run_formats_bench(args)
    from app.bench import main as run_bench

    return run_bench(args)


COMMANDS = {
    "ingest": cmd_ingest,
    "ask": cmd_ask,
    "kb": cmd_kb,
    "serve": cmd_serve,
    "eval": cmd_eval,
    "bench": cmd_bench,
}

if __name__ == "__main__":
    sys.exit(main())
