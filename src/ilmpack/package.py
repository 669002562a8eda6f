"""Package stage: a reproducible zip, written to a temporary file and moved into place."""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

from .cache import file_signature
from .errors import BuildError, display_path

# Already-compressed formats are stored; deflating them again costs time and saves nothing.
STORED_SUFFIXES = {".mp4", ".webm", ".m4v", ".mov", ".jpg", ".jpeg", ".png", ".gif", ".webp",
                   ".woff", ".woff2", ".mp3", ".m4a", ".ogg", ".oga", ".opus", ".zip", ".pdf"}
FIRST = ("imsmanifest.xml", "cmi5.xml", "tincan.xml")  # the descriptor leads, as LMSs look for it
FREE_LATER = 32 * 1024 * 1024  # an old zip from this size is removed in a thread (`_replace`)
ZIP_EPOCH = 315532800  # 1980-01-01, the earliest time a zip entry can hold


def zip_timestamp() -> tuple[int, int, int, int, int, int]:
    """Entry time: SOURCE_DATE_EPOCH when set (reproducible-builds.org), else 1980-01-01."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    try:
        seconds = max(int(epoch), ZIP_EPOCH) if epoch else ZIP_EPOCH
    except ValueError as e:
        raise BuildError(f"SOURCE_DATE_EPOCH must be a whole number of seconds, got '{epoch}'") from e
    return time.gmtime(seconds)[:6]


def write_packages(packages: list[tuple[Path, dict[str, bytes], dict[str, Path]]],
                   previous: dict[Path, dict] | None = None, layouts: dict[Path, dict] | None = None) -> dict[Path, dict]:
    """Write several zips as one step: all are written to temporary files first, then moved into
    place together, so a failure (or Ctrl+C) in any of them leaves every existing package untouched.

    Returns each zip's signature (cache.py), taken from the file this build wrote before it was
    moved into place: a build running at the same time cannot slip its own zip into our record.
    `previous` (target -> the cache's record of the zip there) lets unchanged members be copied
    from that zip (`_write_temporary`); `layouts`, when given, receives each new zip's layout.
    """
    staged: list[tuple[Path, dict, dict, Path]] = []
    previous = previous or {}
    try:
        for target, files, disk_files in packages:
            staged.append((*stage_package(target, files, disk_files, previous.get(target)), target))
        commit_packages([(tmp, target) for tmp, _, _, target in staged])
    finally:
        discard([tmp for tmp, _, _, _ in staged])  # after a successful move there is nothing left to remove
    if layouts is not None:
        layouts.update({target: layout for _, _, layout, target in staged})
    return {target: signature for _, signature, _, target in staged}


def stage_package(target: Path, files: dict[str, bytes], disk_files: dict[str, Path],
                  previous: dict | None = None) -> tuple[Path, dict, dict]:
    """One zip written to a temporary file beside `target`, the file's signature, and its layout
    (what the cache records so that the next build can copy from it; `previous` is that record
    of the zip now at `target`, see `_write_temporary`); `commit_packages` moves it into place
    (or `discard` removes it)."""
    try:
        tmp, layout = _write_temporary(target, files, disk_files, previous)
    except OSError as e:
        raise BuildError(f"cannot write {display_path(target)}: {e.strerror or e}; "
                         "the previous package, if any, is unchanged") from e
    try:
        return tmp, file_signature(tmp), layout
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise BuildError(f"cannot write {display_path(target)}: {e.strerror or e}; "
                         "the previous package, if any, is unchanged") from e


def commit_packages(staged: list[tuple[Path, Path]]) -> None:
    """Move staged zips (temporary file, target) into place, together."""
    target = None
    try:
        for tmp, target in staged:
            _replace(tmp, target)
    except OSError as e:
        raise BuildError(f"cannot write {display_path(target)}: {e.strerror or e}; "
                         "the previous package, if any, is unchanged") from e


def _replace(tmp: Path, target: Path) -> None:
    """Move `tmp` over `target` in one step (a reader sees the old zip or the new one, whole).

    Removing a large file costs the file system time (ext4 frees a 200 MB zip's blocks in about
    0.1 s), and `os.replace` over the old zip removes it. So a large old zip is first given a
    second name (a hard link), the new zip moved over it, and that second name removed in a
    thread (`_free`): the build goes on meanwhile, and the process waits for it before it
    exits. A link left by a process killed meanwhile is removed by the next build.
    """
    keep = None
    try:
        if os.stat(target).st_size >= FREE_LATER:
            keep = target.with_name(f".{target.name}.{os.getpid()}-{threading.get_ident()}.old")
            os.link(target, keep)
    except OSError:  # no old zip, or no hard links here: the replace frees it, as before
        keep = None
    try:
        os.replace(tmp, target)
    except BaseException:
        if keep is not None:
            keep.unlink(missing_ok=True)
        raise
    if keep is not None:
        leftovers = [p for p in target.parent.glob(f".{glob.escape(target.name)}.*.old") if p != keep]
        threading.Thread(target=_free, args=([keep, *leftovers],), name="ilmpack-free").start()


def _free(paths: list[Path]) -> None:
    """Remove the old zips' second names (in a thread that is not a daemon: Python waits for it)."""
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass


def discard(temporaries: list[Path]) -> None:
    """Remove staged zips that were not moved into place."""
    for tmp in temporaries:
        tmp.unlink(missing_ok=True)


def package_order(names) -> list[str]:
    """The order of a package's files: the descriptor first, then by name.

    It is also the writer's last defence (contents.py decides what a package holds): a name that
    is absolute, climbs out with '..' or holds a NUL is refused, whatever put it there.
    """
    from .contents import member_name_problem

    for name in names:
        problem = member_name_problem(name)
        if problem:
            raise BuildError(f"ilmpack refused to write the package member {name!r}: {problem}; "
                             "no package was written (please report this as an ilmpack bug)")
    return sorted(names, key=lambda n: (n not in FIRST, n))


def _write_temporary(target: Path, files: dict[str, bytes], disk_files: dict[str, Path],
                     previous: dict | None = None, workers: int | None = None) -> tuple[Path, dict]:
    """The zip for `target`, written to a temporary file beside it; removed again on any failure.

    Returns the file and the zip's layout (`zipreuse.layout`): what the cache records so that
    the next build can copy from this zip what has not changed. `previous` is that record of
    the zip now at `target`: a member whose content is the same, and a chunk of a large text
    member whose bytes are the same, is copied from it as compressed, never compressed again;
    the result is byte for byte the zip written without it. `workers`: threads that deflate a
    large member's chunks (default: one per CPU).
    """
    from .zipreuse import ZipWriter

    names = package_order(set(files) | set(disk_files))
    if target.is_dir():
        raise IsADirectoryError(21, "Is a directory", str(target))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except OSError as e:
        raise BuildError(f"cannot write to {display_path(target.parent)}: {e.strerror}; choose another folder with --out") from e
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as raw, ZipWriter(raw, target, previous, workers) as zw:
            stamp = zip_timestamp()
            for name in names:
                stored = Path(name).suffix.lower() in STORED_SUFFIXES
                if name in files:
                    zw.add_bytes(name, files[name], stamp, stored)
                else:
                    zw.add_file(name, disk_files[name], stamp, stored)
            layout = zw.layout()
        os.chmod(tmp, 0o644)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp, layout


def write_folders(packages: list[tuple[Path, dict[str, bytes], dict[str, Path]]], link_media: bool = False) -> None:
    """Write packages as folders (what the zips would hold, unpacked): each is written to a new
    folder beside its target, then swapped in, so a reader sees the old folder or the new one
    whole. With `link_media`, media files are hard links to the course's own files where the
    file system allows (`ilmpack preview`, which serves the folder and never writes to it).
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for target, files, disk_files in packages:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent))
            staged.append((tmp, target))
            for name in package_order(set(files) | set(disk_files)):
                dest = tmp / name
                dest.parent.mkdir(parents=True, exist_ok=True)
                if name in files:
                    dest.write_bytes(files[name])
                    continue
                try:
                    if not link_media:
                        raise OSError("copy")
                    os.link(disk_files[name], dest)
                except OSError:
                    shutil.copyfile(disk_files[name], dest)  # the kernel copies it, in chunks
        for tmp, target in staged:
            old = None
            if target.exists() or target.is_symlink():
                if not target.is_dir():
                    raise NotADirectoryError(20, "Not a directory", str(target))
                old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
                os.replace(target, old / "package")
            os.replace(tmp, target)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
    except OSError as e:
        raise BuildError(f"cannot write {display_path(target)}: {e.strerror or e}; "
                         "the previous package folder, if any, is unchanged") from e
    finally:
        for tmp, _ in staged:
            shutil.rmtree(tmp, ignore_errors=True)


def write_text(target: Path, text: str) -> None:
    """A text file beside the packages (the accessibility report), written whole or not at all."""
    tmp = target.with_name(f".{target.name}.part")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise BuildError(f"cannot write {display_path(target)}: {e.strerror or e}") from e
