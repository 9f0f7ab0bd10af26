"""The `pytut` corpus recipe: the Python 3.11 tutorial in English (`python3.11-doc`), the one corpus in
the language wenda's users ask in second. Sphinx HTML pages — prose, interactive sessions and code
blocks, with a sidebar, navigation bars and a footer repeated on every page — copied as the package
has them (`controlflow.html`…); the stylesheets, scripts and images are left out. What it leaves out:
fetching the package and stamping the build (`evals/corpora.py`).
"""

from __future__ import annotations

from pathlib import Path

from evals.corpus_debian import copy_package_pages

TUTORIAL_HTML = "usr/share/doc/python3.11/html/tutorial"
TUTORIAL_INDEX = "index.html"


def build_pytut(tree: Path, out: Path, tmp: Path, say) -> dict[str, str]:
    """The corpus's documents written to `out` from the unpacked package `tree`; no tools are used."""
    copy_package_pages(
        tree,
        TUTORIAL_HTML,
        "*.html",
        TUTORIAL_INDEX,
        out,
        say,
        package="python3.11-doc",
        recipe="evals/corpus_pytut.py",
    )
    return {}
