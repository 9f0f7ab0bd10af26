"""CI gate: each set's offline eval must not fall below its floors in evals/floors.json (per set:
`{"seeds": {"min", "max"}, "manpages": {…}}`). The seeds' gate runs on the session's seeded index; the
manpages gate builds the corpus (evals/corpora.py, Debian packages via apt) and indexes it with e5 once."""

from __future__ import annotations

import json
import shutil

import pytest

from app.config import PROJECT_ROOT, Settings
from evals.per_corpus import gold_path
from evals.runner import evaluate

FLOORS = PROJECT_ROOT / "evals" / "floors.json"


def check_floors(report: dict, floors: dict, where) -> None:
    overall = report["systems"]["wenda"]["overall"]
    failures = [
        f"{m} = {overall.get(m)} < floor {v}"
        for m, v in floors.get("min", {}).items()
        if overall.get(m, 0) < v
    ]
    failures += [
        f"{m} = {overall.get(m)} > ceiling {v}"
        for m, v in floors.get("max", {}).items()
        if overall.get(m, 1) > v
    ]
    assert overall["errors"] == 0, "some gold items raised errors; see results.jsonl"
    assert not failures, (
        "eval below its floors:\n" + "\n".join(failures) + f"\n(report: {where / 'report.md'})"
    )


def floors_of(name: str) -> dict:
    return json.loads(FLOORS.read_text(encoding="utf-8"))[name]


def test_the_floors_are_per_set():
    floors = json.loads(FLOORS.read_text(encoding="utf-8"))
    assert {"seeds", "manpages"} <= set(floors)
    for name, limits in floors.items():
        if not name.startswith("_"):
            assert set(limits) - {"_comment"} <= {"min", "max"} and limits["min"], name


@pytest.mark.slow
def test_offline_eval_meets_the_floors(seeded_settings, seeded_chain, tmp_path):
    report = evaluate(
        seeded_settings,
        PROJECT_ROOT / "evals" / "gold.jsonl",
        tmp_path / "eval",
        chain=seeded_chain,
        progress=False,
    )
    check_floors(report, floors_of("seeds"), tmp_path / "eval")


@pytest.fixture(scope="session")
def manpages(tmp_path_factory):
    """(settings, index) of the manpages corpus, built and indexed with the real e5 embedder once a
    session."""
    if shutil.which("apt-get") is None:
        pytest.skip("the manpages corpus is built from Debian packages: apt-get is not available here")
    if not gold_path("manpages").is_file():
        pytest.skip(f"no gold set for manpages yet ({gold_path('manpages')})")
    try:
        import evals.corpora  # noqa: F401
    except ImportError:
        pytest.skip("evals/corpora.py (which builds the corpora) is not in this checkout")
    from evals.per_corpus import prepare

    settings = Settings.load(env={}, dotenv=None, data_dir=tmp_path_factory.mktemp("manpages"))
    return prepare("manpages", settings, progress=False)


@pytest.mark.slow
def test_manpages_eval_meets_its_floors(manpages, tmp_path):
    from app.chain import build_chain

    settings, index = manpages
    report = evaluate(
        settings, gold_path("manpages"), tmp_path / "eval", chain=build_chain(settings, index), progress=False
    )
    check_floors(report, floors_of("manpages"), tmp_path / "eval")
