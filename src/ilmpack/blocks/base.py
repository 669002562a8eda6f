"""What every block kind provides: rules beyond its schema, the view its template gets, its runtime entry."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
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


@dataclass(frozen=True)
class StateShare:
    """A kind's slice of the learner's saved state (SCORM 1.2: 4096 characters in all), at its longest.

    `essential` is what the runtime never drops; `blocks` maps each block id to the characters its
    state may add at worst, so a build over the limit can name the block to shorten.
    """

    essential: int
    blocks: Mapping[str, int]

    @property
    def worst(self) -> int:
        return self.essential + sum(self.blocks.values())


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

    def test_rules(self, blocks: list[tuple[Mapping, SourceMap]], policy: Mapping, policy_smap: SourceMap) -> list[Problem]:
        """Problems of this kind's blocks on the test page (first language) under the course's
        `test_policy` (`policy`, located in course.yaml by `policy_smap`)."""
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

    def file_problems(self, key: tuple, path: Path, smap: SourceMap) -> list[Problem]:
        """Problems in the content of a file from `files()` that exists (a caption file that is not
        WebVTT): located in that file where the fault has a line, else at `key` of the block."""
        return []

    def view(self, data: Mapping, page: BlockPage) -> dict:
        """Extra names the block's template gets beside `block`, `page`, `strings` and `lang`."""
        return {}

    def runtime_entry(self, data: Mapping, view: dict, page: BlockPage) -> dict | None:
        """What the runtime must know of this block (goes into the config under `config_key`)."""
        return None

    def state_size(self, blocks: list[tuple[Mapping, bool]], policy: Mapping, exact: Mapping) -> StateShare | None:
        """The longest slice of the saved state this kind's runtime part writes for these blocks
        ((data, on the test page) for all of this kind in one language, in course order) under the
        course's test `policy`; `exact` may give numbers it saves, for an exact length. None: the
        part keeps no slice. Mirrors the part's encode(); targets/scorm12.py: suspend_data_size
        adds the kinds up, and the build refuses a course whose worst case is over the limit."""
        return None

    def state_advice(self, data: Mapping) -> tuple[tuple, str]:
        """(key path in the block, what to do) for an author whose saved state is too large."""
        return ("id",), "use fewer of these blocks"
