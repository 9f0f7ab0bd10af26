"""The man-page corpus recipes, rendered by groff to plain UTF-8 text, left-adjusted and without
hyphenation: `manpages` (test) and `mandev` (development), Chinese man pages (`manpages-zh`), commands
in simplified Chinese plus a few in traditional Chinese, no page in both corpora; and `manen`, English
pages of the Linux man-pages project (`manpages`): file formats, overviews and a few commands. What it
leaves out: fetching the package and stamping the build (`evals/corpora.py`).
"""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
from pathlib import Path

from evals.corpus_debian import CorpusError, ensure_tool, installed_version

MAN_CN = (
    "ls cp mv rm mkdir rmdir ln touch chmod chown chgrp cat head tail sort uniq wc cut find "
    "grep sed xargs tar df du free kill ssh uname id cron.8 ping.8 ifconfig.8 mkfs.8 umount.8 "
    "shutdown.8 dmesg.8"
).split()
MAN_TW = "tee split seq sleep timeout nohup basename md5sum base64 nl last killall".split()
# `mandev`, a development corpus of other pages of the same package (none of the test corpus's)
MANDEV_CN = (
    "date dd diff file cpio env mktemp readlink stat who hostname scp timedatectl hostnamectl "
    "localectl at od chattr fdisk.8 mkswap.8 swapon.8 netstat.8 route.8 vmstat.8 badblocks.8 "
    "services.5 nsswitch.5 os-release.5"
).split()
MANDEV_TW = "cal comm dirname fold shuf".split()
# `manen`, English pages (`manpages`): file formats, overviews, a few commands
MANEN = (
    "hosts.5 host.conf.5 services.5 nsswitch.conf.5 resolv.conf.5 dir_colors.5 tmpfs.5 hier.7 glob.7 "
    "ascii.7 utf-8.7 environ.7 boot.7 time.7 suffixes.7 symlink.7 pipe.7 hostname.7 random.7 ldd.1 "
    "getent.1 iconv.1 locale.1 intro.1"
).split()
# -t: tables laid out by tbl (ascii(7), dir_colors(5)); ragged right without hyphenation: roff_to_text
GROFF = ["groff", "-t", "-Kutf-8", "-Tutf8", "-mandoc", "-P-cbou", "-Ww", "-rHY=0"]


def clean_terminal(text: str) -> str:
    """Strip what a terminal renderer leaves: overstrike (bold `x\\bx`, underline `_\\bx`) and
    ANSI escapes.

    >>> clean_terminal("l\\bls\\bs -\\b--\\b-a\\bal\\bll\\bl \\x1b[1m_\\b文_\\b件\\x1b[0m")
    'ls --all 文件'
    """
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
    while (cleaned := re.sub(r"[^\x08\n]\x08", "", text)) != text:
        text = cleaned
    return text.replace("\x08", "")


def roff_to_text(source: bytes) -> str:
    """Render man(7) source to plain UTF-8 text, as `man` would at 80 columns but left-adjusted
    (groff cannot break CJK runs, so justification would pad the few spaces on a line with dozens
    more) and without hyphenation."""
    done = subprocess.run(GROFF, input=b".ad l\n" + source, capture_output=True, check=False)
    if done.returncode:
        raise CorpusError(f"groff failed: {done.stderr.decode(errors='replace')[:300]}")
    return clean_terminal(done.stdout.decode("utf-8"))


def build_manpages(tree: Path, out: Path, tmp: Path, say) -> dict[str, str]:
    """The test corpus's documents written to `out` from the unpacked package `tree`; returns the
    versions of the tools used."""
    return _render(tree, out, {"zh_CN": MAN_CN, "zh_TW": MAN_TW}, say)


def build_mandev(tree: Path, out: Path, tmp: Path, say) -> dict[str, str]:
    """The development corpus's documents: other pages of the same package, rendered the same way."""
    return _render(tree, out, {"zh_CN": MANDEV_CN, "zh_TW": MANDEV_TW}, say)


def build_manen(tree: Path, out: Path, tmp: Path, say) -> dict[str, str]:
    """The English corpus's documents (`hier.7.txt`…), rendered the same way."""
    return _render(tree, out, {"": MANEN}, say)


def _render(tree: Path, out: Path, pages: dict[str, list[str]], say) -> dict[str, str]:
    """`pages`: language folder under usr/share/man ("" for English) → its pages ("date", "hosts.5"),
    each written to `out` as `<language>_<page>.txt` (English: `<page>.txt`)."""
    ensure_tool(shutil.which("groff") is not None, "groff-base", "groff, to render man pages", say)
    man = tree / "usr/share/man"
    for lang, names in pages.items():
        for entry in names:
            page, _, section = entry.rpartition(".") if "." in entry else (entry, "", "1")
            source = man / lang / f"man{section}" / f"{page}.{section}.gz"
            if not source.is_file():
                raise CorpusError(f"the package has no {source.relative_to(tree)}")
            text = roff_to_text(gzip.decompress(source.read_bytes()))
            name = f"{lang}_{page}.{section}.txt" if lang else f"{page}.{section}.txt"
            (out / name).write_text(text, encoding="utf-8")
    kinds = {"zh_CN": "simplified", "zh_TW": "traditional", "": "English"}
    say("rendered " + " and ".join(f"{len(v)} {kinds[k]}" for k, v in pages.items()) + " pages with groff")
    return {"groff": installed_version("groff-base")}
