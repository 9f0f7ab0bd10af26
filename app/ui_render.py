"""What the web UI shows, as pure functions: an `Answer`, a question, an error or an upload job →
the HTML of a chat message or a status line.

Every piece of user or document text is HTML-escaped, and the chat renders no Markdown (see
`build_ui`), so a passage's `[x](javascript:…)` or `![](http://…)` stays text; the cited-span
highlight is our own `<mark>`. It leaves out the Gradio wiring (`app/ui.py`).
"""

from __future__ import annotations

import html
import re

from app.models import Answer, Citation
from ingest.clean import display_code_block, fenced_blocks

EXAMPLES = [
    "2008年全国生物产业总产值是多少?",
    "重庆生物制造到2027年产业规模目标是多少?",
    "国家生物制造产业创新中心在哪里启动建设?",
    "十四五生物经济发展规划明确了哪几方面重点任务?",
    "What was the total output value of China's bio-industry in 2008?",
]

CSS = """
.wenda-refusal {border-left: 4px solid #d97706; background: #fffbeb; padding: 8px 12px; border-radius: 6px;
                color: #78350f;}
.wenda-sources {margin-top: 10px; font-size: 0.92em;}
.wenda-sources details {border: 1px solid #e5e7eb; border-radius: 6px; padding: 4px 10px; margin: 4px 0;
                        background: #f9fafb;}
.wenda-sources summary {cursor: pointer; font-weight: 600;}
.wenda-passage {white-space: pre-wrap; line-height: 1.6; margin: 6px 0; color: #374151;}
.wenda-passage mark {background: #fde68a; padding: 0 1px;}
.wenda-where {color: #6b7280; font-size: 0.9em;}
.wenda-file {color: #6b7280; font-weight: 400; font-size: 0.9em; margin-left: 6px;}
.wenda-location {color: #1d4ed8; font-weight: 600;}
.wenda-note {color: #6b7280; font-size: 0.85em;}
.wenda-text {white-space: pre-wrap;}
.wenda-code {white-space: pre; overflow-x: auto; background: #f3f4f6; border-radius: 6px; padding: 6px 10px;
             margin: 4px 0; font-family: ui-monospace, monospace; font-size: 0.92em;}
"""


