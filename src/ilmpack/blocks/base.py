"""What every block kind provides: rules beyond its schema, the view its template gets, its runtime entry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

from markupsafe import Markup

from ..errors import Problem
from ..sourcemap import SourceMap

SAME = "translations change only the words"


@dataclass(frozen=True)
class BlockPage:
    """What a block kind knows of the page it stands on."""

    id: str
    lang: str
    is_test: bool
    inline: Callable[[str], Markup]  # Markdown of a short text (prompt, option) as HTML, sanitized as the course says
    file: Callable[[str], str]  # a path written relative to the page -> its path in the package (and packaged)
    # Renders template `name` with `context` (plus strings and lang) into the package at `path`, e.g. a
    # handout page; returns `path`.
    write: Callable[[str, str, dict], str]
    # course.yaml as written, for a kind's course-wide option (e.g. `reflections: {send_text: true}`).
    course: Mapping = field(default_factory=dict)


class BlockKind:
    """One kind of fenced block (```<name>). Subclasses set `name` and override what they need.

    The schema is `schemas/blocks/<name>.schema.json`, the template `templates/blocks/<name>.html`,
    and an interactive kind has a runtime part `templates/assets/runtime/blocks/<name>.js`.
    """

    name = ""
    # Keys whose values must be equal in every language (the LMS sees them): ids, kinds, answers.
    same_in_every_language: tuple[str, ...] = ("id",)
    # The runtime config collects this kind's entries under this key, by block id (None: no entry).
    config_key: str | None = None

    def rules(self, data: Mapping, smap: SourceMap) -> list[Problem]:
        """Problems the schema cannot state; `data` has passed the schema."""
        return []

    def translation_problems(self, base: Mapping, other: Mapping, smap: SourceMap, base_file: str) -> list[Problem]:
        """Where a translation (`other`, located by `smap`) differs from the first language in more than words."""
        out = []
        for key in self.same_in_every_language:
            if base.get(key) != other.get(key):
                out.append(smap.problem((key,), f"'{other.get(key)}' is '{base.get(key)}' in {base_file}; {SAME}: use the same {key}"))
        return out

    def files(self, data: Mapping) -> list[tuple[tuple, str]]:
        """(key path, file path as written) of every course file the block uses (films, captions ...).

        The validator checks each one (inside the course, exists, a name every LMS can unzip) and
        reports problems at its key; the view packages them through `page.file(...)`.
        """
        return []

    def view(self, data: Mapping, page: BlockPage) -> dict:
        """Extra names the block's template gets beside `block`, `page`, `strings` and `lang`."""
        return {}

    def state_size(self, blocks: list[Mapping]) -> tuple[int, int] | None:
        """(essential, worst case) length of this kind's state slice for `blocks` (all of this kind in
        one language, in order), or None when its runtime part keeps no slice. Mirrors the part's
        encode(); targets/scorm12.py: suspend_data_size adds it up to warn at build time."""
        return None

    def runtime_entry(self, data: Mapping, view: dict, page: BlockPage) -> dict | None:
        """What the runtime must know of this block (goes into the config under `config_key`)."""
        return None
