"""HTML → the markdown-shaped text wenda indexes: the page's main content, its structure kept as units.

What is kept: the main content — the one `<main>` / `role=main` / `<article>` when the page has one,
else `<body>` — with headings as `#` lines, paragraphs separated by blank lines, list items one per
line (`- ` / `1. `, nested ones indented), table rows one per line (`| a | b |`, a `| --- |` line under
a header row), and `<pre>` blocks whole inside a ``` fence (~~~ when the code holds ```; one inside a
list item indented under the item's line, its lines kept). What is dropped: scripts, styles, forms;
navigation, headers, footers and side bars (by tag, ARIA role, or a class/id word such as `nav`,
`breadcrumb`, `toc`, `related`, `copyright`); and blocks made mostly of links (menus, tables of
contents, "related topics" lists). Images, links' targets and inline emphasis are not kept.
The rules are general — nothing here knows one site (they are in `ingest/html_boilerplate.py`).

    >>> html_to_text('<nav><a href="/">首页</a></nav><main><h1>安装</h1><p>运行：</p>'
    ...              '<pre><code class="language-sh">pip install wenda</code></pre></main>')
    '# 安装\\n\\n运行：\\n\\n```sh\\npip install wenda\\n```'
"""

from __future__ import annotations

import re

from ingest.clean import FENCES
from ingest.html_boilerplate import drop_non_content, main_content

_BLOCK_TAGS = {
    "p",
    "div",
    "section",
    "article",
    "main",
    "pre",
    "ul",
    "ol",
    "li",
    "table",
    "tr",
    "td",
    "th",
    "thead",
    "tbody",
    "tfoot",
    "dl",
    "dt",
    "dd",
    "blockquote",
    "figure",
    "figcaption",
    "hr",
    "address",
    "details",
    "summary",
    "center",
    "body",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "footer",
    "nav",
    "aside",
}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_BR = "\ue000"  # stands for a <br> while whitespace is squashed


def parsed(html: str):
    """The lxml document of a page, or None when there is nothing to parse."""
    import lxml.html
    from lxml import etree

    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)  # lxml refuses a str with an encoding declaration
    if not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None


def html_to_text(html: str) -> str:
    """The main content of an HTML page as markdown-shaped text ('' when nothing is left)."""
    document = parsed(html)
    if document is None:
        return ""
    drop_non_content(document)
    for br in document.iter("br"):
        br.text = _BR
    root = main_content(document)
    return "\n\n".join(_Renderer(root).blocks(root)).strip()


def squash(text: str) -> str:
    """Collapse whitespace runs to one space; a <br> mark becomes a line break.

    >>> squash("  规模\\n  突破 \\ue000 1000亿元 ")
    '规模 突破\\n1000亿元'
    """
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(rf" ?{_BR}+ ?", "\n", text).strip()


