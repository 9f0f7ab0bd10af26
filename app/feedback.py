"""Users' 👍/👎 on answers, kept as evaluation data that `wenda eval --gold FILE` replays.

- `AnswerMemory`: the last `MAX_REMEMBERED` answers this server gave (API, OpenAI endpoint, UI) by
  their `id`, with the question, history and knowledge base (KB) they answered, so feedback refers to a
  real answer and the record holds what was asked, not what a client says was asked. The facade
  (`Wenda.ask`/`stream` in `app/service.py`) remembers every answer it gives, whichever adapter asked.
  It lives in memory: an answer from before a restart can no longer be rated.
- `feedback_record`: one gold-set item (DESIGN.md "Gold set") from a judged answer:

  | judgement               | `type`         | `answer`       | `source` / `evidence`                |
  | ----------------------- | -------------- | -------------- | ------------------------------------ |
  | 👍 on an answer         | `confirmed`    | the answer     | cited files / their cited sentences  |
  | 👍 on a refusal         | `unanswerable` | `""`           | `[]` / `[]`                          |
  | a correction (👎 or 👍)  | `corrected`    | the correction | `[]` / `[]` (they backed the wrong one) |
  | 👎 without a correction  | `known_bad`    | `""`           | `[]` / `[]`; `known_bad`: what was said |

  A `known_bad` item is a question whose current answer is known to be wrong: the eval reports
  `repeats_bad_answer`, the share of such questions still answered the rejected way (the same text,
  or refused again when the refusal was rejected). Every record also carries `kb` and `feedback`
  (rating, the given answer, its citations, when).
- `FeedbackLog`: the records in `<data dir>/feedback/<kb>.jsonl`, one line per answer: a first
  rating is appended; rating it again replaces its line and withdrawing it removes the line (only
  then is the file read, and rewritten through a temporary file). Writes hold a thread lock and an
  exclusive file lock, so concurrent requests never interleave or lose a line.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import threading
from collections import OrderedDict
from datetime import UTC, datetime
from pathlib import Path

from app.errors import BadRequest, NotFound, TooLarge
from app.kbs import DEFAULT_KB
from app.models import Answer

MAX_REMEMBERED = 1000  # answers that can still be rated
MAX_CORRECTION_CHARS = 8000
RATINGS = ("up", "down", "none")  # none: withdraw an earlier rating


class AnswerMemory:
    """The last `size` answers by id: what was asked and answered, as feedback needs it."""

    def __init__(self, size: int = MAX_REMEMBERED) -> None:
        self.size = size
        self._answers: OrderedDict[str, dict] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, question: str, history: list[dict] | None, answer: Answer, kb: str | None) -> None:
        asked = {
            "question": question,
            "history": [{"role": t["role"], "content": t["content"]} for t in history or []],
            "kb": kb or DEFAULT_KB,
            "answer": answer.answer,
            "refused": answer.refused,
            "citations": [
                {"n": c.n, "source": c.source, "quotes": [q["text"] for q in c.quotes] or [c.text]}
                for c in answer.citations
            ],
        }
        with self._lock:
            self._answers[answer.id] = asked
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)

    def get(self, answer_id: str) -> dict:
        with self._lock:
            asked = self._answers.get(answer_id)
        if asked is None:
            raise NotFound(
                f"unknown answer id {answer_id[:64]!r}: this server remembers its last {self.size} "
                "answers since it started; ask again and rate the new answer"
            )
        return asked


def without_markers(answer: str, cited: set[int]) -> str:
    r"""`answer` without its citation markers: a bracketed number naming a cited passage and not followed
    by what follows a subscript in code. The quoted text's own brackets stay ("sys.argv[0]", "f(a[1])",
    "a[1].b", "x[1]=2"; "x[2] = 1" when passage 2 is not cited).

    >>> without_markers("Use sys.argv[0].[1] It lists /etc/hosts[2]\n- a[1][2]\n:[1]1. 装[2]Ubuntu", {1, 2})
    'Use sys.argv[0]. It lists /etc/hosts\n- a\n:1. 装Ubuntu'
    >>> without_markers("f(a[1]) and a[1].b, x[1]=2[1]", {1})
    'f(a[1]) and a[1].b, x[1]=2'
    >>> without_markers("产值11340亿元[1]。据文档[1]的说明，x[3] = 1", {1})
    '产值11340亿元。据文档的说明，x[3] = 1'
    """
    marker = re.compile(r"\[(\d{1,3})\](?![(=+\-*/%<>|&^~)\]]|\.\w)")  # not code: f(a[1]), x[1] = 2, a[1].b
    return marker.sub(lambda m: "" if int(m[1]) in cited else m[0], answer).strip()


def feedback_record(answer_id: str, asked: dict, rating: str, correction: str | None = None) -> dict:
    """The gold-set item for `rating` ("up"/"down") of the remembered answer `asked` (see the table above).

    >>> asked = {"question": "产值?", "history": [], "kb": "default", "answer": "11340亿元[1]。",
    ...          "refused": False, "citations": [{"n": 1, "source": "a.txt", "quotes": ["产值11340亿元"]}]}
    >>> r = feedback_record("abc", asked, "up")
    >>> r["id"], r["type"], r["answer"], r["source"], r["evidence"]
    ('fb-abc', 'confirmed', '11340亿元。', ['a.txt'], ['产值11340亿元'])
    >>> feedback_record("abc", asked, "down")["known_bad"]
    {'answer': '11340亿元[1]。', 'refused': False}
    """
    cited = asked["citations"]
    record = {
        "id": f"fb-{answer_id}",
        "type": "known_bad",
        "question": asked["question"],
        "history": asked["history"],
        "answer": "",
        "must_contain": [],
        "source": [],
        "evidence": [],
        "kb": asked["kb"],
    }
    if correction:
        record.update(type="corrected", answer=correction)
    elif rating == "up" and asked["refused"]:
        record.update(type="unanswerable")
    elif rating == "up":
        record.update(
            type="confirmed",
            answer=without_markers(asked["answer"], {c["n"] for c in cited}),  # the reference
            source=list(dict.fromkeys(c["source"] for c in cited)),
            evidence=list(dict.fromkeys(q for c in cited for q in c["quotes"])),
        )
    else:
        record["known_bad"] = {"answer": asked["answer"], "refused": asked["refused"]}
    record["feedback"] = {
        "rating": rating,
        "answer_id": answer_id,
        "given_answer": asked["answer"],
        "given_refused": asked["refused"],
        "correction": correction,
        "cited": cited,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return record


class FeedbackLog:
    """`<data dir>/feedback/<kb>.jsonl`: one gold item per rated answer."""

    def __init__(self, data_dir: Path) -> None:
        self.folder = Path(data_dir) / "feedback"
        self._lock = threading.Lock()

    def path(self, kb: str) -> Path:
        if not kb or kb.startswith(".") or any(c in kb for c in "/\\\0") or len(kb) > 100:
            raise BadRequest(f"not a knowledge base name: {kb[:100]!r}")
        return self.folder / f"{kb}.jsonl"

    def write(self, record: dict, replace: bool = False) -> bool:
        """Append `record`; with `replace`, put it in place of the line of the same id (the file is
        read and rewritten only then). True when it replaced a line."""
        return self._change(
            record["kb"], record["id"], json.dumps(record, ensure_ascii=False) + "\n", replace
        )

    def remove(self, kb: str, record_id: str) -> bool:
        """Remove the line of `record_id`; True when there was one."""
        return self._change(kb, record_id, "", replace=True)

    def _change(self, kb: str, record_id: str, line: str, replace: bool) -> bool:
        path = self.path(kb)
        self.folder.mkdir(parents=True, exist_ok=True)
        with self._lock, open(path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another process writing the same file waits too
            lines = (
                path.read_text(encoding="utf-8").splitlines(keepends=True)
                if replace and path.exists()
                else []
            )
            same = [i for i, old in enumerate(lines) if _record_id(old) == record_id]
            if not same:
                if line:
                    with open(path, "a", encoding="utf-8") as out:
                        out.write(line)
                return False
            lines = [line if i == same[0] else old for i, old in enumerate(lines) if i not in same[1:]]
            temporary = path.with_suffix(".jsonl.tmp")
            temporary.write_text("".join(lines), encoding="utf-8")
            os.replace(temporary, path)
            return True


def _record_id(line: str) -> str | None:
    try:
        return json.loads(line).get("id")
    except (ValueError, AttributeError):
        return None


class Feedback:
    """What the API route and the UI share: the remembered answers and the log they are rated into."""

    def __init__(self, data_dir: Path, remembered: int = MAX_REMEMBERED) -> None:
        self.answers = AnswerMemory(remembered)
        self.log = FeedbackLog(data_dir)
        self._lock = threading.Lock()

    def give(self, answer_id: str, rating: str, correction: str | None = None) -> dict:
        """Record a judgement (`none` withdraws one: its line is removed); returns `{"record",
        "replaced", "file"}`. Raises BadRequest (a rating other than up/down/none), TooLarge (a
        correction over MAX_CORRECTION_CHARS), NotFound (an answer id this server does not remember)."""
        if rating not in RATINGS:
            raise BadRequest(f"rating must be 'up', 'down' or 'none' (withdraw), not {str(rating)[:20]!r}")
        correction = (correction or "").strip() or None
        if correction and len(correction) > MAX_CORRECTION_CHARS:
            raise TooLarge(
                f"the correction is {len(correction):,} characters; the limit is {MAX_CORRECTION_CHARS:,}"
            )
        asked = self.answers.get(answer_id)
        record = feedback_record(answer_id, asked, rating, correction) if rating != "none" else None
        with self._lock:
            # an answer's first rating appends, a later one replaces (its ids are this process's own)
            if record is None:
                replaced = asked.get("rated", False) and self.log.remove(asked["kb"], f"fb-{answer_id}")
            else:
                replaced = self.log.write(record, replace=asked.get("rated", False))
            asked["rated"] = record is not None
        path = self.log.path(asked["kb"])
        return {"record": record, "replaced": replaced, "file": str(path.relative_to(self.log.folder.parent))}
