"""Cleaning, on lines taken from the seeds themselves."""

from __future__ import annotations

from ingest.clean import display_text, normalize_query, search_text


def test_spaces_between_cjk_characters_from_the_pdf_seed_are_removed():
    assert (
        search_text("创新机制 探索生物技术战略新兴产业规 模化发展之路")
        == "创新机制探索生物技术战略新兴产业规模化发展之路"
    )
    assert search_text(
        '2007年国务院转发的《生物产业发 展"十一五"规划》'
        "是我国第一次将生物产业作为国民经济 和社会发展的一个重要战略产业"
    ) == (
        '2007年国务院转发的《生物产业发展"十一五"规划》'
        "是我国第一次将生物产业作为国民经济和社会发展的一个重要战略产业"
    )


def test_lines_broken_mid_sentence_are_joined():
    broken = (
        "由于机制体制及评价体系等原因,研究人员更喜欢承担\n\n"
        "国家课题、发表论文,对承担企业课题和技术研发、创新积 极性不够。"
    )
    assert search_text(broken) == (
        "由于机制体制及评价体系等原因,研究人员更喜欢承担"
        "国家课题、发表论文,对承担企业课题和技术研发、创新积极性不够。"
    )


def test_pinyin_annotations_of_the_traditional_seed_are_removed_and_simplified():
    line = "5月10日,國家發(fā)改委發(fā)布《“十四五”生物經(jīng)濟發(fā)展規(guī)劃》"
    assert search_text(line) == "5月10日,国家发改委发布《“十四五”生物经济发展规划》"
    # display keeps the document's script but drops the annotations
    assert display_text(line) == "5月10日,國家發改委發布《“十四五”生物經濟發展規劃》"


def test_parentheses_that_are_not_pinyin_survive():
    assert search_text("行动计划(2024—2027年)(征求意见稿)") == "行动计划(2024—2027年)(征求意见稿)"
    assert search_text("生物产业(bioindustry) 发展") == "生物产业(bioindustry) 发展"


def test_full_width_forms_are_normalised():
    assert search_text("ＧＤＰ增长１５％，规模１８０００亿元") == "GDP增长15%,规模18000亿元"


def test_questions_are_normalised_like_documents():
    assert normalize_query("生物經濟發展規劃有哪些任務？") == "生物经济发展规划有哪些任务?"