class _Renderer:
    """Turns an element tree into blocks of text (one string per paragraph, heading, list, table, code)."""

    def __init__(self, root):
        self.has_blocks: set = set()  # elements with a block element somewhere inside
        for element in root.iter():
            if isinstance(element.tag, str) and element.tag in _BLOCK_TAGS:
                for ancestor in element.iterancestors():
                    if ancestor in self.has_blocks:
                        break
                    self.has_blocks.add(ancestor)

    def blocks(self, element) -> list[str]:
        out: list[str] = []
        inline: list[str] = [element.text or ""]

        def flush():
            text = squash("".join(inline))
            if text:
                out.append(text)
            inline.clear()

        for child in element:
            if not isinstance(child.tag, str):
                pass
            elif child.tag in _BLOCK_TAGS or child in self.has_blocks:
                flush()
                out.extend(self.block(child))
            else:
                inline.append(self.inline(child))
            inline.append(child.tail or "")
        flush()
        return out

    def inline(self, element) -> str:
        return "".join(element.itertext())

    def line(self, element) -> str:
        """All of an element's text on one line."""
        return _one_line(self.blocks(element))

    def block(self, element) -> list[str]:
        tag = element.tag
        if tag in _HEADINGS:
            text = self.line(element)
            return ["#" * _HEADINGS[tag] + " " + text] if text else []
        if tag == "pre":
            return [_fenced(element)]
        if tag in ("ul", "ol"):
            lines = self.list_lines(element, 0)
            return ["\n".join(lines)] if lines else []
        if tag == "table":
            return self.table(element)
        if tag == "hr":
            return []
        if tag == "blockquote":
            return ["\n".join("> " + line for line in block.split("\n")) for block in self.blocks(element)]
        return self.blocks(element)

    def list_lines(self, element, depth: int) -> list[str]:
        lines, number = [], int(element.get("start", "1")) if element.get("start", "1").isdigit() else 1
        for item in element:
            if not isinstance(item.tag, str) or item.tag != "li":
                continue
            nested = [child for child in item if isinstance(child.tag, str) and child.tag in ("ul", "ol")]
            for child in nested:
                item.remove(child)  # rendered below, indented
            marker = f"{number}. " if element.tag == "ol" else "- "
            text, below = self.item_parts(item)
            if text:
                lines.append("  " * depth + marker + text)
                indent = "  " * depth + " " * len(marker)  # under the item's text, as Markdown nests it
                lines += [indent + line if line else "" for block in below for line in block.split("\n")]
                number += 1
            for child in nested:
                lines.extend(self.list_lines(child, depth + 1))
        return lines

    def item_parts(self, item) -> tuple[str, list[str]]:
        r"""A list item's text on one line, and the blocks that go under it: a code block inside the
        item keeps its lines (on the item's line it would read "``` $ ssh -X host Password: ```"),
        and what follows it in the item comes after it (a table there stays squashed on one line, as
        before; an item's nested list comes after all of this, whatever the source order). An item
        that opens with its code has nothing to hang it under: it stays on the item's line.

        >>> import lxml.html
        >>> item = lxml.html.fromstring("<li>运行：<pre>$ ssh -X host\nPassword:</pre>即可</li>")
        >>> _Renderer(item).item_parts(item)
        ('运行：', ['```\n$ ssh -X host\nPassword:\n```', '即可'])
        """
        blocks = self.blocks(item)
        first = next((i for i, b in enumerate(blocks) if b.startswith(FENCES)), len(blocks))
        text = _one_line(blocks[:first])
        if not text:  # nothing before the code to hang it under: all on the item's line, as before
            return _one_line(blocks), []
        below = [b if b.startswith(FENCES) else _one_line([b]) for b in blocks[first:]]
        return text, [b for b in below if b]

    def table(self, element) -> list[str]:
        rows = [tr for tr in element.iter("tr") if next(tr.iterancestors("table"), None) is element]
        cells = [[c for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")] for tr in rows]
        if all(len(row) <= 1 for row in cells):  # a layout table: its cells are just blocks
            return [block for row in cells for cell in row for block in self.blocks(cell)]
        lines = []
        for i, row in enumerate(cells):
            texts = [self.line(cell).replace("|", "\\|") for cell in row]
            if not any(texts):
                continue
            lines.append("| " + " | ".join(texts) + " |")
            header = all(c.tag == "th" for c in row) or rows[i].getparent().tag == "thead"
            if len(lines) == 1 and header:
                lines.append("|" + " --- |" * len(row))
        return ["\n".join(lines)] if lines else []


def _one_line(blocks: list[str]) -> str:
    """Blocks of text on one line, every run of whitespace one space."""
    return " ".join(" ".join(blocks).split())


def _fenced(element) -> str:
    """A `<pre>` block as a fenced code block, its lines as written, language from a `language-x` class.

    >>> import lxml.html
    >>> print(_fenced(lxml.html.fromstring('<pre><code class="language-py">\\nx = 1\\n</code></pre>')))
    ```py
    x = 1
    ```
    """
    code = "".join(element.itertext()).replace(_BR, "\n").replace("\r\n", "\n").strip("\n").rstrip()
    code = "\n".join(line.rstrip() for line in code.split("\n"))
    classes = " ".join(e.get("class", "") for e in element.iter() if isinstance(e.tag, str))
    match = re.search(r"\blang(?:uage)?-([\w+#-]+)", classes)
    fence = "~~~" if "```" in code else "```"
    return f"{fence}{match.group(1) if match else ''}\n{code}\n{fence}"
