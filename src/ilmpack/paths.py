"""Paths that authors write: kept inside the course folder, checked for exact-case existence."""

from __future__ import annotations

import errno
import os
import re
import stat
from functools import lru_cache
from pathlib import Path

SAFE_NAME = re.compile(r"^[A-Za-z0-9._/-]+$")


class PathProblem(ValueError):
    """A path an author wrote is unusable; the message says why and what to do."""

    def __init__(self, message: str, case_hint: str | None = None):
        super().__init__(message)
        self.case_hint = case_hint  # the existing name that differs only in letter case


def resolve_inside(root: Path, base: Path, target: str) -> Path:
    """Resolve `target` (relative to folder `base`) and make sure it stays inside `root` and exists."""
    if "\x00" in target:
        raise PathProblem(f"{target!r} holds a NUL character; write the file name again")
    if "\\" in target:
        raise PathProblem(f"'{target}' uses '\\'; write paths with '/'")
    if target.startswith("/") or re.match(r"^[A-Za-z]:", target):
        raise PathProblem(f"'{target}' is an absolute path; write it relative to this file, inside the course folder")
    candidate = os.path.join(base, target)
    root_resolved, inside = _root(os.fspath(root), os.getcwd())  # a relative root means another folder after a chdir
    # realpath() follows symlinks, so a link that points out of the course is caught here too.
    # Strings, not Path objects, on this path: a large course resolves thousands of links.
    resolved = real_path(candidate)
    try:
        mode = os.stat(resolved).st_mode
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise PathProblem(f"'{target}' is a link that points to itself; put the file itself there") from e
        mode = 0
    if not (resolved + os.sep).startswith(inside):
        how = "is a link that points outside" if _is_link_inside(Path(candidate), root_resolved) else "leaves"
        raise PathProblem(f"'{target}' {how} the course folder; keep files inside {root.name}/")
    if not stat.S_ISREG(mode):
        hint = _case_hint(root_resolved, Path(resolved))
        if stat.S_ISDIR(mode):
            raise PathProblem(f"'{target}' is a folder, not a file")
        raise PathProblem(f"no such file '{target}'" + (f"; did you mean '{hint}'? (names are case-sensitive on the LMS)" if hint else ""), hint)
    return Path(resolved)


_FOLDERS: dict[str, tuple[int, int, str]] = {}  # folder as written -> (device, inode, real path)


def real_path(path: str) -> str:
    """os.path.realpath(path), with the folder part resolved once per folder.

    A large course links the same few folders thousands of times, and realpath checks every part
    of every path. A folder's real path is remembered with its device and inode, checked again on
    every call (one stat), so a folder moved or replaced by a link is resolved afresh.
    """
    head, tail = os.path.split(path)
    if tail in ("", ".", ".."):
        return os.path.realpath(path)
    try:
        st = os.stat(head)
    except OSError:
        return os.path.realpath(path)
    known = _FOLDERS.get(head)
    if known and known[0] == st.st_dev and known[1] == st.st_ino:
        real_head = known[2]
    else:
        if len(_FOLDERS) > 4096:
            _FOLDERS.clear()
        real_head = os.path.realpath(head)
        _FOLDERS[head] = (st.st_dev, st.st_ino, real_head)
    joined = os.path.join(real_head, tail)
    return os.path.realpath(joined) if os.path.islink(joined) else joined


@lru_cache(maxsize=16)
def _root(root: str, cwd: str) -> tuple[Path, str]:
    """The course folder `root` (as given, from `cwd`) with links resolved, and as the start of the
    paths inside it: once a folder, as a large course resolves thousands of paths in it."""
    resolved = _resolved(Path(cwd, root))
    return resolved, str(resolved).rstrip(os.sep) + os.sep


def resolved_root(root: Path) -> Path:
    """The course folder with links resolved (what resolve_inside returns paths under)."""
    return _resolved(root.absolute())


@lru_cache(maxsize=16)
def _resolved(folder: Path) -> Path:
    """The course folder with links resolved, once: a course names thousands of files in it."""
    return folder.resolve()


def _is_link_inside(path: Path, root: Path) -> bool:
    """True when the lexical path is inside the course but a symlink on the way leads out."""
    normal = Path(os.path.normpath(path.absolute()))
    return normal.is_relative_to(root) or normal.is_relative_to(root.absolute())


def _case_hint(root: Path, missing: Path) -> str | None:
    """The existing path that differs from `missing` only by letter case, relative to its parent."""
    parts = missing.relative_to(root).parts
    here = root
    for part in parts:
        if (here / part).exists():
            here = here / part
            continue
        match = next((c for c in here.iterdir() if c.name.lower() == part.lower()), None) if here.is_dir() else None
        if match is None:
            return None
        here = match
    return here.name


NORWEGIAN = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "Ae", "Ø": "O", "Å": "A"})


def ascii_name(text: str, allowed: str = r"A-Za-z0-9._/-") -> str:
    """`text` with æ, ø, å spelt out and any run of other characters outside `allowed` as '-'."""
    return re.sub(rf"[^{allowed}]+", "-", text.translate(NORWEGIAN))


def check_package_name(name: str) -> str | None:
    """A message when a file name would break on some LMS unzippers, else None."""
    if SAFE_NAME.match(name):
        return None
    suggestion = ascii_name(name)
    return (f"the file name '{name}' has spaces or characters some LMSs cannot unzip; "
            f"rename it to '{suggestion}' (a-z, 0-9, '.', '-', '_')")
