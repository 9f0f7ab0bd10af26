"""An English collection (pages like the Python tutorial, the `pytut` corpus), through the real chain
with the real e5 embedder: English questions are searched by their own words, a word finds its other
forms, a Chinese question is answered from English pages, and a quote's own "[0]" (or a code block's
"[1, 4, 9]") is not taken for a citation marker.
"""

from __future__ import annotations

import pytest

from app.retrieval import lexical_tokens

pytestmark = pytest.mark.slow  # a real e5 index

VENV = """<html><head><title>12. Virtual Environments and Packages</title></head><body>
<div class="body" role="main"><h1>12. Virtual Environments and Packages</h1>
<p>The module used to create and manage virtual environments is called venv. To create a virtual
environment, decide upon a directory where you want to place it, and run the venv module as a script
with the directory path:</p>
<pre>python3 -m venv tutorial-env</pre>
<p>Once you have created a virtual environment, you may activate it.</p>
</div></body></html>
"""

INTERPRETER = """<html><head><title>2. Using the Python Interpreter</title></head><body>
<div class="body" role="main"><h1>2. Using the Python Interpreter</h1>
<h2>2.1.1. Argument Passing</h2>
<p>When known to the interpreter, the script name and additional arguments thereafter are turned into
a list of strings and assigned to the argv variable in the sys module. The length of the list is at
least one; when no script and no arguments are given, sys.argv[0] is an empty string.</p>
</div></body></html>
"""

LOOPS = """<html><head><title>4. More Control Flow Tools</title></head><body>
<div class="body" role="main"><h1>4. More Control Flow Tools</h1>
<p>The break statement breaks out of the innermost enclosing for or while loop.</p>
<p>To loop over a sequence in reverse, first specify the sequence in a forward direction and then
call the reversed() function.</p>
<h2>5.1.3. List Comprehensions</h2>
<p>A list comprehension makes a list of squares in one line:</p>
<pre>&gt;&gt;&gt; squares = [x**2 for x in range(1, 8)]
&gt;&gt;&gt; squares
[1, 4, 9, 16, 25, 36, 49]</pre>
</div></body></html>
"""


@pytest.fixture(scope="module")
def chain(tmp_path_factory, chain_over):
    pages = {"venv.html": VENV, "interpreter.html": INTERPRETER, "controlflow.html": LOOPS}
    return chain_over(tmp_path_factory.mktemp("english"), pages)


def test_an_english_question_is_searched_by_its_own_words(chain):
    """With no Chinese in the collection, the lexical side searches the question's English words (it
    used to search only their Chinese, and found nothing)."""
    index = chain.retriever.index
    tokens = lexical_tokens("How do I create a virtual environment?", used=index.lexical.document_frequency)
    assert {"virtual", "environ"} <= set(tokens)  # "environment" by its stem
    hits = index.lexical_search(tokens, 3)
    assert hits and hits[0][0].source == "venv.html"


def test_an_english_word_finds_its_other_forms(chain):
    """A word finds the page that says it in another form ("directories": "directory"; "assigning":
    "assigned"): the lexical index holds English words by their stems (the words alone are in no chunk)."""
    index = chain.retriever.index
    for word, page in (("directories", "venv.html"), ("assigning", "interpreter.html")):
        hits = index.lexical_search([word], 3)
        assert hits and hits[0][0].source == page


def test_a_chinese_question_is_answered_from_english_pages(chain):
    """None of its Chinese words is in the collection: it is searched and scored by their English
    (CC-CEDICT), not refused for using no word the documents use."""
    answer = chain.ask("想倒着遍历一个列表，用哪个函数？")
    assert answer.confidence > 0  # the word gate refuses at confidence 0
    assert answer.retrieved[0].source == "controlflow.html"


def test_a_quoted_subscript_is_not_read_as_a_citation_marker(chain):
    """A quote's "sys.argv[0]" stays as written: checking the answer used to read "[0]" as a marker
    citing passage 0, drop it and rewrite the quote as "sys.argv[1]"."""
    answer = chain.ask("What is in sys.argv[0] when no script and no arguments are given?")
    assert not answer.refused
    assert "sys.argv[0] is an empty string" in answer.answer
    assert not answer.dropped


def test_a_code_blocks_list_of_numbers_is_not_read_as_citation_markers(chain):
    """The "[1, 4, 9, …]" a quoted session prints is the code's: read as markers it cited passages that
    were not given, and the rewritten answer lost the code block's lines."""
    answer = chain.ask("How do I make a list of squares with a list comprehension?")
    assert "squares = [x**2 for x in range(1, 8)]\n>>> squares\n[1, 4, 9, 16, 25, 36, 49]" in answer.answer
    assert not answer.dropped
