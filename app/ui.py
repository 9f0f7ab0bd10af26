"""The web UI (Gradio 6): a thin adapter handed the facade (`app/service.py`). A chat tab
(`app/ui_chats.py`: streaming answers with memory, chats kept in the browser across reloads, export,
👍/👎 feedback) whose numbered sources open to the passage with the cited sentence highlighted, a
documents tab whose uploads run as jobs (`app/jobs.py`) with their progress shown, and a knowledge
base selector over both tabs (`app/ui_kbs.py`).

What a message shows is decided by the pure functions in `app/ui_render.py`; `build_ui` wires them.
"""

from __future__ import annotations

from pathlib import Path

from app.ui_render import CSS, documents_table, job_status, md_escape, upload_report
from ingest.loaders import SUPPORTED_SUFFIXES

__all__ = ["CSS", "build_ui"]


def build_ui(service):
    """The Blocks app over the facade the HTTP API uses too (same chains, job queue and feedback)."""
    import shutil

    import gradio as gr

    from app import ui_chats, ui_kbs
    from app.documents import safe_filename
    from app.errors import WendaError
    from app.service import job_outcome, problem_text
    from ingest.chroma import IndexUnavailable

    def refresh(kb: str = "default"):
        try:
            docs = service.documents(kb or "default")
        except (WendaError, IndexUnavailable):  # the chat and the upload box say why
            return documents_table([]), gr.update(choices=[], value=None)
        return documents_table(docs), gr.update(choices=[d["source"] for d in docs], value=None)

    def do_upload(files, kb: str = "default"):
        """Stage the files (sizes checked from their stat, Gradio's copies deleted), queue the job,
        then show its progress until it ends."""
        paths = [Path(f) for f in files or []]
        try:
            if not paths:
                yield "请选择文件 Choose files first.", *refresh(kb)
                return
            upload = service.stage_upload(kb or "default", [(p.name, p.stat().st_size) for p in paths])
            for p in paths:
                name = safe_filename(p.name)
                if name in upload.names and not (upload.folder / name).exists():
                    shutil.move(p, upload.folder / name)
            job = service.submit_upload(upload)
        except (WendaError, IndexUnavailable, OSError) as exc:
            yield f"❌ {md_escape(problem_text(exc))}", *refresh(kb)
            return
        finally:
            for p in paths:
                p.unlink(missing_ok=True)  # Gradio's temporary copy
        while not job.finished.wait(0.5):
            yield job_status(job.to_dict()), gr.update(), gr.update()
        if job.status == "done":
            yield upload_report(job.result), *refresh(kb)
        else:
            yield f"❌ {md_escape(job.error or job.status)}", *refresh(kb)

    def do_delete(source, kb: str = "default"):
        if not source:
            return "请选择文档 Choose a document first.", *refresh(kb)
        try:
            job = service.delete_document(kb or "default", source)
            job.finished.wait()
            job_outcome(job)
        except (WendaError, IndexUnavailable) as exc:
            return f"❌ {md_escape(problem_text(exc))}", *refresh(kb)
        return f"🗑️ 已删除 deleted: {md_escape(source)}", *refresh(kb)

    with gr.Blocks(title="wenda 问答", delete_cache=(600, 600)) as blocks:
        gr.Markdown(
            "## 问答 wenda — 基于文档的问答，每个回答都附出处 · answers from your documents, with sources"
        )
        kb = ui_kbs.kb_selector(service)
        with gr.Tab("对话 Chat"):
            ui_chats.chat_tab(blocks, service, kb)
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
            upload_btn.click(do_upload, [files, kb], [status, table, choice])
            delete_btn.click(do_delete, [choice, kb], [status, table, choice])
            ui_kbs.kb_manager(service, kb, status)
        kb.change(refresh, [kb], [table, choice])
        blocks.load(refresh, [kb], [table, choice])
    return blocks
