"""The web UI (Gradio 6): a thin adapter handed the chain. Chat with streaming answers and memory,
numbered sources that open to the passage with the cited sentence highlighted, and a documents tab
whose uploads run as jobs (`app/jobs.py`) with their progress shown.

What a message shows is decided by the pure functions in `app/ui_render.py`; `chat_events` is the
chat turn as a generator (testable without Gradio); `build_ui` wires them.
"""

from __future__ import annotations

from pathlib import Path

from app.ui_render import (
    CSS,
    EXAMPLES,
    answer_message,
    documents_table,
    error_message,
    history_for_chain,
    job_status,
    md_escape,
    text_message,
    upload_report,
)
from ingest.loaders import SUPPORTED_SUFFIXES

__all__ = ["CSS", "build_ui", "chat_events"]


def chat_events(get_chain, settings, question: str, messages: list[dict]):
    """One chat turn: yields the message list as it grows. A question the chain refuses to take
    (too long, …) is not kept: the conversation gets the error alone, so later turns go on without it."""
    from app.errors import WendaError
    from ingest.store import IndexUnavailable

    messages = list(messages or [])
    if not question or not question.strip():
        yield messages
        return
    history = history_for_chain(messages, settings)
    asked = messages + [
        {"role": "user", "content": text_message(question)},
        {"role": "assistant", "content": "…"},
    ]
    yield asked
    try:
        text = ""
        for event in get_chain().stream(question, history):
            if event["type"] == "delta":
                text += event["text"]
                asked[-1] = {"role": "assistant", "content": text_message(text)}
            else:
                asked[-1] = {"role": "assistant", "content": answer_message(event["answer"])}
            yield asked
    except (WendaError, IndexUnavailable) as exc:
        problem = getattr(exc, "message", None) or f"{exc}; try again when it is back"
        yield messages + [{"role": "assistant", "content": error_message(problem, question)}]


def build_ui(settings, get_chain, get_jobs):
    """The Blocks app. `get_chain()` returns the shared chain (built on first use), `get_jobs()` the
    job queue the HTTP API uses too."""
    import shutil

    import gradio as gr

    from app import documents
    from app.errors import WendaError
    from ingest.store import IndexUnavailable

    def problem(exc: Exception) -> str:
        return getattr(exc, "message", None) or f"{exc}; try again when it is back"

    def respond(question: str, messages: list[dict]):
        for shown in chat_events(get_chain, settings, question, messages):
            yield shown, ""

    def refresh():
        try:
            docs = documents.list_documents(get_chain().index)
        except IndexUnavailable:  # the chat and the upload box say why
            return documents_table([]), gr.update(choices=[], value=None)
        return documents_table(docs), gr.update(choices=[d["source"] for d in docs], value=None)

    def do_upload(files):
        """Stage the files (sizes checked from their stat, Gradio's copies deleted), queue the job,
        then show its progress until it ends."""
        paths = [Path(f) for f in files or []]
        try:
            if not paths:
                yield "请选择文件 Choose files first.", *refresh()
                return
            index = get_chain().index
            names, skipped = documents.check_upload(
                settings, index, [(p.name, p.stat().st_size) for p in paths]
            )
            get_jobs().check_room()
            staged = documents.stage(settings)
            for p in paths:
                name = documents.safe_filename(p.name)
                if name in names and not (staged / name).exists():
                    shutil.move(p, staged / name)
            job = get_jobs().submit(
                "upload",
                documents.upload_work(settings, index, staged, names, skipped),
                files_total=len(names),
                on_refused=lambda: shutil.rmtree(staged, True),
            )
        except (WendaError, IndexUnavailable, OSError) as exc:
            yield f"❌ {md_escape(problem(exc))}", *refresh()
            return
        finally:
            for p in paths:
                p.unlink(missing_ok=True)  # Gradio's temporary copy
        while not job.finished.wait(0.5):
            yield job_status(job.to_dict()), gr.update(), gr.update()
        if job.status == "done":
            yield upload_report(job.result), *refresh()
        else:
            yield f"❌ {md_escape(job.error or job.status)}", *refresh()

    def do_delete(source):
        if not source:
            return "请选择文档 Choose a document first.", *refresh()
        try:
            index = get_chain().index
            documents.check_delete(settings, index, source)
            job = get_jobs().submit("delete", lambda job: documents.delete(settings, index, source) or {})
            job.finished.wait()
            if job.status != "done":
                raise job.exception or RuntimeError(job.error)
        except (WendaError, IndexUnavailable) as exc:
            return f"❌ {md_escape(problem(exc))}", *refresh()
        return f"🗑️ 已删除 deleted: {md_escape(source)}", *refresh()

    with gr.Blocks(title="wenda 问答", delete_cache=(600, 600)) as blocks:
        gr.Markdown(
            "## 问答 wenda — 基于文档的问答，每个回答都附出处 · answers from your documents, with sources"
        )
        with gr.Tab("对话 Chat"):
            chatbot = gr.Chatbot(
                label="对话 Conversation",
                height=470,
                elem_id="wenda-chat",
                render_markdown=False,
                latex_delimiters=[],
                buttons=["copy"],
                feedback_options=None,
            )
            with gr.Row():
                box = gr.Textbox(
                    placeholder="输入问题，按回车提问 · Type a question and press Enter",
                    show_label=False,
                    scale=8,
                    elem_id="wenda-question",
                )
                ask = gr.Button("提问 Ask", variant="primary", scale=1, elem_id="wenda-ask")
                clear = gr.Button("清空 Clear", scale=1)
            gr.Examples(EXAMPLES, inputs=box, label="示例问题 Example questions")
            box.submit(respond, [box, chatbot], [chatbot, box])
            ask.click(respond, [box, chatbot], [chatbot, box])
            clear.click(lambda: ([], ""), None, [chatbot, box])
        with gr.Tab("文档 Documents", elem_id="wenda-docs-tab"):
            table = gr.Dataframe(
                headers=["标题 title", "文档 source", "类型 kind", "片段 chunks", "字符 chars"],
                interactive=False,
                label="已索引文档 Indexed documents",
            )
            with gr.Row():
                files = gr.File(
                    file_count="multiple",
                    label="上传文档 Upload (.txt .md .html .pdf .docx)",
                    file_types=list(SUPPORTED_SUFFIXES),
                    elem_id="wenda-upload",
                )
                with gr.Column():
                    upload_btn = gr.Button(
                        "上传并索引 Upload & index", variant="primary", elem_id="wenda-upload-btn"
                    )
                    choice = gr.Dropdown(label="选择文档 Document", choices=[], elem_id="wenda-doc-choice")
                    delete_btn = gr.Button("删除 Delete", variant="stop")
            status = gr.Markdown(elem_id="wenda-doc-status")
            upload_btn.click(do_upload, [files], [status, table, choice])
            delete_btn.click(do_delete, [choice], [status, table, choice])
        blocks.load(refresh, None, [table, choice])
    return blocks
