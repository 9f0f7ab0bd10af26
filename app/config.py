"""Configuration, resolved in one place: argument → environment → `.env` → default.

`WENDA_DATA_DIR` relocates all state (index, lexical index, uploads), so tests point it at a temp folder.
Nothing here is read at import time; `Settings.load()` reads when called.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = PROJECT_ROOT / "seeds"
PROMPTS_DIR = PROJECT_ROOT / "prompts"


class ConfigError(ValueError):
    """A configuration value that cannot be used; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path(".wenda")
    chroma_url: str | None = None
    embeddings: str = "local"  # local | openai
    llm: str = "extractive"  # extractive | openai
    openai_api_key: str | None = None
    openai_base_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    embedding_model: str = "text-embedding-3-small"
    llm_timeout: float = 30.0
    chroma_timeout: float = 30.0
    api_key: str | None = None
    chunk_tokens: int = 256
    chunk_overlap: int = 48
    top_k: int = 6
    context_tokens: int = 1500
    max_question_chars: int = 4000
    max_history_chars: int = 16_000
    max_history_turns: int = 12
    max_body_bytes: int = 1024 * 1024
    max_upload_bytes: int = 20 * 1024 * 1024
    max_upload_chars: int = 500_000
    max_queued_uploads: int = 8
    refusal_threshold: float | None = None  # None: the calibrated one (app/data/confidence.json)

    # environment variable → field; the documented names first
    ENV = {
        "WENDA_DATA_DIR": "data_dir",
        "WENDA_CHROMA_URL": "chroma_url",
        "WENDA_EMBEDDINGS": "embeddings",
        "WENDA_LLM": "llm",
        "OPENAI_API_KEY": "openai_api_key",
        "OPENAI_BASE_URL": "openai_base_url",
        "WENDA_LLM_MODEL": "llm_model",
        "WENDA_EMBEDDING_MODEL": "embedding_model",
        "WENDA_LLM_TIMEOUT": "llm_timeout",
        "WENDA_CHROMA_TIMEOUT": "chroma_timeout",
        "WENDA_API_KEY": "api_key",
        "WENDA_CHUNK_TOKENS": "chunk_tokens",
        "WENDA_CHUNK_OVERLAP": "chunk_overlap",
        "WENDA_TOP_K": "top_k",
        "WENDA_CONTEXT_TOKENS": "context_tokens",
        "WENDA_MAX_QUESTION_CHARS": "max_question_chars",
        "WENDA_MAX_HISTORY_CHARS": "max_history_chars",
        "WENDA_MAX_HISTORY_TURNS": "max_history_turns",
        "WENDA_MAX_BODY_BYTES": "max_body_bytes",
        "WENDA_MAX_UPLOAD_BYTES": "max_upload_bytes",
        "WENDA_MAX_UPLOAD_CHARS": "max_upload_chars",
        "WENDA_MAX_QUEUED_UPLOADS": "max_queued_uploads",
        "WENDA_REFUSAL_THRESHOLD": "refusal_threshold",
    }

    @classmethod
    def load(
        cls, env: dict[str, str] | None = None, dotenv: str | Path | None = ".env", **overrides
    ) -> Settings:
        """Settings from `overrides`, then `env` (default: os.environ), then the `.env` file, then
        defaults."""
        values: dict[str, str] = {}
        if dotenv and Path(dotenv).is_file():
            from dotenv import dotenv_values

            values.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
        values.update(os.environ if env is None else env)
        types = {f.name: f.type for f in fields(cls)}
        kwargs: dict = {}
        for var, name in cls.ENV.items():
            raw = values.get(var)
            if raw is None or raw == "":
                continue
            kwargs[name] = _convert(var, raw, types[name])
        if "llm" not in kwargs and (kwargs.get("openai_api_key") or kwargs.get("openai_base_url")):
            kwargs["llm"] = "openai"
        kwargs.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**kwargs)
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.embeddings not in ("local", "openai"):
            raise ConfigError(f"WENDA_EMBEDDINGS must be 'local' or 'openai', not {self.embeddings!r}")
        if self.llm not in ("extractive", "openai"):
            raise ConfigError(f"WENDA_LLM must be 'extractive' or 'openai', not {self.llm!r}")
        if self.chunk_overlap >= self.chunk_tokens:
            raise ConfigError("WENDA_CHUNK_OVERLAP must be smaller than WENDA_CHUNK_TOKENS")
        if self.top_k < 1 or self.context_tokens < 100:
            raise ConfigError("WENDA_TOP_K must be ≥ 1 and WENDA_CONTEXT_TOKENS ≥ 100")
        if self.refusal_threshold is not None and not 0.0 <= self.refusal_threshold <= 1.0:
            raise ConfigError(
                f"WENDA_REFUSAL_THRESHOLD is a probability between 0 and 1, not {self.refusal_threshold}"
            )

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir).expanduser()


def _convert(var: str, raw: str, kind) -> object:
    kind = str(kind)
    try:
        if "int" in kind:
            return int(raw)
        if "float" in kind:
            return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{var}={raw!r} is not a number") from exc
    if "Path" in kind:
        return Path(raw)
    return raw
