#!/bin/sh
# Validate, build and check every course of the repository: the shell part of the CI recipes in
# docs/ci.md (GitHub Actions and GitLab CI call it the same way). The packages land in dist/,
# which the CI keeps as its artifact. Any problem stops it with ilmpack's exit code: 1 a problem in
# a course or package, 2 a wrong option (such as a format this ilmpack does not have).
#
#   ILMPACK   the command (default: ilmpack)
#   COURSES   the course folders (default: every folder in courses/ that holds a course.yaml)
#   FORMATS   the package standards to build (default: scorm12; `ilmpack build --help` lists them)
#   OUT       where the packages go (default: dist)
set -eu

ILMPACK=${ILMPACK:-ilmpack}
FORMATS=${FORMATS:-scorm12}
OUT=${OUT:-dist}
if [ -z "${COURSES:-}" ]; then
    COURSES=$(for f in courses/*/course.yaml; do [ -f "$f" ] && dirname "$f"; done)
fi
if [ -z "$COURSES" ]; then
    echo "no course found: no courses/*/course.yaml here; set COURSES to the course folders" >&2
    exit 1
fi

# The same sources give the same bytes: zip times from the last commit (reproducible-builds.org).
if [ -z "${SOURCE_DATE_EPOCH:-}" ] && git rev-parse --git-dir >/dev/null 2>&1; then
    SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)
    export SOURCE_DATE_EPOCH
fi

rm -rf "$OUT"
for course in $COURSES; do
    echo "== $course"
    $ILMPACK validate "$course"            # every problem of every language, with file:line:col
    for format in $FORMATS; do
        $ILMPACK build "$course" --format "$format" --out "$OUT" --quiet   # every language
    done
done

# What an admin will upload, checked as an LMS would read it. `check` reads SCORM 1.2 zips.
for zip in "$OUT"/*-scorm12.zip; do
    [ -f "$zip" ] || continue
    $ILMPACK check "$zip"
done
ls -l "$OUT"
