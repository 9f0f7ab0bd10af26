"""`wenda eval --corpus`: a corpus built by evals/corpora.py (here a stub module holding a tiny corpus),
ingested into its own data dir once, its gold set run, and `--corpus all`'s summary table."""

from __future__ import annotations

import json
import sys
import types

import pytest

from app.cli import main as cli
from app.config import Settings
from evals.per_corpus import corpus_root, evaluate_all, evaluate_corpus, summary_markdown
from tests.fakes import HashEmbedder
from tests.tiny_corpus import GOLD, write_docs, write_gold


@pytest.fixture
def corpora(monkeypatch, tmp_path):
    """A stub evals.corpora with one corpus, `tiny`; records the calls to build."""
    calls = []

    def build(name, root, progress=True):
        calls.append((name, root))
        return write_docs(root / "docs")  # idempotent, like the real one

    module = types.SimpleNamespace(NAMES=("tiny", "nogold"), build=build, calls=calls)
    monkeypatch.setitem(sys.modules, "evals.corpora", module)
    return module


@pytest.fixture
def settings(tmp_path):
    return Settings.load(env={}, dotenv=None, data_dir=tmp_path / "data")


def test_a_corpus_gets_its_own_index_once_and_its_gold_set(corpora, settings, tmp_path):
    gold = write_gold(tmp_path / "gold_tiny.jsonl")
    report = evaluate_corpus(
        "tiny", settings, tmp_path / "out", gold, embedder=HashEmbedder(), progress=False
    )
    assert corpora.calls == [("tiny", corpus_root(settings, "tiny") / "corpus")]
    assert (settings.data_path / "corpora" / "tiny" / "index").is_dir()
    wenda = report["systems"]["wenda"]
    assert (
        report["items"] == 3
        and wenda["overall"]["errors"] == 0
        and set(wenda["by_type"]) == {"list", "howto", "unanswerable"}
    )
    assert wenda["by_type"]["howto"]["all_facts"] == 1.0
    assert (tmp_path / "out" / "report.md").is_file()

    from app.core import open_index
    from evals.per_corpus import prepare

    index = open_index(
        Settings.load(env={}, dotenv=None, data_dir=corpus_root(settings, "tiny") / "index"), HashEmbedder()
    )
    assert set(index.documents()) == {"plan.txt", "other.txt"}
    own, _ = prepare("tiny", settings, progress=False, embedder=HashEmbedder())
    assert own.data_path == corpus_root(settings, "tiny") / "index" and own.chroma_url is None


def test_a_rerun_embeds_nothing(corpora, settings, tmp_path, capsys):
    from evals.per_corpus import prepare

    prepare("tiny", settings, progress=True, embedder=HashEmbedder())
    prepare("tiny", settings, progress=True, embedder=HashEmbedder())
    assert "0 added, 0 updated, 2 unchanged" in capsys.readouterr().err.splitlines()[-1]


def test_all_writes_a_summary_with_a_row_per_corpus(corpora, settings, tmp_path):
    golds = tmp_path / "golds"
    golds.mkdir()
    write_gold(golds / "gold_tiny.jsonl")
    summary = evaluate_all(
        settings,
        tmp_path / "out",
        names=("tiny", "nogold"),
        embedder=HashEmbedder(),
        gold_dir=golds,
        progress=False,
    )
    assert summary["tiny"]["items"] == 3 and "no gold set" in summary["nogold"]["skipped"]
    assert set(summary["tiny"]) >= {
        "evidence@1500",
        "hit@1",
        "all_facts",
        "false_refusal",
        "refusal_correct",
        "citation_right_doc",
    }
    assert json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8")) == summary
    md = (tmp_path / "out" / "summary.md").read_text(encoding="utf-8")
    assert md == summary_markdown(summary) and "| tiny | 3 | 0 |" in md and "| nogold | skipped:" in md
    assert (tmp_path / "out" / "tiny" / "results.jsonl").is_file()


def test_the_cli_runs_a_corpus(corpora, tmp_path, monkeypatch, capsys):
    import app.core

    monkeypatch.setattr(app.core, "make_embedder", lambda settings: HashEmbedder())  # no e5 in the fast tier
    monkeypatch.setenv("WENDA_DATA_DIR", str(tmp_path / "data"))
    gold = write_gold(tmp_path / "gold.jsonl", GOLD[:2])
    out = tmp_path / "out"
    assert cli(["eval", "--corpus", "tiny", "--gold", str(gold), "--out", str(out)]) == 0
    assert (
        "all_facts=" in capsys.readouterr().out and len((out / "results.jsonl").read_text().splitlines()) == 2
    )
    assert (tmp_path / "data" / "corpora" / "tiny" / "index").is_dir()


def test_clear_errors(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "evals.corpora", None)  # not merged yet: import fails
    monkeypatch.setenv("WENDA_DATA_DIR", str(tmp_path / "data"))
    assert cli(["eval", "--corpus", "lohelp", "--out", str(tmp_path)]) == 2
    assert "needs evals/corpora.py" in capsys.readouterr().err
    assert cli(["eval", "--corpus", "all", "--gold", "x.jsonl"]) == 2
    assert "--corpus all uses each corpus's own gold" in capsys.readouterr().err


def test_unknown_corpus(corpora, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("WENDA_DATA_DIR", str(tmp_path / "data"))
    assert cli(["eval", "--corpus", "nosuch", "--out", str(tmp_path)]) == 2
    assert "unknown corpus 'nosuch': one of seeds, tiny, nogold, or all" in capsys.readouterr().err
