"""The lexical index: BM25 (`bm25s`) over jieba tokens of each chunk's normalised search text, English
words by their stems (`search_form`).

It is wenda's own (Chroma's hybrid search exists only in hosted Chroma) and lives in
`<data dir>/lexical/`: the tokens of every chunk (so a change re-tokenises only new chunks) and the
BM25 matrices (so a start loads instead of rebuilding). A fingerprint of the indexed document versions
says whether it is current; `sync` brings it up to date from Chroma, incrementally.

    >>> tokenize("2008年全国生物产业实现总产值达到11340亿元")
    ['2008', '年', '全国', '生物', '产业', '实现', '总产', '产值', '总产值', '达到', '11340', '亿元']
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import re
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ingest.clean import normalize_query

STOPWORDS = frozenset(
    "的 了 和 与 及 以及 或 是 在 有 为 对 将 把 被 由 从 向 于 等 中 上 下 也 都 就 "
    "而 并 其 该 此 这 那 之 以 个 些 哪 哪些 什么 怎么 怎样 如何 多少 几 吗 呢 啊 吧 "
    "呀 么 请问 请 我 我们 你 你们 他 它 它们 要 会 能 可以 一个 一些 没有 不 还 又 所 "
    "则 即 如 若 因为 所以 但 但是 并且 关于 方面 进行 通过 根据 提出 哪里 哪儿 哪个 "
    "哪年 何时 什么时候 时候 多大 多久 是否 为什么 为何 怎么样 谁 啥 主要 具体 分别 介绍 "
    "一下 告诉 "
    "the a an of to in on for and or is are was were be been what which who how why when where does do did "
    "with by as at from that this these those it its their there about into".split()
)
TOKENIZER_VERSION = "3"  # bump when `tokenize` changes: persisted tokens are then rebuilt
# BM25's length normalisation (bm25s and Lucene default to 0.75). At 0.5 a short chunk's few matching words
# count for less against a longer chunk's: a help page's one-line sections crowd out the page that answers
# less often (docs/evaluation.md). An index saved with another value is re-weighted when loaded.
BM25_B = 0.5
_WORD = re.compile(r"\w", re.UNICODE)
# tokens made only of these are question words ("哪几个", "多少", "几项"), not content
_QUESTION_CHARS = frozenset("哪几多少个项种些么什怎样谁何啥吗呢")


_ENGLISH_WORD = re.compile(r"[a-z]{4,}")


@functools.cache
def _english_stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@functools.lru_cache(maxsize=65536)
def search_form(token: str) -> str:
    """The form a lower-cased token is indexed and looked up by: an English word's Snowball stem
    ("buffering" and "buffers" both "buffer"), any other token as it is. A stem's final "i" (Snowball's
    y → i) goes, so that the form stays a prefix of the words it stands for: the answerer also looks
    for tokens inside text ("director" is in "directory" and "directories"; "directori" is not).

    >>> [search_form(t) for t in ("directories", "directory", "raises", "rais", "ls", "生物")]
    ['director', 'director', 'rai', 'rai', 'ls', '生物']
    """
    form = token
    # stemmed again until the stem holds ("raises" → "rais" → "rai"), so that a form looked up again
    # (a question's tokens are forms already) is the same form; stems shrink, so this ends in a step or two
    for _ in range(8):
        if not _ENGLISH_WORD.fullmatch(form):
            break
        stem = _english_stemmer().stemWord(form)
        stem = stem[:-1] if stem.endswith("i") and len(stem) > 3 else stem
        if stem == form:
            break
        form = stem
    return form


@functools.cache
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def tokenize(text: str) -> list[str]:
    """Search tokens of already-normalised text: jieba search-mode words, lower-cased, stopwords dropped,
    English words by their stems (`search_form`)."""
    if len(text) > _MEMO_CHARS:
        return _tokens(text)
    return list(_memo_tokens(text))


def _tokens(text: str) -> list[str]:
    return [
        search_form(token)
        for raw in _jieba().cut_for_search(text)
        if (token := raw.strip().lower())
        and _WORD.search(token)
        and token not in STOPWORDS
        and not set(token) <= _QUESTION_CHARS
        and not token.startswith(("哪", "什么", "怎么", "多少"))
    ]


_MEMO_CHARS = 400  # sentences and questions; chunk-sized texts are tokenised once, at ingest, anyway


@functools.lru_cache(maxsize=16384)
def _memo_tokens(text: str) -> tuple[str, ...]:
    """The answerer tokenises the same document sentences for question after question: remembered."""
    return tuple(_tokens(text))


def query_tokens(question: str) -> list[str]:
    return tokenize(normalize_query(question))


class LexicalIndex:
    """BM25 over chunk tokens, persisted under `directory`, kept in step with the dense index.

    Tokens are kept compactly — one vocabulary, and per chunk a numpy array of token ids — because at
    100k chunks Python lists of strings alone would take over a gigabyte.
    """

    FORMAT = 2  # on-disk layout; another value (or none) means rebuild

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.fingerprint: str | None = None
        self._ids: list[str] = []
        self._vocab: dict[str, int] = {}
        self._words: list[str] = []
        self._tokens: dict[str, np.ndarray] = {}  # chunk id -> token ids (int32), in text order
        self._bm25 = None
        self._df: np.ndarray | None = None
        self._lock = threading.RLock()

    def _encode(self, tokens: list[str]) -> np.ndarray:
        vocab, words = self._vocab, self._words
        ids = []
        for token in tokens:
            k = vocab.get(token)
            if k is None:
                k = vocab[token] = len(words)
                words.append(token)
            ids.append(k)
        return np.asarray(ids, dtype=np.int32)

    # -- persistence -------------------------------------------------------------------------
    def _state_path(self) -> Path:
        return self.directory / "state.json"

    @contextlib.contextmanager
    def _swap_lock(self, exclusive: bool):
        """Across processes: readers share it, a swap holds it alone."""
        import fcntl

        self.directory.parent.mkdir(parents=True, exist_ok=True)
        with open(self.directory.with_name(self.directory.name + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            yield

    def _recover_swap(self) -> None:
        """Finish or undo a `_save` that a crash interrupted between its two renames: the new copy
        (`.tmp`, complete once its state.json exists) wins, else the previous one (`.old`)."""
        if self.directory.exists():
            return
        tmp = self.directory.with_name(self.directory.name + ".tmp")
        old = self.directory.with_name(self.directory.name + ".old")
        for candidate in (tmp, old):
            if (candidate / "state.json").exists():
                candidate.rename(self.directory)
                return

    def load(self) -> bool:
        """Load the persisted index; False when there is none (or it is unreadable). An index weighted
        with another length normalisation than `BM25_B` is weighted again from its tokens (and saved)."""
        import bm25s

        try:
            if not self.directory.exists():
                with self._swap_lock(exclusive=True):
                    self._recover_swap()
            with self._swap_lock(exclusive=False):
                state = json.loads(self._state_path().read_text(encoding="utf-8"))
                if state.get("tokenizer") != TOKENIZER_VERSION or state.get("format") != self.FORMAT:
                    return False  # tokens made by another tokenizer or stored another way: rebuild
                words = json.loads((self.directory / "vocab.json").read_text(encoding="utf-8"))
                with np.load(self.directory / "tokens.npz") as arrays:
                    flat, offsets = arrays["ids"], arrays["offsets"]
                    df = (
                        arrays["df"] if "df" in arrays.files else None
                    )  # absent in indexes saved before it was kept
                ids = state["ids"]
                if len(offsets) != len(ids) + 1:
                    return False
                tokens = {cid: flat[offsets[i] : offsets[i + 1]] for i, cid in enumerate(ids)}
                stale = state.get("b", 0.75) != BM25_B  # weighted with another length normalisation
                bm25 = (
                    bm25s.BM25.load(str(self.directory / "bm25"), show_progress=False)
                    if ids and not stale
                    else None
                )
        except (OSError, ValueError, KeyError):
            return False
        with self._lock:
            self.fingerprint, self._ids, self._tokens, self._bm25 = state["fingerprint"], ids, tokens, bm25
            self._words, self._vocab = words, {w: i for i, w in enumerate(words)}
            self._df = df
            if stale and ids:  # the stored tokens are good: only the BM25 matrices are made again
                self._bm25 = self._build()
                try:  # kept for the next start, unless another process saved a newer index meanwhile
                    self._save(unless_changed_from=state["fingerprint"])
                except OSError:
                    pass  # a data dir it cannot write: the index re-weighted in memory serves all the same
        return True

    def _save(self, unless_changed_from: str | None = None) -> None:
        """Write a complete copy beside the index, then swap it in with two renames. A file lock keeps
        two processes sharing the data dir from swapping at once; `_recover_swap` repairs a crash.
        `unless_changed_from`: a fingerprint, for a re-weighting on load; nothing is written when the
        saved index no longer has it (another process saved since it was read) or is already weighted
        with `BM25_B` (another process re-weighted it)."""
        with self._swap_lock(exclusive=True):
            self._recover_swap()
            if unless_changed_from is not None:
                try:
                    saved = json.loads(self._state_path().read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    saved = {}
                if saved.get("fingerprint") != unless_changed_from or saved.get("b") == BM25_B:
                    return
            tmp = self.directory.with_name(self.directory.name + ".tmp")
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            arrays = [self._tokens[i] for i in self._ids]
            offsets = np.zeros(len(arrays) + 1, dtype=np.int64)
            np.cumsum([len(a) for a in arrays], out=offsets[1:])
            flat = np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int32)
            self._df = self._document_frequencies()
            np.savez(tmp / "tokens.npz", ids=flat, offsets=offsets, df=self._df)
            (tmp / "vocab.json").write_text(json.dumps(self._words, ensure_ascii=False), encoding="utf-8")
            if self._bm25 is not None:
                self._bm25.save(str(tmp / "bm25"), show_progress=False)
            state = {
                "fingerprint": self.fingerprint,
                "ids": self._ids,
                "tokenizer": TOKENIZER_VERSION,
                "format": self.FORMAT,
                "b": BM25_B,
            }
            (tmp / "state.part").write_text(json.dumps(state), encoding="utf-8")
            (tmp / "state.part").rename(tmp / "state.json")  # the copy is complete once state.json exists
            old = self.directory.with_name(self.directory.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            if self.directory.exists():
                self.directory.rename(old)
            tmp.rename(self.directory)
            shutil.rmtree(old, ignore_errors=True)

    # -- updating ----------------------------------------------------------------------------
    def sync(
        self,
        fingerprint: str,
        chunk_ids: Callable[[], list[str]],
        search_texts: Callable[[list[str]], dict[str, str]],
    ) -> bool:
        """Make the index match the dense side; tokenise only chunks it has not seen. True if it changed."""
        with self._lock:
            if self.fingerprint == fingerprint:
                return False
            if self.fingerprint is None and self.load() and self.fingerprint == fingerprint:
                return False
            ids = chunk_ids()
            missing = [i for i in ids if i not in self._tokens]
            if missing:
                texts = search_texts(missing)
                self._tokens.update({i: self._encode(tokenize(texts[i])) for i in missing if i in texts})
            self._tokens = {i: self._tokens[i] for i in ids if i in self._tokens}
            self._ids = list(self._tokens)
            self._bm25 = self._build() if self._ids else None
            self.fingerprint, self._df = fingerprint, None
            self._save()
            return True

    def _build(self):
        """BM25 from the token ids directly (no per-token strings); empty chunks get the empty token."""
        import bm25s

        empty = self._encode([""])
        corpus = [(self._tokens[i] if len(self._tokens[i]) else empty).tolist() for i in self._ids]
        bm25 = bm25s.BM25(b=BM25_B)
        bm25.index((corpus, dict(self._vocab)), show_progress=False)
        return bm25

    # -- searching ---------------------------------------------------------------------------
    def search(self, tokens: list[str], k: int) -> list[tuple[str, float]]:
        """Top `k` chunk ids for the query tokens, with BM25 scores, best first (only scores > 0)."""
        with self._lock:
            bm25, ids = self._bm25, self._ids
        if bm25 is None or not tokens:
            return []
        known = [f for t in tokens if (f := search_form(t)) in bm25.vocab_dict]
        if not known:
            return []
        k = min(k, len(ids))
        docs, scores = bm25.retrieve([known], k=k, show_progress=False, n_threads=1)
        return [(ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]

    def _document_frequencies(self) -> np.ndarray:
        """Per vocabulary id, in how many chunks it occurs (computed when saving, loaded with the index)."""
        if self._df is not None and len(self._df) == len(self._words):
            return self._df
        df = np.zeros(len(self._words), dtype=np.int64)
        for ids in self._tokens.values():
            df[np.unique(ids)] += 1
        return df

    def document_frequency(self, tokens: list[str]) -> dict[str, int]:
        """In how many indexed chunks each token occurs (a word is looked up by its `search_form`)."""
        with self._lock:
            if self.fingerprint is None:
                self.load()
            if self._df is None:
                self._df = self._document_frequencies()
            df, vocab = self._df, self._vocab
            out = {}
            for t in tokens:
                k = vocab.get(search_form(t))
                out[t] = int(df[k]) if k is not None and k < len(df) else 0
            return out

    def idf(self, tokens: list[str]) -> dict[str, float]:
        """Inverse document frequency of each token over the indexed chunks (unseen tokens: the maximum)."""
        n = max(1, len(self._ids))
        return {
            t: float(np.log(1 + (n - d + 0.5) / (d + 0.5)))
            for t, d in self.document_frequency(tokens).items()
        }

    def tokens_of(self, chunk_id: str) -> list[str]:
        """The search tokens of one indexed chunk ([] if unknown)."""
        with self._lock:
            ids = self._tokens.get(chunk_id)
            return [] if ids is None else [self._words[k] for k in ids]

    def __len__(self) -> int:
        return len(self._ids)
