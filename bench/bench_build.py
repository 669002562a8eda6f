"""Benchmark: build a large generated course and compare time and memory with a baseline.

    python bench/bench_build.py                 # print figures and the comparison
    python bench/bench_build.py --save-baseline # record this machine's figures as the baseline

Targets (checked here, never in the test suite): a 200-page, two-language course with 400
questions and 200 MB of film builds in under 10 s, and peak memory stays under 250 MB, since
media are streamed into the zip rather than read whole.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BASELINE = HERE / "baseline.json"
TARGETS = {"build_seconds": 10.0, "peak_rss_mb": 250.0}
PAGES, MEDIA_MB = 200, 200

QUESTION = """
```question
id: q-{n}
kind: multiple
prompt: Spørsmål {n}?
options:
  - text: Ett
    correct: true
  - text: To
  - text: Tre
    correct: true
```
"""


def make_course(root: Path) -> Path:
    """A course of PAGES pages in nb and nn, two questions a page, one large film."""
    course = root / "stor"
    entries = [f"{i:03d}-side.md" for i in range(PAGES)]
    modules = "\n".join(
        f"  - id: m{m}\n    title: {{nb: Del {m}, nn: Del {m}}}\n    pages: [{', '.join(entries[m * 20:(m + 1) * 20])}]"
        for m in range(PAGES // 20))
    (course / "media").mkdir(parents=True)
    (course / "course.yaml").write_text(
        "id: stor\nversion: 1.0.0\nlanguages: [nb, nn]\ntitle: {nb: Stor, nn: Stor}\n"
        "description: {nb: Stort kurs., nn: Stort kurs.}\ncompletion: {test: none}\nmodules:\n" + modules + "\n",
        encoding="utf-8")
    text = "Avsnitt med **tekst** og en [lenke](https://example.org).\n\n" * 30
    for lang in ("nb", "nn"):
        (course / lang).mkdir()
        for i, entry in enumerate(entries):
            film = "\n![Film](../media/film.mp4)\n" if i == 0 else ""
            body = f"---\ntitle: Side {i}\n---\n## Innhold\n\n{text}{film}{QUESTION.format(n=2 * i)}{QUESTION.format(n=2 * i + 1)}"
            (course / lang / entry).write_text(body, encoding="utf-8")
    with open(course / "media" / "film.mp4", "wb") as f:
        block = os.urandom(1024 * 1024)
        for _ in range(MEDIA_MB):
            f.write(block)
    return course


def run_once(course: Path, out: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one `ilmpack build` in a fresh process."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "ilmpack", "build", str(course), "--out", str(out)],
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"build failed:\n{proc.stderr}")
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, peak_kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--save-baseline", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        course = make_course(Path(tmp))
        walls, peaks = [], []
        for i in range(args.runs):
            wall, peak = run_once(course, Path(tmp) / f"out{i}")
            walls.append(wall)
            peaks.append(peak)
    figures = {"build_seconds": round(statistics.median(walls), 2), "peak_rss_mb": round(max(peaks), 1)}
    print(f"course: {PAGES} pages x 2 languages, {2 * PAGES} questions, {MEDIA_MB} MB film; {args.runs} runs")
    baseline = json.loads(BASELINE.read_text()) if BASELINE.exists() else {}
    for key, value in figures.items():
        base = baseline.get(key)
        ratio = f"{value / base:.2f}x baseline {base}" if base else "no baseline"
        verdict = "ok" if value <= TARGETS[key] else f"OVER target {TARGETS[key]}"
        print(f"{key:>14}: {value:8} ({ratio}; {verdict})")
    if args.save_baseline:
        BASELINE.write_text(json.dumps(figures, indent=2) + "\n")
        print(f"baseline written to {BASELINE.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
