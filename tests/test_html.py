"""HTML and markdown ingest: main content only, structure as units, chunks that keep them whole."""

from __future__ import annotations

import re

import pytest

from ingest.html import html_to_text
from ingest.loaders import LoadError, load_document
from ingest.split import chunk_spans

NAV = "".join(f'<li><a href="/p{i}.html">第{i}章 导航链接</a></li>' for i in range(12))
PAGE = f"""<!DOCTYPE html><html lang="zh-CN"><head><title>安装指南</title><style>p{{color:red}}</style>
<script>var menu = "脚本";</script></head><body>
<header class="site-header"><a href="/">首页</a> <div class="logo">文档中心</div>
  <form role="search"><input type="search" placeholder="搜索文档"></form></header>
<nav class="breadcrumb"><a href="/">首页</a> › <a href="/guide">指南</a> › 安装</nav>
<div id="toc"><ul>{NAV}</ul></div>
<main>
  <h1>安装指南</h1>
  <p>本页说明如何在 Linux 上安装 wenda。</p>
  <h2>命令行安装</h2>
  <p>在终端中运行下面的命令即可完成安装：</p>
  <pre><code class="language-bash">python3 -m venv .venv
.venv/bin/pip install wenda   # 安装</code></pre>
  <h2>系统要求</h2>
  <ul><li>Python 3.11 或更高版本</li><li>两个 CPU 核心<ul><li>推荐四个</li></ul></li></ul>
  <ol><li>下载安装包。</li><li>运行安装命令。</li></ol>
  <table>
    <thead><tr><th>组件</th><th>版本</th></tr></thead>
    <tbody><tr><td>Python</td><td>3.11</td></tr><tr><td>lxml</td><td><p>5.0</p><p>或更高</p></td></tr></tbody>
  </table>
  <h2>如何卸载？</h2>
  <p>删除 .venv 文件夹即可。<br>不需要其他步骤。</p>
  <div class="related"><p>相关主题</p>
    <a href="/a">配置</a> <a href="/b">升级</a> <a href="/c">常见问题</a></div>
</main>
<footer><p>版权所有 © 2024 文档中心</p><a href="/privacy">隐私</a></footer>
</body></html>"""


@pytest.fixture()
def page(tmp_path):
    path = tmp_path / "install.html"
    path.write_text(PAGE, encoding="utf-8")
    return load_document(path).text


def test_navigation_headers_footers_and_scripts_are_gone(page):
    for chrome in ("首页", "导航链接", "文档中心", "搜索", "版权所有", "隐私", "相关主题", "脚本", "color"):
        assert chrome not in page, chrome
    assert page.startswith("# 安装指南\n\n本页说明如何在 Linux 上安装 wenda。")


def test_structure_becomes_markdown_units(page):
    assert re.findall(r"(?m)^#+ .*$", page) == ["# 安装指南", "## 命令行安装", "## 系统要求", "## 如何卸载？"]
    assert (
        "在终端中运行下面的命令即可完成安装：\n\n```bash\npython3 -m venv .venv\n"
        ".venv/bin/pip install wenda   # 安装\n```"
    ) in page
    assert (
        "- Python 3.11 或更高版本\n- 两个 CPU 核心\n  - 推荐四个\n\n1. 下载安装包。\n2. 运行安装命令。"
        in page
    )
    assert "| 组件 | 版本 |\n| --- | --- |\n| Python | 3.11 |\n| lxml | 5.0 或更高 |" in page
    assert "删除 .venv 文件夹即可。\n不需要其他步骤。" in page


@pytest.mark.parametrize("max_tokens", [40, 64, 256])
def test_chunks_keep_offsets_and_units(page, max_tokens):
    chunks = chunk_spans(page, max_tokens=max_tokens, overlap_tokens=16)
    texts = [page[c.start : c.end] for c in chunks]
    assert all(page[c.start : c.end] == t and t.strip() == t for c, t in zip(chunks, texts))
    # the command block is whole, in the same chunk as its introduction (when both fit: 48 tokens)
    code = "```bash\npython3 -m venv .venv\n.venv/bin/pip install wenda   # 安装\n```"
    intro = "在终端中运行下面的命令即可完成安装：\n\n"
    assert any((intro + code if max_tokens >= 48 else code) in t for t in texts)
    # no table row is cut, and the FAQ question (a heading ending in ？) stays with its answer
    for t in texts:
        for line in t.split("\n"):
            assert not line.startswith("|") or line.endswith("|"), line
    assert any(t.startswith("## 如何卸载？\n\n删除 .venv 文件夹即可。") for t in texts)
    assert next(c for c in chunks if "删除 .venv" in page[c.start : c.end]).heading == "安装指南 › 如何卸载？"


