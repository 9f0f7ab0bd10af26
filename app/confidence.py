"""Calibrated refusal: the probability that the documents answer a question, from the answerer's signals.

A logistic model over the signals whose evidence points the same way on every development corpus — no
word lists. The answerer records more signals than the model uses:

| signal | what | in the model |
|---|---|---|
| `similarity` | raw e5 cosine of the question and the best unit | yes |
| `margin` | how far that similarity stands above the next five compared units' | no |
| `numbers` | share of the numbers the question names (years, amounts) that the quoted passage states | yes |
| `english` | 1 for a question without Chinese | yes |
| `crosslingual` | 1 when question and answering passage differ in language (e5 puts such pairs lower) | yes |
| `semantic` | `similarity` mapped to 0–1 (what the answerer ranks by) | no |
| `lexical` | the best unit's IDF-weighted word and bigram overlap with the question | no |
| `coverage` | IDF-weighted share of the question's words found anywhere in the retrieved passages | no |
| `specific` | IDF-weighted share of the question's three rarest words found in the quoted passage | no |
| `unseen` | IDF-weighted share of the question's words (an English one's Chinese) the collection lacks | no |
| `quantity` | 0 when the question asks for a number or a date and the quote states none, else 1 | yes |

The word-overlap signals separate answerable from unanswerable questions on the seeds (AUC 0.83–0.85)
and the other way round on the LibreOffice help and the Debian FAQ (0.32–0.38), where people ask in
their own words and the near misses reuse the documents' terms: a model fitted on one corpus with them
refused 34–56 % of another's answerable questions. The e5 signals point the same way on all three;
`margin` adds nothing beside `similarity` (fitted together it took a negative weight).
`python -m evals.calibrate` prints the per-corpus AUC of every signal and the leave-one-corpus-out
trade-off. `quantity` was written on the seeds and lohelp and then measured on the Debian FAQ, which
nothing had been tuned on: there it separates best of all signals (AUC 0.75, e5 similarity 0.55),
because a near miss often asks for a figure the documents never give. `english` and `crosslingual`
are the same on Chinese collections; they differ only where an English question meets English text
(the `pytut` corpus, which is why it is among the training corpora).

The weights and the refusal threshold live in `app/data/confidence.json`; `python -m evals.calibrate`
fits them on the eval results of several corpora (and reports them leave-one-corpus-out). wenda
refuses when the probability is below the threshold.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

FEATURES = ("similarity", "numbers", "crosslingual", "english", "quantity")
SIGNALS = (
    "similarity",
    "margin",
    "numbers",
    "english",
    "crosslingual",
    "semantic",
    "lexical",
    "coverage",
    "specific",
    "unseen",
    "quantity",
)
MODEL_PATH = Path(__file__).parent / "data" / "confidence.json"
# for an index embedded by another model (OpenAI's, the tests' hash embedder): cosines on another scale,
# so the e5 model would refuse everything; this one leans on word overlap (fitted before, on seeds+lohelp)
FALLBACK_PATH = Path(__file__).parent / "data" / "confidence_fallback.json"


@dataclass
class Calibration:
    weights: dict[str, float]
    bias: float
    threshold: float
    trained_on: list[str] = field(default_factory=list)
    embedder: str = "*"  # the embedder whose similarities the weights were fitted on ("*": any)

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
            "embedder": self.embedder,
        }

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> Calibration:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            data["weights"],
            data["bias"],
            data["threshold"],
            data.get("trained_on", []),
            data.get("embedder", "*"),
        )

    @classmethod
    def for_embedder(cls, key: str) -> Calibration:
        """The shipped model when it was fitted on `key`'s similarities, else the fallback."""
        model = cls.load()
        return model if model.embedder in (key, "*") else cls.load(FALLBACK_PATH)

    def save(self, path: Path = MODEL_PATH) -> None:
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def fit(
    rows: list[dict[str, float]],
    labels: list[int],
    l2: float = 0.01,
    steps: int = 3000,
    lr: float = 0.5,
    features: tuple[str, ...] = FEATURES,
) -> tuple[dict[str, float], float]:
    """Logistic regression by gradient descent (a few hundred rows: no library needed).
    `labels`: 1 = answerable. Classes are weighted equally, whatever their sizes. Signals are
    standardised for the fit (a cosine varies over a few hundredths, a share over 0–1; the L2 penalty
    would otherwise silence the narrow ones) and the weights folded back to raw signals."""
    import numpy as np

    raw = np.array([[float(r.get(f, 0.0)) for f in features] for r in rows])
    mean, std = raw.mean(axis=0), raw.std(axis=0)
    std[std == 0] = 1.0
    x = (raw - mean) / std
    y = np.array(labels, dtype=float)
    positive = max(1.0, y.sum())
    negative = max(1.0, len(y) - y.sum())
    sample = np.where(y == 1, 0.5 / positive, 0.5 / negative)
    w, b = np.zeros(len(features)), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(x @ w + b)))
        grad = p - y
        w -= lr * ((sample * grad) @ x + l2 * w)
        b -= lr * float((sample * grad).sum())
    w, b = w / std, b - float((w * mean / std).sum())
    return {f: round(float(v), 4) for f, v in zip(features, w)}, round(b, 4)
