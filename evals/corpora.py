"""Out-of-domain benchmark corpora, built reproducibly from Debian packages.

wenda is tuned on five Chinese policy documents; these corpora are real third-party documents of
other kinds, rebuilt byte for byte from the same package versions on any Debian machine:

- `lohelp`: LibreOffice's Chinese help (`libreoffice-help-zh-cn`), the Writer module's how-to
  guides and menu/dialog pages, kept as the original HTML (navigation, scripts and all), plus a
  few other pages printed to PDF with headless Chromium (a real CJK text layer).
- `manpages`: Chinese man pages (`manpages-zh`), rendered by groff to plain UTF-8 text; common
  commands in simplified Chinese plus a few other commands in traditional Chinese.
- `debfaq`: the Debian FAQ in simplified Chinese (`debian-faq-zh-cn`), its HTML pages (one per
  chapter, plus the index page) copied as they are, names unchanged; question headings with answers.
- `debref`: five chapters of the Debian Reference in simplified Chinese (`debian-reference-zh-cn`),
  HTML copied as it is: reference text with commands, files and packages in tables and code blocks.
- `mandev`: 33 other pages of `manpages-zh`, rendered as `manpages` is: a development corpus of man
  pages, so that answering man pages can be worked on while `manpages` stays the test corpus.
- `pytut`: the Python 3.11 tutorial in English (`python3.11-doc`), its Sphinx HTML pages copied as
  they are: English prose, interactive sessions and code, asked about in English and Chinese.
- `manen`: 24 English man pages of the Linux man-pages project (`manpages`: file formats such as
  hosts(5) and resolv.conf(5), overviews such as hier(7) and glob(7), a few commands), rendered as
  `manpages` is: the second English corpus, so that a change made for English text is judged on
  English text it was not made for.

`build(name, root)` returns `root/<name>/docs`, building it when it is missing, when a file in it
went away or when its recipe changed (`RECIPES`); `root/<name>/stamp.json` records the package and
tool versions. Packages come from `apt-get download` into `root/debs/` (a `.deb` already there is
reused). Missing tools (groff, the CJK font, Chromium) are installed with apt-get when running as
root. The recipes are `evals/corpus_lohelp.py`, `evals/corpus_manpages.py`,
`evals/corpus_debfaq.py`, `evals/corpus_debref.py` and `evals/corpus_pytut.py`; the Debian side,
`evals/corpus_debian.py`.
What it leaves out: writing gold questions, and ingesting the corpora.

    python -m evals.corpora build [lohelp manpages debfaq debref mandev pytut manen] [--root DIR]
    # --root: default <WENDA_DATA_DIR>/corpora
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from app.errors import WendaError
from evals.corpus_debfaq import build_debfaq
from evals.corpus_debian import CorpusError, fetch, unpack
from evals.corpus_debref import build_debref
from evals.corpus_lohelp import build_lohelp, html_text
from evals.corpus_manpages import build_mandev, build_manen, build_manpages
from evals.corpus_pytut import build_pytut

NAMES = ("lohelp", "manpages", "debfaq", "debref", "mandev", "pytut", "manen")
# bump a corpus's number when its recipe changes what it writes
RECIPES = {"lohelp": 1, "manpages": 1, "debfaq": 1, "debref": 1, "mandev": 1, "pytut": 1, "manen": 2}
PACKAGES = {
    "lohelp": "libreoffice-help-zh-cn",
    "manpages": "manpages-zh",
    "debfaq": "debian-faq-zh-cn",
    "debref": "debian-reference-zh-cn",
    "mandev": "manpages-zh",
    "pytut": "python3.11-doc",
    "manen": "manpages",
}

RECIPE = {
    "lohelp": build_lohelp,
    "manpages": build_manpages,
    "debfaq": build_debfaq,
    "debref": build_debref,
    "mandev": build_mandev,
    "pytut": build_pytut,
    "manen": build_manen,
}


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
        tree, version = unpack(fetch(PACKAGES[name], root / "debs", say), tmp / "tree")
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
