"""Command line: parses options, calls one library function per command, prints the outcome."""

from __future__ import annotations

import click

from . import __version__

EPILOG = """\b
Examples:
  ilmpack build courses/likestilling          all languages -> build/
  ilmpack build courses/likestilling --lang nn --out dist
  ilmpack validate courses/likestilling
  ilmpack new courses/mitt-kurs

\b
Exit codes: 0 ok, 1 problems in the course (or the package could not be written),
2 wrong use of the command."""


@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ilmpack")
def main() -> None:
    """Build e-learning packages (SCORM 1.2) from a course kept as YAML and Markdown."""


@main.command(epilog=EPILOG)
@click.argument("course", default=".", type=click.Path(file_okay=False))
@click.option("--format", "fmt", default="scorm12", show_default=True, help="Package standard: scorm12.")
@click.option("--lang", "langs", multiple=True, metavar="LANG", help="Build only this language (repeatable). Default: all.")
@click.option("--out", "out_dir", default="build", show_default=True, type=click.Path(file_okay=False), help="Folder for the packages.")
def build(course: str, fmt: str, langs: tuple[str, ...], out_dir: str) -> None:
    """Validate COURSE (a folder with course.yaml) and write one package per language."""
    from .build import build_course
    from .errors import display_path

    result = build_course(course, out_dir, fmt=fmt, langs=langs)
    for warning in result.warnings:
        click.echo(str(warning), err=True)
    for pkg in result.packages:
        click.echo(f"wrote {display_path(pkg.path)} ({pkg.files} files)")


@main.command()
@click.argument("course", default=".", type=click.Path(file_okay=False))
def validate(course: str) -> None:
    """Check COURSE and report every problem with file, line and column; write nothing."""
    from .build import check_course

    checked = check_course(course)
    for warning in checked.warnings:
        click.echo(str(warning), err=True)
    pages = len(checked.course.pages) // len(checked.course.languages)
    click.echo(f"{course}: ok ({pages} pages in {', '.join(checked.course.languages)})")


@main.command()
@click.argument("name", type=click.Path(file_okay=False))
def new(name: str) -> None:
    """Create a new course folder NAME that builds as it is (bokmål and nynorsk)."""
    from .scaffold import new_course

    path = new_course(name)
    click.echo(f"created {path}; next: ilmpack build {path}")
