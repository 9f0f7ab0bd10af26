"""evals/corpora.py: the seven out-of-domain corpora, built for real from Debian packages (slow), and
the roff-to-text cleanup and the FAQ, Reference and tutorial recipes on tiny inline pages (fast)."""

from __future__ import annotations

import gzip
import json
import shutil
import time
from pathlib import Path

import pytest

from evals.corpora import NAMES, build, doc_chars
from evals.corpus_debfaq import FAQ_HTML, build_debfaq
from evals.corpus_debian import CorpusError, run
from evals.corpus_debref import CHAPTERS, REFERENCE_HTML, build_debref
from evals.corpus_lohelp import cjk_share, html_text, own_text
from evals.corpus_manpages import (
    MAN_CN,
    MAN_TW,
    MANDEV_CN,
    MANDEV_TW,
    MANEN,
    build_manen,
    clean_terminal,
    roff_to_text,
)
from evals.corpus_pytut import TUTORIAL_HTML, build_pytut

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


def test_the_man_page_development_corpus_has_no_command_of_the_test_corpus():
    def commands(names):
        return {name.partition(".")[0] for name in names}

    assert commands(MANDEV_CN + MANDEV_TW).isdisjoint(commands(MAN_CN + MAN_TW))


@pytest.mark.skipif(shutil.which("groff") is None, reason="needs groff")
def test_english_man_page_recipe_renders_each_page_by_its_name(tmp_path):
    man = tmp_path / "tree" / "usr/share/man"
    for entry in MANEN:
        page, _, section = entry.rpartition(".")
        (man / f"man{section}").mkdir(parents=True, exist_ok=True)
        source = f".TH {page.upper()} {section} 2023-02-05 Linux\n.SH NAME\n\\fB{page}\\fP \\- about {page}\n"
        (man / f"man{section}" / f"{entry}.gz").write_bytes(gzip.compress(source.encode()))
    out = tmp_path / "out"
    out.mkdir()
    build_manen(tmp_path / "tree", out, tmp_path, lambda msg: None)
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{entry}.txt" for entry in MANEN)
    assert "hosts - about hosts" in (out / "hosts.5.txt").read_text(encoding="utf-8")
    assert "nsswitch.conf - about nsswitch.conf" in (out / "nsswitch.conf.5.txt").read_text(encoding="utf-8")
    (man / "man7" / "hier.7.gz").unlink()
    with pytest.raises(CorpusError, match="the package has no usr/share/man/man7/hier.7.gz"):
        build_manen(tmp_path / "tree", out, tmp_path, lambda msg: None)


def test_unknown_corpus_is_a_clear_error(tmp_path):
    with pytest.raises(CorpusError, match="lohelp, manpages, debfaq, debref, mandev, pytut, manen"):
        build("wiki", tmp_path, progress=False)


def _faq_package(tree: Path, pages: list[str]) -> Path:
    """An unpacked debian-faq-zh-cn as the recipe sees it: pages, stylesheet, images, other formats."""
    html = tree / FAQ_HTML
    (html / "images").mkdir(parents=True)
    for name in pages:
        (html / name).write_text(f"<html><body><h2>{name} 是什么？</h2><p>答。</p></body></html>", "utf-8")
    (html / "debian.css").write_text("body {}", encoding="utf-8")
    (html / "images" / "note.png").write_bytes(b"\x89PNG")
    (html.parent / "debian-faq.zh-cn.txt.gz").write_bytes(b"")
    return tree


def test_faq_recipe_copies_the_pages_as_they_are(tmp_path):
    tree = _faq_package(tmp_path / "tree", ["index.zh-cn.html", "pkgtools.zh-cn.html"])
    out = tmp_path / "out"
    out.mkdir()
    assert build_debfaq(tree, out, tmp_path, lambda msg: None) == {}
    assert sorted(p.name for p in out.iterdir()) == ["index.zh-cn.html", "pkgtools.zh-cn.html"]
    assert (out / "pkgtools.zh-cn.html").read_bytes() == (
        tree / FAQ_HTML / "pkgtools.zh-cn.html"
    ).read_bytes()


