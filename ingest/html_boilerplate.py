"""What of an HTML page is not its content, found by general rules (nothing here knows one site):
scripts, styles and forms; the main element (a lone `<main>` / `role=main`, else a lone `<article>`,
else `<body>`); inside it navigation, headers, footers and side bars (by tag, ARIA role, or a class/id
word such as `nav`, `breadcrumb`, `toc`, `related`, `copyright`) and blocks made mostly of links
(menus, tables of contents, "related topics" lists) — but not the links of running text: a data
table's cells, a paragraph that is a sentence, a list a paragraph leads into. Footnotes and notes are
content even inside an `<aside>` (Sphinx writes its footnotes so); the "¶" or "#" a generator links each
heading to itself with is not. What it leaves out: turning what is left into text (`ingest/html.py`).
"""

from __future__ import annotations

import re

_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "canvas",
    "iframe",
    "object",
    "head",
    "form",
    "input",
    "button",
    "select",
    "textarea",
    "label",
    "dialog",
)
_BOILER_TAGS = {"nav", "header", "footer", "aside", "menu"}
_BOILER_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar"}
# a class or id word that names boilerplate ("site-nav", "breadcrumbs", "relatedtopics", "toc")
_BOILER_WORD = re.compile(
    r"^(?:nav|navbar|navigation|menu|menubar|breadcrumbs?|toc|footer|sidebar|related\w*|copyright|"
    r"search\w*|share|sharing|social|cookies?|banner|pagination|pager|skip)$"
)
# an aside or block that is the page's own note: ARIA's note roles, or named a footnote or endnote
_NOTE_ROLES = {"note", "doc-footnote", "doc-endnote", "doc-endnotes", "doc-footnotes"}
_NOTE_WORD = re.compile(r"^(?:footnotes?|endnotes?)$")
_SELF_LINK_MARKS = {"¶", "#", "§", "🔗"}  # what a page links a heading to itself with (not "*", "†")
_LINK_DENSE = 0.6  # a block whose text is mostly link text, with at least _MIN_LINKS links, is a menu
_MIN_LINKS = 3
_MIN_OWN_TEXT = 80  # ... unless it also has headings and this many characters that are not link text


