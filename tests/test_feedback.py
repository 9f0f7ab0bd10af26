"""👍/👎 through `POST /api/feedback` (a hash-embedded tiny corpus): each answer object carries an `id`,
a rating writes one gold-set line per answer under the data dir, every bad input is a 4xx JSON error,
concurrent ratings lose no line; and (slow, real e5) the file replays through `wenda eval --gold`."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from app.api import create_app
from app.errors import NotFound
from app.feedback import MAX_CORRECTION_CHARS, Feedback, feedback_record
from evals.gold import load_gold
from tests.tiny_corpus import LIST_QUESTION, hash_chain

REFUSED_QUESTION = "宁波生物医药产业有多少从业人员?"


@pytest.fixture
def api(tmp_path):
    settings, chain = hash_chain(tmp_path)
    return TestClient(create_app(settings, chain)), settings


def ask(client, question: str = LIST_QUESTION) -> dict:
    r = client.post("/api/ask", json={"question": question})
    assert r.status_code == 200, r.text
    return r.json()


def feedback_lines(settings, kb: str = "default") -> list[dict]:
    path = settings.data_path / "feedback" / f"{kb}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_thumbs_up_writes_a_gold_item_with_the_cited_passages(api):
    client, settings = api
    answer = ask(client)
    assert len(answer["id"]) == 32 and not answer["refused"]
    r = client.post("/api/feedback", json={"answer_id": answer["id"], "rating": "up"})
    assert r.status_code == 200, r.text
    assert r.json()["file"] == "feedback/default.jsonl" and r.json()["replaced"] is False
    (record,) = feedback_lines(settings)
    assert record == r.json()["record"]
    assert record["type"] == "confirmed" and record["question"] == LIST_QUESTION and record["kb"] == "default"
    assert "基因测序公共服务平台" in record["answer"] and "[1]" not in record["answer"]
    assert record["source"] == ["plan.txt"]
    cited = [q["text"] for c in answer["citations"] for q in c["quotes"]]
    assert record["evidence"] == cited and "二是细胞治疗中试平台;" in record["evidence"]
    assert load_gold(settings.data_path / "feedback" / "default.jsonl")[0]["id"] == f"fb-{answer['id']}"


def test_a_confirmed_reference_keeps_the_quoted_code_s_own_brackets():
    # the Python tutorial's interpreter page, as the extractive answerer quotes it (markers after quotes)
    asked = {
        "question": "How do I read the script name?",
        "history": [],
        "kb": "pytut",
        "answer": "When no script and no arguments are given, sys.argv[0] is an empty string.[1]\n"
        "```\nimport sys\nprint(sys.argv[1])\n```\n[2]",
        "refused": False,
        "citations": [
            {"n": 1, "source": "interpreter.html", "quotes": ["sys.argv[0] is an empty string."]},
            {"n": 2, "source": "interpreter.html", "quotes": ["print(sys.argv[1])"]},
        ],
    }
    reference = feedback_record("abc", asked, "up")["answer"]
    assert "sys.argv[0] is an empty string.\n```" in reference  # its marker [1] gone, its [0] kept
    assert "print(sys.argv[1])" in reference and reference.endswith("```")


def test_thumbs_down_then_a_correction_replaces_the_line_and_a_refusal_confirmed_is_unanswerable(api):
    client, settings = api
    first, refused = ask(client), ask(client, REFUSED_QUESTION)
    assert refused["refused"]
    client.post("/api/feedback", json={"answer_id": first["id"], "rating": "down"})
    (bad,) = feedback_lines(settings)
    assert bad["type"] == "known_bad" and bad["answer"] == "" and bad["evidence"] == []
    assert bad["known_bad"] == {"answer": first["answer"], "refused": False}
    r = client.post(
        "/api/feedback", json={"answer_id": first["id"], "rating": "down", "correction": " 三大平台 "}
    )
    assert r.json()["replaced"] is True
    client.post("/api/feedback", json={"answer_id": refused["id"], "rating": "up"})
    corrected, unanswerable = feedback_lines(settings)
    assert (
        corrected["type"] == "corrected"
        and corrected["answer"] == "三大平台"
        and "known_bad" not in corrected
    )
    assert unanswerable["type"] == "unanswerable" and unanswerable["question"] == REFUSED_QUESTION
    assert [g["type"] for g in load_gold(settings.data_path / "feedback" / "default.jsonl")] == [
        "corrected",
        "unanswerable",
    ]


def test_a_rating_withdrawn_leaves_no_line(api):
    client, settings = api
    kept, withdrawn = ask(client), ask(client)
    for answer in (kept, withdrawn):
        client.post("/api/feedback", json={"answer_id": answer["id"], "rating": "up"})
    r = client.post("/api/feedback", json={"answer_id": withdrawn["id"], "rating": "none"})
    assert r.status_code == 200 and r.json()["record"] is None and r.json()["replaced"] is True
    assert [line["feedback"]["answer_id"] for line in feedback_lines(settings)] == [kept["id"]]
    again = client.post("/api/feedback", json={"answer_id": withdrawn["id"], "rating": "none"}).json()
    assert again["replaced"] is False and len(feedback_lines(settings)) == 1


def test_the_history_of_a_follow_up_is_kept(api):
    client, settings = api
    history = [{"role": "user", "content": "宁波的行动计划"}, {"role": "assistant", "content": "500亿元"}]
    answer = client.post("/api/ask", json={"question": "建设哪些平台?", "history": history}).json()
    client.post("/api/feedback", json={"answer_id": answer["id"], "rating": "up"})
    assert feedback_lines(settings)[0]["history"] == history


@pytest.mark.parametrize(
    "body, status, words",
    [
        ({"answer_id": "0" * 32, "rating": "up"}, 404, "unknown answer id"),
        ({"answer_id": "ID", "rating": "meh"}, 400, "rating must be 'up', 'down' or 'none'"),
        ({"answer_id": "ID", "rating": 1}, 422, "rating"),
        ({"answer_id": "ID"}, 422, "rating"),
        ({"rating": "up"}, 422, "answer_id"),
        ({"answer_id": ["ID"], "rating": "up"}, 422, "answer_id"),
        (
            {"answer_id": "ID", "rating": "down", "correction": "错" * (MAX_CORRECTION_CHARS + 1)},
            413,
            "limit",
        ),
        ({"answer_id": "ID", "rating": "down", "correction": "错" * 400_000}, 413, "body"),
        ("{not json", 422, "JSON"),
        ("[1, 2]", 422, "invalid request"),
    ],
)
def test_bad_feedback_gets_a_clear_4xx_and_writes_nothing(api, body, status, words):
    client, settings = api
    answer_id = ask(client)["id"]
    if isinstance(body, str):
        r = client.post("/api/feedback", content=body, headers={"content-type": "application/json"})
    else:
        body = {k: (answer_id if v == "ID" else v) for k, v in body.items()}
        r = client.post("/api/feedback", json=body)
    assert r.status_code == status, r.text
    assert words in r.json()["error"]
    assert not (settings.data_path / "feedback" / "default.jsonl").exists()


def test_concurrent_ratings_keep_every_line_whole(api):
    client, settings = api
    answers = [ask(client)["id"] for _ in range(12)]

    def rate(job: tuple[int, str]) -> int:
        i, answer_id = job
        body = {"answer_id": answer_id, "rating": "down" if i % 2 else "up", "correction": "x" * (i % 3)}
        return client.post("/api/feedback", json=body).status_code

    jobs = [(i, a) for i, a in enumerate(answers * 3)]  # each answer rated three times, some at once
    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(rate, jobs)) == {200}
    records = feedback_lines(settings)
    assert sorted(r["feedback"]["answer_id"] for r in records) == sorted(answers)
    assert len(load_gold(settings.data_path / "feedback" / "default.jsonl")) == 12


def test_only_the_last_answers_are_remembered(tmp_path):
    from app.models import Answer

    feedback = Feedback(tmp_path, remembered=2)
    answers = [Answer(f"答{i}", False, "extractive", [], [], {}) for i in range(3)]
    for a in answers:
        feedback.answers.remember("问?", [], a, None)
    with pytest.raises(NotFound):
        feedback.give(answers[0].id, "up")
    assert feedback.give(answers[2].id, "down")["record"]["known_bad"]["answer"] == "答2"


@pytest.mark.slow
def test_the_feedback_file_replays_through_wenda_eval(tmp_path, monkeypatch):
    """The real CLI end to end: `wenda ingest`, answers rated through the API, `wenda eval --gold`."""
    from app.cli import main as cli
    from app.config import Settings
    from tests.tiny_corpus import write_docs

    monkeypatch.setenv("WENDA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)  # no .env of the project's
    assert cli(["ingest", str(write_docs(tmp_path / "docs")), "--quiet"]) == 0
    settings = Settings.load()
    client = TestClient(create_app(settings))
    good, wrong = ask(client), ask(client, "杭州数字经济核心产业增加值的目标是多少?")
    refused = ask(client, "是的吗？")  # no word to match the documents with: refused whatever the threshold
    assert refused["refused"] and not good["refused"]
    for answer, rating in ((good, "up"), (wrong, "down"), (refused, "up")):
        assert (
            client.post("/api/feedback", json={"answer_id": answer["id"], "rating": rating}).status_code
            == 200
        )
    gold = settings.data_path / "feedback" / "default.jsonl"

    assert cli(["eval", "--gold", str(gold), "--out", str(tmp_path / "out")]) == 0
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    by_type = report["systems"]["wenda"]["by_type"]
    assert report["items"] == 3 and report["systems"]["wenda"]["overall"]["errors"] == 0
    assert by_type["confirmed"]["hit@1"] == 1.0 and by_type["confirmed"]["false_refusal"] == 0.0
    assert by_type["known_bad"]["repeats_bad_answer"] == 1.0  # same index, same answer: still the bad one
    assert by_type["unanswerable"]["refusal_correct"] == 1.0
    assert "repeats_bad_answer" in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    results = (tmp_path / "out" / "results.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in results] == [f"fb-{a['id']}" for a in (good, wrong, refused)]
