"""Reading a gold set in the format of docs/design.md (one JSON object per line), with errors that name
the line.

`type` is any short label (`fact`, `howto`, `table`…): metrics and reports group by whatever a set
holds. Only `unanswerable` (no answer expected) and `multi_doc` (every evidence quote needed) change
how an item is scored.
"""

from __future__ import annotations

import json
from pathlib import Path

from app.errors import BadRequest

COMMON_TYPES = {
    "fact",
    "number",
    "list",
    "why",
    "howto",
    "multi_doc",
    "unanswerable",
    "traditional",
    "followup",
    "english",
}
MAX_TYPE_CHARS = 40
REQUIRED = {
    "id": str,
    "type": str,
    "question": str,
    "answer": str,
    "must_contain": list,
    "source": (str, list),
    "evidence": list,
}


def load_gold(path: str | Path) -> list[dict]:
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BadRequest(f"cannot read the gold file {path}: {exc}") from exc
    items, seen = [], set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadRequest(f"{path}:{number}: not valid JSON ({exc.msg})") from exc
        if not isinstance(item, dict):
            raise BadRequest(f"{path}:{number}: expected a JSON object")
        for field, kind in REQUIRED.items():
            if not isinstance(item.get(field), kind):
                raise BadRequest(f"{path}:{number}: field {field!r} is missing or has the wrong type")
        label = item["type"].strip()
        if not label or len(label) > MAX_TYPE_CHARS or any(c in label for c in "|\n"):
            examples = ", ".join(sorted(COMMON_TYPES))
            raise BadRequest(f"{path}:{number}: type must be a short label without '|' (e.g. {examples})")
        item["type"] = label
        if item["id"] in seen:
            raise BadRequest(f"{path}:{number}: duplicate id {item['id']!r}")
        history = item.get("history") or []
        if not isinstance(history, list) or not all(isinstance(t, dict) and "content" in t for t in history):
            raise BadRequest(f'{path}:{number}: history must be a list of {{"role", "content"}} objects')
        seen.add(item["id"])
        item["history"] = history
        item["source"] = item["source"] if isinstance(item["source"], list) else [item["source"]]
        items.append(item)
    if not items:
        raise BadRequest(f"{path}: no gold items")
    return items
