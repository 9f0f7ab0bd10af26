"""Reading a gold set in the DESIGN.md format (one JSON object per line), with errors that name the line."""

from __future__ import annotations

import json
from pathlib import Path

from app.errors import BadRequest

TYPES = {"fact", "number", "list", "why", "multi_doc", "unanswerable", "traditional", "followup", "english"}
REQUIRED = {"id": str, "type": str, "question": str, "answer": str, "must_contain": list, "source": (str, list), "evidence": list}


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
        if item["type"] not in TYPES:
            raise BadRequest(f"{path}:{number}: unknown type {item['type']!r} (one of {', '.join(sorted(TYPES))})")
        if item["id"] in seen:
            raise BadRequest(f"{path}:{number}: duplicate id {item['id']!r}")
        history = item.get("history") or []
        if not isinstance(history, list) or not all(isinstance(t, dict) and "content" in t for t in history):
            raise BadRequest(f"{path}:{number}: history must be a list of {{\"role\", \"content\"}} objects")
        seen.add(item["id"])
        item["history"] = history
        item["source"] = item["source"] if isinstance(item["source"], list) else [item["source"]]
        items.append(item)
    if not items:
        raise BadRequest(f"{path}: no gold items")
    return items
