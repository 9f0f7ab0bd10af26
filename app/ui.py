"""The web UI (Gradio 6): a thin adapter handed the chain. A chat tab (`app/ui_chats.py`: streaming
answers with memory, chats kept in the browser across reloads, export, 👍/👎 feedback) whose numbered
sources open to the passage with the cited sentence highlighted, and a documents tab whose uploads
run as jobs (`app/jobs.py`) with their progress shown.

What a message shows is decided by the pure functions in `app/ui_render.py`; `build_ui` wires them.
"""

from __future__ import annotations

from pathlib import Path

from app.ui_chats import chat_tab
from app.ui_render import CSS, documents_table, job_status, md_escape, upload_report
from ingest.loaders import SUPPORTED_SUFFIXES

__all__ = ["CSS", "build_ui"]


def build_ui(settings, get_chain, get_jobs, get_feedback):
    """The Blocks app. `get_chain()` returns the shared chain (built on first use), `get_jobs()` the
    job queue and `get_feedback()` the feedback log the HTTP API uses too."""
    import shutil

    import gradio as gr

    from app import documents
    from app.errors import WendaError
    from ingest.store import IndexUnavailable

    def problem(exc: Exception) -> str:
        return getattr(exc, "message", None) or f"{exc}; try again when it is back"

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
            chat_tab(blocks, settings, get_chain, get_feedback)
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