def test_a_page_made_mostly_of_navigation_is_not_ingested_as_navigation(tmp_path):
    menus = "".join(
        f'<div class="item"><a href="/x{i}">产品 {i}</a> | <a href="/y{i}">服务 {i}</a> | '
        f'<a href="/z{i}">支持 {i}</a></div>'
        for i in range(40)
    )
    html = (
        f'<html><body><div class="wrapper"><div id="top">{menus}</div>'
        f'<div class="content"><h1>公告</h1><p>系统将于周六凌晨停机维护两小时。</p></div>'
        f'<div class="links"><a href="/1">关于我们</a><a href="/2">联系我们</a><a href="/3">招聘</a></div>'
        f"</div></body></html>"
    )
    assert html_to_text(html) == "# 公告\n\n系统将于周六凌晨停机维护两小时。"
    path = tmp_path / "menu.html"
    path.write_text(f"<html><body><div>{menus}</div></body></html>", encoding="utf-8")
    with pytest.raises(LoadError, match="no text"):
        load_document(path)


def test_a_data_table_whose_cells_are_links_is_content_not_a_menu():
    """As in the Debian Reference: every package, popularity and size cell links somewhere."""
    rows = "".join(
        f'<tr><td><a href="/p/{name}">{name}</a></td><td><a href="/pop/{name}">V:0, I:{i}</a></td>'
        f"<td>{lang}</td></tr>"
        for i, (name, lang) in enumerate(
            [("ibus-mozc", "日文"), ("ibus-chewing", "中文 (zh_TW)"), ("ibus-rime", "中文")]
        )
    )
    html = (
        '<body><div class="navheader"><a href="/a">上一页</a><a href="/b">下一页</a>'
        '<a href="/c">起始页</a></div>'
        "<h2>IBus 支持的输入法</h2><p>下面是 IBus 和它的引擎软件包列表。</p>"
        f'<div class="table"><table><thead><tr><th>软件包</th><th>流行度</th><th>支持的语言</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div></body>"
    )
    text = html_to_text(html)
    assert "| ibus-chewing | V:0, I:1 | 中文 (zh_TW) |" in text
    assert "下一页" not in text


@pytest.mark.parametrize(
    "menu_table",
    [
        # a list of links in a layout table with a header row
        '<table><tr><th>导航</th></tr><tr><td><ul><li><a href="/a">首页</a></li><li><a href="/b">产品</a>'
        '</li><li><a href="/c">支持</a></li></ul></td></tr></table>',
        # a table of contents laid out as a table: one link per row under its header
        '<table><tr><th>目录</th></tr><tr><td><a href="#1">第一章 安装</a></td></tr>'
        '<tr><td><a href="#2">第二章 配置</a></td></tr>'
        '<tr><td><a href="#3">第三章 使用</a></td></tr></table>',
        # the only header cells are a nested data table's, not the layout table's own
        '<table><tr><td><a href="/a">首页</a> <a href="/b">产品</a> <a href="/c">支持</a></td><td>'
        "<table><tr><th>版本</th><th>日期</th></tr><tr><td>1.0</td><td>2024</td></tr></table></td></tr></table>",
    ],
)
def test_a_menu_laid_out_in_a_table_is_still_a_menu(menu_table):
    text = html_to_text(f"<body><h1>公告</h1><p>系统将于周六凌晨停机维护两小时。</p>{menu_table}</body>")
    assert "产品" not in text and "第二章" not in text
    assert "系统将于周六凌晨停机维护两小时。" in text


