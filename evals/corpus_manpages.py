"""The `manpages` (test) and `mandev` (development) corpus recipes: Chinese man pages (`manpages-zh`)
rendered by groff to plain UTF-8 text, left-adjusted and without hyphenation; commands in simplified
Chinese plus a few in traditional Chinese, no page in both corpora. What it leaves out: fetching the
package and stamping the build (`evals/corpora.py`).
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
GROFF = ["groff", "-Kutf-8", "-Tutf8", "-mandoc", "-P-cbou", "-Ww", "-rHY=0"]  # ragged right, below


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


def _render(tree: Path, out: Path, pages: dict[str, list[str]], say) -> dict[str, str]:
    ensure_tool(shutil.which("groff") is not None, "groff-base", "groff, to render man pages", say)
    man = tree / "usr/share/man"
    for lang, names in pages.items():
        for entry in names:
            command, _, section = entry.partition(".")
            section = section or "1"
            source = man / lang / f"man{section}" / f"{command}.{section}.gz"
            text = roff_to_text(gzip.decompress(source.read_bytes()))
            (out / f"{lang}_{command}.{section}.txt").write_text(text, encoding="utf-8")
    say(f"rendered {len(pages['zh_CN'])} simplified and {len(pages['zh_TW'])} traditional pages with groff")
    return {"groff": installed_version("groff-base")}
