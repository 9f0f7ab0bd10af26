"""The answer object and its parts, as docs/design.md describes them (CLI `--json`, `POST /api/ask`,
eval results)."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field, fields


@dataclass
class Passage:
    """A retrieved span of a source document, as put in front of the answerer (possibly merged chunks)."""

    source: str
    chunk_id: str
    text: str  # original text: document[start:end]
    start: int
    end: int
    score: float
    heading: str = ""
    search_text: str = ""
    title: str = ""  # the document's title ("" when unknown: show the source)
    location: str = ""  # where in the file: "Sheet1 第12行", "第3页", "幻灯片 4" ("" for plain text)

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k not in ("search_text",)}


@dataclass
class Citation:
    n: int
    source: str
    chunk_id: str
    text: str
    start: int
    end: int
    score: float
    quotes: list[dict] = field(
        default_factory=list
    )  # [{"text", "start", "end"}]: cited sentences, doc offsets
    title: str = ""  # the document's title ("" when unknown: show the source)
    location: str = ""  # where in the file the passage is: "Sheet1 第12行", "第3页", "幻灯片 4"

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def label(self) -> str:
        """How a person finds the source: title first, then the file name, then where in it.

        >>> Citation(1, "a.xlsx", "", "", 0, 0, 0.0, title="员工名册", location="Sheet1 第3行").label
        '员工名册 · a.xlsx · Sheet1 第3行'
        >>> Citation(1, "a.txt", "", "", 0, 0, 0.0).label
        'a.txt'
        """
        return " · ".join(part for part in (self.title, self.source, self.location) if part)


@dataclass
class Dropped:
    """Something the citation check removed from an answer, and why."""

    text: str
    reason: str
    support: float | None = None


@dataclass
class Answer:
    answer: str
    refused: bool
    mode: str
    citations: list[Citation]
    retrieved: list[Passage]
    timings_ms: dict[str, float]
    query: str = ""  # what retrieval searched for (the condensed / history-aware question)
    dropped: list[Dropped] = field(default_factory=list)
    error: str | None = None
    confidence: float | None = None  # calibrated P(the documents answer it); refused below the threshold
    signals: dict[str, float] = field(default_factory=dict)  # what the confidence was computed from
    id: str = field(default_factory=lambda: uuid.uuid4().hex)  # what feedback refers to (app/feedback.py)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "answer": self.answer,
            "refused": self.refused,
            "mode": self.mode,
            "citations": [c.to_dict() for c in self.citations],
            "retrieved": [p.to_dict() for p in self.retrieved],
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
            "query": self.query,
            "dropped": [asdict(d) for d in self.dropped],
            "error": self.error,
            "confidence": self.confidence,
            "signals": {k: round(v, 4) for k, v in self.signals.items()},
        }

    @classmethod
    def from_dict(cls, data: dict) -> Answer:
        """The answer back from `to_dict()` output (as the UI keeps it); keys it does not know are
        ignored, so an answer stored by another version still loads."""

        def known(kind, item: dict) -> dict:
            names = {f.name for f in fields(kind)}
            return {k: v for k, v in item.items() if k in names}

        values = known(cls, data)
        values["citations"] = [Citation(**known(Citation, c)) for c in data.get("citations") or []]
        values["retrieved"] = [Passage(**known(Passage, p)) for p in data.get("retrieved") or []]
        values["dropped"] = [Dropped(**known(Dropped, d)) for d in data.get("dropped") or []]
        values.setdefault("timings_ms", {})
        return cls(**values)
