"""The `debfaq` corpus recipe: the Debian FAQ in simplified Chinese (`debian-faq-zh-cn`), a FAQ whose
chapters are question headings with their answers. Its HTML pages — one per chapter plus the index page
with the whole table of contents — are copied as the package has them, names unchanged
(`pkgtools.zh-cn.html`…); the stylesheet and the navigation images are left out. What it leaves out:
fetching the package and stamping the build (`evals/corpora.py`).
"""

from __future__ import annotations

from pathlib import Path

from evals.corpus_debian import copy_package_pages

FAQ_HTML = "usr/share/doc/debian/FAQ/zh-cn"
FAQ_PAGES = "*.zh-cn.html"
FAQ_INDEX = "index.zh-cn.html"


def build_debfaq(tree: Path, out: Path, tmp: Path, say) -> dict[str, str]:
    """The corpus's documents written to `out` from the unpacked package `tree`; no tools are used."""
    copy_package_pages(
        tree,
        FAQ_HTML,
        FAQ_PAGES,
        FAQ_INDEX,
        out,
        say,
        package="debian-faq-zh-cn",
        recipe="evals/corpus_debfaq.py",
    )
    return {}
