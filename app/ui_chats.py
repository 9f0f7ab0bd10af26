"""The chat tab of the web UI (Gradio 6), kept across reloads.

Chats live in the browser's local storage (`gr.BrowserState`, encrypted with a secret kept in the
data dir so they survive server restarts; the store's shape and bounds are `app/chats.py`). The tab
has a "new chat" button, the list of past chats (pick one to go on with it), a Markdown export of
the chat shown with numbered sources, and 👍/👎 on every answer — a 👎 opens a box for the right
answer — recorded as eval data by `app/feedback.py` under the knowledge base (KB) the answer came from.

Questions go to the KB the selector (`app/ui_kbs.py`) names; every turn keeps its KB, so a past chat
picked from the list selects its KB again and its export names it. Everything goes through the facade
(`app/service.py`). `ask_in_chat` is the chat turn as a generator (testable without Gradio);
`chat_tab` wires it.
"""

# no `from __future__ import annotations`: Gradio finds `like: gr.LikeData` by its evaluated annotation
import re
import secrets
import tempfile
import time
from pathlib import Path

from app.chats import (
    MAX_STORED_BYTES,
    chain_history,
    chat_kb,
    chat_markdown,
    chat_of,
    checked_store,
    empty_store,
    kept_answer,
    turn_of_message,
    with_rating,
    with_turn,
)
from app.kbs import DEFAULT_KB
from app.models import Answer
from app.ui_render import EXAMPLES, answer_message, error_message, md_escape, text_message

STORAGE_KEY = "wenda-chats"
EXPORT_DIR = "wenda-exports"  # under the system temp dir; an export older than EXPORT_KEEP_S goes
EXPORT_KEEP_S = 3600
RATED = {"up": "Like", "down": "Dislike"}  # Gradio's names for its thumb icons


def ui_secret(data_dir: Path) -> str:
    """The key the browser encrypts its stored chats with: made once per data dir, so chats stay
    readable after a restart (a random one per start, Gradio's default, would lose them)."""
    path = Path(data_dir) / "ui_secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(24), encoding="utf-8")
    return path.read_text(encoding="utf-8").strip()


def chat_messages(chat: dict) -> list[dict]:
    """The chat's turns as chatbot messages (a turn that does not render is left out)."""
    messages = []
    for turn in chat["turns"]:
        question = {"role": "user", "content": text_message(turn["question"])}
        if "error" in turn:
            messages.append({"role": "assistant", "content": error_message(turn["error"], turn["question"])})
            continue
        try:
            shown = answer_message(Answer.from_dict(turn["answer"]))
        except (TypeError, KeyError, ValueError, AttributeError):  # stored by hand or another version
            shown = text_message(str(turn["answer"].get("answer", "")))
        messages += [question, {"role": "assistant", "content": shown}]
    return messages


def feedback_values(chat: dict) -> list[str | None]:
    """The thumbs to show lit, one per assistant message."""
    return [
        RATED.get(chat["ratings"].get(turn["answer"].get("id"))) if "answer" in turn else None
        for turn in chat["turns"]
    ]


def ask_in_chat(service, question: str, store, kb: str = DEFAULT_KB, max_bytes: int = MAX_STORED_BYTES):
    """One chat turn, asked of knowledge base `kb`: yields `(messages, store)` as the answer streams in;
    `store` is None until the end, then the store with the turn (and its KB) kept (an error is kept as
    an error turn, not as history)."""
    from app.errors import WendaError
    from app.service import problem_text
    from ingest.chroma import IndexUnavailable

    store = checked_store(store)
    chat = chat_of(store, store["current"])
    if not question or not question.strip():
        yield chat_messages(chat), store
        return
    shown = chat_messages(chat) + [
        {"role": "user", "content": text_message(question)},
        {"role": "assistant", "content": "…"},
    ]
    yield shown, None
    kb = kb or DEFAULT_KB
    try:
        text = ""
        for event in service.stream(question, chain_history(chat, service.settings), kb=kb):
            if event["type"] == "delta":
                text += event["text"]
                shown[-1] = {"role": "assistant", "content": text_message(text)}
                yield shown, None
            else:
                turn = {"question": question, "answer": kept_answer(event["answer"]), "kb": kb}
    except (WendaError, IndexUnavailable) as exc:
        turn = {"question": question, "error": problem_text(exc), "kb": kb}
    store = with_turn(store, chat["id"], turn, max_bytes)
    yield chat_messages(chat_of(store, chat["id"])), store


