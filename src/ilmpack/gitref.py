"""The git commit a course folder is checked out at: part of the build cache's key (cache.py),
since the warnings about translations that fell behind come from git's history."""

from __future__ import annotations

import os
from pathlib import Path


def head_commit(root: Path) -> str:
    """The commit checked out in the course's repository, or '' outside one (or without git)."""
    dot_git = next((d / ".git" for d in (root, *root.parents) if (d / ".git").exists()), None)
    if dot_git is None:
        return ""
    head = head_from_files(dot_git)
    if head:
        return head
    import subprocess  # here: a build answered from the cache seldom needs it

    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    try:
        proc = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10, env=env)
    except (OSError, subprocess.SubprocessError):
        return "no git"
    return proc.stdout.strip() if proc.returncode == 0 else f"git {proc.returncode}"


def head_from_files(dot_git: Path) -> str | None:
    """What `git rev-parse HEAD` answers, read from the repository's files as git keeps them
    (HEAD, a loose ref, packed-refs; a worktree's .git file and commondir): 3 to 6 ms less than
    starting git, twice a build. None for anything else (an unborn branch, a symbolic ref to a
    symbolic ref, the reftable format, a file that cannot be read): then git itself is asked."""
    try:
        gitdir = dot_git
        if dot_git.is_file():  # a worktree or submodule: "gitdir: <path>"
            line = dot_git.read_text(encoding="utf-8").strip()
            if not line.startswith("gitdir: "):
                return None
            gitdir = (dot_git.parent / line[len("gitdir: "):]).resolve()
        common = gitdir
        if (gitdir / "commondir").is_file():
            common = (gitdir / (gitdir / "commondir").read_text(encoding="utf-8").strip()).resolve()
        head = (gitdir / "HEAD").read_text(encoding="utf-8").strip()
        if _is_object_id(head):  # detached
            return head
        if not head.startswith("ref: refs/"):
            return None
        ref = head[len("ref: "):]
        loose = common / ref
        if loose.is_file():
            value = loose.read_text(encoding="utf-8").strip()
            return value if _is_object_id(value) else None
        packed = common / "packed-refs"
        if packed.is_file():
            for line in packed.read_text(encoding="utf-8").splitlines():
                value, _, name = line.partition(" ")
                if name == ref and _is_object_id(value):
                    return value
    except (OSError, UnicodeDecodeError):
        return None
    return None


def _is_object_id(text: str) -> bool:
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)
