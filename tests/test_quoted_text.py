"""What a quote shows, whatever the document's text: its numbers as written (a superscript is not a
digit), its lines when the document carries footnote labels, a tab-indented option over its
description; and a question left empty once its invisible characters go is a bad request, not
answered."""

from __future__ import annotations

import pytest

from app.citations import CitationChecker
from app.errors import BadRequest
from app.models import Passage
from app.quote_joining import join_quotes
from app.quotes import QuoteFinder
from tests.tiny_corpus import hash_chain


def _answer(text: str, question: str, source: str = "doc.txt") -> str:
    passage = Passage(source, "c1", text, 0, len(text), 1.0)
    draft = QuoteFinder().find(question, question, [passage], {})
    return CitationChecker().check(QuoteFinder.render(join_quotes(draft.quotes, [passage])), [passage]).text


def test_a_quote_keeps_the_documents_superscripts_and_units():
    text = "光在真空中的速度约为 3×10⁸ 米每秒。标准实验室的面积为 120㎡。"
    answer = _answer(text, "光在真空中的速度是多少？")
    assert "3×10⁸" in answer and "108" not in answer, answer  # NFKC would have said 3×108
    assert "120㎡" in _answer(text, "标准实验室的面积是多少？")


def test_a_footnote_label_in_a_quote_does_not_cost_the_answer_its_lines(tmp_path):
    docs = {
        "install.md": "# 安装扩展\n\n安装扩展的步骤如下 [3]：\n\n1. 执行以下命令：\n\n"
        "```bash\nunopkg add example.oxt\n```\n\n2. 重新启动程序。\n"
    }
    _, chain = hash_chain(tmp_path, docs)
    answer = chain.ask("安装扩展的步骤是什么？")
    assert not answer.refused
    lines = answer.answer.splitlines()
    assert "```bash" in lines and "unopkg add example.oxt" in lines, answer.answer  # a block, on its lines
    assert any(line.startswith("1. ") for line in lines), answer.answer
    assert "[3]" not in answer.answer and not answer.dropped


def test_a_description_indented_with_tabs_comes_after_its_option():
    # a man page written with tabs: two tabs (column 16) are deeper than the option's 8 spaces
    text = (
        "        --verbose\n\t\tPrint a line for every file processed.\n\n"
        "        --quiet\n\t\tPrint nothing.\n"
    )
    answer = _answer(text, "How do I print a line for every file processed?", "tool.1.txt")
    assert answer.index("--verbose") < answer.index("Print a line"), answer


@pytest.mark.parametrize("question", ["\u200b\u200b", "\x00", "\u200b \u2060\n"])
def test_a_question_of_invisible_characters_only_is_a_bad_request(tmp_path, question):
    _, chain = hash_chain(tmp_path)
    with pytest.raises(BadRequest, match="no visible characters"):
        chain.ask(question)
