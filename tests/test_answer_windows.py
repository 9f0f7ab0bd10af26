"""What the quote finder takes around its best sentence, on text from the Debian FAQ (the `debfaq`
corpus) and man pages (`mandev`): list items of several sentences, whether a question asking for a
quantity got one (a number inside a name is none), an option's term over its description, a page header
left out, a paragraph groff wrapped over lines read whole.
Lexical scoring alone (no embedder): these are structure, not wording.
"""

from __future__ import annotations

from app.confidence import Calibration
from app.extractive import answered_quotes
from app.models import Passage
from app.quote_joining import join_quotes
from app.quotes import QuoteFinder

PRIORITIES = (
    "## 7.7. 什么是必备、必需、重要、标准、可选和额外软件包？\n\n"
    "每一个 Debian 软件包都被发行版的维护者赋予了一个优先级，以辅助软件包管理系统。优先级有：\n\n"
    "- 必需（Required）：系统正常运行必需的软件包。 这包括了所有修复系统故障所必需的软件包。"
    "您不可以卸载这些软件包，否则您的系统可能完全损坏，而您甚至可能无法使用 dpkg 来修复它。"
    "只包含“必需”软件包的系统或许无法使用，但却足以让系统管理员引导系统并安装更多软件。\n"
    "- 重要（Important） 软件包应当能在任何类 Unix 系统上找到。\n"
    "- 标准（Standard） 软件包是任何 Linux 系统的标准组成部分。\n"
    "- 可选（Optional） 软件包包括了所有在您不认识它们的情况下可能想要安装的软件包。\n"
)


def _answer(text: str, question: str, source: str = "faq.html"):
    passage = Passage(source, "c1", text, 0, len(text), 1.0)
    draft = QuoteFinder().find(question, question, [passage], {})
    return draft, QuoteFinder.render(join_quotes(draft.quotes, [passage]))  # as the answerer shows it


def test_every_item_of_a_list_comes_each_on_its_line_with_a_short_items_sentences():
    _, text = _answer(PRIORITIES, "Debian 软件包都有哪几种优先级？")
    lines = text.splitlines()
    items = [line for line in lines if line.startswith("- ")]
    assert [line.split("(")[0] for line in items] == ["- 必需", "- 重要", "- 标准", "- 可选"], text
    # the first item's second sentence stays on its line; its long remainder is left out, so the
    # items after it still fit
    assert "这包括了所有修复系统故障所必需的软件包" in items[0]
    assert "系统管理员引导系统" not in text


TASKS = (
    "重点任务如下：\n"
    "一是提升创新能力，加快突破生物制造领域的关键核心技术。二是培育产业集群，建设一批特色鲜明的产业园区。"
    "三是优化发展环境，完善金融财税等配套政策措施。四是加强人才队伍建设，引进一批高层次创新团队。\n"
)


def test_items_that_share_a_line_all_come():
    """Policy text runs its items on one line ("一是…。二是…。"): each opens an item of its own."""
    _, text = _answer(TASKS, "重点任务有哪些？")
    assert all(f"{n}是" in text for n in "一二三四"), text


def test_a_long_items_left_out_rest_stays_out():
    page = (
        "优先级有：\n\n"
        "- 必需（Required）：系统正常运行必需的软件包。"
        + "您不可以卸载这些软件包，否则系统可能完全损坏。"
        * 3
        + "请谨慎。\n"
        "- 可选（Optional） 软件包包括了所有可能想要安装的软件包。\n"
    )
    _, text = _answer(page, "软件包有哪几种优先级？")
    assert "- 可选" in text and "请谨慎" not in text, text


