"""Prompts live in `prompts/*.txt`; this module loads and renders them strictly.

Templates use `${name}` placeholders. Rendering fails on a missing variable and on a variable the
template does not use, so a prompt and its caller cannot drift apart silently.

    >>> render("refusal").startswith("文档中没有")
    True
"""

from __future__ import annotations

import functools
import re
from string import Template

from app.config import PROMPTS_DIR


class PromptError(KeyError):
    pass


@functools.cache
def load(name: str) -> str:
    path = PROMPTS_DIR / f"{name}.txt"
    if not path.is_file():
        raise PromptError(f"no prompt named {name!r} in {PROMPTS_DIR}")
    return path.read_text(encoding="utf-8").strip()


def placeholders(template: str) -> set[str]:
    return set(re.findall(r"\$\{(\w+)\}", template))


def render(name: str, **variables: str) -> str:
    template = load(name)
    wanted = placeholders(template)
    missing, unused = wanted - variables.keys(), variables.keys() - wanted
    if missing or unused:
        raise PromptError(f"prompt {name!r}: missing {sorted(missing)}, unused {sorted(unused)}")
    return Template(template).substitute(variables)
