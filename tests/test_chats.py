"""The kept chats without a browser (`app/chats.py`, `app/ui_chats.py`): answers kept as data and
shown again the same, the store bounded in chats and bytes, a tampered store dropped or shown as
text, the 👍/👎 of a message found from the data, and the Markdown export with numbered sources."""

from __future__ import annotations

import json

from app.chats import (
    MAX_CHATS,
    chat_markdown,
    chat_of,
    checked_store,
    empty_store,
    kept_answer,
    turn_of_message,
    with_rating,
    with_turn,
)
from app.models import Answer, Citation, Passage
from app.ui_chats import chat_messages, feedback_values
from app.ui_render import answer_message


def an_answer(text: str = "总产值达到11340亿元[1]，增长[2]。") -> Answer:
    passages = [
        Passage("a.txt", "a-1", "2008年全国生物产业总产值达到11340亿元。", 10, 32, 0.9, heading="一、产值"),
        Passage("b.txt", "b-7", "比上年增长22%。", 5, 14, 0.8),
        Passage("c.txt", "c-2", "未被引用的段落。" * 50, 0, 400, 0.1),
    ]
    citations = [
        Citation(
            1,
            "a.txt",
            "a-1",
            passages[0].text,
            10,
            32,
            0.9,
            [{"text": "总产值达到11340亿元", "start": 21, "end": 31}],
        ),
        Citation(
            2,
            "b.txt",
            "b-7",
            passages[1].text,
            5,
            14,
            0.8,
            [{"text": "比上年增长22%", "start": 5, "end": 13}],
        ),
    ]
    return Answer(text, False, "extractive", citations, passages, {"total": 3.0}, confidence=0.9)


def test_a_kept_answer_shows_as_it_did_and_drops_the_uncited_passages():
    answer = an_answer()
    kept = kept_answer(answer)
    assert kept["id"] == answer.id and [p["chunk_id"] for p in kept["retrieved"]] == ["a-1", "b-7"]
    assert all(p["text"] == "" for p in kept["retrieved"])
    assert answer_message(Answer.from_dict(json.loads(json.dumps(kept)))) == answer_message(answer)
    assert Answer.from_dict({**kept, "future_field": 1}).id == answer.id  # another version's answer loads


def test_turns_go_to_their_chat_which_comes_first_and_is_current():
    store = with_turn(
        empty_store(), "c1", {"question": "第一个问题\n换行", "answer": kept_answer(an_answer())}
    )
    store = with_turn(store, "c2", {"question": "另一个", "answer": kept_answer(an_answer("答"))})
    store = with_turn(store, "c1", {"question": "追问", "error": "服务不可用"})
    assert store["current"] == "c1" and [c["id"] for c in store["chats"]] == ["c1", "c2"]
    chat = chat_of(store, "c1")
    assert chat["title"] == "第一个问题 换行" and len(chat["turns"]) == 2
    assert chat_of(store, None)["turns"] == [] and chat_of(store, None)["id"] not in ("c1", "c2")


def test_the_store_is_bounded_in_chats_and_in_bytes():
    store = empty_store()
    for i in range(MAX_CHATS + 5):
        store = with_turn(store, f"c{i}", {"question": f"问题{i}", "answer": kept_answer(an_answer())})
    assert len(store["chats"]) == MAX_CHATS and store["chats"][0]["id"] == f"c{MAX_CHATS + 4}"
    big = kept_answer(an_answer("长" * 20_000))
    for i in range(10):
        store = with_turn(store, "big", {"question": f"长问题{i}", "answer": big}, max_bytes=100_000)
    assert len(json.dumps(store, ensure_ascii=False).encode()) <= 100_000
    assert store["chats"][0]["id"] == "big" and 1 <= len(store["chats"][0]["turns"]) < 10


def test_a_tampered_store_is_dropped_or_shown_as_text():
    assert checked_store("not a store") == empty_store() and checked_store({"chats": 5}) == empty_store()
    evil = {
        "current": "x",
        "chats": [
            {"id": "x", "turns": [{"question": "<img src=x onerror=alert(1)>", "answer": {"answer": "<b>"}}]},
            {"id": 5, "turns": []},
            {
                "id": "y",
                "turns": [{"question": "q", "answer": {"answer": "a", "citations": [{"n": "?"}]}}, 7],
            },
        ],
    }
    store = checked_store(evil)
    assert [c["id"] for c in store["chats"]] == ["x", "y"] and store["current"] == "x"
    shown = chat_messages(store["chats"][0]) + chat_messages(store["chats"][1])
    assert "<img" not in "".join(m["content"] for m in shown) and "&lt;img" in shown[0]["content"]
    assert shown[-1]["content"] == '<div class="wenda-text">a</div>'  # a citation that does not load


def test_a_message_index_finds_its_turn_and_ratings_light_the_thumbs():
    answered = {"question": "问", "answer": kept_answer(an_answer())}
    store = with_turn(empty_store(), "c", {"question": "太长", "error": "问题太长"})
    store = with_turn(store, "c", answered)
    chat = chat_of(store, "c")
    assert [m["role"] for m in chat_messages(chat)] == ["assistant", "user", "assistant"]
    assert turn_of_message(chat, 0)["error"] and turn_of_message(chat, 2) == answered
    assert turn_of_message(chat, 3) is None
    rated = chat_of(with_rating(store, "c", answered["answer"]["id"], "up"), "c")
    assert feedback_values(rated) == [None, "Like"]


def test_the_export_numbers_each_answers_sources_with_their_quotes():
    store = with_turn(empty_store(), "c", {"question": "产值是多少?", "answer": kept_answer(an_answer())})
    store = with_turn(store, "c", {"question": "出错的问题", "error": "服务不可用"})
    refusal = Answer("文档中没有找到。", True, "extractive", [], [], {})
    store = with_turn(store, "c", {"question": "天气如何?", "answer": kept_answer(refusal)})
    markdown = chat_markdown(chat_of(store, "c"))
    assert markdown.startswith("# 产值是多少?\n")
    assert "## 1. 产值是多少?\n\n总产值达到11340亿元[1]，增长[2]。\n" in markdown
    assert "1. `a.txt` (字符 chars 10–32)\n   > 总产值达到11340亿元\n" in markdown
    assert "2. `b.txt` (字符 chars 5–14)\n   > 比上年增长22%\n" in markdown
    assert "## 2. 天气如何?" in markdown and "出错的问题" not in markdown
    assert "未被引用的段落" not in markdown