def test_links_inside_running_text_are_content_not_a_menu():
    """As in the Debian Reference: a sentence introduces a list of linked names, and a sentence whose
    every noun links somewhere; a list of links right under a heading is still a menu."""
    names = ("AppArmor", "SELinux", "Smack")
    items = "".join(f'<li><p><a href="https://w/{n}">{n}</a></p></li>' for n in names)
    html = (
        "<body><h2>4.7 安全模块</h2>"
        '<p><a href="https://w/lsm">Linux Security Module (LSM) 安全模块框架</a> 提供了一个'
        '<a href="https://w/mac">多方面的安全检查机制</a>，和新的内核扩展关联。例如：</p>'
        f'<div class="itemizedlist"><ul>{items}</ul></div>'
        '<p><a href="https://w/lxc">Linux 容器</a>，比如 <a href="https://w/d">Docker</a>、'
        '<a href="https://w/l">LXC</a>。参见 <a href="#v">第 9.11 节 “虚拟化系统”</a>。</p>'
        '<h3>相关主题</h3><ul><li><a href="/a">页面水印</a></li><li><a href="/b">页面背景</a></li>'
        '<li><a href="/c">页面样式</a></li></ul></body>'
    )
    text = html_to_text(html)
    assert "例如：\n\n- AppArmor\n- SELinux\n- Smack" in text
    assert "Linux 容器，比如 Docker、LXC。参见 第 9.11 节 “虚拟化系统”。" in text
    assert "页面水印" not in text


@pytest.mark.parametrize(
    "block, kept",
    [
        # a wrapper holding the sentence and the list it leads into
        (
            '<div class="para"><p>这个框架支持的安全模块，例如：</p><ul><li><a href="/a">AppArmor</a></li>'
            '<li><a href="/b">SELinux</a></li><li><a href="/c">Smack</a></li></ul></div>',
            "AppArmor",
        ),
        # links separated by commas: a footer row, not a sentence
        ('<p><a href="/p">Privacy</a>, <a href="/t">Terms</a>, <a href="/c">Contact</a></p>', None),
        # a label, not a sentence, over a list of links
        (
            '<p>另请参阅：</p><ul><li><a href="/a">页面一</a></li><li><a href="/b">页面二</a></li>'
            '<li><a href="/c">页面三</a></li></ul>',
            None,
        ),
    ],
)
def test_only_a_sentence_makes_links_running_text(block, kept):
    text = html_to_text(f"<body><h1>公告</h1><p>系统将于周六凌晨停机维护两小时。</p>{block}</body>")
    assert "系统将于周六凌晨停机维护两小时。" in text
    if kept:
        assert "这个框架支持的安全模块，例如：\n\n- AppArmor\n- SELinux" in text, text
    else:
        assert "Privacy" not in text and "页面一" not in text, text


def test_an_article_header_keeps_its_title_and_a_sidebar_wrapper_keeps_the_page():
    html = (
        '<body class="has-sidebar"><div class="layout with-sidebar"><article><header><h1>标题</h1>'
        '<p class="byline">作者：张三</p></header><p>正文第一段。</p>'
        "<footer>分享</footer></article></div></body>"
    )
    assert html_to_text(html) == "# 标题\n\n作者：张三\n\n正文第一段。"


def test_markdown_files_keep_their_units(tmp_path):
    text = (
        "# 常见问题\n\n## 如何安装？\n\n运行下面的命令：\n\n```sh\npip install wenda; wenda ingest\n"
        "# 不是标题\n```\n\n| 参数 | 含义。 |\n| --- | --- |\n| --kb | 知识库。默认 default。 |\n\n"
        "- 第一项\n- 第二项\n"
    )
    path = tmp_path / "faq.md"
    path.write_text(text, encoding="utf-8")
    loaded = load_document(path).text
    assert loaded == text
    chunks = chunk_spans(loaded, max_tokens=48, overlap_tokens=0)
    texts = [loaded[c.start : c.end] for c in chunks]
    assert "```sh\npip install wenda; wenda ingest\n# 不是标题\n```" in "\n".join(texts)
    assert any("## 如何安装？\n\n运行下面的命令：\n\n```sh" in t for t in texts)
    assert all(c.heading != "不是标题" and "不是标题 " not in c.heading for c in chunks)
    for t in texts:
        for line in t.split("\n"):
            assert not line.startswith("|") or line.endswith("|"), line


