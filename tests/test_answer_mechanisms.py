"""The extractive answerer's general mechanisms, on documents unlike the seeds (a help page, a man
page, a product sheet), through the real chain with the real e5 embedder (a tiny index: seconds).

Structure, not wording, decides what belongs together: a sentence that introduces a command brings
the command; two questions in one message get two answers; a Chinese numeral answers "多少"; and
refusal is the calibrated confidence.
"""

from __future__ import annotations

import pytest

from app.questions import split_questions

pytestmark = pytest.mark.slow  # a real e5 index

HELP_PAGE = """<html><head><title>安装</title></head><body>
<nav><a href="/">首页</a> › <a href="/guide">指南</a></nav>
<main><h1>安装扩展</h1>
<p>扩展可以为程序增加新功能。要从命令行安装扩展，请执行以下命令：</p>
<pre><code>unopkg add --shared example.oxt</code></pre>
<p>安装完成后需要重新启动程序。</p>
<h2>卸载扩展</h2>
<p>要卸载扩展，请在扩展管理器中选择该扩展，然后单击“删除”。</p>
</main><footer>版权所有 © 示例基金会</footer></body></html>
"""

MAN_PAGE = """LS(1)

名称
       ls - 列目录内容

描述
       列出 FILE 的信息。默认为当前目录。

       -a, --all
              不隐藏任何以 . 开始的项目

       -l     使用较长格式列出信息

       -r, --reverse
              逆序排列
"""

PRODUCT_SHEET = """星河一号发酵罐

星河一号是由东方生物装备研究所研制的大型发酵罐。该设备年产能为八百吨，能耗比上一代降低三成。
设备采用不锈钢罐体，容积为五十立方米。
"""


PRIORITIES = """软件包优先级

每一个软件包都被维护者赋予了一个优先级。优先级有：

- 必需（Required）：系统正常运行必需的软件包。这包括了修复系统故障所必需的软件包。
- 重要（Important） 软件包应当能在任何类 Unix 系统上找到。
"""


@pytest.fixture(scope="module")
def chain(tmp_path_factory, chain_over):
    pages = {
        "extensions.html": HELP_PAGE,
        "ls.1.txt": MAN_PAGE,
        "fermenter.txt": PRODUCT_SHEET,
        "priorities.txt": PRIORITIES,
    }
    return chain_over(tmp_path_factory.mktemp("mechanisms"), pages)


def test_a_command_after_its_introduction_is_quoted(chain):
    answer = chain.ask("怎样用命令行安装扩展？")
    assert not answer.refused, answer.answer
    assert "unopkg add --shared example.oxt" in answer.answer
    assert "```" in answer.answer  # shown as a code block
    assert answer.answer.index("请执行以下命令") < answer.answer.index("unopkg")
    assert "首页" not in answer.answer and "版权所有" not in answer.answer


DROP_CAP_HELP = """### 行

输入首字下沉要占据的行数 (从段落第一行开始向下计算)。较短的段落不会应用首字下沉。选择范围限制为 2-9 行。

### 字符数

输入要转换为首字下沉的字符数。
"""


def test_a_best_sentence_brings_the_rest_of_its_paragraph():
    """LibreOffice's help on drop caps: the sentence that matches "占几行" best is the first, the fact
    asked for (2-9) is two sentences on, in the same paragraph; the next section stays out."""
    from app.models import Passage
    from app.quotes import QuoteFinder

    passage = Passage("drop_caps.html", "c1", DROP_CAP_HELP, 0, len(DROP_CAP_HELP), 1.0)
    question = "首字下沉要占几行？"
    draft = QuoteFinder().find(question, question, [passage], {})
    text = QuoteFinder.render(draft.quotes)
    assert "输入首字下沉要占据的行数" in text and "2-9 行" in text
    assert "字符数" not in text


TABLE_MODES_HELP = (
    "## 行/列行为\n\n"
    "要设置表格的「行/列行为」选项，请点击「工具 - 选项 - LibreOffice Writer - 表格」。"
    "当您插入或删除单元格、行或列时，「行为」选项将决定对相邻元素的影响。表格有三种行为模式：\n\n"
    "- 固定 - 修改只会影响相邻的单元格，而不会影响整个表格。\n"
    "- 固定成比例 - 修改会影响整个表格，宽单元格的缩小幅度大于窄单元格。\n"
    "- 可变 - 修改会影响表格的大小。\n"
)


def test_a_sentence_introducing_a_list_brings_it_when_it_is_not_the_best_one():
    """The best sentence says where the option is; a later sentence of its paragraph introduces the
    modes with a colon: the items come with it (they hold the answer), as they would for the best one."""
    from app.models import Passage
    from app.quotes import QuoteFinder

    passage = Passage("tables.html", "c1", TABLE_MODES_HELP, 0, len(TABLE_MODES_HELP), 1.0)
    question = "表格的行/列行为有哪几种模式？"
    draft = QuoteFinder().find(question, question, [passage], {})
    text = QuoteFinder.render(draft.quotes)
    assert "固定成比例" in text and "可变" in text, text


def test_a_chinese_numeral_answers_how_much(chain):
    answer = chain.ask("星河一号的年产能是多少？")
    assert not answer.refused, answer.answer
    assert "八百吨" in answer.answer


