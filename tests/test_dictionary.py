"""English questions reach Chinese documents through CC-CEDICT (`app/dictionary.py`), on any subject."""

from __future__ import annotations

from app.dictionary import chinese_terms
from app.retrieval import HybridRetriever, RetrievalSettings

HELP = {  # LibreOffice help, as its Chinese pages say it
    "footnote.txt": "插入脚注\n要插入脚注，请选择「插入 - 脚注与尾注 - 脚注与尾注」。\n",
    "envelope.txt": "创建信封\n选择「插入 - 信封」，在「信封」选项卡中输入收件人和发件人的地址。\n",
    "styles.txt": "页面样式\n页面样式决定页边距、页眉和页脚。\n",
}


def test_english_words_become_the_chinese_words_the_collection_uses():
    used = {"脚注": 3, "插入": 12, "尾注": 1}
    terms = chinese_terms(
        "How do I insert footnotes or endnotes?", lambda ws: {w: used.get(w, 0) for w in ws}
    )
    assert {"脚注", "插入", "尾注"} <= set(terms)  # plural and base forms alike
    assert all(t in used for t in terms)  # nothing the documents do not use


def test_an_english_question_finds_the_chinese_page_on_the_lexical_side(tmp_path):
    """BM25 alone (the hash embedder's dense side knows no language): with the dictionary the English
    question finds the envelope page; without it, it has no word to search with."""
    from tests.tiny_corpus import hash_chain

    _, chain = hash_chain(tmp_path, HELP)
    question = "How do I create an envelope with the recipient and sender address?"
    with_dictionary = HybridRetriever(chain.index, RetrievalSettings(dense_weight=0.0))
    without = HybridRetriever(chain.index, RetrievalSettings(dense_weight=0.0, dictionary=False))
    assert with_dictionary.search(question)[0].source == "envelope.txt"
    assert without.search(question) == []
