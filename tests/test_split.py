"""Splitting the seeds: token limits, exact offsets, whole sentences, headings."""

from __future__ import annotations

import pytest

from app.config import SEEDS_DIR
from ingest.loaders import load_document
from ingest.split import chunk_spans, heading_level, sentence_spans
from ingest.tokens import count_tokens

SEEDS = sorted(SEEDS_DIR.glob("*.txt"))


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
@pytest.mark.parametrize("max_tokens", [128, 256])
def test_chunks_respect_the_token_limit_and_offsets(path, max_tokens):
    text = load_document(path).text
    chunks = chunk_spans(text, max_tokens=max_tokens, overlap_tokens=32)
    assert chunks
    for chunk in chunks:
        assert count_tokens(text[chunk.start : chunk.end]) <= max_tokens
        assert chunk.tokens == count_tokens(text[chunk.start : chunk.end])
        assert text[chunk.start : chunk.end].strip() == text[chunk.start : chunk.end]
    # together the chunks cover every sentence of the document
    covered = set()
    for chunk in chunks:
        covered.update(range(chunk.start, chunk.end))
    for s, e in sentence_spans(text):
        if heading_level(text[s:e]) is None:
            assert s in covered and e - 1 in covered


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_no_sentence_that_fits_is_cut(path):
    text = load_document(path).text
    chunks = chunk_spans(text, max_tokens=256, overlap_tokens=48)
    boundaries = {c.start for c in chunks} | {c.end for c in chunks}
    for s, e in sentence_spans(text):
        if count_tokens(text[s:e]) <= 256:
            assert not any(s < b < e for b in boundaries), text[s:e]


def test_sentences_end_at_chinese_and_english_punctuation_and_keep_offsets():
    text = "一、总则\n生物产业很重要。它发展很快！Is it big? Yes; it is.\n\n二、目标"
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == [
        "一、总则",
        "生物产业很重要。",
        "它发展很快！",
        "Is it big?",
        "Yes;",
        "it is.",
        "二、目标",
    ]


def test_pdf_line_breaks_inside_a_sentence_are_not_boundaries():
    text = "由于机制体制及评价体系等原因,研究人员更喜欢承担企业课题\n\n国家课题、发表论文。"
    assert sentence_spans(text) == [(0, len(text))]
    # the seed's own line: short, but a clause (it has a comma), so the sentence goes on
    text = "由于机制体制及评价体系等原因,研究人员更喜欢承担\n\n国家课题、发表论文。"
    assert sentence_spans(text) == [(0, len(text))]
    # a clause line before an item or a field of its own stays a boundary
    items = "一是加强基础研究，提升原始创新能力\n二是完善产业政策，优化营商环境"
    assert len(sentence_spans(items)) == 2
    assert len(sentence_spans("联系人：张三，电话12345678\n邮箱：a@b.cn")) == 2
    # a title line (no comma) before a paragraph stays a boundary
    title = "2、启动生物技术创新与生物产业促进计划"
    assert sentence_spans(title + "\n\n" + text) == [
        (0, len(title)),
        (len(title) + 2, len(title) + 2 + len(text)),
    ]


def test_headings_travel_with_their_chunks():
    path = SEEDS_DIR / "004_c3448ca0670dd323.txt"
    text = load_document(path).text
    chunks = chunk_spans(text)
    first = next(c for c in chunks if "以习近平新时代中国特色社会主义思想为指导" in text[c.start : c.end])
    assert first.heading == "一、总体要求"
    target = next(c for c in chunks if "实现产业规模突破1000亿元" in text[c.start : c.end])
    assert target.heading == "二、重点任务 › (三)实施生物制造产业体系建设行动"


def test_a_sentence_longer_than_the_limit_is_cut_into_pieces_within_it():
    sentence = "，".join(["生物制造产业高质量发展"] * 60) + "。"
    chunks = chunk_spans(sentence, max_tokens=64, overlap_tokens=0)
    assert len(chunks) > 1 and all(count_tokens(sentence[c.start : c.end]) <= 64 for c in chunks)
