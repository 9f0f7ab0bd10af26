"""Crash-safe ingest: SIGKILL an ingest at several points, run it again, and the index is whole —
no duplicate or orphan chunks, the registry agrees with Chroma and with the lexical index — and
queries running during an ingest never see half a document."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from app.config import SEEDS_DIR
from ingest.lexical import query_tokens
from ingest.pipeline import ingest_paths
from ingest.store import Index
from tests.fakes import HashEmbedder
from tests.index_checks import check_whole as check_index_whole

pytestmark = pytest.mark.slow

DRIVER = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {root!r})
    from ingest.pipeline import ingest_paths
    from ingest.store import Index
    from tests.fakes import HashEmbedder

    class SlowHashEmbedder(HashEmbedder):
        batch_size = 4
        def embed_batch(self, texts, kind):
            time.sleep(0.05)  # so that a kill lands in the middle of writing
            return super().embed_batch(texts, kind)

    ingest_paths(Index({data!r}, SlowHashEmbedder()), [{docs!r}], progress=False)
    print("done")
    """
)


def check_whole(index: Index, folder: Path) -> None:
    check_index_whole(index, {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir()})


@pytest.mark.parametrize("kill_after", [0.6, 1.5, 3.0])
def test_sigkill_during_ingest_then_rerun_leaves_a_whole_index(tmp_path, kill_after):
    docs, data = tmp_path / "docs", tmp_path / "data"
    shutil.copytree(SEEDS_DIR, docs)
    ingest_paths(Index(data, HashEmbedder()), [docs], progress=False)  # a first, complete version
    for path in docs.iterdir():  # every document changes, so the rerun replaces them all
        path.write_text(
            path.read_text(encoding="utf-8") + f"\n修订{kill_after}：本文件已更新。\n", encoding="utf-8"
        )
    (docs / "003_357a7b81d8420e82.txt").unlink()
    script = DRIVER.format(root=str(Path(__file__).resolve().parents[1]), data=str(data), docs=str(docs))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(kill_after)
    killed = proc.poll() is None
    if killed:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    if not killed:
        pytest.skip(f"the ingest finished before {kill_after}s; nothing to recover")
    report = ingest_paths(Index(data, HashEmbedder()), [docs], progress=False)
    assert not report.skipped
    index = Index(data, HashEmbedder())
    check_whole(index, docs)
    hit = index.lexical_search(query_tokens(f"修订{kill_after} 本文件已更新"), 1)
    assert hit and f"修订{kill_after}" in hit[0][0].text


def test_queries_during_an_ingest_never_see_half_a_document(tmp_path):
    docs, data = tmp_path / "docs", tmp_path / "data"
    shutil.copytree(SEEDS_DIR, docs)
    writer_index = Index(data, HashEmbedder())
    ingest_paths(writer_index, [docs], progress=False)
    reader = Index(data, HashEmbedder())
    reader.refresh_seconds = 0.0
    seen: set[tuple[str, str]] = set()
    errors: list[str] = []
    stop = threading.Event()

    def query_loop() -> None:
        while not stop.is_set():
            try:
                for chunk, _ in reader.dense_search(reader.embedder.embed_query("生物产业总产值"), 20):
                    seen.add((chunk.source, chunk.doc_hash))
            except Exception as exc:  # any failure of a read during a write is a problem
                errors.append(repr(exc))

    registered = {(s, r.doc_hash) for s, r in writer_index.documents().items()}
    threads = [threading.Thread(target=query_loop) for _ in range(2)]
    for t in threads:
        t.start()
    for round_ in range(3):
        for path in docs.iterdir():
            path.write_text(path.read_text(encoding="utf-8") + f"\n第{round_}次修订。\n", encoding="utf-8")
        ingest_paths(writer_index, [docs], progress=False)
        registered |= {(s, r.doc_hash) for s, r in writer_index.documents().items()}
    stop.set()
    for t in threads:
        t.join()
    assert not errors, errors[:5]
    # every chunk a query returned belongs to a version that was registered (fully written) at some point
    assert seen and seen <= registered, sorted(seen - registered)[:5]
    check_whole(Index(data, HashEmbedder()), docs)


SWAP_DRIVER = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    sys.path.insert(0, {root!r})
    import numpy as np
    from ingest.pipeline import ingest_paths
    from ingest.store import Index
    from tests.fakes import HashEmbedder

    if {at!r} == "between renames":  # the live index moved aside, the new copy not yet in place
        rename = Path.rename
        def dying_rename(self, target):
            result = rename(self, target)
            if str(target).endswith(".old"):
                os._exit(9)
            return result
        Path.rename = dying_rename
    else:  # half-way through writing the new copy
        def dying_savez(*args, **kwargs):
            os._exit(9)
        np.savez = dying_savez
    ingest_paths(Index({data!r}, HashEmbedder()), [{docs!r}], progress=False)
    """
)


@pytest.mark.parametrize("at", ["between renames", "while writing"])
def test_a_crash_inside_the_lexical_index_swap_is_recovered(tmp_path, at):
    docs, data = tmp_path / "docs", tmp_path / "data"
    shutil.copytree(SEEDS_DIR, docs)
    ingest_paths(Index(data, HashEmbedder()), [docs], progress=False)
    edited = docs / "001_bae5a0fee72cab7a.txt"
    edited.write_text(
        edited.read_text(encoding="utf-8") + "\n补充：苏州工业园区新建合成生物中试平台三座。\n",
        encoding="utf-8",
    )
    script = SWAP_DRIVER.format(
        root=str(Path(__file__).resolve().parents[1]), data=str(data), docs=str(docs), at=at
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=300, check=False)
    assert proc.returncode == 9, proc.stderr.decode()[-2000:]

    index = Index(data, HashEmbedder())
    assert index.lexical.load(), "the persisted lexical index was lost"
    if at == "between renames":  # the complete new copy is taken: nothing to re-tokenise
        assert index.lexical.fingerprint == index.fingerprint()
    check_whole(index, docs)
    assert not index.lexical.directory.with_name(index.lexical.directory.name + ".tmp").exists()
    hit = index.lexical_search(query_tokens("苏州工业园区 合成生物 中试平台"), 1)
    assert hit and "中试平台" in hit[0][0].text
