"""evals/corpora.py: the two out-of-domain corpora, built for real from Debian packages (slow), and
the roff-to-text cleanup on a tiny inline page (fast)."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from evals.corpora import build, doc_chars
from evals.corpus_debian import CorpusError
from evals.corpus_lohelp import cjk_share, own_text
from evals.corpus_manpages import MAN_CN, MAN_TW, clean_terminal, roff_to_text

needs_debian = pytest.mark.skipif(
    not (shutil.which("apt-get") and shutil.which("dpkg-deb")), reason="builds from Debian packages"
)


def test_clean_terminal_strips_overstrike_and_ansi():
    assert clean_terminal("\x1b[1mt\bta\bar\br\x1b[0m _\b档_\b案") == "tar 档案"


@pytest.mark.skipif(shutil.which("groff") is None, reason="needs groff")
def test_roff_to_text_renders_cjk_plainly():
    page = ".TH LS 1 2022年9月 GNU 用户命令\n.SH 名称\n\\fBls\\fP \\- 列出\\fI目录\\fP内容\n".encode()
    text = roff_to_text(page)
    assert "ls - 列出目录内容" in text
    assert "名称" in text and "用户命令" in text
    assert "\b" not in text and "\x1b" not in text


def test_unknown_corpus_is_a_clear_error(tmp_path):
    with pytest.raises(CorpusError, match="lohelp, manpages"):
        build("wiki", tmp_path, progress=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("corpora")
    return {name: build(name, root, progress=False) for name in ("lohelp", "manpages")}


def _total(docs: Path) -> int:
    return sum(doc_chars(p) for p in docs.iterdir())


@pytest.mark.slow
@needs_debian
def test_lohelp_html_and_pdf(built):
    from pypdf import PdfReader

    docs = built["lohelp"]
    html, pdf = sorted(docs.glob("*.html")), sorted(docs.glob("*.pdf"))
    assert 150 <= len(html) <= 220 and len(pdf) == 8
    assert {p.stem for p in html}.isdisjoint(p.stem for p in pdf)
    assert all(p.name.startswith(("swriter_guide_", "swriter_01_")) for p in html + pdf)
    assert 120_000 <= _total(docs) <= 180_000
    for page in html:
        raw = page.read_text(encoding="utf-8")
        assert "<html" in raw and 'id="DisplayArea"' in raw  # kept as HTML, boilerplate and all
        assert cjk_share(own_text(raw)) >= 0.7, page.name
    for page in pdf:
        text = "".join(p.extract_text() or "" for p in PdfReader(page).pages)
        assert len(text) > 500 and cjk_share(text) >= 0.5, page.name


@pytest.mark.slow
@needs_debian
def test_manpages_simplified_and_traditional(built):
    docs = built["manpages"]
    cn, tw = sorted(docs.glob("zh_CN_*.txt")), sorted(docs.glob("zh_TW_*.txt"))
    assert (len(cn), len(tw)) == (len(MAN_CN), len(MAN_TW)) and 10 <= len(tw) <= 15
    assert {p.name.split("_", 2)[2] for p in cn}.isdisjoint(p.name.split("_", 2)[2] for p in tw)
    assert "zh_CN_ls.1.txt" in {p.name for p in cn} and "zh_CN_ping.8.txt" in {p.name for p in cn}
    assert 120_000 <= _total(docs) <= 180_000
    for page in cn + tw:
        text = page.read_text(encoding="utf-8")
        assert "\b" not in text and "\x1b" not in text and cjk_share(text) > 0.3, page.name
    for page in tw:
        text = page.read_text(encoding="utf-8")
        assert any(ch in text for ch in "檔與為"), page.name
    assert "文件" in (docs / "zh_CN_ls.1.txt").read_text(encoding="utf-8")


@pytest.mark.slow
@needs_debian
def test_second_build_is_a_no_op(built):
    for name, docs in built.items():
        stamp = docs.parent / "stamp.json"
        before = {p: p.stat().st_mtime_ns for p in [stamp, *docs.iterdir()]}
        started = time.monotonic()
        assert build(name, docs.parent.parent, progress=False) == docs
        assert time.monotonic() - started < 1.0
        assert {p: p.stat().st_mtime_ns for p in [stamp, *docs.iterdir()]} == before
        info = json.loads(stamp.read_text(encoding="utf-8"))
        assert info["versions"] and info["files"] == sorted(p.name for p in docs.iterdir())


@pytest.mark.slow
@needs_debian
def test_a_lost_file_is_rebuilt_byte_for_byte(built):
    docs = built["manpages"]
    page = docs / "zh_TW_tee.1.txt"
    before = page.read_bytes()
    page.unlink()
    build("manpages", docs.parent.parent, progress=False)
    assert page.read_bytes() == before
