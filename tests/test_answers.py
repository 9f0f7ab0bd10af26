"""Extractive answers on the seeds (real e5 index): the facts a user asks for, cited from the right
document, quoted verbatim, and refusals where the documents are silent."""

from __future__ import annotations

import re

import pytest

from ingest.clean import search_text

SOURCE_000 = "000_841085c0cc8188e6.txt"
SOURCE_001 = "001_bae5a0fee72cab7a.txt"
SOURCE_002 = "002_95c493e45345613e.txt"
SOURCE_003 = "003_357a7b81d8420e82.txt"
SOURCE_004 = "004_c3448ca0670dd323.txt"


def plain(text: str) -> str:
    return re.sub(r"\s+", "", search_text(text))


CASES = [
    # (question, history, facts the answer must contain, the document its citations must come from)
    ("2008年全国生物产业总产值是多少?", None, ["11340亿元"], SOURCE_000),
    ("2006到2008年生物产业出口年均增长多少?", None, ["22%"], SOURCE_000),
    ("国家生物制造产业创新中心在哪个城市启动建设?", None, ["深圳"], SOURCE_001),
    ("国家生物制造产业创新中心是哪天启动建设的?", None, ["2023年7月14日"], SOURCE_001),
    ("重庆到2027年生物制造产业规模目标是多少?", None, ["1000亿元"], SOURCE_004),
    ("辽宁生物医药产业到2020年的年均增长速度目标是多少?", None, ["15%"], SOURCE_002),
    # lists: every item, also those past the end of the passage that introduces them; numbered items by name
    (
        "国家生物制造产业创新中心要建设哪些技术平台?",
        None,
        ["自动化生物制造平台", "生物信息计算支撑平台"],
        SOURCE_001,
    ),
    # why: the cause, in a sentence the PDF extraction broke across paragraphs; the reason in the sentence
    # after the one naming the subject; a colouring word (专门) the documents never use is no reason to refuse
    ("为什么研究人员对承担企业课题积极性不高?", None, ["评价体系"], SOURCE_000),
    ("重庆为什么要专门开展生物制造中试验证行动?", None, ["现实生产力"], SOURCE_004),
    # a bulleted list under "…的优势:"
    ("非线性互动模式有哪些优势?", None, ["缩短成果转化周期", "良性循环"], SOURCE_001),
    # traditional-script document, asked in simplified characters
    ("十四五生物经济发展规划是哪个部门发布的?", None, ["发改委"], SOURCE_003),
    ("生物经济发展规划明确了几个方面的重点任务?", None, ["5方面重点任务"], SOURCE_003),
    ("生物技术赋能健康产业体现在几个“推动”上?", None, ["3个推动"], SOURCE_003),
    # "how many" in a unit: the number counted in it (名, 家), not another figure nearby
    ("中科院创新联盟有多少家联盟企业?", None, ["170家"], SOURCE_000),
    ("重庆计划到2027年引育多少名两院院士?", None, ["两院院士1名"], SOURCE_004),
    # the kind of answer asked for: a person, an e-mail address, a period
    # 道地 is split 道/地 in the documents, 栽培技术 is not used: words the documents may segment
    # differently
    ("辽宁规划里要重点做种质选育和栽培技术攻关的道地中药材有哪些?", None, ["北防风"], SOURCE_002),
    # a name in its other form: the question says 国家发改委, the passage 国家发展与改革委员会;
    # "哪一年" wants a year
    ("辽宁的生物医药产业是哪一年被国家发改委确定为战略性新兴产业的?", None, ["2010年4月"], SOURCE_002),
    # English question about Chinese documents
    ("What was the total output value of China's bio-industry in 2008?", None, ["11340"], SOURCE_000),
    (
        "What was the scale of China's biomedicine industry at the end of 2013?",
        None,
        ["18000亿元"],
        SOURCE_002,
    ),
    ("How much state subsidy did the first batch of CAS projects receive?", None, ["5000余万元"], SOURCE_000),
    # a follow-up that only makes sense with the conversation
    (
        "那它在哪里启动的?",
        [
            {"role": "user", "content": "国家生物制造产业创新中心是哪个单位牵头组建的?"},
            {"role": "assistant", "content": "中国科学院深圳先进技术研究院牵头。"},
        ],
        ["深圳"],
        SOURCE_001,
    ),
]


@pytest.mark.parametrize("question, history, facts, source", CASES, ids=[c[0][:16] for c in CASES])
def test_answers_contain_the_facts_and_cite_the_right_document(
    seeded_chain, question, history, facts, source
):
    answer = seeded_chain.ask(question, history)
    assert not answer.refused, answer.answer
    for fact in facts:
        assert plain(fact) in plain(answer.answer), answer.answer
    assert answer.citations and all(c.source == source for c in answer.citations), [
        c.source for c in answer.citations
    ]
    assert answer.mode == "extractive"


UNANSWERABLE = [
    "上海市2025年生物医药产业产值是多少?",
    "2020年全国生物产业总产值是多少?",
    "辽宁省生物医药产业有多少从业人员?",
    "中科院促进计划的第三批项目总投资是多少?",
    "深圳的国家生物制造产业创新中心总投资是多少亿元?",
    "国家生物制造产业创新中心有多少名研究人员?",
    "重庆国际免疫研究院是哪一年成立的?",
    "湖州颐辉生物科技有限公司的法定代表人是谁?",
    "HIBIO加速营报名收费吗?",
    "国家合成生物技术创新中心是哪一年获批建设的?",
]


