"""Command line: parses options, calls one library function per command, prints the outcome."""

from __future__ import annotations

import json
from contextlib import contextmanager

import click

from . import __version__

EPILOG = """\b
Examples:
  ilmpack build courses/likestilling          all languages -> build/
  ilmpack build courses/likestilling --lang nn --out dist
  ilmpack validate courses/likestilling
  ilmpack check build/likestilling-nb-scorm12.zip
  ilmpack new courses/mitt-kurs

\b
Exit codes: 0 ok, 1 problems in the course (or the package could not be written),
2 wrong use of the command, 130 interrupted (Ctrl+C)."""

json_option = click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON on stdout.")


@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ilmpack")
def main() -> None:
    """Build e-learning packages (SCORM 1.2) from a course kept as YAML and Markdown."""


@contextmanager
def reporting(as_json: bool, outcome: dict):
    """Print warnings and errors as text on stderr, or everything as one JSON document on stdout."""
    from .errors import CourseError, IlmpackError

    try:
        yield outcome
    except KeyboardInterrupt:
        error = IlmpackError("interrupted; nothing was written (a package that was there before is unchanged)")
        error.exit_code = 130
        _fail(as_json, error, [])
    except CourseError as error:
        _fail(as_json, error, [p.as_dict() for p in error.problems])
    except IlmpackError as error:
        _fail(as_json, error, [])
    warnings = outcome.pop("warnings", ())
    lines = outcome.pop("lines", ())
    if as_json:
        click.echo(json.dumps({"ok": True, "problems": [w.as_dict() for w in warnings], **outcome}, ensure_ascii=False, indent=2))
    else:
        for warning in warnings:
            click.echo(str(warning), err=True)
        for line in lines:
            click.echo(line)


def _fail(as_json: bool, error, problems: list[dict]) -> None:
    if not as_json:
        raise error
    problems = problems or [{"file": None, "line": None, "column": None, "key": None,
                             "message": error.format_message(), "severity": "error"}]
    click.echo(json.dumps({"ok": False, "problems": problems}, ensure_ascii=False, indent=2))
    raise SystemExit(error.exit_code)


@main.command(epilog=EPILOG)
@click.argument("course", default=".", type=click.Path(file_okay=False))
@click.option("--format", "fmt", default="scorm12", show_default=True, help="Package standard: scorm12.")
@click.option("--lang", "langs", multiple=True, metavar="LANG", help="Build only this language (repeatable). Default: all.")
@click.option("--out", "out_dir", default="build", show_default=True, type=click.Path(file_okay=False), help="Folder for the packages.")
@json_option
def build(course: str, fmt: str, langs: tuple[str, ...], out_dir: str, as_json: bool) -> None:
    """Validate COURSE (a folder with course.yaml) and write one package per language."""
    from .build import build_course
    from .errors import display_path

    with reporting(as_json, {}) as outcome:
        result = build_course(course, out_dir, fmt=fmt, langs=langs)
        outcome["warnings"] = result.warnings
        outcome["packages"] = [{"path": display_path(p.path), "lang": p.lang, "format": p.format, "files": p.files}
                               for p in result.packages]
        outcome["lines"] = [f"wrote {p['path']} ({p['files']} files)" for p in outcome["packages"]]


@main.command()
@click.argument("course", default=".", type=click.Path(file_okay=False))
@click.option("--lang", "langs", multiple=True, metavar="LANG", help="Check only this language (repeatable). Default: all.")
@json_option
def validate(course: str, langs: tuple[str, ...], as_json: bool) -> None:
    """Check COURSE and report every problem with file, line and column; write nothing."""
    from .build import check_course
    from .errors import CourseError

    with reporting(as_json, {}) as outcome:
        try:
            checked = check_course(course, langs=langs)
        except CourseError as error:  # validate never writes: the closing line says what the count means
            raise CourseError(error.problems, closing="the course cannot be built as it is.", note=error.note) from None
        outcome["warnings"] = checked.warnings
        pages = len(checked.course.pages) // len(checked.course.languages)
        outcome["lines"] = [f"{course}: ok ({pages} pages in {', '.join(checked.course.languages)})"]


@main.command(epilog=EPILOG)
@click.argument("package", type=click.Path())
@json_option
def check(package: str, as_json: bool) -> None:
    """Check a SCORM 1.2 PACKAGE (a zip or its unzipped folder, from any tool) before uploading it."""
    from .check import check_package
    from .errors import CourseError

    with reporting(as_json, {}) as outcome:
        problems = check_package(package)
        if any(not p.warning for p in problems):
            raise CourseError(problems, closing="do not upload the package as it is.")
        outcome["warnings"] = problems
        outcome["lines"] = [f"{package}: ok (SCORM 1.2 package)"]


@main.command()
@click.argument("name", type=click.Path(file_okay=False))
def new(name: str) -> None:
    """Create a new course folder NAME that builds as it is (bokmål and nynorsk)."""
    from .scaffold import new_course

    path = new_course(name)
    click.echo(f"created {path}; next: ilmpack build {path}")
