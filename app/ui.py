"""The web UI (Gradio 6): a thin adapter handed the chain. Chat with streaming answers and memory,
numbered sources that open to the passage with the cited sentence highlighted, and a documents tab.

The pure functions at the top turn an `Answer` into what the chat shows; `build_ui` wires them.
"""

from __future__ import annotations

import html
from pathlib import Path

from app.models import Answer, Citation

EXAMPLES = [
    "2008年全国生物产业总产值是多少?",
    "重庆生物制造到2027年产业规模目标是多少?",
    "国家生物制造产业创新中心在哪里启动建设?",
    "十四五生物经济发展规划明确了哪几方面重点任务?",
    "What was the total output value of China's bio-industry in 2008?",
]

CSS = """
.wenda-refusal {border-left: 4px solid #d97706; background: #fffbeb; padding: 8px 12px; border-radius: 6px; color: #78350f;}
.wenda-sources {margin-top: 10px; font-size: 0.92em;}
.wenda-sources details {border: 1px solid #e5e7eb; border-radius: 6px; padding: 4px 10px; margin: 4px 0; background: #f9fafb;}
.wenda-sources summary {cursor: pointer; font-weight: 600;}
.wenda-passage {white-space: pre-wrap; line-height: 1.6; margin: 6px 0; color: #374151;}
.wenda-passage mark {background: #fde68a; padding: 0 1px;}
.wenda-where {color: #6b7280; font-size: 0.9em;}
.wenda-note {color: #6b7280; font-size: 0.85em;}
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
        heading = next((p.heading for p in answer.retrieved if p.chunk_id == c.chunk_id and p.heading), "")
        if heading:
            where += f" · {html.escape(heading)}"
        items.append(
            f'<details class="wenda-source" data-n="{c.n}"><summary>[{c.n}] {html.escape(c.source)}</summary>'
            f'<div class="wenda-where">{where}</div>'
            f'<div class="wenda-passage">{highlighted_passage(c)}</div></details>'
        )
    return '<div class="wenda-sources"><b>来源 Sources</b>' + "".join(items) + "</div>"


def answer_message(answer: Answer) -> str:
    """What the chat shows for an answer: the text (a refusal looks different) and its sources."""
    if answer.refused:
        body = f'<div class="wenda-refusal">⚠️ {html.escape(answer.answer)}</div>'
    else:
        body = html.escape(answer.answer)
    note = ""
    if answer.error:
        note = f'<div class="wenda-note">({html.escape(answer.error)}; 已改用摘录回答 answered extractively)</div>'
    return body + note + sources_html(answer)


def history_for_chain(messages: list[dict]) -> list[dict]:
    """Chat messages → chain history: plain text of each turn (the answer without its sources)."""
    turns = []
    for m in messages:
        content = m.get("content")
        if isinstance(content, list):
            content = " ".join(part.get("text", "") for part in content if isinstance(part, dict))
        if not isinstance(content, str):
            continue
        turns.append({"role": m.get("role", "user"), "content": content.split('<div class="wenda-sources">')[0]})
    return turns


def documents_table(documents: list[dict]) -> list[list]:
    return [[d["source"], d["kind"], d["chunks"], d["chars"]] for d in documents]


def build_ui(settings, get_chain):
    """The Blocks app. `get_chain()` returns the shared chain (built on first use)."""
    import gradio as gr

    from app import documents
    from app.errors import WendaError
    from ingest.store import IndexUnavailable

    def problem(exc: Exception) -> str:
        return getattr(exc, "message", None) or f"{exc}; try again when it is back"

    def respond(question: str, messages: list[dict]):
        messages = list(messages or [])
        if not question or not question.strip():
            yield messages, ""
            return
        history = history_for_chain(messages)
        messages = messages + [{"role": "user", "content": question}, {"role": "assistant", "content": "…"}]
        yield messages, ""
        try:
            text = ""
            for event in get_chain().stream(question, history):
                if event["type"] == "delta":
                    text += event["text"]
                    messages[-1] = {"role": "assistant", "content": html.escape(text)}
                else:
                    messages[-1] = {"role": "assistant", "content": answer_message(event["answer"])}
                yield messages, ""
        except (WendaError, IndexUnavailable) as exc:
            messages[-1] = {"role": "assistant", "content": f'<div class="wenda-refusal">{html.escape(problem(exc))}</div>'}
            yield messages, ""

    def refresh():
        try:
            docs = documents.list_documents(get_chain().index)
        except IndexUnavailable:  # the chat and the upload box say why
            return documents_table([]), gr.update(choices=[], value=None)
        return documents_table(docs), gr.update(choices=[d["source"] for d in docs], value=None)

    def do_upload(files, progress=gr.Progress()):
        if not files:
            return "请选择文件 Choose files first.", *refresh()
        progress(0.1, desc="上传并索引 Uploading and indexing…")
        pairs = [(Path(f).name, Path(f).read_bytes()) for f in files]
        try:
            report = documents.upload(settings, get_chain().index, pairs)
        except (WendaError, IndexUnavailable) as exc:
            return f"❌ {problem(exc)}", *refresh()
        progress(1.0)
        lines = [f"✅ 新增 added: {', '.join(report['added']) or '—'}; 更新 updated: {', '.join(report['updated']) or '—'}; "
                 f"未变 unchanged: {', '.join(report['unchanged']) or '—'}"]
        lines += [f"❌ {s['file']}: {s['reason']}" for s in report["skipped"]]
        return "\n".join(lines), *refresh()

    def do_delete(source):
        if not source:
            return "请选择文档 Choose a document first.", *refresh()
        try:
            documents.delete(settings, get_chain().index, source)
        except (WendaError, IndexUnavailable) as exc:
            return f"❌ {problem(exc)}", *refresh()
        return f"🗑️ 已删除 deleted: {source}", *refresh()

    with gr.Blocks(title="wenda 问答") as blocks:
        gr.Markdown("## 问答 wenda — 基于文档的问答，每个回答都附出处 · answers from your documents, with sources")
        with gr.Tab("对话 Chat"):
            chatbot = gr.Chatbot(label="对话 Conversation", height=470, elem_id="wenda-chat", sanitize_html=False,
                                 buttons=["copy"], feedback_options=None)
            with gr.Row():
                box = gr.Textbox(placeholder="输入问题，按回车提问 · Type a question and press Enter", show_label=False,
                                 scale=8, elem_id="wenda-question")
                ask = gr.Button("提问 Ask", variant="primary", scale=1, elem_id="wenda-ask")
                clear = gr.Button("清空 Clear", scale=1)
            gr.Examples(EXAMPLES, inputs=box, label="示例问题 Example questions")
            box.submit(respond, [box, chatbot], [chatbot, box])
            ask.click(respond, [box, chatbot], [chatbot, box])
            clear.click(lambda: ([], ""), None, [chatbot, box])
        with gr.Tab("文档 Documents", elem_id="wenda-docs-tab"):
            table = gr.Dataframe(headers=["文档 source", "类型 kind", "片段 chunks", "字符 chars"], interactive=False,
                                 label="已索引文档 Indexed documents")
            with gr.Row():
                files = gr.File(file_count="multiple", label="上传文档 Upload (.txt .md .html .pdf .docx)",
                                file_types=[".txt", ".md", ".html", ".htm", ".pdf", ".docx"], elem_id="wenda-upload")
                with gr.Column():
                    upload_btn = gr.Button("上传并索引 Upload & index", variant="primary", elem_id="wenda-upload-btn")
                    choice = gr.Dropdown(label="选择文档 Document", choices=[], elem_id="wenda-doc-choice")
                    delete_btn = gr.Button("删除 Delete", variant="stop")
            status = gr.Markdown(elem_id="wenda-doc-status")
            upload_btn.click(do_upload, [files], [status, table, choice])
            delete_btn.click(do_delete, [choice], [status, table, choice])
        blocks.load(refresh, None, [table, choice])
    return blocks