def test_a_question_asking_for_a_quantity_is_less_sure_of_a_quote_stating_none():
    """LibreOffice's help names the watermark's angle setting but no default: "多少度" wants a number the
    quote lacks; "在哪里设置" does not, and a quote stating the angle has one."""
    watermark = "选择水印的旋转角度。文本将以逆时针方向按该角度旋转。"
    asked, _ = _answer(watermark, "水印默认的旋转角度是多少度？")
    how, _ = _answer(watermark, "水印的旋转角度在哪里设置？")
    stated, _ = _answer("水印默认的旋转角度为四十五度。", "水印默认的旋转角度是多少度？")
    assert asked.signals["quantity"] == 0.0
    assert how.signals["quantity"] == 1.0 and stated.signals["quantity"] == 1.0
    model = Calibration.load()
    assert model.probability(asked.signals) < model.probability({**asked.signals, "quantity": 1.0})


ANNOTATED = (  # the seeds' traditional document (003), pinyin after some characters, as extracted
    "與此同時,聯(lián)合多家知名投資機構(gòu)、行業(yè)協(xié)會、專家、媒體等打造的技能培訓平臺HIBIO.創(chuàng)新"
    "加速營,為企業(yè)、科研院所、高校等機構(gòu)在原始創(chuàng)新、科技成果轉(zhuǎn)化、產(chǎn)品研發(fā)、生產(chǎn)"
    "及上市等方面提供全周期的成長加速服務(wù),賦能科技創(chuàng)新。目前,已舉辦10場,1000+企業(yè)參與活動,"
    "350+企業(yè)在加速營活動產(chǎn)業(yè)生態(tài)鏈接。\n"
)


def test_a_paragraphs_length_is_counted_as_the_reader_sees_it():
    """The pinyin annotations the answer drops do not count against the paragraph's length: the
    sentence after the best one, which holds the number asked for, still comes."""
    from app.answer_window import PARAGRAPH_TOKENS
    from ingest.clean import display_text
    from ingest.tokens import encoding

    tokens = encoding().encode
    assert len(tokens(ANNOTATED.strip())) > PARAGRAPH_TOKENS >= len(tokens(display_text(ANNOTATED)))
    _, text = _answer(ANNOTATED, "HIBIO创新加速营为企业提供什么服务？")
    assert "已舉辦10場" in text, text
    assert "(lián)" not in text


FLOATS = (  # the Python tutorial (the `pytut` corpus): two English sentences of ~340 characters, ~70 tokens
    "Almost all machines today (November 2000) use IEEE-754 floating point arithmetic, and almost all "
    "platforms map Python floats to IEEE-754 \u201cdouble precision\u201d. 754 doubles contain 53 bits of "
    "precision, so on input the computer strives to convert 0.1 to the closest fraction it can of the "
    "form J/2**N where J is an integer containing exactly 53 bits.\n\n"
    "Rewriting 1 / 10 ~= J / (2**N) as J ~= 2**N / 10 and recalling that J has exactly 53 bits, the best "
    "value for N is 56.\n"
)


def test_a_paragraph_is_measured_in_tokens_so_english_gets_what_chinese_gets():
    """Counted in characters, an English paragraph's second sentence (the 53 bits asked for) was past the
    limit that lets a Chinese paragraph of the same content through; in tokens it comes."""
    question = "Python floats are IEEE-754 doubles on almost all machines: how many bits of precision?"
    _, text = _answer(FLOATS, question)
    assert text.startswith("Almost all machines today"), text
    assert "53 bits of precision" in text, text
    assert "the best value for N" not in text  # the next paragraph stays out


NETWORKD = (
    "## 5.3. 没有图像界面的现代网络配置\n\n"
    "使用 systemd 的系统中，可以在 /etc/systemd/network/ 里配置网络。\n\n"
    'DHCP 客户端的配置可以通过创建 "/etc/systemd/network/dhcp.network" 文件来进行设置。例如：\n\n'
    "```\n[Match]\nName=en*\n\n[Network]\nDHCP=yes\n```\n\n"
    '一个静态网络配置能够通过创建 "/etc/systemd/network/static.network" 来设置.比如：\n\n'
    "```\n[Match]\nName=en*\n\n[Network]\nAddress=192.168.0.15/24\nGateway=192.168.0.1\n```\n"
)


