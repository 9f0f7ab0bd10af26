"""Knowledge bases: named, isolated collections of documents, and where each one keeps its state.

A knowledge base (KB) has its own Chroma collections (chunks and the registry of documents), its own
lexical index and its own uploads folder; a question asked of one never sees another's passages.
The KB `default` is the one wenda always had: its collections keep their old name (`wenda_<embedder>`)
and its uploads stay in `<data dir>/uploads/`, so existing data dirs work unchanged. Any other KB is
stored under a slug made from its name (Chroma names allow only ASCII), and its name is kept in its
registry collection's metadata, which is what `list_kbs` reads — in embedded and server mode alike.

    >>> check_name("政策文件"), kb_slug("default"), kb_slug("政策文件")
    ('政策文件', 'wenda', 'kb_45d5e1c898cc6116')

It leaves out documents (`app/documents.py`) and the facade that caches a chain per KB (`app/service.py`).
"""

from __future__ import annotations

import hashlib
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from app.config import Settings
from app.errors import BadRequest
from ingest.chroma import LABEL_KEY
from ingest.embeddings import Embedder
from ingest.store import Index

DEFAULT_KB = "default"
OPENAI_DEFAULT_MODEL = "wenda"  # the model name OpenAI clients used before KBs: the default KB
MAX_NAME = 64
_PUNCTUATION = "-_."


def check_name(name: object) -> str:
    """The KB name, if it is one: 1–64 letters (any script), digits, '-', '_' or '.', not starting
    with '.'. Raises BadRequest saying what is wrong.

    >>> check_name("产品手册_v2")
    '产品手册_v2'
    >>> for bad in ("../etc", "a b", "", "x" * 65):
    ...     try:
    ...         check_name(bad)
    ...     except BadRequest:
    ...         print("refused", repr(bad[:8]))
    refused '../etc'
    refused 'a b'
    refused ''
    refused 'xxxxxxxx'
    """
    if not isinstance(name, str) or not name:
        raise BadRequest("the knowledge base name is empty; give a name such as 'policies' or '政策文件'")
    name = unicodedata.normalize("NFC", name)
    ok = (
        len(name) <= MAX_NAME
        and not name.startswith(".")
        and all(unicodedata.category(ch)[0] in "LN" or ch in _PUNCTUATION for ch in name)
    )
    if not ok:
        shown = name if len(name) <= 80 else name[:80] + "…"
        raise BadRequest(
            f"invalid knowledge base name {shown!r}: use letters (Chinese included), digits, '-', '_' or "
            f"'.' (not '/', '\\\\', spaces or other symbols), at most {MAX_NAME} characters, "
            "not starting with '.'"
        )
    return name


def kb_slug(name: str) -> str:
    """The ASCII name of a KB's collections and folders; `default` keeps wenda's original one."""
    if name == DEFAULT_KB:
        return "wenda"
    return "kb_" + hashlib.sha1(name.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class KBStore:
    """Where one KB lives: its index (Chroma collections + lexical index) and its uploads folder."""

    name: str
    index: Index
    uploads: Path


def open_kb(settings: Settings, name: str, embedder: Embedder) -> KBStore:
    """The KB's store; opening does no work (the index connects on first use)."""
    index = Index(
        settings.data_path,
        embedder,
        settings.chroma_url,
        name=kb_slug(name),
        timeout=settings.chroma_timeout,
        label=name,
    )
    return KBStore(name, index, uploads_folder(settings, name))


def uploads_folder(settings: Settings, name: str) -> Path:
    if name == DEFAULT_KB:
        return settings.data_path / "uploads"
    return settings.data_path / "kbs" / kb_slug(name) / "uploads"


def list_kbs(index: Index) -> list[str]:
    """Names of the KBs in `index`'s Chroma store (any KB's index will do) for its embedder,
    `default` first (it always exists)."""
    found = {DEFAULT_KB}
    suffix = f"_{index.embedder.key}_docs"
    for collection in index.list_collections():
        name = (collection.metadata or {}).get(LABEL_KEY)
        if collection.name.endswith(suffix) and isinstance(name, str):
            found.add(name)
    return [DEFAULT_KB] + sorted(found - {DEFAULT_KB})


def drop_kb(store: KBStore) -> None:
    """Remove everything the KB holds: its Chroma collections, lexical index and uploads."""
    store.index.drop()
    shutil.rmtree(store.uploads.parent if store.name != DEFAULT_KB else store.uploads, ignore_errors=True)