def test_faq_recipe_without_its_index_page_is_a_clear_error(tmp_path):
    tree = _faq_package(tmp_path / "tree", ["pkgtools.zh-cn.html"])
    with pytest.raises(CorpusError, match="no usr/share/doc/debian/FAQ/zh-cn/index.zh-cn.html"):
        build_debfaq(tree, tmp_path, tmp_path, lambda msg: None)


def test_tutorial_recipe_copies_the_pages_and_nothing_else(tmp_path):
    html = tmp_path / "tree" / TUTORIAL_HTML
    html.mkdir(parents=True)
    for name in ("index.html", "venv.html"):
        (html / name).write_text(f"<html><body><h1>{name}</h1><p>Text.</p></body></html>", "utf-8")
    (html.parent / "_static").mkdir()
    (html.parent / "_static" / "pydoctheme.css").write_text("body {}", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    assert build_pytut(tmp_path / "tree", out, tmp_path, lambda msg: None) == {}
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "venv.html"]
    (html / "index.html").unlink()
    with pytest.raises(CorpusError, match="python3.11-doc has no .*tutorial/index.html"):
        build_pytut(tmp_path / "tree", out, tmp_path, lambda msg: None)


def _reference_package(tree: Path, chapters: list[str]) -> Path:
    """An unpacked debian-reference-zh-cn as the recipe sees it: every chapter, the PDF, the text."""
    html = tree / REFERENCE_HTML
    html.mkdir(parents=True)
    for chapter in chapters:
        page = f"<html><body><h1>{chapter}</h1><table><tr><td>ip</td><td>网络</td></tr></table></body></html>"
        (html / f"{chapter}.zh-cn.html").write_text(page, encoding="utf-8")
    (html / "debian-reference.zh-cn.pdf").write_bytes(b"%PDF-1.4")
    (html / "debian-reference.zh-cn.txt.gz").write_bytes(b"")
    return tree


def test_reference_recipe_copies_its_chapters_as_they_are(tmp_path):
    tree = _reference_package(tmp_path / "tree", ["ch01", "index", *CHAPTERS, "ch12"])
    out = tmp_path / "out"
    out.mkdir()
    assert build_debref(tree, out, tmp_path, lambda msg: None) == {}
    assert sorted(p.name for p in out.iterdir()) == [f"{c}.zh-cn.html" for c in CHAPTERS]
    page = "ch05.zh-cn.html"
    assert (out / page).read_bytes() == (tree / REFERENCE_HTML / page).read_bytes()


def test_reference_recipe_without_a_chapter_is_a_clear_error(tmp_path):
    tree = _reference_package(tmp_path / "tree", [c for c in CHAPTERS if c != "ch05"])
    with pytest.raises(CorpusError, match="no usr/share/debian-reference/ch05.zh-cn.html"):
        build_debref(tree, tmp_path, tmp_path, lambda msg: None)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """build(name) -> its documents folder, each corpus built once (on first use) under one root."""
    root, done = tmp_path_factory.mktemp("corpora"), {}

    def built_once(name: str) -> Path:
        if name not in done:
            done[name] = build(name, root, progress=False)
        return done[name]

    return built_once


def _total(docs: Path) -> int:
    return sum(doc_chars(p) for p in docs.iterdir())


def _assert_as_packaged(docs: Path, package: str, folder: str, tmp_path: Path) -> None:
    """Every built page is the package's own file in `folder`, byte for byte (the .deb the build
    fetched, unpacked again)."""
    deb = next((docs.parent.parent / "debs").glob(f"{package}_*.deb"))
    assert run(["dpkg-deb", "-x", str(deb), str(tmp_path)]).returncode == 0
    for page in docs.iterdir():
        assert page.read_bytes() == (tmp_path / folder / page.name).read_bytes(), page.name