def test_short_numbered_steps_are_list_items_not_headings():
    steps = "<ol><li>选择单元格</li><li>Click OK.</li></ol>"
    text = html_to_text(f"<main><h2>步骤</h2>{steps}<h2>下一节</h2><p>正文。</p></main>")
    assert text == "## 步骤\n\n1. 选择单元格\n2. Click OK.\n\n## 下一节\n\n正文。"
    chunks = [text[c.start : c.end] for c in chunk_spans(text, max_tokens=256)]
    assert "1. 选择单元格\n2. Click OK." in chunks[0]


X11_STEPS = (
    "<main><h3>7.8.2. X 服务端远程连接</h3><ul>"
    "<li><p>在本地主机中打开一个 gnome 终端。</p></li>"
    "<li><p>通过下列命令，运行带 -X 选项的 ssh(1)，建立与远程站点的连接。</p>"
    '<pre class="screen">localname @ localhost $ ssh -q -X loginname@remotehost.domain\nPassword:</pre></li>'
    "<li><p>通过下列命令，在远程站点运行一个 X 应用程序，例如 “gitk”。</p>"
    '<pre class="screen">loginname @ remotehost $ gitk</pre></li></ul></main>'
)


def test_a_code_block_inside_a_list_item_keeps_its_lines_under_the_item():
    """The Debian Reference's steps (the `debref` corpus) hold their commands in <pre> inside <li>:
    on the item's line they read "``` … $ ssh -q -X loginname@remotehost.domain Password: ```"."""
    from app.models import Passage
    from app.quotes import QuoteFinder

    text = html_to_text(X11_STEPS)
    assert (
        "- 通过下列命令，运行带 -X 选项的 ssh(1)，建立与远程站点的连接。\n"
        "  ```\n  localname @ localhost $ ssh -q -X loginname@remotehost.domain\n  Password:\n  ```\n"
        "- 通过下列命令，在远程站点运行一个 X 应用程序，例如 “gitk”。\n"
        "  ```\n  loginname @ remotehost $ gitk\n  ```"
    ) in text
    question = "运行带 -X 选项的 ssh 建立与远程站点的连接用什么命令？"
    draft = QuoteFinder().find(question, question, [Passage("ch07.html", "c1", text, 0, len(text), 1.0)], {})
    answer = QuoteFinder.render(draft.quotes)
    code = "```\nlocalname @ localhost $ ssh -q -X loginname@remotehost.domain\nPassword:\n```"
    assert code in answer, answer


SPHINX_PAGE = """<html><body><div class="sphinxsidebar" role="navigation"><h3>Table of Contents</h3>
<ul><li><a href="#">4. More Control Flow Tools</a></li><li><a href="#if">4.1. if Statements</a></li>
<li><a href="#for">4.2. for Statements</a></li></ul></div>
<div class="body" role="main"><section id="more-control-flow-tools">
<h1>4. More Control Flow Tools<a class="headerlink" href="#more-control-flow-tools">¶</a></h1>
<p>Arguments are passed using call by value. <a class="footnote-reference brackets" href="#id2">[1]</a></p>
<p class="rubric">Footnotes</p>
<aside class="footnote-list brackets"><aside class="footnote brackets" id="id2" role="note">
<span class="label"><span class="fn-bracket">[</span>1<span class="fn-bracket">]</span></span>
<p>Actually, call by object reference would be a better description.</p></aside></aside>
</section></div>
<div class="footer">© Copyright 2001-2023, Python Software Foundation.</div></body></html>"""


def test_a_sphinx_page_keeps_its_footnotes_and_drops_the_heading_permalinks():
    """Sphinx (the Python tutorial, `pytut`) writes footnotes as <aside role="note">: content, not a
    side bar; the "¶" linking each heading to itself is not a word of the heading."""
    text = html_to_text(SPHINX_PAGE)
    assert text.startswith("# 4. More Control Flow Tools\n")
    assert "¶" not in text
    assert "Actually, call by object reference would be a better description." in text
    assert "Table of Contents" not in text and "Copyright" not in text
