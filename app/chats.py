"""Chats as the browser keeps them (the UI stores them in local storage, `app/ui_chats.py`): pure
functions over one plain JSON value, the store, testable without a browser.

    store = {"current": chat id or None, "chats": [chat, …]}          newest chat first
    chat  = {"id", "title", "updated", "turns": [turn, …], "ratings": {answer id: "up" | "down"}}
    turn  = {"question": str, "answer": answer object, "kb": str}
          or {"question": str, "error": str, "kb": str}

A turn names the knowledge base (KB) it was asked in (a turn without one, stored before KBs, was
asked in `default`); a chat's KB is its last turn's (`chat_kb`), and the export names it.

A turn keeps the answer object (`kept_answer`: all of it but the retrieved passages' text), not
rendered HTML: the chat shown, the history sent with the next question, the Markdown export and
feedback are made from that data. What is kept is bounded — `MAX_CHATS` chats, `MAX_TURNS` turns
each, at most `max_bytes` of JSON in all (older chats go first) — so local storage, and every request
that carries the store, stays small. A store coming back from the browser is untrusted input:
`checked_store` keeps what has the right shape and drops the rest, never failing.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from app.kbs import DEFAULT_KB
from app.models import Answer

MAX_CHATS = 30
MAX_TURNS = 40
MAX_STORED_BYTES = 400_000  # of JSON (UTF-8): 120–200 kept answers (2–3.5 KB each on the seeds)
MAX_ERROR_QUESTION_CHARS = 200
TITLE_CHARS = 30


def empty_store() -> dict:
    return {"current": None, "chats": []}


def checked_store(value) -> dict:
    """The store as sent back by the browser, malformed chats and turns dropped.

    >>> checked_store({"current": 3, "chats": [{"id": "a", "turns": [{"question": "q"}, "x"]}]})
    {'current': None, 'chats': [{'id': 'a', 'title': '', 'updated': '', 'turns': [], 'ratings': {}}]}
    """
    if not isinstance(value, dict) or not isinstance(value.get("chats"), list):
        return empty_store()
    chats = []
    for chat in value["chats"][:MAX_CHATS]:
        if not isinstance(chat, dict) or not isinstance(chat.get("id"), str):
            continue
        turns = (
            [t for t in chat.get("turns") or [] if _is_turn(t)] if isinstance(chat.get("turns"), list) else []
        )
        ratings = chat.get("ratings") if isinstance(chat.get("ratings"), dict) else {}
        chats.append(
            {
                "id": chat["id"][:64],
                "title": str(chat.get("title") or "")[: TITLE_CHARS + 1],
                "updated": str(chat.get("updated") or "")[:40],
                "turns": turns[-MAX_TURNS:],
                "ratings": {k: v for k, v in ratings.items() if v in ("up", "down")},
            }
        )
    current = value.get("current")
    ids = {c["id"] for c in chats}
    return {"current": current if current in ids else None, "chats": chats}


def _is_turn(turn) -> bool:
    if not isinstance(turn, dict) or not isinstance(turn.get("question"), str):
        return False
    if isinstance(turn.get("error"), str):
        return True
    answer = turn.get("answer")
    return isinstance(answer, dict) and isinstance(answer.get("answer"), str)


def kept_answer(answer: Answer) -> dict:
    """The answer object as a chat keeps it: the retrieved passages only where cited, without their text
    (a source's heading is shown from them)."""
    kept = answer.to_dict()
    cited = {c.chunk_id for c in answer.citations}
    kept["retrieved"] = [{**p, "text": ""} for p in kept["retrieved"] if p["chunk_id"] in cited]
    return kept


def chat_of(store: dict, chat_id: str | None) -> dict:
    """The chat `chat_id`, or a new empty one (not in the store until it gets a turn)."""
    found = next((c for c in store["chats"] if c["id"] == chat_id), None)
    return found or {
        "id": chat_id or uuid.uuid4().hex[:12],
        "title": "",
        "updated": "",
        "turns": [],
        "ratings": {},
    }


def with_turn(store: dict, chat_id: str, turn: dict, max_bytes: int = MAX_STORED_BYTES) -> dict:
    """The store with `turn` added to chat `chat_id` (made if new), that chat first and current."""
    if "error" in turn and len(turn["question"]) > MAX_ERROR_QUESTION_CHARS:
        turn = {**turn, "question": turn["question"][:MAX_ERROR_QUESTION_CHARS] + "…"}
    chat = chat_of(store, chat_id)
    title = chat["title"] or _title(turn["question"])
    now = datetime.now(UTC).isoformat(timespec="seconds")
    chat = {**chat, "title": title, "updated": now, "turns": (chat["turns"] + [turn])[-MAX_TURNS:]}
    others = [c for c in store["chats"] if c["id"] != chat_id]
    return bounded({"current": chat_id, "chats": [chat, *others]}, max_bytes)


def with_rating(store: dict, chat_id: str, answer_id: str, rating: str | None) -> dict:
    """The store with the rating of an answer in chat `chat_id` set (None: withdrawn)."""

    def rated(ratings: dict) -> dict:
        return {
            **{k: v for k, v in ratings.items() if k != answer_id},
            **({answer_id: rating} if rating else {}),
        }

    chats = [{**c, "ratings": rated(c["ratings"])} if c["id"] == chat_id else c for c in store["chats"]]
    return {**store, "chats": chats}


def bounded(store: dict, max_bytes: int = MAX_STORED_BYTES) -> dict:
    """At most MAX_CHATS chats and `max_bytes` of JSON: the oldest chats go first, then the current
    chat's oldest turns."""
    chats = store["chats"][:MAX_CHATS]
    while len(chats) > 1 and _size({**store, "chats": chats}) > max_bytes:
        chats = chats[:-1]
    while chats and len(chats[0]["turns"]) > 1 and _size({**store, "chats": chats}) > max_bytes:
        chats = [{**chats[0], "turns": chats[0]["turns"][1:]}, *chats[1:]]
    return {**store, "chats": chats}


def _size(store: dict) -> int:
    return len(json.dumps(store, ensure_ascii=False).encode())


def _title(question: str) -> str:
    """A chat's name in the list: its first question on one line, shortened.

    >>> _title("  2008年全国生物产业\\n总产值是多少?")
    '2008年全国生物产业 总产值是多少?'
    """
    title = " ".join(question.split())
    return title if len(title) <= TITLE_CHARS else title[:TITLE_CHARS] + "…"


def turn_kb(turn: dict) -> str:
    kb = turn.get("kb")
    return kb if isinstance(kb, str) and kb else DEFAULT_KB


def chat_kb(chat: dict) -> str:
    """The KB the chat's last question went to (`default` for an empty chat)."""
    return turn_kb(chat["turns"][-1]) if chat["turns"] else DEFAULT_KB


def chain_history(chat: dict, settings=None) -> list[dict]:
    """The turns the chain gets with the next question: each answered question and its answer's text
    (errors left out); with `settings`, within the history limits (the most recent turns kept)."""
    turns = []
    for turn in chat["turns"]:
        if "answer" in turn:
            turns += [
                {"role": "user", "content": turn["question"]},
                {"role": "assistant", "content": turn["answer"]["answer"]},
            ]
    if settings is None:
        return turns
    turns = [{**t, "content": t["content"][: settings.max_question_chars]} for t in turns]
    turns = turns[-settings.max_history_turns :] if settings.max_history_turns > 0 else []
    while turns and sum(len(t["content"]) for t in turns) > settings.max_history_chars:
        turns.pop(0)
    return turns


def turn_of_message(chat: dict, index: int) -> dict | None:
    """The turn whose message is number `index` of the chat shown (an answered turn shows two
    messages, question and answer; an error one)."""
    shown = 0
    for turn in chat["turns"]:
        count = 2 if "answer" in turn else 1
        if shown <= index < shown + count:
            return turn
        shown += count
    return None


def chat_markdown(chat: dict) -> str:
    """The chat as Markdown: each question, its answer, and the sources that answer cites, numbered
    as in the answer, with the quoted sentences."""
    when = chat["updated"][:16].replace("T", " ") + " UTC" if chat["updated"] else ""
    answered = [turn for turn in chat["turns"] if "answer" in turn]
    kbs = list(dict.fromkeys(turn_kb(turn) for turn in answered))
    header = f"wenda 问答 · 知识库 knowledge base: {', '.join(kbs) or DEFAULT_KB} · {when}"
    lines = [f"# {chat['title'] or 'wenda 问答'}", "", header.rstrip(" ·"), ""]
    for number, turn in enumerate(answered, 1):
        answer = turn["answer"]
        text = answer["answer"].strip().replace("\n", "  \n")  # its line breaks kept
        lines += [f"## {number}. {' '.join(turn['question'].split())}", ""]
        if len(kbs) > 1:
            lines += [f"_知识库 knowledge base: {turn_kb(turn)}_", ""]
        lines += [text, ""]
        if answer.get("refused"):
            lines += ["_（文档中没有找到答案 The documents do not answer this.）_", ""]
        if answer.get("citations"):
            lines += ["来源 Sources:", ""]
        for c in answer.get("citations") or []:
            name = f"{c['title']} — `{c['source']}`" if c.get("title") else f"`{c['source']}`"
            lines.append(f"{c['n']}. {name} (字符 chars {c.get('start', '?')}–{c.get('end', '?')})")
            quotes = [q["text"] for q in c.get("quotes") or []] or [c.get("text", "")]
            for quote in quotes:
                lines += [f"   > {line}" if line.strip() else "   >" for line in quote.strip().splitlines()]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