def test_a_quoted_code_block_keeps_its_lines():
    """The Debian reference's networkd example (the `debref` corpus): a config file squashed onto one
    line ("[Match] Name=en* [Network] DHCP=yes") is not the file the reader has to write."""
    _, text = _answer(NETWORKD, "DHCP 客户端怎么配置？", source="ch05.zh-cn.html")
    assert "```\n[Match]\nName=en*\n\n[Network]\nDHCP=yes\n```" in text, text
    assert text.index("dhcp.network") < text.index("```")  # the sentence introducing it comes first


WHICH_PACKAGE = (
    "## 8.5. 如何查出一个特定的文件属于哪个软件包？\n\n"
    "要获得名为 foo 的文件所属的软件包，可选择以下命令中的一个：\n\n"
    "- dpkg --search foo 这会在已安装的软件包中搜索 foo。另一个更快的方法是使用 dlocate 工具。"
    " ``` dlocate -S foo ```\n"
    "- zgrep foo Contents-ARCH.gz 这会找出所有完整路径名中含有子串 foo 的文件。"
    "这个方法相比于 dpkg --search 的优点是可以找到未在您的系统上安装的软件包的文件。\n"
    "- apt-file search foo 如果您安装了 apt-file 软件包，和上一个类似，它可以找到完整路径名中含有子串"
    "或正则表达式 foo 的文件。\n"
)


def test_a_code_block_written_on_one_line_inside_an_item_does_not_end_the_list():
    """The Debian FAQ's list items carry their code on the item's line ("``` dlocate -S foo ```"): a
    fence that closes where it opens is a whole block, so the items after it are still quoted."""
    _, text = _answer(WHICH_PACKAGE, "要查文件属于哪个软件包，可选择哪些命令？")
    assert [line.split(" ")[1] for line in text.splitlines() if line.startswith("- ")] == [
        "dpkg",
        "zgrep",
        "apt-file",
    ], text


def test_a_block_fenced_with_tildes_is_quoted_as_a_block():
    """The HTML converter fences with ~~~ the code that holds ```: the introducing line brings it, and
    it is shown on lines of its own, its marker under it."""
    page = "## 代码块\n\n在 Markdown 里写一个代码块的方法如下：\n\n~~~\n```\necho hi\n```\n~~~\n\n其他。\n"
    _, text = _answer(page, "Markdown 里怎么写一个代码块？")
    assert text.endswith("如下:[1]\n~~~\n```\necho hi\n```\n~~~\n[1]"), text


# man pages (the `mandev` corpus, rendered by groff): an option's term on its own line, its description
# indented under it
SCP_OPTIONS = (
    "     -i identity_file\n"
    "             Selects the file from which the identity (private key) for public key\n"
    "             authentication is read.\n\n"
    "     -l limit\n"
    "             Limits the used bandwidth, specified in Kbit/s.\n\n"
    "     -o ssh_option\n"
    "             Can be used to pass options to ssh in the format used in ssh_config(5).\n"
)
DD_OPTIONS = (
    "DD(1)                       General Commands Manual                      DD(1)\n\n"
    "DESCRIPTION(描述)\n"
    "       当进行非强制的转换的时候，使用指定的输入和输出块大小拷贝文件。\n\n"
    "       skip=blocks\n"
    "              在拷贝之前，跳过输入文件的前 blocks 块，每块大小为 ibs-byte 字节。\n"
)


def test_a_quoted_description_comes_with_the_option_it_describes():
    _, text = _answer(SCP_OPTIONS, "How do I limit the bandwidth scp uses?", "scp.1.txt")
    assert text.startswith("-l limit[1]"), text
    assert "Limits the used bandwidth" in text
    _, text = _answer(DD_OPTIONS, "用 dd 拷贝时怎么跳过输入文件开头的几块？", "dd.1.txt")
    assert text.startswith("skip=blocks[1]"), text


