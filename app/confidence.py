"""Calibrated refusal: the probability that the documents answer a question, from the answerer's signals.

A logistic model over a few general signals — no word lists:

| signal | what |
|---|---|
| `semantic` | e5 similarity of the question and the best unit, mapped to 0–1 |
| `lexical` | the best unit's IDF-weighted word and bigram overlap with the question |
| `coverage` | IDF-weighted share of the question's words found anywhere in the retrieved passages |
| `specific` | IDF-weighted share of the question's three rarest words found in the quoted passage |
| `numbers` | share of the numbers the question names (years, amounts) that the quoted passage states |
| `unseen` | IDF-weighted share of the question's words the collection never uses |
| `english` | 1 for a question without Chinese (its lexical signals are weaker by nature) |

The weights and the refusal threshold live in `app/data/confidence.json`; `python -m evals.calibrate`
fits them on the eval results of several corpora (and reports them leave-one-corpus-out). wenda
refuses when the probability is below the threshold.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

FEATURES = ("semantic", "lexical", "coverage", "specific", "numbers", "unseen", "english")
MODEL_PATH = Path(__file__).parent / "data" / "confidence.json"


@dataclass
class Calibration:
    weights: dict[str, float]
    bias: float
    threshold: float
    trained_on: list[str] = field(default_factory=list)

    def probability(self, signals: dict[str, float]) -> float:
        """P(the documents answer it | signals).

        >>> round(Calibration({"semantic": 4.0}, -2.0, 0.5).probability({"semantic": 0.5}), 3)
        0.5
        """
        z = self.bias + sum(w * float(signals.get(name, 0.0)) for name, w in self.weights.items())
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def to_dict(self) -> dict:
        return {
            "weights": self.weights,
            "bias": self.bias,
            "threshold": self.threshold,
            "trained_on": self.trained_on,
        }

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> Calibration:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data["weights"], data["bias"], data["threshold"], data.get("trained_on", []))

    def save(self, path: Path = MODEL_PATH) -> None:
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def fit(
    rows: list[dict[str, float]], labels: list[int], l2: float = 0.01, steps: int = 3000, lr: float = 0.5
) -> tuple[dict[str, float], float]:
    """Logistic regression by gradient descent (a few hundred rows: no library needed).
    `labels`: 1 = answerable. Classes are weighted equally, whatever their sizes."""
    import numpy as np

    x = np.array([[float(r.get(f, 0.0)) for f in FEATURES] for r in rows])
    y = np.array(labels, dtype=float)
    positive = max(1.0, y.sum())
    negative = max(1.0, len(y) - y.sum())
    sample = np.where(y == 1, 0.5 / positive, 0.5 / negative)
    w, b = np.zeros(len(FEATURES)), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(x @ w + b)))
        grad = p - y
        w -= lr * ((sample * grad) @ x + l2 * w)
        b -= lr * float((sample * grad).sum())
    return {f: round(float(v), 4) for f, v in zip(FEATURES, w)}, round(b, 4)
