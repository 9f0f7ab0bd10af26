"""Knowledge bases through the HTTP API (and the CLI's `kb` command): isolation — a question never
retrieves or cites another KB's document, even one of the same name —, deletion that leaves no chunk,
vector, lexical entry or upload behind, name checks, the OpenAI endpoint's `model`, and an existing
data dir whose single collection is the `default` KB."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from app.api import create_app
from app.chain import WendaChain
from app.chats import chat_kb, chat_markdown, chat_of
from app.config import Settings
from app.kbs import kb_slug
from app.ui_chats import ask_in_chat
from ingest.pipeline import ingest_paths
from ingest.store import Index
from tests.fakes import HashEmbedder

DEFAULT_DOC = "重庆市推动生物制造产业发展。到2027年,产业规模目标是突破1000亿元。"
POLICY_DOC = "杭州市合成生物产业园计划于2026年引进企业88家，形成百亿级产业集群。"
MANUAL_DOC = "宁波市合成生物产业园计划于2026年引进企业35家，建设中试基地12座。"
QUESTION = "合成生物产业园计划于2026年引进多少家企业?"


@pytest.fixture
def setup(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "plan.txt").write_text(DEFAULT_DOC, encoding="utf-8")
    settings = Settings.load(env={}, dotenv=None, data_dir=tmp_path / "data")
    index = Index(settings.data_path, HashEmbedder())  # how a data dir was made before KBs existed
    index.refresh_seconds = 0
    ingest_paths(index, [docs], progress=False)
    with TestClient(create_app(settings, WendaChain(settings, index))) as client:
        yield client, settings


def upload(client, kb: str, name: str, text: str):
    return client.post(f"/api/kbs/{kb}/documents?wait=true", files={"files": (name, text.encode("utf-8"))})


def make_two_kbs(client) -> None:
    for kb in ("政策", "manuals"):
        assert client.post("/api/kbs", json={"name": kb}).status_code == 201
    # the same file name in both, and in the default KB (ingested from a folder there): no clash
    assert upload(client, "政策", "plan.txt", POLICY_DOC).json()["added"] == ["plan.txt"]
    assert upload(client, "manuals", "plan.txt", MANUAL_DOC).json()["added"] == ["plan.txt"]
    assert upload(client, "manuals", "extra.txt", "宁波市新建中试基地12座。").status_code == 200


def sources_and_texts(answer: dict) -> list[str]:
    return [p["text"] for p in answer["retrieved"]] + [c["text"] for c in answer["citations"]]


def test_a_question_is_answered_from_its_own_kb_only(setup):
    client, _ = setup
    make_two_kbs(client)
    listed = {kb["name"]: kb["documents"] for kb in client.get("/api/kbs").json()["kbs"]}
    assert listed == {"default": 1, "政策": 1, "manuals": 2}
    assert [d["source"] for d in client.get("/api/kbs/政策/documents").json()["documents"]] == ["plan.txt"]

    policy = client.post("/api/ask", json={"question": QUESTION, "kb": "政策"}).json()
    assert "88家" in policy["answer"] and policy["citations"]
    assert all("杭州" in text for text in sources_and_texts(policy))

    manual = client.post("/api/chat", json={"question": QUESTION, "kb": "manuals", "stream": True})
    assert "35家" in manual.text and "杭州" not in manual.text and "88家" not in manual.text

    default = client.post("/api/ask", json={"question": QUESTION}).json()  # no kb: the default one
    assert "88家" not in default["answer"] and "35家" not in default["answer"]
    assert all("杭州" not in t and "宁波" not in t for t in sources_and_texts(default))
    assert (
        "1000亿元"
        in client.post("/api/ask", json={"question": "重庆到2027年产业规模目标是多少?"}).json()["answer"]
    )


def feedback_lines(settings, kb: str) -> list[dict]:
    path = settings.data_path / "feedback" / f"{kb}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_feedback_is_written_to_the_kb_that_gave_the_answer(setup):
    client, settings = setup
    make_two_kbs(client)
    policy = client.post("/api/ask", json={"question": QUESTION, "kb": "政策"}).json()
    r = client.post("/api/feedback", json={"answer_id": policy["id"], "rating": "up"})
    assert r.status_code == 200 and r.json()["file"] == "feedback/政策.jsonl", r.text
    (record,) = feedback_lines(settings, "政策")
    assert record["kb"] == "政策" and record["source"] == ["plan.txt"] and "88家" in record["answer"]

    service = client.app.state.wenda  # the UI's chat turn, asked of `manuals`, rated and exported
    messages, store = list(ask_in_chat(service, QUESTION, None, kb="manuals"))[-1]
    chat = chat_of(store, store["current"])
    assert "35家" in messages[-1]["content"] and chat_kb(chat) == "manuals"
    service.feedback.give(chat["turns"][0]["answer"]["id"], "down", "35家")
    (corrected,) = feedback_lines(settings, "manuals")
    assert corrected["kb"] == "manuals" and corrected["type"] == "corrected"
    assert "知识库 knowledge base: manuals" in chat_markdown(chat)
    assert not (settings.data_path / "feedback" / "default.jsonl").exists()


def test_the_openai_model_names_the_kb(setup):
    client, _ = setup
    make_two_kbs(client)
    models = client.get("/v1/models").json()
    assert models["object"] == "list" and [m["id"] for m in models["data"]] == ["default", "manuals", "政策"]

    def complete(model: str | None):
        body = {"messages": [{"role": "user", "content": QUESTION}]}
        return client.post("/v1/chat/completions", json={**body, **({"model": model} if model else {})})

    reply = complete("政策").json()
    assert reply["model"] == "政策" and "88家" in reply["choices"][0]["message"]["content"]
    assert "88家" not in complete("wenda").json()["choices"][0]["message"]["content"]  # today's name
    assert "35家" not in complete(None).json()["choices"][0]["message"]["content"]
    missing = complete("gpt-4o")
    assert missing.status_code == 404 and "/v1/models" in missing.json()["error"]


def test_deleting_a_kb_leaves_nothing_behind(setup):
    client, settings = setup
    make_two_kbs(client)
    service = client.app.state.wenda
    store = service.store("manuals")
    uploads, lexical = store.uploads, store.index.lexical.directory
    assert (uploads / "plan.txt").exists() and lexical.exists()
    names = lambda: {c.name for c in service.store("default").index.list_collections()}  # noqa: E731
    assert {store.index.name, store.index.name + "_docs"} <= names()

    assert client.delete("/api/kbs/manuals").json() == {"deleted": "manuals"}
    assert not {n for n in names() if n.startswith(kb_slug("manuals"))}  # no chunk, vector or record
    assert not lexical.exists() and not uploads.exists()
    assert not (settings.data_path / "kbs" / kb_slug("manuals")).exists()
    assert [kb["name"] for kb in client.get("/api/kbs").json()["kbs"]] == ["default", "政策"]
    for r in (
        client.get("/api/kbs/manuals/documents"),
        client.post("/api/ask", json={"question": QUESTION, "kb": "manuals"}),
        client.delete("/api/kbs/manuals"),
    ):
        assert r.status_code == 404 and "no knowledge base named 'manuals'" in r.json()["error"]

    # made again under the same name, it starts empty
    assert client.post("/api/kbs", json={"name": "manuals"}).status_code == 201
    assert client.get("/api/kbs/manuals/documents").json()["documents"] == []
    assert "88家" in client.post("/api/ask", json={"question": QUESTION, "kb": "政策"}).json()["answer"]


@pytest.mark.parametrize(
    "name", ["", "../etc", "a/b", "a\\b", "x" * 65, ".hidden", "两 个", "名字?", "<b>", "a\x00b"]
)
def test_bad_kb_names_are_a_clear_400(setup, name):
    client, settings = setup
    r = client.post("/api/kbs", json={"name": name})
    assert r.status_code == 400 and "knowledge base name" in r.json()["error"], r.text
    assert client.post("/api/ask", json={"question": QUESTION, "kb": name}).status_code == 400
    assert not (settings.data_path / "etc").exists()


def test_kb_conflicts_and_the_default_kb(setup):
    client, _ = setup
    assert client.post("/api/kbs", json={"name": "产品手册_v2"}).status_code == 201
    again = client.post("/api/kbs", json={"name": "产品手册_v2"})
    assert again.status_code == 409 and "exists already" in again.json()["error"]
    reserved = client.post("/api/kbs", json={"name": "wenda"})  # the default KB's OpenAI model name
    assert reserved.status_code == 400 and "choose another name" in reserved.json()["error"]
    kept = client.delete("/api/kbs/default")
    assert kept.status_code == 409 and "cannot be deleted" in kept.json()["error"]
    assert client.get("/api/kbs/default/documents").json()["documents"][0]["source"] == "plan.txt"
    gone = client.post("/api/kbs/nope/documents", files={"files": ("a.txt", b"text")})
    assert gone.status_code == 404
    # an upload may replace a folder document only within its own KB's rules: 409 in default, fine elsewhere
    assert upload(client, "default", "plan.txt", POLICY_DOC).status_code == 409
    assert upload(client, "产品手册_v2", "plan.txt", POLICY_DOC).status_code == 200


def test_cli_kb_commands(tmp_path, monkeypatch, capsys):
    from app import cli

    monkeypatch.setenv("WENDA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)  # no .env from the project
    assert cli.main(["kb", "create", "政策"]) == 0
    assert cli.main(["kb", "create", "a/b"]) == 2
    assert "invalid knowledge base name 'a/b'" in capsys.readouterr().err
    assert cli.main(["kb", "list"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "default\t0 documents\t0 chunks",
        "政策\t0 documents\t0 chunks",
    ]
    assert cli.main(["ask", "问题", "--kb", "nope"]) == 2
    assert "no knowledge base named 'nope'" in capsys.readouterr().err
    assert cli.main(["kb", "delete", "政策"]) == 0
    assert cli.main(["kb", "delete", "default"]) == 2
    assert cli.main(["kb", "list"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "default\t0 documents\t0 chunks"


@pytest.mark.slow
def test_cli_ingest_and_ask_in_a_kb(tmp_path, monkeypatch, capsys):
    """`wenda ingest PATH --kb NAME` creates the KB and fills it; `wenda ask --kb` answers from it only
    (real e5, two short documents)."""
    from app import cli

    monkeypatch.setenv("WENDA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    for kb, text in (("杭州", POLICY_DOC), ("宁波", MANUAL_DOC)):
        folder = tmp_path / kb
        folder.mkdir()
        (folder / "plan.txt").write_text(text, encoding="utf-8")
        assert cli.main(["ingest", str(folder), "--kb", kb, "--quiet"]) == 0
        assert f"created knowledge base {kb}" in capsys.readouterr().out
    assert cli.main(["ask", QUESTION, "--kb", "宁波", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert "35家" in answer["answer"] and all("杭州" not in p["text"] for p in answer["retrieved"])

    gold = tmp_path / "gold.jsonl"  # `wenda eval --kb` runs a gold set against that KB as it is
    item = {"id": "nb-1", "type": "number", "question": QUESTION, "answer": "35家", "must_contain": ["35家"]}
    gold.write_text(
        json.dumps({**item, "source": "plan.txt", "evidence": ["引进企业35家"]}, ensure_ascii=False)
    )
    assert cli.main(["eval", "--kb", "宁波", "--gold", str(gold), "--out", str(tmp_path / "out")]) == 0
    row = json.loads((tmp_path / "out" / "results.jsonl").read_text(encoding="utf-8"))
    assert "35家" in row["answer"] and not row.get("error")
    assert cli.main(["kb", "list"]) == 0  # the seeds were not ingested into default for it
    assert "default\t0 documents" in capsys.readouterr().out


def test_deleting_a_kb_cancels_its_uploads_first(tmp_path):
    from app.service import Wenda
    from tests.test_upload_jobs import SlowEmbedder, long_text

    settings = Settings.load(env={}, dotenv=None, data_dir=tmp_path / "data")
    service = Wenda(settings, embedder=SlowEmbedder())
    with TestClient(create_app(settings, service=service)) as client:
        assert client.post("/api/kbs", json={"name": "草稿"}).status_code == 201
        jobs = [
            client.post("/api/kbs/草稿/documents", files={"files": (f"{n}.txt", long_text().encode())}).json()
            for n in ("running", "queued")
        ]
        assert client.delete("/api/kbs/草稿").json() == {"deleted": "草稿"}
        for job in jobs:
            assert client.get(job["status_url"]).json()["status"] == "cancelled"
        names = {c.name for c in service.store().index.list_collections()}
        assert not {n for n in names if n.startswith(kb_slug("草稿"))}
        assert not (settings.data_path / "kbs" / kb_slug("草稿")).exists()
        assert [kb["name"] for kb in client.get("/api/kbs").json()["kbs"]] == ["default"]


def test_every_kb_shares_one_embedder_and_keeps_its_chain(setup):
    """The bundled model is loaded once however many KBs there are; a KB's chain is built once."""
    client, _ = setup
    make_two_kbs(client)
    service = client.app.state.wenda
    assert len({id(service.store(kb).index.embedder) for kb in service.kb_names()}) == 1
    assert service.chain("manuals") is service.chain("manuals") is not service.chain("政策")
