"""wenda's offline evaluation: the gold Q&A set, the runner (`wenda eval`), metrics, baselines, reports."""
