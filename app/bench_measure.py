"""What every `wenda bench` measurement shares: the benchmark questions, percentiles, this process's
peak memory and a folder's size on disk. What it leaves out: what is measured (`app/bench.py`,
`app/bench_sizes.py`, `app/bench_formats.py`).
"""

from __future__ import annotations

import resource
from pathlib import Path

QUESTIONS = [
    "2008年全国生物产业总产值是多少?",
    "重庆到2027年生物制造产业规模目标是多少?",
    "国家生物制造产业创新中心在哪里启动建设?",
    "十四五生物经济发展规划明确了几个方面的重点任务?",
    "辽宁生物医药产业到2020年年均增长速度目标是多少?",
    "中科院创新联盟有多少家企业?",
    "What was the total output value of China's bio-industry in 2008?",
    "本溪生物医药产业基地有多少家企业入驻?",
]


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(p * len(values)))], 1)


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so
    a subprocess started by a large parent would report the parent's peak as its own."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def dir_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20, 1)
