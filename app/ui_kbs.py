"""The UI's knowledge base controls (Gradio): the selector over the chat and documents tabs, and the
create / delete row of the documents tab. Each calls the facade (`app/service.py`); what a question
or an upload is sent to is the selector's value; a past chat picked in the chat tab selects its KB
(`app/ui_chats.py`). It leaves out the chat and the documents table (`app/ui.py`).
"""

from __future__ import annotations

from app.kbs import DEFAULT_KB
from app.ui_render import md_escape


def kb_names(service) -> list[str]:
    """The KB names, or just `default` while the index cannot be reached (the chat then says why)."""
    from ingest.chroma import IndexUnavailable

    try:
        return service.kb_names()
    except IndexUnavailable:
        return [DEFAULT_KB]


def kb_selector(service):
    """The dropdown naming the KB that questions and uploads go to; `default` at first."""
    import gradio as gr

    with gr.Row(equal_height=True):
        with gr.Column(scale=1, min_width=260):
            selector = gr.Dropdown(
                label="知识库 Knowledge base",
                choices=[DEFAULT_KB],
                value=DEFAULT_KB,
                elem_id="wenda-kb",
                interactive=True,
                filterable=False,
            )
        with gr.Column(scale=3):
            gr.Markdown(
                "问题和上传都发往所选知识库；在“文档”页新建或删除知识库。  \n"
                "Questions and uploads go to the selected knowledge base; create or delete one on the "
                "Documents tab.",
                elem_classes="wenda-note",
            )
    return selector


def kb_manager(service, selector, status) -> None:
    """A row to create a KB (then selected) and to delete the selected one (then `default`)."""
    import gradio as gr

    from app.errors import WendaError
    from app.service import job_outcome, problem_text
    from ingest.chroma import IndexUnavailable

    def create(name: str, current: str):
        try:
            made = service.create_kb((name or "").strip())["name"]
        except (WendaError, IndexUnavailable) as exc:
            return f"❌ {md_escape(problem_text(exc))}", gr.update(), gr.update()
        note = f"📚 已新建知识库 created knowledge base: {md_escape(made)}"
        return note, gr.update(choices=kb_names(service), value=made), ""

    def delete(current: str):
        if not current or current == DEFAULT_KB:
            note = "默认知识库不能删除 The default knowledge base cannot be deleted."
            return note, gr.update()
        try:
            job = service.delete_kb(current)
            job.finished.wait()
            job_outcome(job)
        except (WendaError, IndexUnavailable) as exc:
            return f"❌ {md_escape(problem_text(exc))}", gr.update()
        note = f"🗑️ 已删除知识库 deleted knowledge base: {md_escape(current)}"
        return note, gr.update(choices=kb_names(service), value=DEFAULT_KB)

    with gr.Row():
        name = gr.Textbox(
            placeholder="新知识库名称 New knowledge base name",
            show_label=False,
            scale=4,
            elem_id="wenda-new-kb",
        )
        create_btn = gr.Button("新建知识库 Create", scale=1, elem_id="wenda-create-kb")
        delete_btn = gr.Button(
            "删除所选知识库 Delete selected", variant="stop", scale=1, elem_id="wenda-delete-kb"
        )
    create_btn.click(create, [name, selector], [status, selector, name])
    delete_btn.click(delete, [selector], [status, selector])
