"""Shared fixtures. All state goes to temp folders through WENDA_DATA_DIR-equivalent settings.

`seeded` builds one real index of the seeds with the bundled e5 embedder per test session (about 40 s
on two cores) and shares it; tests that change an index build their own with `HashEmbedder`. A test that
uses it (directly or through `seeded_settings` / `seeded_chain`) is marked `slow`, so `make test-fast`
leaves it out.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.config import SEEDS_DIR, Settings

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "WENDA_LLM", "WENDA_API_KEY", "WENDA_CHROMA_URL"):
    os.environ.pop(var, None)


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if "seeded_dir" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.load(env={}, dotenv=None, data_dir=tmp_path / "data")


@pytest.fixture(scope="session")
def seeded_dir(tmp_path_factory) -> Path:
    """A data dir holding a real (e5) index of the seeds, built once per session."""
    from app.core import chunk_settings, open_index
    from ingest.pipeline import ingest_paths

    data_dir = tmp_path_factory.mktemp("seeded")
    settings = Settings.load(env={}, dotenv=None, data_dir=data_dir)
    report = ingest_paths(
        open_index(settings), [SEEDS_DIR], settings=chunk_settings(settings), progress=False
    )
    assert len(report.added) == 5, report.summary()
    return data_dir


@pytest.fixture(scope="session")
def chain_over():
    """`build(folder, {file name: text}, env=None)` → a chain over a real (e5) index of those files,
    written to and indexed in `folder`; `env`: settings such as chunk sizes."""
    from app.chain import build_chain
    from app.core import chunk_settings, open_index
    from ingest.pipeline import ingest_paths

    def build(folder: Path, pages: dict[str, str], env: dict[str, str] | None = None):
        docs = folder / "docs"
        docs.mkdir()
        for name, text in pages.items():
            (docs / name).write_text(text, encoding="utf-8")
        settings = Settings.load(env=env or {}, dotenv=None, data_dir=folder / "data")
        ingest_paths(open_index(settings), [docs], settings=chunk_settings(settings), progress=False)
        return build_chain(settings)

    return build


@pytest.fixture(scope="session")
def seeded_settings(seeded_dir: Path) -> Settings:
    return Settings.load(env={}, dotenv=None, data_dir=seeded_dir)


@pytest.fixture(scope="session")
def seeded_chain(seeded_settings: Settings):
    from app.chain import build_chain

    return build_chain(seeded_settings)