def highlighted_passage(citation: Citation) -> str:
    """The passage as HTML, with each cited sentence wrapped in <mark> (offsets are document offsets)."""
    text, base = citation.text, citation.start
    spans = sorted((max(0, q["start"] - base), min(len(text), q["end"] - base)) for q in citation.quotes)
    out, pos = [], 0
    for start, end in spans:
        if start < pos or start >= end:
            continue
        out.append(html.escape(text[pos:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


def sources_html(answer: Answer) -> str:
    if not answer.citations:
        return ""
    items = []
    for c in answer.citations:
        where = f"字符 chars {c.start}–{c.end}"
        if c.location:
            where = f'<span class="wenda-location">{html.escape(c.location)}</span> · {where}'
        heading = next((p.heading for p in answer.retrieved if p.chunk_id == c.chunk_id and p.heading), "")
        if heading:
            where += f" · {html.escape(heading)}"
        name = html.escape(c.title or c.source)
        if c.title:  # the file name second
            name += f' <span class="wenda-file">{html.escape(c.source)}</span>'
        items.append(
            f'<details class="wenda-source" data-n="{c.n}"><summary>[{c.n}] {name}</summary>'
            f'<div class="wenda-where">{where}</div>'
            f'<div class="wenda-passage">{highlighted_passage(c)}</div></details>'
        )
    return '<div class="wenda-sources"><b>来源 Sources</b>' + "".join(items) + "</div>"


def answer_message(answer: Answer) -> str:
    """What the chat shows for an answer: the text (a refusal looks different) and its sources."""
    if answer.refused:
        body = f'<div class="wenda-refusal">⚠️ {html.escape(answer.answer)}</div>'
    else:
        body = text_message(answer.answer)
    note = ""
    if answer.error:
        note = (
            f'<div class="wenda-note">({html.escape(answer.error)}; '
            "已改用摘录回答 answered extractively)</div>"
        )
    return body + note + sources_html(answer)


def text_message(text: str) -> str:
    r"""Plain text as chat HTML: escaped, line breaks kept, a fenced code block (``` or ~~~, on lines of
    its own) drawn as a code block.

    >>> text_message('<img src=x onerror=alert(1)> [x](javascript:alert(1))')
    '<div class="wenda-text">&lt;img src=x onerror=alert(1)&gt; [x](javascript:alert(1))</div>'
    >>> text_message("例如:[1]\n```\n[Match]\nName=<en*>\n```\n[1]").split("<pre")[1]
    ' class="wenda-code"><code>[Match]\nName=&lt;en*&gt;</code></pre>[1]</div>'
    >>> shown = text_message("~~~\necho '```'\n~~~\n然后\n```\nb\n```")  # ~~~: a block holding ```
    >>> shown.replace('<pre class="wenda-code">', "<pre>")
    '<div class="wenda-text"><pre><code>echo &#x27;```&#x27;</code></pre>然后<pre><code>b</code></pre></div>'
    """
    out, pos = [], 0
    for start, end in fenced_blocks(text):
        code = "\n".join(display_code_block(text[start:end]).split("\n")[1:-1])  # less its fences
        out.append(html.escape(text[pos:start].strip("\n")))
        out.append(f'<pre class="wenda-code"><code>{html.escape(code)}</code></pre>')
        pos = end
    out.append(html.escape(text[pos:].strip("\n") if pos else text))
    return f'<div class="wenda-text">{"".join(out)}</div>'


def error_message(problem: str, question: str) -> str:
    """An error in place of an answer; its question is not history (`chain_history` in
    `app/chats.py`)."""
    preview = question if len(question) <= 60 else question[:60] + "…"
    return (
        f'<div class="wenda-refusal wenda-error">❌ {html.escape(problem)}'
        f'<div class="wenda-note">问题未保留 not kept: {html.escape(preview)}</div></div>'
    )


def job_status(job: dict) -> str:
    """A line about an upload job while it runs.

    >>> progress = {"files_done": 0, "files_total": 2, "chunks_done": 8, "chunks_total": 40}
    >>> job_status({"status": "running", "progress": progress})
    '⏳ 索引中 indexing: 0/2 files, 8/40 chunks (20%)'
    >>> ocr = {"file": "scan.pdf", "pages_done": 3, "pages_total": 10}
    >>> job_status({"status": "running", "progress": {"chunks_total": 0, "ocr": ocr}})
    '⏳ 识别中 OCR scan\\\\.pdf: 3/10 pages'
    """
    p = job["progress"]
    if job["status"] == "queued":
        return "⏳ 排队中 queued behind another upload…"
    ocr = p.get("ocr")
    if ocr and not p["chunks_total"]:
        return f"⏳ 识别中 OCR {md_escape(ocr['file'])}: {ocr['pages_done']}/{ocr['pages_total']} pages"
    share = f" ({100 * p['chunks_done'] // p['chunks_total']}%)" if p["chunks_total"] else ""
    return (
        f"⏳ 索引中 indexing: {p['files_done']}/{p['files_total']} files, "
        f"{p['chunks_done']}/{p['chunks_total']} chunks{share}"
    )


def md_escape(text: str) -> str:
    r"""Text that Markdown shows as it is.

    >>> md_escape("[x](javascript:1) <b>")
    '\\[x\\]\\(javascript:1\\) \\<b\\>'
    """
    return re.sub(r"([\\`*_{}\[\]()#+\-.!<>|~])", r"\\\1", text)


def upload_report(report: dict) -> str:
    """The status line (Markdown) for a finished upload; names and reasons escaped."""

    def names(key: str) -> str:
        return ", ".join(md_escape(n) for n in report[key]) or "—"

    lines = [
        f"✅ 新增 added: {names('added')}; 更新 updated: {names('updated')}; "
        f"未变 unchanged: {names('unchanged')}"
    ]
    lines += [f"❌ {md_escape(s['file'])}: {md_escape(s['reason'])}" for s in report["skipped"]]
    return "\n\n".join(lines)


def documents_table(documents: list[dict]) -> list[list]:
    return [[d.get("title") or "", d["source"], d["kind"], d["chunks"], d["chars"]] for d in documents]
