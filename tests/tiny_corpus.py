"""A tiny corpus for eval tests that need an index but not the real embedder: two short documents, a
gold set over them, and a hash-embedded (tests/fakes.py) index built in seconds."""

from __future__ import annotations

import json
from pathlib import Path

from app.config import Settings

DOCS = {
    "plan.txt": "宁波市生物医药产业发展行动计划\n到2025年,全市生物医药产业规模达到500亿元。\n"
    "为此,宁波将建设以下三大平台:\n一是基因测序公共服务平台;\n二是细胞治疗中试平台;\n三是医疗器械检验检测平台。\n",
    "other.txt": "杭州市数字经济发展规划。\n到2025年,数字经济核心产业增加值达到7000亿元。\n",
}
LIST_QUESTION = "宁波将建设哪些平台?"
GOLD = [
    {
        "id": "l1",
        "type": "list",
        "question": LIST_QUESTION,
        "answer": "基因测序、细胞治疗、医疗器械检验检测平台",
        "must_contain": ["基因测序", "医疗器械"],
        "source": "plan.txt",
        "evidence": ["二是细胞治疗中试平台"],
    },
    {
        "id": "h1",
        "type": "howto",
        "question": "杭州数字经济核心产业增加值的目标是多少?",
        "answer": "7000亿元",
        "must_contain": ["7000亿元"],
        "source": "other.txt",
        "evidence": ["增加值达到7000亿元"],
    },
    {
        "id": "u1",
        "type": "unanswerable",
        "question": "宁波生物医药产业有多少从业人员?",
        "answer": "文档未提及",
        "must_contain": [],
        "source": [],
        "evidence": [],
    },
]


def write_docs(folder: Path, docs: dict[str, str] = DOCS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in docs.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def write_gold(path: Path, items: list[dict] = GOLD) -> Path:
    path.write_text("\n".join(json.dumps(i, ensure_ascii=False) for i in items) + "\n", encoding="utf-8")
    return path


def hash_chain(root: Path, docs: dict[str, str] = DOCS):
    """(settings, chain) over `docs` written under `root`, indexed with the hash embedder."""
    from app.chain import WendaChain
    from app.core import chunk_settings, open_index
    from ingest.pipeline import ingest_paths
    from tests.fakes import HashEmbedder

    settings = Settings.load(env={}, dotenv=None, data_dir=root / "data")
    index = open_index(settings, HashEmbedder())
    ingest_paths(index, [write_docs(root / "docs", docs)], settings=chunk_settings(settings), progress=False)
    return settings, WendaChain(settings, index)