def test_two_questions_in_one_message_get_two_answers(chain):
    assert split_questions("它叫什么？是哪家单位研制的？") == ["它叫什么？", "是哪家单位研制的？"]
    answer = chain.ask("星河一号是哪家单位研制的？年产能是多少？")
    assert not answer.refused, answer.answer
    assert "东方生物装备研究所" in answer.answer and "八百吨" in answer.answer


def test_a_sentence_two_questions_both_find_is_quoted_once(chain):
    """The second question's best sentence is the first item's second sentence, already quoted with
    its item for the first question: it is not repeated."""
    answer = chain.ask("软件包的优先级有哪些？修复系统故障需要哪些软件包？")
    assert not answer.refused, answer.answer
    assert answer.answer.count("这包括了修复系统故障所必需的软件包") == 1, answer.answer


def test_refusal_is_the_calibrated_confidence(chain):
    """Refused exactly when the calibrated confidence is under the threshold. (This near miss — the
    sheet names the product but no price — is not told apart: it scores 0.36 against the answered
    question's 0.34; docs/evaluation.md gives the refusal trade-off per corpus.)"""
    answered = chain.ask("星河一号的年产能是多少？")
    near_miss = chain.ask("星河一号的售价是多少美元？")
    for answer in (answered, near_miss):
        assert answer.refused == (answer.confidence < chain.refusal_threshold)
    assert set(answered.signals) >= {"similarity", "numbers", "english", "lexical", "coverage", "unseen"}
    assert answered.to_dict()["confidence"] == answered.confidence
    nothing_to_match = chain.ask("Zylophant quaxirel?")  # no word the collection uses
    assert nothing_to_match.refused and nothing_to_match.confidence == 0.0


def test_a_stricter_refusal_threshold_refuses_what_the_calibrated_one_answers(chain):
    """WENDA_REFUSAL_THRESHOLD moves along the trade-off: the same answer, the same confidence, now
    under the user's threshold, is a refusal."""
    from app.chain import WendaChain
    from app.config import Settings

    answered = chain.ask("星河一号的年产能是多少？")
    assert not answered.refused and answered.confidence < 0.99
    settings = Settings.load(
        env={"WENDA_REFUSAL_THRESHOLD": "0.99"}, dotenv=None, data_dir=chain.settings.data_dir
    )
    strict = WendaChain(settings, chain.index)
    assert strict.refusal_threshold == 0.99
    refused = strict.ask("星河一号的年产能是多少？")
    assert refused.refused and refused.confidence == answered.confidence
    assert "八百吨" not in refused.answer


def test_an_answer_whose_quotes_are_all_dropped_is_a_refusal(chain):
    """A checker that supports nothing leaves no sentence: the answer says the documents do not hold
    one (refused, with what was dropped) instead of an empty answer."""
    from app.citations import CitationChecker

    answerer = chain.extractive
    saved = answerer.checker
    answerer.checker = CitationChecker(lexical_threshold=1.01, semantic_threshold=1.01)
    try:
        answer = chain.ask("星河一号的年产能是多少？")
    finally:
        answerer.checker = saved
    assert answer.refused and answer.answer.strip() and not answer.citations
    assert answer.dropped and answer.confidence == 0.0  # refused at any threshold of the refusal sweep


def test_the_confidence_signals_do_not_depend_on_the_process(tmp_path):
    """Words of equal rarity are taken in a fixed order, whatever order Python's string hashing gives
    a set in this process (it varies with PYTHONHASHSEED): the same question gets the same signals."""
    import json
    import os
    import subprocess
    import sys

    script = (
        "import json\n"
        "from app.quotes import QuoteFinder\n"
        "from app.models import Passage\n"
        "text = '星河一号是由东方生物装备研究所研制的大型发酵罐。'\n"
        "p = Passage('a.txt', 'c', text, 0, len(text), 1.0)\n"
        "q = '星河一号 容积 售价 保修 产地 颜色是多少？'\n"
        "print(json.dumps(QuoteFinder().find(q, q, [p], {}).signals, sort_keys=True))\n"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
        ).stdout
        for seed in range(6)
    }
    assert len(runs) == 1, runs
    assert json.loads(runs.pop())["specific"] > 0


def test_a_traditional_document_is_as_sure_an_answer_as_its_simplified_twin():
    """Sentences are compared with the question the way their chunks were embedded (simplified,
    repaired), so a simplified question is as sure of a traditional page as of its simplified twin:
    compared as written, this example's confidence was under the refusal threshold (0.29)."""
    from app.confidence import Calibration
    from app.models import Passage
    from app.quotes import QuoteFinder
    from app.sentence_vectors import SentenceVectors
    from ingest.clean import search_text
    from ingest.embeddings import LocalE5Embedder

    traditional = "fold 預設把每一行折成 80 欄。使用 -s 選項時在空白處斷行。"
    simplified = search_text(traditional)
    assert simplified != traditional
    finder = QuoteFinder(SentenceVectors(LocalE5Embedder()))
    question = "fold 默认折成几栏？"
    found = [
        finder.find(question, question, [Passage("fold.txt", "c", text, 0, len(text), 1.0)], {})
        for text in (traditional, simplified)
    ]
    assert found[0].signals["similarity"] == pytest.approx(found[1].signals["similarity"], abs=1e-5)
    calibration = Calibration.for_embedder(LocalE5Embedder().key)
    sure = [calibration.probability(f.signals) for f in found]
    assert sure[0] == pytest.approx(sure[1], abs=1e-4)
    assert found[0].quotes[0].text.startswith("fold 預設")  # the quote keeps the document's own script
