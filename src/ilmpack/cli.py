"""Command line: parses options, calls one library function per command, prints the outcome."""

from __future__ import annotations

import json
import shlex
import sys
from contextlib import contextmanager
from pathlib import Path

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


class Command(click.Command):
    """A command whose description `ilmpack --help` shows whole: click would cut it at about 45 characters."""

    def get_short_help_str(self, limit: int = 45) -> str:
        return self.short_help or " ".join((self.help or "").split("\n\n")[0].split())


class Group(click.Group):
    command_class = Command


class CourseFolder(click.ParamType):
    """A course folder, or the course.yaml inside it (which a shell's Tab completion likes to give)."""

    name = "course"

    def convert(self, value, param, ctx) -> str:
        path = Path(value)
        if path.is_file():
            if path.name != "course.yaml":
                self.fail(f"'{value}' is a file; give the course folder (the one that holds course.yaml), "
                          "or its course.yaml", param, ctx)
            return str(path.parent)
        return str(value)


class FormatChoice(click.Choice):
    """The output standards in the target registry, and `all`; imported only when `build` runs or shows its help."""

    def __init__(self) -> None:
        super().__init__(())

    @property
    def choices(self) -> tuple[str, ...]:
        from .targets import TARGETS

        return (*TARGETS, "all")

    @choices.setter
    def choices(self, _value) -> None:
        pass  # click.Choice.__init__ sets it; the registry is the only source


