"""The one object the CLI, the HTTP API and the UI talk to: ask, stream, documents, knowledge bases
and feedback.

`Wenda(settings)` owns the settings, one embedder shared by every knowledge base (KB), a chain per KB
(built on first use, under a lock, so concurrent first requests build it once), the job queue that
runs every write one at a time, and the feedback store (`app/feedback.py`): every answer `ask` and
`stream` give is remembered with its question and KB, so a 👍/👎 on it becomes a gold item of that KB.
Each operation takes a `kb` name (default `default`); an unknown KB is a NotFound naming the command
or route that lists them. Adapters map their input to these calls and the answers or errors back;
they never reach into a chain or an index.

It leaves out the answering itself (`app/chain.py`), what a document operation does
(`app/documents.py`), where a KB keeps its state (`app/kbs.py`) and how a rating becomes a gold item
(`app/feedback.py`).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from app import documents
from app.config import Settings
from app.errors import BadRequest, Conflict, NotFound, WendaError
from app.feedback import Feedback
from app.jobs import Job, JobQueue
from app.kbs import (
    DEFAULT_KB,
    OPENAI_DEFAULT_MODEL,
    KBStore,
    check_name,
    drop_kb,
    list_kbs,
    open_kb,
    uploads_folder,
)
from app.models import Answer
from ingest.chroma import IndexUnavailable


def problem_text(exc: BaseException) -> str:
    """What a user is told about a core error or an unreachable index (one wording everywhere)."""
    if isinstance(exc, WendaError):
        return exc.message
    if isinstance(exc, IndexUnavailable):
        return f"{exc}; try again when it is back"
    return f"internal error ({type(exc).__name__}); see the server log"


def message_text(content) -> str:
    """A chat message's content as text: a string, or OpenAI-style content parts.

    >>> message_text([{"type": "text", "text": "杭州"}, {"type": "text", "text": "呢?"}]), message_text(None)
    ('杭州呢?', '')
    """
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return content if isinstance(content, str) else ""


@dataclass
class Upload:
    """An upload checked and staged, waiting to be queued (`Wenda.submit_upload`)."""

    kb: KBStore
    folder: Path  # where the caller puts the files, under the accepted names
    names: list[str]
    skipped: list[dict]


class Wenda:
    def __init__(self, settings: Settings, chain=None, embedder=None) -> None:
        """`chain` (tests): the default KB's chain, whose embedder the other KBs share."""
        self.settings = settings
        self.jobs = JobQueue(settings.max_queued_uploads)
        self.feedback = Feedback(settings.data_path)
        self._chains: dict[str, object] = {}
        self._stores: dict[str, KBStore] = {}
        self._deleting: set[str] = set()  # KBs whose removal is queued: not to be opened again
        self._lock = threading.RLock()
        self._embedder = embedder
        index = getattr(chain, "index", None)
        if chain is not None:
            self._chains[DEFAULT_KB] = chain
        if index is not None:
            self._stores[DEFAULT_KB] = KBStore(DEFAULT_KB, index, uploads_folder(settings, DEFAULT_KB))
            self._embedder = self._embedder or index.embedder

    # -- knowledge bases -------------------------------------------------------------------
    @property
    def embedder(self):
        with self._lock:
            if self._embedder is None:
                from app.core import make_embedder

                self._embedder = make_embedder(self.settings)
            return self._embedder

    def kbs(self) -> list[dict]:
        """Every KB with its document and chunk counts, `default` first."""
        found = []
        for name in self.kb_names():
            records = self.store(name, must_exist=False).index.documents()  # listed: it exists
            found.append(
                {"name": name, "documents": len(records), "chunks": sum(r.chunks for r in records.values())}
            )
        return found

    def kb_names(self) -> list[str]:
        """The KBs' names, `default` first; one being deleted is no longer listed."""
        return [kb for kb in list_kbs(self.store(DEFAULT_KB).index) if kb not in self._deleting]

    def create_kb(self, name: str) -> dict:
        name = check_name(name)
        if name == OPENAI_DEFAULT_MODEL:
            raise BadRequest(
                f"{name!r} names the default knowledge base to OpenAI clients; choose another name"
            )
        with self._lock:
            if name in self.kb_names():
                raise Conflict(f"a knowledge base named {name!r} exists already")
            store = self.store(name, must_exist=False)
            store.index.documents()  # creates its collections: from now on it is listed
        return {"name": name, "documents": 0, "chunks": 0}

    def delete_kb(self, name: str) -> Job:
        """Cancel the KB's pending uploads and queue its removal; the job's end means it is gone."""
        store = self.store(name)
        if store.name == DEFAULT_KB:
            raise Conflict("the default knowledge base cannot be deleted; delete its documents instead")
        self.jobs.cancel_kb(store.name)
        with self._lock:
            self._forget(store.name)
            self._deleting.add(store.name)

        def work(job) -> dict:
            try:
                drop_kb(store)
            finally:
                with self._lock:
                    self._forget(store.name)
                    self._deleting.discard(store.name)
            return {"deleted": store.name}

        try:
            return self.jobs.submit("delete-kb", work, kb=store.name)
        except WendaError:
            with self._lock:
                self._deleting.discard(store.name)
            raise

    def _forget(self, kb: str) -> None:
        self._chains.pop(kb, None)
        self._stores.pop(kb, None)

    def store(self, kb: str = DEFAULT_KB, must_exist: bool = True) -> KBStore:
        """Where the KB lives (opened once). NotFound for a KB that does not exist."""
        kb = check_name(kb)
        with self._lock:
            store = self._stores.get(kb)
            if store is None:
                gone = kb in self._deleting or (must_exist and kb != DEFAULT_KB and kb not in self.kb_names())
                if gone:
                    raise NotFound(
                        f"no knowledge base named {kb!r}; GET /api/kbs (or `wenda kb list`) lists them"
                    )
                store = self._stores[kb] = open_kb(self.settings, kb, self.embedder)
            return store

    def chain(self, kb: str = DEFAULT_KB):
        """The KB's answer chain, built on first use."""
        store = self.store(kb)
        with self._lock:
            chain = self._chains.get(store.name)
            if chain is None:
                from app.chain import WendaChain

                chain = self._chains[store.name] = WendaChain(self.settings, store.index)
            return chain

    # -- asking ----------------------------------------------------------------------------
    def ask(self, question: str, history=None, top_k: int | None = None, kb: str = DEFAULT_KB) -> Answer:
        chain, kb = self.chain(kb), check_name(kb)
        answer = chain.ask(question, history or [], top_k)
        self.feedback.answers.remember(question, history, answer, kb)
        return answer

    def stream(
        self, question: str, history=None, top_k: int | None = None, kb: str = DEFAULT_KB
    ) -> Iterator[dict]:
        """Events: deltas, then {"type": "final", "answer": Answer}. Errors in the question or the
        retrieval are raised before the first event is returned, so callers can answer with a status."""
        chain, kb = self.chain(kb), check_name(kb)
        events = chain.stream(question, history or [], top_k)
        first = next(events)

        def all_events():
            for event in itertools.chain([first], events):
                if event["type"] == "final":
                    self.feedback.answers.remember(question, history, event["answer"], kb)
                yield event

        return all_events()

    def health(self) -> dict:
        """Liveness and whether the default KB's index answers (the detail stays in the log)."""
        chunks = self.store(DEFAULT_KB).index.active_chunks()
        return {"status": "ok", "index": "ok", "chunks": chunks}

    # -- documents -------------------------------------------------------------------------
    def documents(self, kb: str = DEFAULT_KB) -> list[dict]:
        return documents.list_documents(self.store(kb).index)

    def ingest(self, paths: list[Path], kb: str = DEFAULT_KB, reset: bool = False, progress: bool = False):
        """Ingest files or folders into a KB right away, not as a job (the CLI's `wenda ingest` and the
        seeding of an empty `default` at `wenda serve`); returns the ingest report."""
        from app.core import chunk_settings
        from ingest.pipeline import ingest_paths

        index = self.store(kb).index
        return ingest_paths(
            index, paths, reset=reset, settings=chunk_settings(self.settings), progress=progress
        )

    def stage_upload(self, kb: str, files: list[tuple[str, int]]) -> Upload:
        """Check `(name, size)` pairs for a KB and make a folder for the accepted files (raises
        Busy when the job queue is full, before anything is stored)."""
        self.jobs.check_room()
        store = self.store(kb)
        names, skipped = documents.check_upload(self.settings, store, files)
        return Upload(store, documents.stage(store), names, skipped)

    def submit_upload(self, upload: Upload) -> Job:
        import shutil

        return self.jobs.submit(
            "upload",
            documents.upload_work(self.settings, upload.kb, upload.folder, upload.names, upload.skipped),
            files_total=len(upload.names),
            on_refused=lambda: shutil.rmtree(upload.folder, ignore_errors=True),
            kb=upload.kb.name,
        )

    def delete_document(self, kb: str, source: str) -> Job:
        """Queue a document's removal (NotFound first if there is no such document)."""
        store = self.store(kb)
        documents.check_delete(store, source)
        return self.jobs.submit("delete", lambda job: documents.delete(store, source) or {}, kb=store.name)

    def recover(self) -> dict[str, list[str]]:
        """After a crash, in every KB: remove staged or unregistered uploads and orphan chunks."""
        return {kb: documents.recover_uploads(self.store(kb)) for kb in self.kb_names()}

    def shutdown(self) -> None:
        self.jobs.shutdown()


def job_outcome(job: Job) -> dict:
    """A finished job's result, or its error raised again for the adapters to translate."""
    if job.status == "failed" and job.exception is not None:
        raise job.exception
    if job.status == "cancelled":
        raise Conflict(f"the job was cancelled: {job.error}")
    if job.status != "done":
        raise WendaError(job.error or job.status)
    return job.result or {}