# resolv.conf(5), the `manen` corpus: the sentence asked for is not its description's first
RESOLV_OPTIONS = (
    "              rotate Sets RES_ROTATE in _res.options, which causes round-robin\n"
    "                     selection of name servers from among those listed.\n\n"
    "              use-vc (since glibc 2.14)\n"
    "                     Sets RES_USEVC in _res.options.  This option forces the\n"
    "                     use of TCP for DNS resolutions.\n\n"
    "       The search keyword of a system's resolv.conf file can be overridden.\n"
)


def test_a_later_sentence_of_a_description_comes_with_its_option_too():
    page = "resolv.conf.5.txt"
    _, text = _answer(RESOLV_OPTIONS, "How do I force the use of TCP for DNS resolutions?", page)
    assert "This option forces the use of TCP" in text, text
    assert text.startswith("use-vc (since glibc 2.14)[1]"), text
    # the sentence after the description, at the margin, belongs to no option
    _, text = _answer(RESOLV_OPTIONS, "Can the search keyword of resolv.conf be overridden?", page)
    assert text.startswith("The search keyword"), text


# timedatectl(1) (the `mandev` corpus): groff wraps a sentence's quoted word ("yes") onto a line of its own
TIMEDATECTL = (
    "       set-local-rtc [BOOL]\n"
    '           设为 "no" 表示在RTC中存储UTC时间； 设为 "yes"\n'
    "           表示在RTC中存储本地时间。 应该尽一切可能在RTC中存储UTC时间。\n"
    "           尽量不要在RTC中存储本地时间， 因为这会造成一系列麻烦，\n"
    "           尤其是在切换时区以及调整夏令时或冬令时的时候。\n"
)


def test_a_sentence_wrapped_inside_a_description_does_not_hide_the_term():
    _, text = _answer(TIMEDATECTL, "为什么不要在RTC中存储本地时间，会造成什么麻烦？", "timedatectl.1.txt")
    assert text.startswith("set-local-rtc [BOOL][1]"), text
    assert "尽量不要在RTC中存储本地时间" in text, text


def test_a_label_above_an_option_at_the_descriptions_indentation_is_not_its_term():
    page = "   Bandwidth-options\n       -l limit\n       Limits the used bandwidth. It is given in Kbit/s.\n"
    _, text = _answer(page, "In what unit is the bandwidth limit given?", "scp.1.txt")
    assert text.startswith("Limits the used bandwidth. It is given in Kbit/s.[1]"), text  # no label before it


def test_a_documents_special_token_text_is_counted_as_words():
    """A window's length is counted in tokens; text that names a tokenizer's special token is the
    document's own words, and must not stop the answer."""
    page = "模型输出 <|endoftext|> 表示文本结束。之后的内容会被忽略。\n"
    _, text = _answer(page, "<|endoftext|> 表示什么？")
    assert "<|endoftext|> 表示文本结束" in text, text


def test_a_section_heading_or_page_header_at_the_margin_is_not_taken_for_a_term():
    _, text = _answer(DD_OPTIONS, "dd 是用什么块大小拷贝文件的？", "dd.1.txt")
    assert "输入和输出块大小拷贝文件" in text, text
    assert "DESCRIPTION" not in text and "DD(1)" not in text, text


WHO_PAGE = (
    "WHO(1)                             用户命令                             WHO(1)\n\n\n\n"
    "名称\n"
    "       who - 显示已登录用户\n\n"
    "描述\n"
    "       显示与当前登录用户有关的信息。\n\n"
    "       -b, --boot\n"
    "              最近一次系统引导的时间\n"
)


def test_a_man_pages_header_is_its_title_and_does_not_join_an_answer(tmp_path):
    from ingest.loaders import load_document

    (tmp_path / "who.1.txt").write_text(WHO_PAGE, encoding="utf-8")
    title = load_document(tmp_path / "who.1.txt").title
    assert title == "WHO(1) 用户命令 WHO(1)"  # measured without its padding: whole, not cut
    passage = Passage("who.1.txt", "c1", WHO_PAGE, 0, len(WHO_PAGE), 1.0, title=title)
    draft = QuoteFinder().find("who 命令显示什么用户", "who 命令显示什么用户", [passage], {})
    text = QuoteFinder.render(draft.quotes)
    assert "who - 显示已登录用户" in text and "WHO(1)" not in text, text


