"""Answers over small collections built for the test (real e5, real Chroma, seconds): a list that runs
past its chunk is read on without changing what retrieval returned, and an English question over
Chinese help pages is matched by the Chinese of its words, not by a page's untranslated English lines.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow  # a real e5 index


ACCESS_CONTROL = "## 限制访问\n\n也还有许多方式来限制访问一些服务端的程序：\n\n" + "".join(
    f"- {item}\n"
    for item in (
        '配置文件: "/etc/default/program_name"',
        "后台守护进程的 Systemd 服务单元配置",
        "PAM (Pluggable Authentication Modules)",
        'super-server 使用 "/etc/inetd.conf"',
        'TCP wrapper 使用 "/etc/hosts.deny" 和 "/etc/hosts.allow"',
        'Sun RPC 使用 "/etc/rpc.conf"',
        'atd 使用 "/etc/at.allow" 和 "/etc/at.deny"',
        'crontab 使用 "/etc/cron.allow" 和 "/etc/cron.deny"',
        "Network firewall 或 netfilter 框架",
    )
)


def test_a_list_running_past_its_chunk_is_read_on_and_retrieval_is_scored_as_it_returned(
    tmp_path, chain_over
):
    """The Debian Reference's list of ways to restrict access, in chunks smaller than the list, one
    passage retrieved: the answer reads on to the last item; the passages retrieval returned are not
    changed by it, and the eval scores retrieval on them (`retrieval_spans`), not on the longer text
    the answerer read."""
    from evals.metrics import retrieval_texts
    from evals.runner import run_items

    env = {"WENDA_CHUNK_TOKENS": "80", "WENDA_CHUNK_OVERLAP": "30", "WENDA_TOP_K": "1"}
    chain = chain_over(tmp_path, {"access.md": ACCESS_CONTROL}, env)
    assert chain.index.active_chunks() >= 2
    question = "除了防火墙，还有哪些方式能限制访问服务端的程序？"
    returned = []
    search = chain.retriever.search
    chain.retriever.search = lambda *a, **k: returned.append(search(*a, **k)) or returned[-1]
    answer = chain.ask(question)
    del chain.retriever.search
    assert "/etc/inetd.conf" in answer.answer and "/etc/cron.allow" in answer.answer, answer.answer
    first = returned[0][0]
    assert first.text == ACCESS_CONTROL[first.start : first.end]  # as retrieved: not run on
    assert "/etc/cron.allow" not in first.text
    assert len(returned[0]) == 1 and "/etc/cron.allow" in "".join(p.text for p in answer.retrieved)
    assert answer.retrieved[0].start == first.start and answer.retrieved[0].end > first.end  # run on
    gold = {
        "id": "a1",
        "type": "list",
        "question": question,
        "answer": "",
        "must_contain": ["/etc/cron.allow"],
        "source": ["access.md"],
        "evidence": ['crontab 使用 "/etc/cron.allow"'],
    }
    row = run_items(chain, [gold], tmp_path / "results.jsonl", progress=False)[0]
    assert row["retrieval_spans"] == [{"chunk_id": first.chunk_id, "start": first.start, "end": first.end}]
    assert retrieval_texts(row) == [first.text]


SORT_HELP = """<html><body><main><h1>排序</h1>
<p>按字母顺序或数字顺序对选中段落排序。选择「工具 - 排序」。</p>
<p>最多可以定义三个排序关键字，并且排序关键字可以是字母和数字的组合。</p>
</main></body></html>
"""
OTHER_HELP = {  # the rest of a help collection: what makes "排序" and "段落" rare words
    "footnotes.html": "插入脚注或尾注。选择「插入 - 脚注与尾注」。编号格式在「工具 - 脚注/尾注」中设置。",
    "headers.html": "页眉和页脚是页面顶部和底部的区域，可以在其中添加页码、日期等文字。",
    "tables.html": "选择「表格 - 插入表格」可以插入表格。表格中的单元格可以合并或拆分。",
    "fields.html": "字段用于插入随文档变化的数据，例如页码、日期和文档标题。按 Ctrl+F9 显示字段名称。",
    "envelope.html": "选择「插入 - 信封」。输入信封上的收件人地址和发件人地址。",
}
STYLE_HELP = """<html><body><main><h1>段落样式</h1>
<p>为选中的段落指定段落样式。</p>
<p>Click Apply to apply the selected Paragraph Style to the defined context.</p>
</main></body></html>
"""


def _help_pages(pages: dict[str, str]) -> dict[str, str]:
    """The given help pages and the rest of the help collection (`OTHER_HELP`)."""
    rest = {name: f"<html><body><main><p>{t}</p></main></body></html>" for name, t in OTHER_HELP.items()}
    return {**rest, **pages}


def test_an_english_question_is_matched_by_the_chinese_words_retrieval_searched_for(tmp_path, chain_over):
    """LibreOffice's Chinese help keeps some lines in English: an English question's own words match
    those lines best, so the answerer matches the question by the Chinese of its words (CC-CEDICT,
    the words the collection uses), as retrieval does, and quotes the Chinese answer."""
    chain = chain_over(tmp_path, _help_pages({"sort.html": SORT_HELP, "styles.html": STYLE_HELP}))
    answer = chain.ask("How can I sort selected paragraphs alphabetically?")
    assert not answer.refused, answer.answer
    assert "工具 - 排序" in answer.answer and "Click Apply" not in answer.answer, answer.answer
    assert {c.source for c in answer.citations} == {"sort.html"}


def test_an_english_question_over_chinese_only_pages_is_answered(tmp_path, chain_over):
    """No English word of the question is in the collection: its Chinese words are, so it is not
    refused as asking about nothing the documents mention."""
    answer = chain_over(tmp_path, _help_pages({"sort.html": SORT_HELP})).ask("How do I sort paragraphs?")
    assert not answer.refused, answer.answer
    assert "工具 - 排序" in answer.answer and {c.source for c in answer.citations} == {"sort.html"}
