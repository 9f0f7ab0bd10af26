"""Out-of-domain benchmark corpora, built reproducibly from Debian packages.

wenda is tuned on five Chinese policy documents; these corpora are real third-party documents of
other kinds, rebuilt byte for byte from the same package versions on any Debian machine:

- `lohelp`: LibreOffice's Chinese help (`libreoffice-help-zh-cn`), the Writer module's how-to
  guides and menu/dialog pages, kept as the original HTML (navigation, scripts and all), plus a
  few other pages printed to PDF with headless Chromium (a real CJK text layer).
- `manpages`: Chinese man pages (`manpages-zh`), rendered by groff to plain UTF-8 text; common
  commands in simplified Chinese plus a few other commands in traditional Chinese.

`build(name, root)` returns `root/<name>/docs`, building it when it is missing, when a file in it
went away or when the recipe below changed; `root/<name>/stamp.json` records the package and tool
versions. Packages come from `apt-get download` into `root/debs/` (a `.deb` already there is
reused). Missing tools (groff, the CJK font, Chromium) are installed with apt-get when running as
root. What it leaves out: writing gold questions, and ingesting the corpora.

    python -m evals.corpora build [lohelp manpages] [--root DIR]   # default <WENDA_DATA_DIR>/corpora
"""

from __future__ import annotations

import argparse
import base64
import gzip
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from app.errors import WendaError

NAMES = ("lohelp", "manpages")
RECIPES = {"lohelp": 1, "manpages": 1}  # bump when a recipe changes what it writes
PACKAGES = {"lohelp": "libreoffice-help-zh-cn", "manpages": "manpages-zh"}

LO_HELP = "usr/share/libreoffice/help/zh-CN"
LO_PAGES = ("text/swriter/01", "text/swriter/guide")  # Writer: menu/dialog help, how-to guides
LO_MIN_CHARS, LO_MIN_CJK, LO_PDFS, LO_PDF_MIN_CHARS = 200, 0.7, 8, 800

MAN_CN = (
    "ls cp mv rm mkdir rmdir ln touch chmod chown chgrp cat head tail sort uniq wc cut find "
    "grep sed xargs tar df du free kill ssh uname id cron.8 ping.8 ifconfig.8 mkfs.8 umount.8 "
    "shutdown.8 dmesg.8"
).split()
MAN_TW = "tee split seq sleep timeout nohup basename md5sum base64 nl last killall".split()
GROFF = ["groff", "-Kutf-8", "-Tutf8", "-mandoc", "-P-cbou", "-Ww", "-rHY=0"]  # ragged right, below

CJK = re.compile(r"[\u3400-\u9fff]")


class CorpusError(WendaError):
    pass


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


def clean_terminal(text: str) -> str:
    """Strip what a terminal renderer leaves: overstrike (bold `x\\bx`, underline `_\\bx`) and
    ANSI escapes.

    >>> clean_terminal("l\\bls\\bs -\\b--\\b-a\\bal\\bll\\bl \\x1b[1m_\\b文_\\b件\\x1b[0m")
    'ls --all 文件'
    """
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
    while (cleaned := re.sub(r"[^\x08\n]\x08", "", text)) != text:
        text = cleaned
    return text.replace("\x08", "")


def roff_to_text(source: bytes) -> str:
    """Render man(7) source to plain UTF-8 text, as `man` would at 80 columns but left-adjusted
    (groff cannot break CJK runs, so justification would pad the few spaces on a line with dozens
    more) and without hyphenation."""
    done = subprocess.run(GROFF, input=b".ad l\n" + source, capture_output=True, check=False)
    if done.returncode:
        raise CorpusError(f"groff failed: {done.stderr.decode(errors='replace')[:300]}")
    return clean_terminal(done.stdout.decode("utf-8"))


# --- tools, packages ---------------------------------------------------------------------------


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, check=False, **kw)


def _installed(package: str) -> str:
    done = _run(["dpkg-query", "-W", "-f", "${Version}", package]) if shutil.which("dpkg-query") else None
    return done.stdout.strip() if done and done.returncode == 0 else "unknown"


def _ensure(ok: bool, package: str, why: str, say) -> None:
    if ok:
        return
    if not (shutil.which("apt-get") and os.geteuid() == 0):
        raise CorpusError(f"{why} is missing: install it with `apt-get install -y {package}`")
    say(f"installing {package} ({why}) with apt-get")
    done = _run(
        ["apt-get", "install", "-y", "--no-install-recommends", package],
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )
    if done.returncode:
        raise CorpusError(f"`apt-get install -y {package}` failed: {done.stderr.strip()[-300:]}")


def fetch(package: str, debs: Path, say) -> Path:
    """`root/debs/<package>_*.deb`, downloaded with `apt-get download` unless already there."""
    debs.mkdir(parents=True, exist_ok=True)
    cached = sorted(debs.glob(f"{package}_*.deb"))
    if cached:
        return cached[-1]
    if not shutil.which("apt-get"):
        raise CorpusError(
            f"apt-get not found: the corpora are built from Debian packages; "
            f"put {package}_*.deb into {debs} by hand on other systems"
        )
    say(f"apt-get download {package}")
    done = _run(["apt-get", "download", package], cwd=debs)
    if done.returncode and ("Unable to locate" in done.stderr or "no installation candidate" in done.stderr):
        say("package lists missing: apt-get update")
        _run(["apt-get", "update"])
        done = _run(["apt-get", "download", package], cwd=debs)
    cached = sorted(debs.glob(f"{package}_*.deb"))
    if done.returncode or not cached:
        raise CorpusError(f"`apt-get download {package}` failed: {done.stderr.strip()[-300:]}")
    return cached[-1]