def export_file(chat: dict) -> str | None:
    """The chat as a Markdown file to download (None for an empty chat); old exports are removed."""
    if not any("answer" in t for t in chat["turns"]):
        return None
    folder = Path(tempfile.gettempdir()) / EXPORT_DIR
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.md"):
        if old.stat().st_mtime < time.time() - EXPORT_KEEP_S:
            old.unlink(missing_ok=True)
    path = folder / f"wenda-chat-{re.sub(r'[^0-9A-Za-z_-]', '', chat['id'])[:32] or 'chat'}.md"
    path.write_text(chat_markdown(chat), encoding="utf-8")
    return str(path)


def chat_tab(blocks, service, kb_selector) -> None:
    """The chat tab's components and events, inside `blocks`: questions go to `service` (the facade),
    to the KB `kb_selector` names; picking a past chat (or reloading the page) selects its KB."""
    import gradio as gr

    from app import ui_kbs
    from app.errors import WendaError

    settings = service.settings

    max_bytes = min(MAX_STORED_BYTES, settings.max_body_bytes // 2)  # it rides along with every event
    store_state = gr.BrowserState(
        empty_store(), storage_key=STORAGE_KEY, secret=ui_secret(settings.data_path)
    )
    rated_answer = gr.State(None)  # the answer a 👎 was given to, for its correction

    with gr.Row():
        with gr.Column(scale=1, min_width=200):
            new_chat = gr.Button("+ 新对话 New chat", elem_id="wenda-new-chat")
            chat_list = gr.Radio(label="对话记录 Past chats", choices=[], elem_id="wenda-chat-list")
            export = gr.DownloadButton("⬇️ 导出 Export .md", value=None, elem_id="wenda-export", size="sm")
        with gr.Column(scale=4):
            chatbot = gr.Chatbot(
                label="对话 Conversation",
                height=470,
                elem_id="wenda-chat",
                render_markdown=False,
                latex_delimiters=[],
                buttons=["copy"],
                feedback_options=("Like", "Dislike"),
            )
            with gr.Row():
                box = gr.Textbox(
                    placeholder="输入问题，按回车提问 · Type a question and press Enter",
                    show_label=False,
                    scale=8,
                    elem_id="wenda-question",
                )
                ask = gr.Button("提问 Ask", variant="primary", scale=1, elem_id="wenda-ask")
            feedback_status = gr.Markdown(elem_id="wenda-feedback-status")
            with gr.Row(visible=False) as correction_row:
                correction = gr.Textbox(
                    placeholder="正确的回答是…（可选）· The right answer is… (optional)",
                    show_label=False,
                    scale=8,
                    elem_id="wenda-correction",
                )
                send_correction = gr.Button("提交更正 Send", scale=1, elem_id="wenda-send-correction")
            gr.Examples(EXAMPLES, inputs=box, label="示例问题 Example questions")

    def shown(store: dict):
        """Chatbot, chat list and export button for the store's current chat."""
        chat = chat_of(store, store["current"])
        choices = [(c["title"] or "…", c["id"]) for c in store["chats"]]
        current = store["current"] if store["current"] in {c["id"] for c in store["chats"]} else None
        return (
            gr.Chatbot(value=chat_messages(chat), feedback_value=feedback_values(chat)),
            gr.Radio(choices=choices, value=current),
            gr.DownloadButton(value=export_file(chat)),
        )

    def selected(store: dict):
        """The selector for the store's current chat: the KBs as choices, the chat's KB chosen (a new
        chat keeps the one chosen; a chat whose KB is gone gets `default`)."""
        names = ui_kbs.kb_names(service)
        chat = chat_of(store, store["current"])
        if not chat["turns"]:
            return gr.update(choices=names)
        kb = chat_kb(chat)
        return gr.update(choices=names, value=kb if kb in names else DEFAULT_KB)

    def respond(question: str, store, kb: str):
        for messages, kept in ask_in_chat(service, question, store, kb, max_bytes):
            if kept is None:
                yield messages, "", gr.skip(), gr.skip(), gr.skip()
            else:  # the plain messages: the thumbs already lit stay as they are
                _, chats_now, export_now = shown(kept)
                yield messages, "", kept, chats_now, export_now

    def restore(store):
        store = checked_store(store)
        return store, *shown(store), selected(store)

    def start_new(store):
        store = {**checked_store(store), "current": None}
        return store, *shown(store), gr.Row(visible=False), ""

    def pick(chat_id: str, store):
        store = checked_store(store)
        store = {**store, "current": chat_id if any(c["id"] == chat_id for c in store["chats"]) else None}
        return store, *shown(store), gr.Row(visible=False), "", selected(store)

    def rate(store, like: gr.LikeData):
        """👍 or 👎 on an answer; clicking a lit thumb again withdraws the rating."""
        store = checked_store(store)
        chat = chat_of(store, store["current"])
        turn = turn_of_message(chat, like.index if isinstance(like.index, int) else like.index[0])
        if not turn or "answer" not in turn:
            return gr.skip(), "", gr.Row(visible=False), None
        answer_id = str(turn["answer"].get("id", ""))
        rating = {True: "up", False: "down"}.get(like.liked, "none")
        try:
            service.feedback.give(answer_id, rating)
        except WendaError as exc:
            return gr.skip(), f"❌ {md_escape(exc.message)}", gr.Row(visible=False), None
        store = with_rating(store, chat["id"], answer_id, None if rating == "none" else rating)
        if rating == "down":
            note = "👎 已记录。知道正确答案吗？写在下面 Recorded. Know the right answer? Write it below."
            return store, note, gr.Row(visible=True), answer_id
        note = "👍 已记录，谢谢 Recorded, thank you." if rating == "up" else "已撤回 Rating withdrawn."
        return store, note, gr.Row(visible=False), None

    def correct(answer_id: str | None, text: str):
        if not answer_id or not (text or "").strip():
            return "请先写下正确的回答 Write the right answer first.", gr.Row(), text
        try:
            service.feedback.give(answer_id, "down", text)
        except WendaError as exc:
            return f"❌ {md_escape(exc.message)}", gr.Row(), text
        return "✏️ 更正已记录，谢谢 Correction recorded, thank you.", gr.Row(visible=False), ""

    shown_outputs = [chatbot, chat_list, export]
    private = {"api_visibility": "private"}
    asked = [chatbot, box, store_state, chat_list, export]
    box.submit(respond, [box, store_state, kb_selector], asked)
    ask.click(respond, [box, store_state, kb_selector], asked)
    blocks.load(restore, [store_state], [store_state, *shown_outputs, kb_selector], **private)
    for clicked in (new_chat.click, chatbot.clear):  # the chatbot's own 🗑 starts a new chat too
        clicked(
            start_new,
            [store_state],
            [store_state, *shown_outputs, correction_row, feedback_status],
            **private,
        )
    chat_list.input(
        pick,
        [chat_list, store_state],
        [store_state, *shown_outputs, correction_row, feedback_status, kb_selector],
        **private,
    )
    chatbot.like(rate, [store_state], [store_state, feedback_status, correction_row, rated_answer], **private)
    send_correction.click(
        correct, [rated_answer, correction], [feedback_status, correction_row, correction], **private
    )