def drop_non_content(document) -> None:
    """Remove scripts, styles, forms and the like, and comments and processing instructions."""
    from lxml import etree

    for element in list(document.iter(*_DROP_TAGS)):
        _remove(element)
    etree.strip_elements(document, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    for anchor in list(document.iter("a")):
        if _is_self_link_mark(anchor):
            _remove(anchor)


def _is_self_link_mark(anchor) -> bool:
    """A link to a place on the same page whose whole text is a permalink mark: the "¶" (Sphinx, MkDocs)
    or "#" a page puts beside a heading to link to it, not words of the heading.

    >>> import lxml.html
    >>> page = lxml.html.fromstring('<h2>4.1. if<a class="headerlink" href="#if">¶</a></h2>')
    >>> _is_self_link_mark(page.find('.//a'))
    True
    >>> page = lxml.html.fromstring('<p>见<a href="#id2">[1]</a>和<a href="#top">C</a></p>')
    >>> [_is_self_link_mark(a) for a in page.iter('a')]
    [False, False]
    """
    return (anchor.get("href") or "").startswith("#") and anchor.text_content().strip() in _SELF_LINK_MARKS


def main_content(document):
    """The main element with its boilerplate and link lists removed."""
    root = main_element(document)
    _drop_boilerplate(root)
    _drop_link_lists(root)
    return root


def main_element(document):
    """The element holding the main content: a lone `<main>`/`role=main`, else a lone `<article>`, else body.

    >>> import lxml.html
    >>> main_element(lxml.html.fromstring('<div><nav>菜单</nav><article>正文</article></div>')).tag
    'article'
    """
    for xpath in ("//main | //*[@role='main']", "//article"):
        found = document.xpath(xpath)
        if len(found) == 1 and _text_len(found[0]) > 0:
            return found[0]
    body = document.find(".//body")
    return body if body is not None else document


def _drop_boilerplate(root) -> None:
    total = max(1, _text_len(root))
    for element in list(root.iter()):
        if element is root or not isinstance(element.tag, str) or element.getparent() is None:
            continue
        role = (element.get("role") or "").lower()
        words = re.split(r"[^a-z0-9]+", f"{element.get('class', '')} {element.get('id', '')}".lower())
        if element.tag == "aside" and (role in _NOTE_ROLES or any(_NOTE_WORD.match(w) for w in words)):
            continue  # a footnote (Sphinx: <aside class="footnote" role="note">) is the page's text
        in_article = element.tag in ("header", "footer") and element.xpath("ancestor::article")
        if in_article and element.find(".//h1") is not None:
            continue  # an article's own header holds its title
        semantic = element.tag in _BOILER_TAGS or role in _BOILER_ROLES
        named = any(_BOILER_WORD.match(word) for word in words if word)
        # a wrapper named "has-sidebar" around the whole page is not boilerplate: it must be small
        if semantic or (named and _text_len(element) < 0.5 * total):
            _remove(element)


def _drop_link_lists(root) -> None:
    """Drop menus, tables of contents and "related" lists: blocks whose text is mostly links. Links
    that are a data table's cell values (`_cell_links`: a package table whose every cell links to the
    package's page) are its content, so they are not counted."""
    cell_links = _cell_links(root)
    for element in list(root.iter("ul", "ol", "dl", "table", "div", "section", "p", "td")):
        if element is root or element.getparent() is None or not _in_tree(element, root):
            continue
        links = [a for a in element.iter("a") if a not in cell_links]
        if len(links) < _MIN_LINKS:
            continue
        text = _text_len(element)
        link_text = sum(_text_len(a) for a in links)
        # a hub page's body is mostly links too, but it has headings and some text of its own
        own_text = text - link_text >= _MIN_OWN_TEXT and bool(element.xpath(".//h1 | .//h2 | .//h3"))
        if text and link_text / text >= _LINK_DENSE and not own_text and not _in_prose(element, root, links):
            _remove(element)


def _in_prose(element, root, links) -> bool:
    """Whether the block is part of running text, not a menu: a paragraph whose own words (outside
    its links) hold a sentence's punctuation ("Linux 容器，比如 Docker、LXC。参见 第 9.11 节"), or a list
    that follows a paragraph ending a sentence ("…例如：", "…是以二进制格式存在。" over a list of linked
    names). A menu stands alone, under a heading, or after something other than a paragraph.

    >>> import lxml.html
    >>> lead_in = '<p>框架提供多方面的检查，例如：</p>'
    >>> page = lxml.html.fromstring(f'<div>{lead_in}<div><ul><li><a>AppArmor</a></li></ul></div></div>')
    >>> _in_prose(page.find('.//ul'), page, [])
    True
    >>> page = lxml.html.fromstring('<div><h3>相关主题</h3><ul><li><a>页面水印</a></li></ul></div>')
    >>> _in_prose(page.find('.//ul'), page, [])
    False
    """
    if element.tag == "p":
        return bool(_SENTENCE_MARK.search(_text_without(element, links)))
    children = [c for c in element if isinstance(c.tag, str)]
    if len(children) >= 2 and _leads_in(children[0]) and all(_is_list(c) for c in children[1:]):
        return True  # a wrapper holding the sentence and the list it leads into
    if not _is_list(element):
        return False
    while element is not root:
        previous = element.getprevious()
        if previous is not None:
            return not (previous.tail or "").strip() and _leads_in(previous)
        parent = element.getparent()
        if parent is None or (parent.text or "").strip():
            return False
        element = parent
    return False


def _leads_in(element) -> bool:
    """A paragraph that is a sentence (not a label such as "另请参阅：") ending where a list may follow."""
    text = "".join(element.itertext()).strip()
    return element.tag == "p" and len(text) >= _MIN_LEAD_IN and text.endswith(_SENTENCE_ENDS)


def _is_list(element) -> bool:
    """A list, or a wrapper holding nothing but one."""
    children = [c for c in element if isinstance(c.tag, str)]
    return element.tag in ("ul", "ol", "dl") or (
        len(children) == 1 and not (element.text or "").strip() and _is_list(children[0])
    )


_SENTENCE_MARK = re.compile(r"[。，；！？]|[;.!?](?:\s|$)")  # not ", ": "Privacy, Terms, Contact"
_MIN_LEAD_IN = 10
_SENTENCE_ENDS = (":", "：", "。", "！", "？", ".", "!", "?")


def _text_without(element, links) -> str:
    """The element's text less that of the given links inside it."""
    text = "".join(element.itertext())
    for a in links:
        text = text.replace("".join(a.itertext()), "", 1)
    return text


def _cell_links(root) -> set:
    """The links that stand as cell values of a data table: a table with header cells of its own and
    rows of two or more cells with text, the link inside a cell with no list or block between. A menu
    laid out in a table (a list in a cell, or one link per row under a "目录" header) is not data.
    Computed once per page: the link-list pass looks at every link of every block."""
    found: set = set()
    for table in root.iter("table"):
        rows = [tr for tr in table.iter("tr") if _nearest(tr, "table") is table]
        cells = [[c for c in tr if c.tag in ("td", "th")] for tr in rows]
        has_header = any(c.tag == "th" for row in cells for c in row)
        columns = max((sum(1 for c in row if _text_len(c)) for row in cells), default=0)
        if not has_header or columns < 2:
            continue
        for row in cells:
            for cell in row:
                for a in cell.iter("a"):
                    between = list(a.iterancestors())
                    between = between[: between.index(cell)] if cell in between else between
                    if not any(e.tag in _NOT_A_CELL_VALUE for e in between):
                        found.add(a)
    return found


_NOT_A_CELL_VALUE = {"ul", "ol", "dl", "li", "nav", "menu", "table", "div"}


def _nearest(element, tag: str):
    return next(element.iterancestors(tag), None)


def _in_tree(element, root) -> bool:
    while element is not None:
        if element is root:
            return True
        element = element.getparent()
    return False


def _text_len(element) -> int:
    return len("".join("".join(element.itertext()).split()))


def _remove(element) -> None:
    """Remove `element` but keep the text that follows it (its tail)."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    if tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)
