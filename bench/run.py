"""Benchmark ilmpack's build at every size, and compare with the committed baseline.

    python bench/run.py                  # small, sample and large courses; takes some minutes
    python bench/run.py --small          # the 3-page course and the sample course only (CI runs it)
    python bench/run.py --save-baseline  # make this run's figures bench/baseline.json
    python bench/run.py --strict         # exit 1 when a figure is over 20 % worse than the baseline

Every figure is one whole `ilmpack` process (start-up included), run as a user runs it: in a
temporary folder, on generated courses (bench/synth.py) and on a copy of courses/likestilling.
Build times are min and median over --runs runs, each on a fresh hard-linked copy of the course
with a fresh cache folder (XDG_CACHE_HOME) and output folder; "no change" rebuilds the same
output again, "1 edit" rebuilds after one sentence of one page changed. Peak RSS is the largest
resident size of the build processes (wait4), in MiB. The results go to --json (default
bench/results.json) and are compared with bench/baseline.json: a figure more than 20 % above
its baseline is flagged.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import synth  # noqa: E402  (bench/ is a folder of scripts, not a package)

BASELINE = HERE / "baseline.json"
SAMPLE = ROOT / "courses" / "likestilling"
FORMATS = ("scorm12", "cmi5", "tincan")
TOLERANCE = 0.20  # a figure over 1.2 x its baseline is a regression
RUNTIME_FILES = ("assets/ilmpack.js", "assets/ilmpack.css")
# What a regression means for each figure: all of them are "lower is better".
COMPARED = ("build_min_s", "build_median_s", "build_cpu_min_s", "peak_rss_mib", "package_bytes", "nochange_median_s",
            "edit_median_s", "runtime_gzip_bytes", "suspend_data_worst", "validate_median_s", "validate_cpu_min_s", "validate_rss_mib")
# Every row of the results has these fields (tests/test_bench.py checks them).
BUILD_FIELDS = ("course", "format", "runs", "build_min_s", "build_median_s", "build_cpu_min_s", "peak_rss_mib", "packages",
                "package_bytes", "entries", "nochange_min_s", "nochange_median_s", "edit_min_s", "edit_median_s",
                "runtime_gzip_bytes", "suspend_data_worst", "suspend_data_limit")
VALIDATE_FIELDS = ("course", "pages", "languages", "questions", "media_mib", "runs", "validate_min_s",
                   "validate_median_s", "validate_cpu_min_s", "validate_rss_mib")


PYTHON = sys.executable  # the interpreter the processes run ilmpack with (--wheel: a venv with the built wheel)


class Run:
    """One finished `ilmpack` process: wall seconds, peak RSS and output."""

    def __init__(self, args: list[str], env: dict[str, str]):
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            start = time.perf_counter()
            proc = subprocess.Popen([PYTHON, "-m", "ilmpack", *args], stdout=out, stderr=err, env=env)
            # wait4, not getrusage(RUSAGE_CHILDREN): the peak of this process alone, not of every child so far.
            _, status, usage = os.wait4(proc.pid, 0)
            self.seconds = time.perf_counter() - start
            proc.returncode = os.waitstatus_to_exitcode(status)
            out.seek(0)
            err.seek(0)
            self.stdout, self.stderr = out.read().decode(), err.read().decode()
        self.rss_mib = usage.ru_maxrss / 1024  # KiB on Linux
        self.cpu = usage.ru_utime + usage.ru_stime  # steadier than wall time on a busy machine
        if proc.returncode != 0:
            sys.exit(f"ilmpack {' '.join(args)} failed ({proc.returncode}):\n{self.stderr}{self.stdout}")


class Workspace:
    """Fresh copies of a course (hard links: cheap, whatever the media size) with their own cache folder."""

    def __init__(self, tmp: Path, course: Path):
        self.tmp, self.course, self.count = tmp, course, 0

    def fresh(self) -> tuple[Path, Path, dict[str, str]]:
        """(course copy, output folder, environment) never used before."""
        self.count += 1
        base = self.tmp / f"run-{self.count}"
        copy = base / self.course.name
        shutil.copytree(self.course, copy, copy_function=os.link)
        env = dict(os.environ, XDG_CACHE_HOME=str(base / "cache"))
        env.pop("SOURCE_DATE_EPOCH", None)
        # As an installed ilmpack runs: Python keeps its compiled modules (an environment that
        # turns that off would add ilmpack's compile time to every run).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        return copy, base / "out", env

    def drop(self, copy: Path) -> None:
        shutil.rmtree(copy.parent, ignore_errors=True)  # 400 MB of zips a run for the large course


def course_facts(course: Path) -> dict:
    """Pages, languages, questions and worst-case suspend_data of a course, read with ilmpack itself."""
    from ilmpack.build import check_course
    from ilmpack.targets.scorm12 import SUSPEND_LIMIT, suspend_data_size

    checked = check_course(course)
    c = checked.course
    questions = sum(1 for p in c.pages_in(c.languages[0]) for b in p.blocks if b.kind == "question")
    media = course / "media"
    media_bytes = sum(f.stat().st_size for f in media.rglob("*") if f.is_file()) if media.is_dir() else 0
    return {"pages": len(c.pages_in(c.languages[0])), "languages": list(c.languages), "questions": questions,
            "media_mib": round(media_bytes / 2**20, 1),
            "suspend_data_worst": max(suspend_data_size(c, lang)[1] for lang in c.languages),
            "suspend_data_limit": SUSPEND_LIMIT}


def package_figures(out: Path) -> dict:
    """Size and entries of the packages in `out`, and the gzipped size of the runtime (JS + CSS) in one."""
    zips = sorted(out.glob("*.zip"))
    entries, runtime = 0, 0
    for i, path in enumerate(zips):
        with zipfile.ZipFile(path) as zf:
            entries += len(zf.infolist())
            if i == 0:
                runtime = sum(len(gzip.compress(zf.read(name), 9, mtime=0)) for name in RUNTIME_FILES)
    return {"packages": len(zips), "package_bytes": sum(p.stat().st_size for p in zips), "entries": entries,
            "runtime_gzip_bytes": runtime}


def spread(values: list[float]) -> tuple[float, float]:
    return round(min(values), 3), round(statistics.median(values), 3)


def bench_format(space: Workspace, name: str, fmt: str, runs: int, facts: dict) -> dict:
    """Cold builds, no-change rebuilds and one-page-edit rebuilds of one course in one format."""
    cold, cpu, rss, figures = [], [], [], {}
    for i in range(runs):
        copy, out, env = space.fresh()
        run = Run(["build", str(copy), "--format", fmt, "--out", str(out), "--quiet"], env)
        cold.append(run.seconds)
        cpu.append(run.cpu)
        rss.append(run.rss_mib)
        if i < runs - 1:
            if not figures:
                figures = package_figures(out)
            space.drop(copy)
    nochange, edited = [], []
    build = ["build", str(copy), "--format", fmt, "--out", str(out), "--quiet"]
    for i in range(runs):
        run = Run(build, env)
        nochange.append(run.seconds)
        rss.append(run.rss_mib)
    for i in range(runs):
        synth.edit_page(copy, i)
        run = Run(build, env)
        edited.append(run.seconds)
        rss.append(run.rss_mib)
    figures = figures or package_figures(out)
    space.drop(copy)
    row = {"course": name, "format": fmt, "runs": runs}
    row["build_min_s"], row["build_median_s"] = spread(cold)
    row["build_cpu_min_s"] = round(min(cpu), 3)
    row["peak_rss_mib"] = round(max(rss), 1)
    row.update(figures)
    row["nochange_min_s"], row["nochange_median_s"] = spread(nochange)
    row["edit_min_s"], row["edit_median_s"] = spread(edited)
    row["suspend_data_worst"], row["suspend_data_limit"] = facts["suspend_data_worst"], facts["suspend_data_limit"]
    return row


def bench_validate(space: Workspace, name: str, runs: int, facts: dict) -> dict:
    times, cpu, rss = [], [], []
    copy, _, env = space.fresh()
    for _ in range(runs):
        run = Run(["validate", str(copy)], env)
        times.append(run.seconds)
        cpu.append(run.cpu)
        rss.append(run.rss_mib)
    space.drop(copy)
    row = {"course": name, **{k: facts[k] for k in ("pages", "languages", "questions", "media_mib")}, "runs": runs}
    row["validate_min_s"], row["validate_median_s"] = spread(times)
    row["validate_cpu_min_s"] = round(min(cpu), 3)
    row["validate_rss_mib"] = round(max(rss), 1)
    return row


def make_courses(tmp: Path, small: bool, media_mb: int) -> dict[str, Path]:
    """The courses of this run, written into `tmp` (the sample copied: hard links need one file system)."""
    courses = {"small": synth.make_course(tmp / "src", name="liten", pages=3, questions=3, langs=("nb",))}
    courses["sample"] = tmp / "src" / SAMPLE.name
    shutil.copytree(SAMPLE, courses["sample"])
    if not small:
        courses["large"] = synth.make_course(tmp / "src", name="stor", pages=1000, questions=300, langs=("nb", "nn"),
                                             media_mb=media_mb, media_files=40)
    return courses


def media_check(tmp: Path) -> dict:
    """Peak RSS of one large build with 50 MB and with 200 MB of media: streamed media keep it flat."""
    out = {}
    for mb in (50, 200):
        course = synth.make_course(tmp / f"media-{mb}", name="stor", pages=1000, questions=300, langs=("nb", "nn"),
                                   media_mb=mb, media_files=40)
        space = Workspace(tmp / f"media-{mb}-runs", course)
        copy, dest, env = space.fresh()
        out[f"rss_mib_{mb}mb"] = round(Run(["build", str(copy), "--out", str(dest), "--quiet"], env).rss_mib, 1)
        shutil.rmtree(tmp / f"media-{mb}-runs")
        shutil.rmtree(tmp / f"media-{mb}")
    out["growth"] = round(out["rss_mib_200mb"] / out["rss_mib_50mb"] - 1, 3)
    return out


def wheel_python(tmp: Path) -> str:
    """A venv with ilmpack installed from a wheel built now, as a user installs it from PyPI: pip
    byte-compiles it, and the wheel carries the compiled templates (hatch_build.py). Its
    dependencies are the running interpreter's, named in a .pth file (nothing is downloaded)."""
    import venv
    from importlib import metadata

    dist = tmp / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)], check=True,
                   capture_output=True)
    wheel = next(dist.glob("ilmpack-*.whl"))
    env_dir = tmp / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], check=True,
                             capture_output=True, text=True).stdout.strip()
    folders, wanted, seen = [], ["click", "jinja2", "lxml", "pyyaml", "cmarkgfm", "jsonschema", "nh3", "watchfiles", "tincan"], set()
    while wanted:  # ilmpack's dependencies and theirs, where this interpreter has them
        name = wanted.pop().lower().replace("_", "-")
        if name in seen:
            continue
        seen.add(name)
        try:
            found = metadata.distribution(name)
        except metadata.PackageNotFoundError:  # a dependency for another platform or Python
            continue
        if str(found.locate_file("")) not in folders:
            folders.append(str(found.locate_file("")))
        wanted += [re.match(r"[A-Za-z0-9._-]+", r).group() for r in found.requires or [] if "extra ==" not in r]
    (Path(purelib) / "ilmpack-bench-dependencies.pth").write_text("\n".join(folders) + "\n", encoding="utf-8")
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True, capture_output=True)
    return str(python)


