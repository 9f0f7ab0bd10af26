"""How much of an HTML collection's chunks is boilerplate: html2text (the old loader) against ingest/html.py.

A line is *repeated* when its normalised text (search_text, markdown marks and spaces removed) occurs in
at least `min_pages` different pages; a chunk is *boilerplate* when at least half of its characters sit
on repeated lines. Pages that embed the same paragraph (LibreOffice's help does, a lot) make that
count include real content, so the *site-wide* lines are counted too: lines on at least a quarter of the
pages (menus, headers, footers); `site_chunks` holds one or more of them, `site_boilerplate` is half
made of them. Also counted: chunks whose whole normalised text occurs in `min_pages` pages, and the
markdown heading lines kept. No index, no embedding — only load and split.

    python -m evals.boilerplate /tmp/lohelp/x/usr/share/libreoffice/help/zh-CN/text/scalc/01 --pages 100
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

_MARKS = re.compile(r"[#*|`~>\-\s]+|^\d+\.")


def norm(line: str) -> str:
    """The form lines are compared in.

    >>> norm("## 相关主题 ") == norm("相关主题") == "相关主题"
    True
    """
    from ingest.clean import search_text

    return _MARKS.sub("", search_text(line))


def html2text_text(html: str) -> str:
    """The loader before ingest/html.py: html2text over the whole page."""
    import html2text

    converter = html2text.HTML2Text()
    converter.ignore_links = converter.ignore_images = converter.unicode_snob = True
    converter.body_width = 0
    return converter.handle(html)


def measure(pages: dict[str, str], min_pages: int = 3, max_tokens: int = 256) -> dict:
    """Chunk every page and count boilerplate chunks and kept headings."""
    from ingest.split import chunk_spans

    page_lines = {name: {n for line in text.split("\n") if (n := norm(line))} for name, text in pages.items()}
    line_pages = Counter(n for lines in page_lines.values() for n in lines)
    site_min = max(min_pages, len(pages) // 4)
    chunks, boiler, site, site_boiler, whole = [], 0, 0, 0, Counter()
    for text in pages.values():
        for span in chunk_spans(text, max_tokens=max_tokens, overlap_tokens=48):
            chunk = text[span.start : span.end]
            chunks.append(chunk)
            lines = [n for line in chunk.split("\n") if (n := norm(line))]
            repeated = sum(len(n) for n in lines if line_pages[n] >= min_pages)
            size = max(1, sum(len(n) for n in lines))
            boiler += repeated * 2 >= size
            site += any(line_pages[n] >= site_min for n in lines)
            site_boiler += sum(len(n) for n in lines if line_pages[n] >= site_min) * 2 >= size
            whole[norm(chunk)] += 1
    same = sum(1 for c in chunks if whole[norm(c)] >= min_pages)
    headings = sum(len(re.findall(r"(?m)^#{1,6} \S", text)) for text in pages.values())
    return {
        "pages": len(pages),
        "chunks": len(chunks),
        "boilerplate_chunks": boiler,
        "boilerplate_share": round(boiler / max(1, len(chunks)), 3),
        "site_chunks": site,
        "site_boilerplate": site_boiler,
        "same_text_chunks": same,
        "heading_lines": headings,
        "chars": sum(len(t) for t in pages.values()),
    }


def compare(folder: Path, pages: int = 100, min_pages: int = 3) -> dict[str, dict]:
    from ingest.html import html_to_text

    files = sorted(folder.rglob("*.htm*"))[:pages]
    raw = {f.name: f.read_text(encoding="utf-8", errors="replace") for f in files}
    loaders: dict[str, Callable[[str], str]] = {"html2text": html2text_text, "ingest.html": html_to_text}
    return {
        label: measure({name: load(html) for name, html in raw.items()}, min_pages)
        for label, load in loaders.items()
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--min-pages", type=int, default=3)
    args = parser.parse_args(argv)
    for label, result in compare(args.folder, args.pages, args.min_pages).items():
        print(f"{label:12} " + "  ".join(f"{k}={v}" for k, v in result.items()))


if __name__ == "__main__":
    main()