@pytest.mark.slow
@needs_debian
def test_lohelp_html_and_pdf(built):
    from pypdf import PdfReader

    docs = built("lohelp")
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
    docs = built("manpages")
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
def test_mandev_is_other_pages_rendered_alike(built):
    docs = built("mandev")
    cn, tw = sorted(docs.glob("zh_CN_*.txt")), sorted(docs.glob("zh_TW_*.txt"))
    assert (len(cn), len(tw)) == (len(MANDEV_CN), len(MANDEV_TW))
    assert {p.name for p in docs.iterdir()}.isdisjoint(p.name for p in built("manpages").iterdir())
    assert 90_000 <= _total(docs) <= 140_000
    for page in cn + tw:
        text = page.read_text(encoding="utf-8")
        assert "\b" not in text and "\x1b" not in text and cjk_share(text) > 0.3, page.name


@pytest.mark.slow
@needs_debian
def test_manen_is_english_pages_rendered_alike(built):
    docs = built("manen")
    assert sorted(p.name for p in docs.iterdir()) == sorted(f"{entry}.txt" for entry in MANEN)
    assert 150_000 <= _total(docs) <= 250_000
    for page in docs.iterdir():
        text = page.read_text(encoding="utf-8")
        assert "\b" not in text and "\x1b" not in text and cjk_share(text) == 0, page.name
        assert "T{" not in text and "allbox" not in text, page.name  # tables laid out by tbl, not leaked
    assert "/etc/hosts" in (docs / "hosts.5.txt").read_text(encoding="utf-8")
    rows = (docs / "dir_colors.5.txt").read_text(encoding="utf-8")
    assert "DIR       32          Directory" in rows  # one table row a line


@pytest.mark.slow
@needs_debian
@pytest.mark.parametrize("name", NAMES)
def test_second_build_is_a_no_op(built, name):
    docs = built(name)
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
    docs = built("manpages")
    page = docs / "zh_TW_tee.1.txt"
    before = page.read_bytes()
    page.unlink()
    build("manpages", docs.parent.parent, progress=False)
    assert page.read_bytes() == before


FAQ_CHAPTERS = (
    "basic-defs choosing compatibility contributing customizing faqinfo ftparchives getting-debian "
    "kernel nextrelease pkg-basics pkgtools redistributing software support uptodate"
).split()


@pytest.mark.slow
@needs_debian
def test_debfaq_is_the_package_pages_unchanged(built, tmp_path):
    docs = built("debfaq")
    names = sorted(p.name for p in docs.iterdir())
    assert names == sorted(f"{page}.zh-cn.html" for page in ["index", *FAQ_CHAPTERS])
    assert 60_000 <= _total(docs) <= 90_000
    _assert_as_packaged(docs, "debian-faq-zh-cn", FAQ_HTML, tmp_path)
    index = (docs / "index.zh-cn.html").read_text(encoding="utf-8")
    assert "Debian GNU/Linux 常见问题" in index and 'href="pkgtools.zh-cn.html' in index
    text = (docs / "pkgtools.zh-cn.html").read_text(encoding="utf-8")
    assert "Debian 提供了哪些软件包管理程序？" in text and cjk_share(html_text(text)) > 0.5


@pytest.mark.slow
@needs_debian
def test_debref_is_five_reference_chapters_unchanged(built, tmp_path):
    docs = built("debref")
    names = sorted(p.name for p in docs.iterdir())
    assert names == [f"{chapter}.zh-cn.html" for chapter in CHAPTERS]
    assert 45_000 <= _total(docs) <= 70_000
    _assert_as_packaged(docs, "debian-reference-zh-cn", REFERENCE_HTML, tmp_path)
    text = (docs / "ch05.zh-cn.html").read_text(encoding="utf-8")
    assert "网络设置" in text and "<table" in text and cjk_share(html_text(text)) > 0.5


@pytest.mark.slow
@needs_debian
def test_pytut_is_the_english_tutorial_pages_unchanged(built, tmp_path):
    docs = built("pytut")
    names = sorted(p.name for p in docs.iterdir())
    assert len(names) == 17 and "index.html" in names and "controlflow.html" in names
    assert 200_000 <= _total(docs) <= 320_000
    _assert_as_packaged(docs, "python3.11-doc", TUTORIAL_HTML, tmp_path)
    text = html_text((docs / "venv.html").read_text(encoding="utf-8"))
    assert "Virtual Environments and Packages" in text and "tutorial-env" in text and cjk_share(text) == 0