def compare(results: dict, baseline: dict) -> list[str]:
    """The figures over 1.2 x their baseline, as lines of text."""
    flagged = []
    for table in ("builds", "validate"):
        old = {(r["course"], r.get("format")): r for r in baseline.get(table, [])}
        for row in results[table]:
            base = old.get((row["course"], row.get("format")))
            if not base:
                continue
            for key in COMPARED:
                if key in row and base.get(key) and row[key] > base[key] * (1 + TOLERANCE):
                    where = f"{row['course']} {row.get('format', '')}".strip()
                    flagged.append(f"{where}: {key} {row[key]} vs baseline {base[key]} (+{row[key] / base[key] - 1:.0%})")
    return flagged


def merged(baseline: dict, results: dict) -> dict:
    """The new baseline: this run's rows, and the old rows of courses it did not run (--small keeps the large)."""
    out = dict(results)
    for table_name in ("builds", "validate"):
        ran = {(r["course"], r.get("format")) for r in results[table_name]}
        out[table_name] = results[table_name] + [r for r in baseline.get(table_name, [])
                                                 if (r["course"], r.get("format")) not in ran]
    if "media" not in out and "media" in baseline:
        out["media"] = baseline["media"]
    return out


def table(results: dict) -> str:
    """The results as a Markdown table (builds) and a second one (validate)."""
    lines = ["| course | format | build min / median s | CPU min s | peak RSS MiB | packages | MB | entries | no change min / median s "
             "| 1 edit min / median s | runtime gz KB | suspend_data worst / limit |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results["builds"]:
        limit = r["suspend_data_limit"] if r["format"] == "scorm12" else "none"
        lines.append(f"| {r['course']} | {r['format']} | {r['build_min_s']:.2f} / {r['build_median_s']:.2f} | {r['build_cpu_min_s']:.2f} | "
                     f"{r['peak_rss_mib']:.0f} | {r['packages']} | {r['package_bytes'] / 1e6:.1f} | {r['entries']} | "
                     f"{r['nochange_min_s']:.2f} / {r['nochange_median_s']:.2f} | {r['edit_min_s']:.2f} / {r['edit_median_s']:.2f} | "
                     f"{r['runtime_gzip_bytes'] / 1000:.1f} | {r['suspend_data_worst']} / {limit} |")
    lines += ["", "| course | pages × languages | questions | media MiB | validate min / median s | CPU min s | peak RSS MiB |",
              "|---|---|---|---|---|---|---|"]
    for r in results["validate"]:
        lines.append(f"| {r['course']} | {r['pages']} × {', '.join(r['languages'])} | {r['questions']} | {r['media_mib']} | "
                     f"{r['validate_min_s']:.2f} / {r['validate_median_s']:.2f} | {r['validate_cpu_min_s']:.2f} | {r['validate_rss_mib']:.0f} |")
    media = results.get("media")
    if media:
        lines += ["", f"Media streamed: peak RSS of the large build {media['rss_mib_50mb']:.0f} MiB with 50 MB of media, "
                      f"{media['rss_mib_200mb']:.0f} MiB with 200 MB ({media['growth']:+.0%})."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 2)[2])
    parser.add_argument("--small", action="store_true", help="only the 3-page course and the sample course")
    parser.add_argument("--runs", type=int, default=0, help="runs per figure (default 5; 3 for the large course)")
    parser.add_argument("--formats", default=",".join(FORMATS), help=f"comma-separated (default {','.join(FORMATS)})")
    parser.add_argument("--media-mb", type=int, default=200, help="media in the large course (default 200)")
    parser.add_argument("--json", type=Path, default=HERE / "results.json", help="where to write the results")
    parser.add_argument("--save-baseline", action="store_true", help="write the results to bench/baseline.json too")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a figure regressed by more than 20 %%")
    parser.add_argument("--wheel", action="store_true",
                        help="run ilmpack installed from a wheel built now, as users install it (default: this checkout)")
    args = parser.parse_args(argv)
    formats = [f for f in args.formats.split(",") if f]
    results = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                           "install": "wheel" if args.wheel else "checkout"},
               "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "small": args.small,
               "builds": [], "validate": []}
    with tempfile.TemporaryDirectory(prefix="ilmpack-bench-") as tmp_name:
        tmp = Path(tmp_name)
        if args.wheel:
            global PYTHON
            PYTHON = wheel_python(tmp / "wheel")
        for name, course in make_courses(tmp, args.small, args.media_mb).items():
            runs = args.runs or (3 if name == "large" else 5)
            facts = course_facts(course)
            space = Workspace(tmp / f"{name}-runs", course)
            print(f"{name}: {facts['pages']} pages × {', '.join(facts['languages'])}, {facts['questions']} questions, "
                  f"{facts['media_mib']} MiB media; {runs} runs", file=sys.stderr)
            results["validate"].append(bench_validate(space, name, runs, facts))
            for fmt in formats:
                results["builds"].append(bench_format(space, name, fmt, runs, facts))
        if not args.small:
            results["media"] = media_check(tmp)
    print(f"{results['machine']['cpus']} CPUs, Python {results['machine']['python']}, {results['machine']['platform']}, "
          f"ilmpack from {'a wheel' if args.wheel else 'this checkout'}\n")
    print(table(results))
    baseline = json.loads(BASELINE.read_text(encoding="utf-8")) if BASELINE.exists() else {}
    kind = baseline.get("machine", {}).get("install", "checkout")
    flagged = compare(results, baseline) if kind == results["machine"]["install"] else []
    results["regressions"] = flagged
    print()
    if baseline and kind != results["machine"]["install"]:
        print(f"not compared: the baseline was taken with ilmpack from {'a wheel' if kind == 'wheel' else 'this checkout'}")
    elif not baseline.get("builds"):
        print("no baseline to compare with (bench/baseline.json)")
    elif flagged:
        print(f"{len(flagged)} figures over {1 + TOLERANCE:.1f} x the baseline:")
        print("\n".join(f"  {line}" for line in flagged))
    else:
        print(f"no figure over {1 + TOLERANCE:.1f} x the baseline")
    text = json.dumps(results, indent=2, ensure_ascii=False) + "\n"
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(text, encoding="utf-8")
    if args.save_baseline:
        BASELINE.write_text(json.dumps(merged(baseline, results), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"baseline written to {BASELINE.relative_to(ROOT)}")
    return 1 if flagged and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