def test_unanswerable_questions_score_below_answerable_ones(seeded_chain):
    """The calibrated confidence ranks questions the documents do not answer under those they do (by a
    median gap of 0.14 on these: the model's e5 similarity has an AUC of 0.67 on the seeds; at the
    shipped threshold few are refused: docs/evaluation.md gives the trade-off)."""
    import statistics

    unanswerable = [seeded_chain.ask(q).confidence for q in UNANSWERABLE]
    answerable = [seeded_chain.ask(q, h).confidence for q, h, _, _ in CASES if not q.isascii()]
    assert statistics.median(unanswerable) < statistics.median(answerable) - 0.1, (unanswerable, answerable)


@pytest.mark.parametrize("question", ["\x00\x01 ???", "asdf qwer zxcv", "😀😀😀"])
def test_questions_with_nothing_to_match_are_refused(seeded_chain, question):
    answer = seeded_chain.ask(question)
    assert answer.refused and not answer.citations
    assert "没有找到" in answer.answer or "do not contain" in answer.answer


def test_every_answer_sentence_is_a_verbatim_quote_of_the_passage_it_cites(seeded_chain):
    for question, history, _, _ in CASES:
        answer = seeded_chain.ask(question, history)
        passages = {i + 1: p for i, p in enumerate(answer.retrieved)}
        for sentence, n in re.findall(r"(.+?)\[(\d+)\][。；;]?", answer.answer):
            words = plain(sentence.split("]")[-1])
            assert words in plain(passages[int(n)].text), (sentence, n)


@pytest.mark.parametrize(
    "question, fact",
    [
        ("2008年全国生物产业总产值是多少?", "11340亿元"),
        ("国家生物制造产业创新中心要建设哪些技术平台?", "生物信息计算支撑平台"),
    ],
)
def test_citation_quotes_locate_the_original_text(seeded_chain, question, fact):
    from app.config import SEEDS_DIR

    answer = seeded_chain.ask(question)
    document = (SEEDS_DIR / answer.citations[0].source).read_text(encoding="utf-8")
    for citation in answer.citations:
        assert document[citation.start : citation.end] == citation.text
        for quote in citation.quotes:
            assert document[quote["start"] : quote["end"]] == quote["text"]
    assert any(fact in q["text"] for c in answer.citations for q in c.quotes)


def test_answer_object_matches_the_design_contract(seeded_chain):
    data = seeded_chain.ask("重庆到2027年生物制造产业规模目标是多少?").to_dict()
    assert {"answer", "refused", "mode", "citations", "retrieved", "timings_ms"} <= data.keys()
    assert {"n", "source", "chunk_id", "text", "start", "end", "score"} <= data["citations"][0].keys()
    assert {"source", "chunk_id", "text", "start", "end", "score"} <= data["retrieved"][0].keys()
    assert {"retrieve", "generate", "total"} <= data["timings_ms"].keys()


def test_retrieved_context_is_budgeted_and_overlapping_chunks_are_merged(seeded_chain):
    from ingest.tokens import count_tokens

    answer = seeded_chain.ask("辽宁生物医药产业发展目标")
    assert sum(count_tokens(p.text) for p in answer.retrieved) <= seeded_chain.settings.context_tokens + 256
    spans = [(p.source, p.start, p.end) for p in answer.retrieved]
    for i, (s1, a1, b1) in enumerate(spans):
        for s2, a2, b2 in spans[i + 1 :]:
            assert not (s1 == s2 and a1 <= b2 and a2 <= b1), (
                "overlapping or adjacent passages were not merged"
            )


def test_a_passage_holding_the_questions_phrase_whole_is_shown_early(seeded_chain):
    # "生物制造重点领域" verbatim beats chunks that only share 重庆 and 行动计划 with the question
    answer = seeded_chain.ask("重庆行动计划里的生物制造重点领域有哪些?")
    assert any("生物制造重点领域" in plain(p.text) for p in answer.retrieved[:2]), [
        p.text[:40] for p in answer.retrieved
    ]


@pytest.mark.parametrize("bad", ["", "   ", None])
def test_empty_questions_are_a_clear_error(seeded_chain, bad):
    from app.errors import BadRequest

    with pytest.raises(BadRequest, match="empty"):
        seeded_chain.ask(bad)


def test_an_english_question_asked_again_embeds_only_the_question(seeded_chain):
    # the sentences an English question is matched against semantically are embedded once, then remembered
    from app.chain import WendaChain

    seeded_chain = WendaChain(seeded_chain.settings, seeded_chain.index)  # nothing remembered yet
    embedder = seeded_chain.index.embedder
    question = "What was the main business income of China's biomedicine industry in 2013?"
    before = embedder.texts_embedded
    first = seeded_chain.ask(question)
    cold = embedder.texts_embedded - before
    second = seeded_chain.ask(question)
    warm = embedder.texts_embedded - before - cold
    assert second.answer == first.answer
    assert cold > 4 and warm <= 1, (cold, warm)  # the question, once: retrieval and the answerer share it