def _unpack(deb: Path, into: Path) -> tuple[Path, str]:
    for cmd in (["dpkg-deb", "-x", str(deb), str(into)], ["dpkg-deb", "-f", str(deb), "Version"]):
        done = _run(cmd)
        if done.returncode:
            raise CorpusError(f"{' '.join(cmd)} failed: {done.stderr.strip()[-300:]}")
    return into, done.stdout.strip()


# --- the two recipes ---------------------------------------------------------------------------


def _lohelp(tree: Path, out: Path, tmp: Path, say) -> dict[str, str]:
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

    _ensure(shutil.which("chromium") is not None, "chromium", "Chromium, to print PDFs", say)
    has_cjk_font = shutil.which("fc-list") and _run(["fc-list", ":lang=zh"]).stdout.strip()
    _ensure(bool(has_cjk_font), "fonts-wqy-zenhei", "a CJK font, for the PDFs' text", say)
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
        "chromium": _installed("chromium"),
        "font": _run(["fc-match", "-f", "%{family[0]}", "sans-serif:lang=zh-cn"]).stdout.strip(),
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
        done = _run(cmd, timeout=180)
    except subprocess.TimeoutExpired as exc:
        raise CorpusError(f"chromium took over 180 s to print {pdf.name}") from exc
    if done.returncode or not pdf.exists():
        raise CorpusError(f"chromium could not print {pdf.name}: {done.stderr.strip()[-300:]}")
    # Same length, so the cross-reference offsets stay valid: the only bytes that vary per run.
    data = re.sub(rb"(/(?:CreationDate|ModDate) \(D:)\d{14}", rb"\g<1>20000101000000", pdf.read_bytes())
    pdf.write_bytes(data)


def _manpages(tree: Path, out: Path, tmp: Path, say) -> dict[str, str]:
    _ensure(shutil.which("groff") is not None, "groff-base", "groff, to render man pages", say)
    man = tree / "usr/share/man"
    for lang, names in (("zh_CN", MAN_CN), ("zh_TW", MAN_TW)):
        for entry in names:
            command, _, section = entry.partition(".")
            section = section or "1"
            source = man / lang / f"man{section}" / f"{command}.{section}.gz"
            text = roff_to_text(gzip.decompress(source.read_bytes()))
            (out / f"{lang}_{command}.{section}.txt").write_text(text, encoding="utf-8")
    say(f"rendered {len(MAN_CN)} simplified and {len(MAN_TW)} traditional pages with groff")
    return {"groff": _installed("groff-base")}


RECIPE = {"lohelp": _lohelp, "manpages": _manpages}


# --- build -------------------------------------------------------------------------------------


def doc_chars(path: Path) -> int:
    """Characters of text in one built document (HTML: tags stripped; PDF: its text layer)."""
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        return sum(len(p.extract_text() or "") for p in PdfReader(path).pages)
    text = path.read_text(encoding="utf-8")
    return len(html_text(text)) if path.suffix == ".html" else len(text)


def _fresh(stamp: Path, docs: Path, name: str) -> dict | None:
    try:
        info = json.loads(stamp.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    present = {p.name for p in docs.iterdir()} if docs.is_dir() else set()
    if info.get("recipe") != RECIPES[name] or present != set(info.get("files", [])):
        return None
    return info


def build(name: str, root: Path, progress: bool = True) -> Path:
    """Build corpus `name` under `root` unless it is already built; return its documents folder."""
    if name not in RECIPES:
        raise CorpusError(f"unknown corpus {name!r}: choose from {', '.join(NAMES)}")
    say = (
        (lambda msg: print(f"[{name}] {msg}", file=sys.stderr, flush=True))
        if progress
        else (lambda msg: None)
    )
    root = Path(root)
    folder, docs = root / name, root / name / "docs"
    stamp = folder / "stamp.json"
    info = _fresh(stamp, docs, name)
    if info:
        say(f"up to date: {len(info['files'])} files, {info['chars']:,} characters ({_versions(info)})")
        return docs
    started = time.monotonic()
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"wenda-{name}-") as tmp_name:
        tmp = Path(tmp_name)
        tree, version = _unpack(fetch(PACKAGES[name], root / "debs", say), tmp / "tree")
        say(f"{PACKAGES[name]} {version}")
        staging = tmp / "docs"
        staging.mkdir()
        tools = RECIPE[name](tree, staging, tmp, say)
        stamp.unlink(missing_ok=True)
        if docs.exists():
            shutil.rmtree(docs)
        shutil.copytree(staging, docs)
    files = sorted(p.name for p in docs.iterdir())
    chars = sum(doc_chars(docs / f) for f in files)
    info = {
        "corpus": name,
        "recipe": RECIPES[name],
        "versions": {PACKAGES[name]: version, **tools},
        "files": files,
        "chars": chars,
        "seconds": round(time.monotonic() - started, 1),
    }
    stamp.write_text(json.dumps(info, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(Counter(Path(f).suffix for f in files).items()))
    say(
        f"built {docs}: {len(files)} files ({kinds}), {chars:,} characters in {info['seconds']} s "
        f"({_versions(info)})"
    )
    return docs


def _versions(info: dict) -> str:
    return ", ".join(f"{package} {version}" for package, version in info["versions"].items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.corpora", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("build", help="build corpora (all by default)")
    cmd.add_argument("names", nargs="*", metavar="NAME", help=f"any of {', '.join(NAMES)}")
    cmd.add_argument("--root", type=Path, help="default: <WENDA_DATA_DIR or .wenda>/corpora")
    args = parser.parse_args(argv)
    try:
        root = args.root
        if root is None:
            from app.config import Settings

            root = Settings.load().data_path / "corpora"
        for name in args.names or NAMES:
            print(build(name, root))
    except WendaError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