def test_a_note_whose_first_line_is_its_title_is_still_answered_by_that_line(tmp_path):
    from ingest.loaders import load_document

    (tmp_path / "wifi.txt").write_text("公司 WiFi 密码是 abc12345。\n\n请勿外传。\n", encoding="utf-8")
    document = load_document(tmp_path / "wifi.txt")
    passage = Passage("wifi.txt", "c1", document.text, 0, len(document.text), 1.0, title=document.title)
    draft = QuoteFinder().find("WiFi 密码是什么？", "WiFi 密码是什么？", [passage], {})
    assert QuoteFinder.render(draft.quotes).startswith("公司 WiFi 密码是 abc12345。"), draft.quotes


def test_a_term_starts_its_own_line_and_states_no_quantity():
    page = "  Approval is manual. Details vary (by team)\n      Refunds are approved by the finance team.\n"
    _, text = _answer(page, "Who approves refunds?", "notes.txt")
    assert text.startswith("Refunds are approved"), text  # "Details vary (by team)" opens no line
    page = "     -P port2\n             Specifies the port to connect to on the remote host.\n"
    draft, text = _answer(page, "How many ports does it connect to on the remote host?", "scp.1.txt")
    assert text.startswith("-P port2[1]"), text
    assert draft.signals["quantity"] == 0.0  # the option's "2" is no number the question asked for


HOSTNAMECTL = (  # groff hard-wraps a paragraph at the page width, every line indented alike
    "描述\n"
    "       hostnamectl 可用于查询与修改系统主机名以及其他相关设置。\n\n"
    '       "pretty"主机名，仅供人类阅读，可以包含各种特殊字符， 例如"Lennart\'s Laptop"(必须是UTF-8编码)。\n'
    "       pretty(易读主机名)、chassis(设备类型)、icon(图标名称)存储在\n"
    "       /etc/machine-info 文件中， 详见 machine-info(5) 手册。\n\n"
    "       -b, --boot\n"
    "              最近一次系统引导的时间\n"
)
NOTICE = "有关单位和各界人士可在自公告之日起7日内提出意见建议。\n电子邮箱：cqfgwgjsc@163.com；\n"


def test_a_sentence_a_man_page_wraps_onto_the_next_line_is_quoted_to_its_end():
    _, text = _answer(HOSTNAMECTL, "hostnamectl 的 chassis 设备类型存储在哪里？", "hostnamectl.1.txt")
    assert "存储在 /etc/machine-info 文件中" in text, text  # one quote: no marker inside the sentence
    assert text.count("[1]") == 1, text
    assert "-b, --boot" not in text, text  # another indentation, after a blank line: another paragraph


def test_a_line_break_in_text_at_the_margin_still_ends_the_paragraph():
    _, text = _answer(NOTICE, "意见建议可以在几日内提出？", "notice.txt")
    assert "7日内" in text and "电子邮箱" not in text, text


def test_a_number_inside_a_name_is_not_the_quantity_a_question_asks_for():
    """A question asking "最长能写多少个字符" wants a number; the quote's "UTF-8" and "machine-info(5)"
    are names."""
    draft, text = _answer(HOSTNAMECTL, "pretty 主机名最长能写多少个字符？", "hostnamectl.1.txt")
    assert "UTF-8" in text, text
    assert draft.signals["quantity"] == 0.0


def test_a_wrapped_paragraph_is_not_quoted_around_words_it_cannot_quote():
    """A line's bare-word tail is a label, not a candidate: the paragraph stops before it rather than
    quote its first sentence and the next line's words with the tail left out."""
    page = "       hostnamectl 工具修改主机名。详细信息存储在\n       /etc/machine-info 文件中。\n"
    _, text = _answer(page, "hostnamectl 工具可以修改什么？", "hostnamectl.1.txt")
    assert "修改主机名" in text, text
    assert "/etc/machine-info" not in text or "详细信息存储在" in text, text