@click.group(cls=Group, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ilmpack")
def main() -> None:
    """Build e-learning packages (SCORM 1.2, cmi5, TinCan) from a course kept as YAML and Markdown."""


@contextmanager
def reporting(as_json: bool, outcome: dict, quiet: bool = False):
    """Print warnings and errors as text on stderr, or everything as one JSON document on stdout.

    `quiet`: errors only (the exit code says the rest).
    """
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
    elif not quiet:
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
@click.argument("course", default=".", type=CourseFolder())
@click.option("--format", "fmt", default="scorm12", show_default=True, type=FormatChoice(), help="Package standard.")
@click.option("--lang", "langs", multiple=True, metavar="LANG", help="Build only this language (repeatable). Default: all.")
@click.option("--out", "out_dir", default="build", show_default=True, type=click.Path(file_okay=False), help="Folder for the packages.")
@click.option("--quiet", "-q", is_flag=True, help="Print errors only (for CI: the exit code says the rest).")
@click.option("--no-cache", "no_cache", is_flag=True,
              help="Build everything anew, even when nothing changed since the last build (the cache in OUT/.cache/).")
@json_option
def build(course: str, fmt: str, langs: tuple[str, ...], out_dir: str, quiet: bool, no_cache: bool, as_json: bool) -> None:
    """Validate COURSE (its folder, or its course.yaml) and write one package per language."""
    from .build import build_course
    from .errors import display_path

    # Progress only for a person watching a terminal: in a log or a pipe it would be noise.
    progress = ProgressLine() if not (quiet or as_json) and sys.stdout.isatty() else None
    with reporting(as_json, {}, quiet) as outcome:
        try:
            result = build_course(course, out_dir, fmt=fmt, langs=langs, progress=progress, cache=not no_cache)
        finally:
            if progress:
                progress.clear()
        outcome["warnings"] = result.warnings
        outcome["packages"] = [{"path": display_path(p.path), "lang": p.lang, "format": p.format, "files": p.files,
                                "bytes": p.bytes, "pages": p.pages, "blocks": p.blocks, "media": p.media,
                                "report": display_path(p.report)}
                               for p in result.packages]
        outcome["seconds"] = result.seconds
        outcome["reused"] = result.reused
        outcome["lines"] = _build_lines(result)


class ProgressLine:
    """One line on the terminal, rewritten as a build goes on, and wiped before the summary."""

    def __call__(self, step) -> None:
        if step.unit == "package":
            text = f"writing {step.total} package{'s' if step.total != 1 else ''}: {step.what}"
        else:
            text = f"rendered {step.done}/{step.total} languages ({step.what})"
        click.echo(f"\r\033[K{text}", nl=False)

    def clear(self) -> None:
        click.echo("\r\033[K", nl=False)


def _build_lines(result) -> list[str]:
    """`build`'s answer in words: each package with its size and contents, then the time."""
    from .errors import display_path

    lines = []
    for p in result.packages:
        parts = [_count(p.pages, "page")]
        parts += [_count(n, kind) for kind, n in p.blocks.items()]
        parts.append(_count(p.media, "media file", "media files"))
        lines.append(f"wrote {display_path(p.path)} ({_size(p.bytes)}: {', '.join(parts)})")
        lines.append(f"  and its accessibility report {display_path(p.report)}")
    n = len(result.packages)
    unchanged = " (nothing changed since the last build: the packages there were kept)" if result.reused else ""
    lines.append(f"built {n} package{'s' if n != 1 else ''} in {result.seconds:.1f} s{unchanged}")
    return lines


def _count(n: int, word: str, plural: str = "") -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


@main.command()
@click.argument("course", default=".", type=CourseFolder())
@click.option("--lang", "langs", multiple=True, metavar="LANG", help="Check only this language (repeatable). Default: all.")
@json_option
def validate(course: str, langs: tuple[str, ...], as_json: bool) -> None:
    """Check COURSE (its folder, or its course.yaml) and report every problem with file, line and column; write nothing."""
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
    """Check a SCORM 1.2, cmi5 or TinCan PACKAGE (a zip or its unzipped folder, from any tool) before uploading it."""
    from .check import check_package, package_summary
    from .errors import CourseError

    with reporting(as_json, {}) as outcome:
        problems = check_package(package)
        if any(not p.warning for p in problems):
            raise CourseError(problems, closing="do not upload the package as it is.")
        outcome["warnings"] = problems
        summary = package_summary(package)
        outcome.update(summary)
        outcome["lines"] = [f"{package}: ok", *_summary_lines(summary)]


def _summary_lines(summary: dict) -> list[str]:
    """`check`'s answer in words: what the admin is about to upload."""
    size = f"{_size(summary['unzipped_bytes'])} unzipped, {summary['files']} files"
    size = f"{_size(summary['bytes'])} ({size})" if summary["bytes"] is not None else f"{size} (a folder: zip its contents to upload it)"
    score = summary["mastery_score"]
    if score is None:
        score = "none (the course itself reports passed/failed or completed)"
    elif isinstance(score, list):
        score = " / ".join(f"{s} %" for s in score) + " (the SCOs differ)"
    else:
        score = f"{score} % (the LMS sets passed/failed from the score)"
    rows = [("title", summary["title"] or "(none in the manifest)"),
            ("standard", summary["standard"]),
            ("languages", ", ".join(summary["languages"]) or "not stated in the manifest"),
            ("size", size),
            ("mastery score", score)]
    return [f"  {name + ':':<15}{value}" for name, value in rows]


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 1_000_000 else f"{-(-n // 1000)} KB"


PREVIEW_EPILOG = """\b
Examples:
  ilmpack preview courses/likestilling        opens http://127.0.0.1:8000/
  ilmpack preview courses/likestilling --lang nn --port 8001 --no-open

\b
Stop it with Ctrl+C (exit code 130). Exit codes otherwise: 1 the course folder is missing,
2 wrong use of the command (unknown --lang or --format, the port is taken)."""


@main.command(epilog=PREVIEW_EPILOG)
@click.argument("course", default=".", type=CourseFolder())
@click.option("--lang", "langs", multiple=True, metavar="LANG",
              help="Preview only this language (repeatable; the first is shown first). Default: all.")
@click.option("--format", "fmt", default="scorm12", show_default=True, type=FormatChoice(), help="Package standard.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port on 127.0.0.1; 0 picks a free one.")
@click.option("--no-open", is_flag=True, help="Do not open a browser.")
def preview(course: str, langs: tuple[str, ...], fmt: str, port: int, no_open: bool) -> None:
    """Show COURSE as the learner sees it in an LMS, with what the LMS records; rebuild on every save."""
    from .preview import serve_preview

    def built(snapshot, changed: list[str]) -> None:
        cause = f"{', '.join(changed)} changed: " if changed else ""
        if snapshot.ok:
            click.echo(f"{cause}built {', '.join(snapshot.langs)} in {snapshot.seconds:.2f} s")
            for warning in snapshot.warnings:
                click.echo(f"{warning['where']}: warning: {warning['message']}", err=True)
        else:
            click.echo(f"{cause}the course cannot be built (shown in the browser):", err=True)
            for problem in snapshot.problems:
                click.echo(f"  {problem['where']}: {problem['message']}", err=True)

    def ready(url: str) -> None:
        click.echo(f"Previewing {course} at {url} (Ctrl+C stops)")

    try:
        serve_preview(course, fmt=fmt, langs=langs, port=port, open_browser=not no_open, on_ready=ready, on_build=built)
    except KeyboardInterrupt:
        click.echo("preview stopped", err=True)
        raise SystemExit(130) from None


@main.command()
@click.argument("name", type=click.Path(file_okay=False))
def new(name: str) -> None:
    """Create a new course folder NAME that builds as it is (bokmål and nynorsk)."""
    from .scaffold import new_course

    path = new_course(name)
    click.echo(f"created {path}; next: ilmpack build {shlex.quote(path)}")
