"""Cleaning: turn messy extracted text into the normalised text that search matches against.

The original text is never changed (citations show and locate it); this module derives from it:

- `search_text`: what retrieval matches and embeds — width-normalised (NFKC), pinyin annotations
  removed, lines broken mid-sentence joined, stray spaces between CJK characters removed, and
  converted to simplified characters.
- `display_text`: what an answer quotes — the same repairs, but in the document's own script; a
  fenced code block keeps its lines (`fenced_blocks` finds them, `display_code_block` shows one).

    >>> search_text("國家發(fā)改委發(fā)布")
    '国家发改委发布'
    >>> search_text("新兴产业规 模化发展")
    '新兴产业规模化发展'
"""

from __future__ import annotations

import functools
import re
import unicodedata

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_CHAR = re.compile(f"[{CJK}]")  # one Chinese character: `CJK_CHAR.search(text)` says text has Chinese
CJK_OR_PUNCT = CJK + r"\u3000-\u303f\uff00-\uffef“”‘’—…·"
_PINYIN_LETTERS = "a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
# `發(fā)`: a CJK character followed by a parenthesised pinyin syllable (tone marks or plain letters).
PINYIN_ANNOTATION = re.compile(rf"(?<=[{CJK}])[(（][{_PINYIN_LETTERS}]{{1,7}}[)）]")
# whitespace (including line breaks) with a CJK character or CJK punctuation on both sides
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{CJK_OR_PUNCT}])\s+(?=[{CJK_OR_PUNCT}])")
_SPACE_RUN = re.compile(r"\s+")
FENCES = ("```", "~~~")  # what opens a Markdown code block
# an opening fence line: a backtick fence's info string holds no backtick ("``` x ```" is inline code)
_OPENING_FENCE = re.compile(r"[ \t]*(`{3,}(?=[^`]*$)|~{3,})")


@functools.cache
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → simplified characters (opencc `t2s`)."""
    return _t2s().convert(text)


def strip_pinyin(text: str) -> str:
    """`發(fā)展` → `發展`."""
    return PINYIN_ANNOTATION.sub("", text)


def repair(text: str, shown: bool = False) -> str:
    """Width-normalise, drop pinyin annotations, join broken lines, remove spaces between CJK characters.
    `shown`: text a reader sees, whose superscripts, subscripts, fractions and squared units keep their
    form (NFKC would make "3×10⁸" "3×108" and "120㎡" "120m2": another number).

    >>> repair("创新积 极性不够,对技术孵化和产\\n业化望而却步")
    '创新积极性不够,对技术孵化和产业化望而却步'
    >>> repair("光速约为 3×10⁸ 米／秒，面积 120㎡", shown=True), repair("10⁸ ㎡")
    ('光速约为 3×10⁸ 米/秒,面积 120㎡', '108 m2')
    """
    text = _kept_forms(text) if shown else unicodedata.normalize("NFKC", text)
    text = strip_pinyin(text)
    text = _SPACE_BETWEEN_CJK.sub("", text)
    return _SPACE_RUN.sub(" ", text).strip()


_MEANING_FORMS = ("<super>", "<sub>", "<fraction>", "<square>")


def _kept_forms(text: str) -> str:
    """NFKC except for the characters whose compatibility form would change what they say."""
    kept = [
        i
        for i, ch in enumerate(text)
        if ord(ch) > 0x7F and unicodedata.decomposition(ch).startswith(_MEANING_FORMS)
    ]
    if not kept:
        return unicodedata.normalize("NFKC", text)
    parts, pos = [], 0
    for i in kept:
        parts += [unicodedata.normalize("NFKC", text[pos:i]), text[i]]
        pos = i + 1
    return "".join(parts) + unicodedata.normalize("NFKC", text[pos:])


def display_text(text: str) -> str:
    r"""What an answer quotes: the document's own words and script, with extraction damage repaired.

    Fenced code blocks keep their lines (a config file or a script squashed onto one line is wrong), on
    lines of their own; only the prose around them is repaired. A block the text does not close (a
    passage cut inside it) is prose.

    >>> display_text("例如：\n\n```\n[Match]\nName=en*\n```\n\n即 可")
    '例如:\n```\n[Match]\nName=en*\n```\n即可'
    """
    blocks = fenced_blocks(text) if "```" in text or "~~~" in text else []
    parts, pos = [], 0
    for start, end in blocks:
        parts += [repair(text[pos:start], shown=True), display_code_block(text[start:end])]
        pos = end
    parts.append(repair(text[pos:], shown=True))
    return "\n".join(p for p in parts if p)


def fenced_blocks(text: str) -> list[tuple[int, int]]:
    r"""(start, end) of each closed fenced code block in `text`, its fence lines included, in one pass
    over the lines: a closing fence is a line of the opening fence's character, at least as long.

    >>> text = "``` dlocate -S foo ```\n- zgrep\n  ~~~\n  a\n  ```\n  ~~~\n```\nunclosed"
    >>> [text[s:e] for s, e in fenced_blocks(text)]
    ['  ~~~\n  a\n  ```\n  ~~~']
    """
    blocks, opened, fence, pos = [], -1, "", 0
    for line in text.split("\n"):
        if opened < 0:
            fence = opening_fence(line)
            if fence:
                opened = pos
        else:
            bare = line.strip()
            if len(bare) >= len(fence) and bare == fence[0] * len(bare):
                blocks.append((opened, pos + len(line)))
                opened = -1
        pos += len(line) + 1
    return blocks


def opening_fence(text: str) -> str:
    r"""The fence `text` opens a code block with ("```", "~~~", or longer), "" when it opens none: a
    backtick fence followed by a backtick is inline code ("``` dlocate -S foo ```", a whole block).

    >>> [opening_fence(t) for t in ("```bash", "  ~~~", "``` dlocate -S foo ```", "```\nx\n```", "- a")]
    ['```', '~~~', '', '', '']
    """
    match = _OPENING_FENCE.match(text)
    return match.group(1) if match else ""


def display_code_block(block: str) -> str:
    r"""A fenced block as shown: its fences on lines of their own, its lines as written less trailing
    spaces and the indentation all of them and the closing fence share (a list item's block is indented
    under the item; its first line may come without it).

    >>> display_code_block("```\n   $ ssh -X host\n     Password:\n   ```")
    '```\n$ ssh -X host\n  Password:\n```'
    >>> display_code_block("```\nserver {\n  listen 80;\n}\n  ```")
    '```\nserver {\n  listen 80;\n}\n```'
    """
    lines = [line.rstrip() for line in block.strip("\n").split("\n")]
    inner = lines[1:-1]
    indent = min(len(line) - len(line.lstrip()) for line in [lines[-1], *(ln for ln in inner if ln)])
    return "\n".join([lines[0].strip(), *(line[indent:] for line in inner), lines[-1].strip()])


def search_text(text: str) -> str:
    """What search matches: `repair` plus simplified characters."""
    return to_simplified(repair(text))


def normalize_query(question: str) -> str:
    """Questions are normalised exactly like documents, so 簡體 questions meet 繁體 passages."""
    return search_text(question)
