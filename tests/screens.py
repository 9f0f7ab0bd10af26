"""Where browser tests save their screenshots: `$WENDA_SCREENSHOTS` when set (`WENDA_SCREENSHOTS=docs/
screenshots make test` refreshes the README's pictures), else a temporary folder, so a test run
leaves the repository as it was."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def screenshot_path(name: str) -> Path:
    folder = Path(os.environ.get("WENDA_SCREENSHOTS") or Path(tempfile.gettempdir()) / "wenda-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name
