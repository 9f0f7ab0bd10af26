"""The `lohelp` corpus recipe: LibreOffice's Chinese help (`libreoffice-help-zh-cn`), the Writer
module's how-to guides and menu/dialog pages that have text of their own and are mostly translated, kept
as the original HTML (navigation, scripts and all); a few of the larger pages are printed to PDF with
headless Chromium instead (a real CJK text layer, made byte-stable). What it leaves out: fetching the
package and stamping the build (`evals/corpora.py`).
"""

from __future__ import annotations

import base64
import html
import re
import shutil
import subprocess
from pathlib import Path

from evals.corpus_debian import CorpusError, ensure_tool, installed_version, run

LO_HELP = "usr/share/libreoffice/help/zh-CN"
LO_PAGES = ("text/swriter/01", "text/swriter/guide")  # Writer: menu/dialog help, how-to guides
LO_MIN_CHARS, LO_MIN_CJK, LO_PDFS, LO_PDF_MIN_CHARS = 200, 0.7, 8, 800

CJK = re.compile(r"[\u3400-\u9fff]")


def cjk_share(text: str) -> float:
    """CJK characters over CJK characters plus Latin words.

    >>> cjk_share("插入图形 Insert Graphic")
    0.6666666666666666
    """
    cjk = len(CJK.findall(text))
    return cjk / max(1, cjk + len(re.findall(r"[A-Za-z]+", text)))


def html_text(raw: str) -> str:
    """The text of an HTML page (or part) as a tag stripper sees it, whitespace collapsed.

    >>> html_text('<p>打开&amp;关闭</p><script>x()</script><a href="#">链接</a>')
    '打开&关闭 链接'
    """
    raw = re.sub(r"<(script|style|noscript)\b.*?</\1>", " ", raw, flags=re.S | re.I)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", raw))).strip()


def own_text(raw: str) -> str:
    """A help page's own text: its display area, without the link lists that embed other pages'
    titles (`<p class="embedded">`) and without the related-topics block."""
    parts = re.split(r'<div id="DisplayArea"[^>]*>', raw, maxsplit=1)
    body = parts[-1].split('<div id="SearchFrame"', 1)[0].split('<div class="relatedtopics">', 1)[0]
    return html_text(re.sub(r'<p class="embedded".*?</p>', " ", body, flags=re.S))


def build_lohelp(tree: Path, out: Path, tmp: Path, say) -> dict[str, str]:
    """The corpus's documents written to `out` from the unpacked package `tree`; returns the versions
    of the tools used."""
    from pypdf import PdfReader

    help_dir = tree / LO_HELP
    pages = [
        (f"{sub.split('/')[1]}_{sub.split('/')[2]}_{p.stem}", p)
        for sub in LO_PAGES
        for p in sorted((help_dir / sub).glob("*.html"))
    ]
    kept = []
    for name, path in pages:  # pages with text of their own, mostly translated
        text = own_text(path.read_text(encoding="utf-8"))
        if len(text) >= LO_MIN_CHARS and cjk_share(text) >= LO_MIN_CJK:
            kept.append((name, path, len(text)))
    say(
        f"{len(kept)} of {len(pages)} Writer pages have ≥ {LO_MIN_CHARS} characters of their own, "
        f"≥ {LO_MIN_CJK:.0%} Chinese"
    )
    big = [k for k in kept if k[2] >= LO_PDF_MIN_CHARS]
    to_pdf = [big[i * len(big) // LO_PDFS] for i in range(min(LO_PDFS, len(big)))]
    for name, path, _ in kept:
        if all(name != p[0] for p in to_pdf):
            shutil.copyfile(path, out / f"{name}.html")

    ensure_tool(shutil.which("chromium") is not None, "chromium", "Chromium, to print PDFs", say)
    has_cjk_font = shutil.which("fc-list") and run(["fc-list", ":lang=zh"]).stdout.strip()
    ensure_tool(bool(has_cjk_font), "fonts-wqy-zenhei", "a CJK font, for the PDFs' text", say)
    for name, path, _ in to_pdf:
        pdf = out / f"{name}.pdf"
        say(f"printing {pdf.name}")
        _print_pdf(path.read_bytes(), pdf, tmp / "chromium-profile")
        text = "".join(p.extract_text() or "" for p in PdfReader(pdf).pages)
        if cjk_share(text) < 0.5:
            raise CorpusError(
                f"{pdf.name}: the PDF's text layer is not Chinese ({text[:80]!r}); "
                "is a CJK font (fonts-wqy-zenhei) installed?"
            )
    return {
        "chromium": installed_version("chromium"),
        "font": run(["fc-match", "-f", "%{family[0]}", "sans-serif:lang=zh-cn"]).stdout.strip(),
    }


CHROMIUM_FLAGS = [  # headless, offline, nothing kept between runs (the browser tests use them too)
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _print_pdf(page: bytes, pdf: Path, profile: Path) -> None:
    """Print one page with headless Chromium. The page goes in as a data: URL, so no temporary path
    ends up in the PDF's link annotations, its relative links and shared scripts/CSS resolve to
    nothing (no 300-entry contents tree filled in by help.js), and the output is byte-stable."""
    url = "data:text/html;charset=utf-8;base64," + base64.b64encode(page).decode("ascii")
    cmd = [
        "chromium",
        *CHROMIUM_FLAGS,
        f"--user-data-dir={profile}",
        f"--print-to-pdf={pdf}",
        "--no-pdf-header-footer",
        url,
    ]
    try:
        done = run(cmd, timeout=180)
    except subprocess.TimeoutExpired as exc:
        raise CorpusError(f"chromium took over 180 s to print {pdf.name}") from exc
    if done.returncode or not pdf.exists():
        raise CorpusError(f"chromium could not print {pdf.name}: {done.stderr.strip()[-300:]}")
    # Same length, so the cross-reference offsets stay valid: the only bytes that vary per run.
    data = re.sub(rb"(/(?:CreationDate|ModDate) \(D:)\d{14}", rb"\g<1>20000101000000", pdf.read_bytes())
    pdf.write_bytes(data)