DEBIAN = (  # one paragraph per line, at the margin
    "Debian 拥有超过 59100 个 Debian 软件包，可以在 9 种架构上运行。这远比其他发行版都要多。\n"
    "超过 1012 位志愿的 Debian 软件包维护者维护了这些软件包。维护者还与上游开发者沟通缺陷报告。\n"
)


def test_two_questions_answered_from_one_paragraph_quote_a_sentence_once():
    """The first question quotes the maintainers' sentence as a runner-up; the second quotes it with
    the sentence after it. The answer holds it once, and the second question's next sentence still."""
    passage = Passage("debian.txt", "c1", DEBIAN, 0, len(DEBIAN), 1.0)
    drafts = [
        (QuoteFinder().find(q, q, [passage], {}), 1.0)
        for q in ("Debian 有多少个软件包？", "Debian 软件包有多少名志愿维护者？")
    ]
    text = QuoteFinder.render(answered_quotes(drafts, 0.5, [passage]))
    assert text.count("超过 1012 位志愿") == 1, text
    assert "59100" in text and "维护者还与上游开发者沟通缺陷报告" in text, text
    assert "维护了这些软件包。维护者还与" in text, text  # one paragraph, one quote: no marker inside


def test_a_sentence_two_overlapping_chunks_both_hold_is_quoted_once():
    """Chunks overlap: the maintainers' sentence is in both passages of the document. Quoted from one
    for the first question and from the other for the second, it still appears once."""
    doc = DEBIAN.replace("都要多。\n", "都要多。")  # one paragraph
    cut, end = doc.index("超过 1012"), doc.index("维护者还与")
    passages = [
        Passage("debian.txt", "c2", doc[cut:], cut, len(doc), 1.0),
        Passage("debian.txt", "c1", doc[:end], 0, end, 0.9),
    ]
    drafts = [
        (QuoteFinder().find(q, q, passages, {}), 1.0)
        for q in ("Debian 可以在几种架构上运行？", "Debian 软件包有多少名志愿维护者？")
    ]
    text = QuoteFinder.render(answered_quotes(drafts, 0.5, passages))
    assert text.count("超过 1012 位志愿") == 1, text
    assert "9 种架构" in text, text


def test_what_a_colon_introduces_starts_a_line_of_its_own():
    page = (
        "EXAMPLES\n       要修改静态主机名，请以 root 身份运行下列命令：\n"
        "              hostnamectl set-hostname mybox\n"
    )
    _, text = _answer(page, "怎样修改静态主机名？", "hostnamectl.1.txt")
    assert "下列命令:[1]\nhostnamectl set-hostname mybox[1]" in text, text


ENCODING = (  # the Python tutorial (`pytut`), interpreter.html
    "## 2.2.1. Source Code Encoding\n\n"
    "By default, Python source files are treated as encoded in UTF-8. In that encoding, characters of most "
    "languages in the world can be used simultaneously in string literals, identifiers and comments.\n\n"
    "To declare an encoding other than the default one, a special comment line should be added as the "
    "first line of the file. The syntax is as follows:\n\n```\n# -*- coding: encoding -*-\n```\n\n"
    "where encoding is one of the valid codecs supported by Python.\n"
)


def test_a_close_runner_up_joins_a_window_that_brings_a_code_block():
    """The best sentence introduces a code block, which answers how; the default, asked for in the same
    question, is a close runner-up of the same page and joins too."""
    question = "what encoding are .py files read as by default, and how would I declare a different one?"
    _, text = _answer(ENCODING, question, "interpreter.html")
    assert "The syntax is as follows:[1]\n```\n# -*- coding: encoding -*-\n```" in text, text
    assert "treated as encoded in UTF-8" in text, text
