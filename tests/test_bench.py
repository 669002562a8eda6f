"""The benchmark's small form runs, so that it cannot rot; its figures are never asserted here."""

from __future__ import annotations

import json
import subprocess
import sys

from coursekit import ROOT

BUILD_FIELDS = {"course", "format", "runs", "build_min_s", "build_median_s", "build_cpu_min_s", "peak_rss_mib", "packages", "package_bytes",
                "entries", "nochange_min_s", "nochange_median_s", "edit_min_s", "edit_median_s", "runtime_gzip_bytes",
                "suspend_data_worst", "suspend_data_limit"}
VALIDATE_FIELDS = {"course", "pages", "languages", "questions", "media_mib", "runs", "validate_min_s",
                   "validate_median_s", "validate_cpu_min_s", "validate_rss_mib"}


def test_the_small_benchmark_runs_and_reports_every_figure(tmp_path):
    out = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--small", "--runs", "1", "--json", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["machine"]["cpus"] >= 1
    assert [(r["course"], r["format"]) for r in results["builds"]] == [
        (course, fmt) for course in ("small", "sample") for fmt in ("scorm12", "cmi5", "tincan")]
    languages = {r["course"]: r["languages"] for r in results["validate"]}
    for row in results["builds"]:
        assert set(row) == BUILD_FIELDS, row
        assert row["packages"] == len(languages[row["course"]]), row  # one package a language
        assert row["entries"] > 0 and row["package_bytes"] > 0 and row["runtime_gzip_bytes"] > 0, row
        assert 0 < row["suspend_data_worst"] <= row["suspend_data_limit"] == 4096, row
        assert all(row[k] > 0 for k in BUILD_FIELDS if k.endswith("_s")), row
    assert [r["course"] for r in results["validate"]] == ["small", "sample"]
    for row in results["validate"]:
        assert set(row) == VALIDATE_FIELDS, row
    small = results["validate"][0]
    assert (small["pages"], small["languages"], small["questions"]) == (3, ["nb"], 3)
    # The table a person reads names every course and format.
    for course in ("small", "sample"):
        for fmt in ("scorm12", "cmi5", "tincan"):
            assert f"| {course} | {fmt} |" in proc.stdout
