"""tiktoken offline: the bundled encodings are installed into a fresh cache, also by processes starting
at once."""

import subprocess
import sys
from pathlib import Path


def test_processes_starting_together_on_a_fresh_cache_all_count_tokens(tmp_path):
    env = {"TIKTOKEN_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    code = "from ingest.tokens import count_tokens; print(count_tokens('生物产业'))"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            env=env,
            cwd=Path(__file__).parents[1],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert [(p.returncode, out.strip()) for p, (out, _) in zip(procs, results)] == [(0, "4")] * 8, [
        err[-300:] for _, err in results
    ]
    assert not list((tmp_path / "cache").glob("*.tmp"))
