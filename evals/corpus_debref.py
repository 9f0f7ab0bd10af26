"""The `debref` corpus recipe: five chapters of the Debian Reference in simplified Chinese
(`debian-reference-zh-cn`) — reference text rather than a FAQ: commands, configuration files and
packages in tables, code blocks and lists, with prose between them. The chapters on system
initialisation, authentication, network setup, the GUI system and localisation are copied as the
package has them, names unchanged (`ch05.zh-cn.html`…); the other chapters, the PDF and the plain-text
edition are left out. What it leaves out: fetching the package and stamping the build
(`evals/corpora.py`).
"""

from __future__ import annotations

from pathlib import Path

from evals.corpus_debian import CorpusError, copy_pages

REFERENCE_HTML = "usr/share/debian-reference"
CHAPTERS = ("ch03", "ch04", "ch05", "ch07", "ch08")  # ~55k characters of text: under a minute of e5


def build_debref(tree: Path, out: Path, tmp: Path, say) -> dict[str, str]:
    """The corpus's documents written to `out` from the unpacked package `tree`; no tools are used."""
    pages = [tree / REFERENCE_HTML / f"{chapter}.zh-cn.html" for chapter in CHAPTERS]
    missing = [page.name for page in pages if not page.is_file()]
    if missing:
        raise CorpusError(
            f"debian-reference-zh-cn has no {', '.join(f'{REFERENCE_HTML}/{name}' for name in missing)}: "
            "its layout changed; the recipe (evals/corpus_debref.py) needs updating"
        )
    copy_pages(pages, out)
    say(f"copied {len(pages)} chapters of the Debian Reference")
    return {}
