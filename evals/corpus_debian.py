"""What the corpus recipes (`evals/corpora.py`) need from Debian: a package's `.deb` fetched with
`apt-get download` (a `.deb` already in the folder is reused) and unpacked with `dpkg-deb`, a tool's
installed version, and a missing tool installed with apt-get when running as root. `CorpusError` is what
every step raises, with what to run to fix it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from app.errors import WendaError


class CorpusError(WendaError):
    """A corpus cannot be built; the message says what to install or run."""


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    """`cmd` run with its output captured as text; a non-zero exit is the caller's to check."""
    return subprocess.run(cmd, capture_output=True, text=True, check=False, **kw)


def installed_version(package: str) -> str:
    """The installed version of Debian package `package`, or "unknown"."""
    done = run(["dpkg-query", "-W", "-f", "${Version}", package]) if shutil.which("dpkg-query") else None
    return done.stdout.strip() if done and done.returncode == 0 else "unknown"


def ensure_tool(ok: bool, package: str, why: str, say) -> None:
    """Unless `ok`, install `package` with apt-get (as root), or fail saying how to install it."""
    if ok:
        return
    if not (shutil.which("apt-get") and os.geteuid() == 0):
        raise CorpusError(f"{why} is missing: install it with `apt-get install -y {package}`")
    say(f"installing {package} ({why}) with apt-get")
    done = run(
        ["apt-get", "install", "-y", "--no-install-recommends", package],
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )
    if done.returncode:
        raise CorpusError(f"`apt-get install -y {package}` failed: {done.stderr.strip()[-300:]}")


def fetch(package: str, debs: Path, say) -> Path:
    """`root/debs/<package>_*.deb`, downloaded with `apt-get download` unless already there."""
    debs.mkdir(parents=True, exist_ok=True)
    cached = sorted(debs.glob(f"{package}_*.deb"))
    if cached:
        return cached[-1]
    if not shutil.which("apt-get"):
        raise CorpusError(
            f"apt-get not found: the corpora are built from Debian packages; "
            f"put {package}_*.deb into {debs} by hand on other systems"
        )
    say(f"apt-get download {package}")
    done = run(["apt-get", "download", package], cwd=debs)
    if done.returncode and ("Unable to locate" in done.stderr or "no installation candidate" in done.stderr):
        say("package lists missing: apt-get update")
        run(["apt-get", "update"])
        done = run(["apt-get", "download", package], cwd=debs)
    cached = sorted(debs.glob(f"{package}_*.deb"))
    if done.returncode or not cached:
        raise CorpusError(f"`apt-get download {package}` failed: {done.stderr.strip()[-300:]}")
    return cached[-1]


def unpack(deb: Path, into: Path) -> tuple[Path, str]:
    """`deb` extracted into `into`; returns `into` and the package's version."""
    for cmd in (["dpkg-deb", "-x", str(deb), str(into)], ["dpkg-deb", "-f", str(deb), "Version"]):
        done = run(cmd)
        if done.returncode:
            raise CorpusError(f"{' '.join(cmd)} failed: {done.stderr.strip()[-300:]}")
    return into, done.stdout.strip()


def copy_pages(pages: list[Path], out: Path) -> None:
    """Copy `pages` into `out` as they are, names unchanged."""
    for page in pages:
        shutil.copyfile(page, out / page.name)


def copy_package_pages(
    tree: Path, folder: str, pattern: str, index: str, out: Path, say, *, package: str, recipe: str
) -> None:
    """Copy the pages `folder/pattern` of the unpacked `package` (`tree`) into `out`; `index` must be
    among them (else the package's layout changed: a `CorpusError` naming the `recipe` file)."""
    pages = sorted((tree / folder).glob(pattern))
    if not any(page.name == index for page in pages):
        raise CorpusError(
            f"{package} has no {folder}/{index} (found {len(pages)} pages): "
            f"its layout changed; the recipe ({recipe}) needs updating"
        )
    copy_pages(pages, out)
    say(f"copied {len(pages)} pages of {folder}, {index} included")
