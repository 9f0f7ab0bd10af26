"""`python -m evals.ablate` switches off the rule it names, and only for the run: the figures in
docs/evaluation.md ("What each rule of the answer path earns") measure what they say."""

from __future__ import annotations

import pytest

from app.models import Passage
from app.quotes import QuoteFinder
from evals.ablate import ABLATIONS, main, switched_off

WATERMARK = "选择水印的旋转角度。文本将以逆时针方向按该角度旋转。"


def _quantity_signal() -> float:
    passage = Passage("watermark.html", "c1", WATERMARK, 0, len(WATERMARK), 1.0)
    question = "水印默认的旋转角度是多少度？"
    return QuoteFinder().find(question, question, [passage], {}).signals["quantity"]


@pytest.mark.parametrize("rule", sorted(ABLATIONS))
def test_every_rule_names_something_that_exists(rule):
    with switched_off(rule):
        pass


def test_a_rule_is_off_inside_the_run_and_back_after_it():
    assert _quantity_signal() == 0.0
    with switched_off("quantity"):
        assert _quantity_signal() == 1.0
    assert _quantity_signal() == 0.0


def test_an_unknown_rule_is_a_clear_error(capsys):
    with pytest.raises(SystemExit):
        main(["--rules", "runner_up,no_such_rule"])
    assert "unknown rule no_such_rule" in capsys.readouterr().err


PRIORITIES = (
    "每一个软件包都被维护者赋予了一个优先级。优先级有：\n\n"
    "- 必需（Required）：系统正常运行必需的软件包。这包括了修复系统故障所必需的软件包。\n"
    "- 重要（Important） 软件包应当能在任何类 Unix 系统上找到。\n"
)


def _priorities_answer() -> str:
    passage = Passage("faq.html", "c1", PRIORITIES, 0, len(PRIORITIES), 1.0)
    question = "软件包有哪几种优先级？"
    return QuoteFinder.render(QuoteFinder().find(question, question, [passage], {}).quotes)


@pytest.mark.parametrize(
    "rule, gone",
    [("structure", "- 重要"), ("item_lines", "这包括了修复系统故障"), ("paragraph", "- 必需")],
)
def test_each_window_rule_switched_off_changes_the_answer_it_shapes(rule, gone):
    assert gone in _priorities_answer()
    with switched_off(rule):
        assert gone not in _priorities_answer()
    assert gone in _priorities_answer()
