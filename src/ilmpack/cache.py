"""Build cache: a build whose inputs have not changed since the last one rewrites nothing.

The cache lives in `<out>/.cache/` (a `.gitignore` there keeps it out of git). An entry is a
small JSON file named by the *input key*, a hash of everything a build reads:

- every file of the course folder: its path and bytes (files over `HASHED_BYTES`, media in
  practice, by path, size and modification time instead; their content is not read again);
- the project's `templates/` (beside `courses/`), by the same rule;
- ilmpack itself: the bytes of its code, templates and schemas (so an editable install that
  changes is noticed, not only a new version; their hash is kept in the user's cache folder
  under a key of the files' sizes and times, `_code_content`), the Python and zlib versions and
  the installed packages' versions;
- the build's settings: format, languages, output folder, working folder (messages show paths
  relative to it), SOURCE_DATE_EPOCH, and the git commit checked out (translation-staleness
  warnings come from git history).

The entry holds what the build reported (its packages, warnings and log messages) and how the
packages it wrote looked: size, modification time, inode and a hash of each zip's first and last
64 KB (the central directory, with every member's CRC, is at the end), and the hash of each
accessibility report. A build with the same key whose outputs still look so is answered from the
entry: the same warnings and summary, nothing rewritten. Anything else (a missing, changed or
unreadable entry or output) is a miss and the course is built as usual; a cache can make a build
faster, never different. `--no-cache` neither reads nor writes it; deleting the folder clears it.

On a miss, three more layers keep the work to what changed:

- `checks-<context>.json` (pagememo.PageChecks): each page file as read and its own checks,
  keyed on its bytes and place; the context (`check_context`) hashes ilmpack, the working
  folder, course.yaml and the course folder's listing (names; the bytes of every file but the
  .md pages, by the rule above). Checks across pages run over all pages on every build.
- `pages-<context>.json` (render.PageMemo): rendered pages; the context hashes what every page
  of a language shares (ilmpack, course.yaml, the templates, format and languages), and a
  page's own key adds its text, blocks and number, so only the pages that changed are rendered
  and scanned again.
- `package-<path hash>.json`: the hash of the content the cache last zipped at a path
  (`content_hash`: ilmpack, the text files' bytes, the media by the rule above, the entry time,
  the report) and the zip's signature; a package with the same content whose zip and report are
  still as written is not written again. It also holds the zip's layout (zipreuse.py: each
  member's digest, CRC and sizes, and the chunks of a large member), so that a package that is
  written again copies from its last zip what did not change.

The first two are written only after a build that succeeded, and only when over 1 % of their
entries are new (rewriting a large course's file costs more than redoing a few pages).
Every cache file starts with a line holding the hash of the rest: a damaged one is not trusted.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
import sys
import time
import zlib
from functools import lru_cache
from pathlib import Path

from . import __version__
from .gitref import head_commit
from .resources import course_template_dirs, data_dir

log = logging.getLogger(__name__)

CACHE_DIR = ".cache"
FORMAT = 1  # of the entries; a new layout is a new number, and old entries are simply missed
HASHED_BYTES = 256 * 1024  # files up to this size are keyed on their bytes, larger ones on size and mtime
ENDS = 64 * 1024  # of each zip, hashed at its start and end to recognise it
MAX_ENTRIES = 200  # the least recently used files beyond this are removed after each build
MAX_BYTES = 256 * 1024 * 1024  # ... and beyond this size (rendered pages take most of it)
SKIPPED_DIRS = {".git", ".hg", ".svn", "__pycache__", "node_modules"}
SETTLED_S = 2.0  # ilmpack's files changed this recently are read again, not trusted to their times (_code_content)


def _digest() -> "hashlib._Hash":
    return hashlib.blake2b(digest_size=20)


def _tree(h, root: Path, skip: set[Path] = frozenset()) -> None:
    """Feed every file under `root` into `h`: its path, then its bytes or (when large) size and mtime."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS and Path(dirpath, d) not in skip)
        rel = os.path.relpath(dirpath, root)
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            try:
                st = os.stat(path)
                h.update(f"\0{rel}/{name}\0{st.st_size}\0".encode("utf-8", "surrogateescape"))
                if st.st_size <= HASHED_BYTES:
                    with open(path, "rb") as f:
                        h.update(f.read())
                else:
                    h.update(f"{st.st_mtime_ns}".encode())
            except OSError as e:  # a broken link, a file removed while walking: keyed as such
                h.update(f"\0{rel}/{name}\0{e.errno}".encode("utf-8", "surrogateescape"))


@lru_cache(maxsize=None)
def code_fingerprint() -> str:
    """ilmpack's own code, templates and schemas, and the versions of what it runs on (once a process)."""
    h = _digest()
    h.update(f"{FORMAT}\0{__version__}\0{sys.version}\0{zlib.ZLIB_RUNTIME_VERSION}".encode())
    h.update(_code_content().encode())
    # The installed packages' versions (Markdown, Jinja, lxml ...), from their dist-info folder
    # names: a directory listing, much cheaper than asking importlib.metadata.
    for entry in sys.path:
        try:
            names = sorted(n for n in os.listdir(entry or ".") if n.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue
        h.update("\0".join(names).encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _code_roots() -> list[tuple[Path, set[Path]]]:
    """ilmpack's package folder, templates and schemas, each with the folders inside it that are
    roots of their own (in a wheel, templates/ and schemas/ are inside the package: read once)."""
    package = Path(__file__).resolve().parent
    data = [data_dir("templates").resolve(), data_dir("schemas").resolve()]
    return [(root, {d for d in data if d != root and package in d.parents}) for root in dict.fromkeys([package, *data])]


def _code_content() -> str:
    """The hash of the bytes of ilmpack's files (`_code_roots`), kept in the user's cache folder
    under a key of their paths, sizes, modification and change times, inodes and devices.

    Reading some 130 files costs 4 to 8 ms a run; a stat of each, a fraction of a millisecond.
    Any write to a file changes its change time (which no program can set back), and a file
    replaced is another inode, so a kept hash is of exactly these bytes. A file changed within
    `SETTLED_S` is not trusted to its times (two writes within one tick of the file system's
    clock can leave the same times; git calls this "racily clean"): its bytes are read every run
    until it settles.
    """
    roots = _code_roots()
    listing = _digest()
    newest = 0
    for root, skip in roots:
        for path, st in _stats(root, skip):
            if st is None:
                listing.update(f"\0{path}\0missing".encode("utf-8", "surrogateescape"))
                continue
            listing.update(f"\0{path}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}\0{st.st_dev}"
                           .encode("utf-8", "surrogateescape"))
            newest = max(newest, st.st_mtime_ns, st.st_ctime_ns)
    stamp = _user_cache_dir() / "code" / listing.hexdigest()
    try:
        kept = stamp.read_text(encoding="ascii")
        if len(kept) == 40 and all(c in "0123456789abcdef" for c in kept):
            return kept
    except (OSError, ValueError):
        pass
    h = _digest()
    for root, skip in roots:
        h.update(f"\0\0{root.name}".encode())
        _tree(h, root, skip)
    content = h.hexdigest()
    if time.time_ns() - newest > SETTLED_S * 1e9:
        _keep_stamp(stamp, content)
    return content


def _stats(root: Path, skip: set[Path]):
    """(path, stat or None) of every file `_tree` reads under `root`, in the same order."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS and Path(dirpath, d) not in skip)
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            try:
                yield path, os.stat(path)
            except OSError:
                yield path, None


def _user_cache_dir() -> Path:
    """$XDG_CACHE_HOME/ilmpack (~/.cache/ilmpack when unset): what ilmpack keeps across courses."""
    return Path(os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")) / "ilmpack"


def _keep_stamp(stamp: Path, content: str, keep: int = 20) -> None:
    """Write a code hash atomically, and remove all but the `keep` newest (each edit of an
    editable install, each upgrade leaves one). A folder that cannot be written is no error."""
    try:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        tmp = stamp.parent / f".{stamp.name}.{os.getpid()}.part"  # one writer per process: no tempfile needed
        tmp.write_text(content, encoding="ascii")
        os.replace(tmp, stamp)
        kept = sorted(stamp.parent.iterdir(), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in kept[keep:]:
            old.unlink(missing_ok=True)
    except OSError as e:
        log.debug("cannot keep ilmpack's code hash in %s: %s", stamp.parent, e)


def input_key(course_dir: str | Path, out_dir: str | Path, fmt: str, langs: tuple[str, ...]) -> str:
    """The key of a build: a hash of everything it reads (see the module's docstring)."""
    root = Path(course_dir).resolve()
    out = Path(out_dir).resolve()
    h = _digest()
    settings = [code_fingerprint(), fmt, list(langs), str(out_dir), str(out), os.getcwd(), str(root),
                os.environ.get("SOURCE_DATE_EPOCH"), head_commit(root) if root.is_dir() else ""]
    h.update(json.dumps(settings).encode("utf-8", "surrogateescape"))
    for folder in [root, *(d for d in course_template_dirs(root)[1:])]:
        h.update(f"\0\0{folder}".encode("utf-8", "surrogateescape"))
        if folder.is_dir():
            _tree(h, folder, skip={out})
    return h.hexdigest()


def file_signature(path: Path) -> dict:
    """How a written package looks: size, mtime, inode, and a hash of its first and last 64 KB."""
    with open(path, "rb") as f:
        return open_signature(f)


def open_signature(f) -> dict:
    """The signature of a file already open for reading (read with pread: its position is kept),
    so that what is checked is the very file that is then read."""
    fd = f.fileno()
    st = os.fstat(fd)
    h = _digest()
    h.update(os.pread(fd, ENDS, 0))
    if st.st_size > ENDS:
        start = max(ENDS, st.st_size - ENDS)
        h.update(os.pread(fd, st.st_size - start, start))
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "ino": st.st_ino, "ends": h.hexdigest()}


def text_hash(data: bytes) -> str:
    """The hash an entry keeps of a small output file (the accessibility report)."""
    return hashlib.sha256(data).hexdigest()


def cache_dir(out_dir: str | Path) -> Path:
    """The cache folder of an output folder."""
    return Path(out_dir) / CACHE_DIR


def lookup(folder: Path, key: str) -> dict | None:
    """The entry for `key` if it is intact and every output it names is still the one it wrote."""
    body = _read(folder / f"{key}.json")
    if body is None:
        return None
    try:
        if body["key"] != key:
            return None
        for pkg in body["packages"]:
            if file_signature(Path(pkg["path"])) != pkg["signature"]:
                return None
            if text_hash(Path(pkg["report"]).read_bytes()) != pkg["report_hash"]:
                return None
    except (OSError, KeyError, TypeError):
        return None
    return body


def record(folder: Path, key: str, body: dict) -> None:
    """Store the entry of a build."""
    _write(folder, f"{key}.json", {**body, "key": key})


def render_context(root: Path, fmt: str, langs: tuple[str, ...], lang: str) -> str:
    """What every page of one language's rendering reads besides the page itself: ilmpack,
    course.yaml, the course's and the project's templates, the format and the language. Not the
    other languages built with it: a page renders the same in a build of one language as of all
    (so `ilmpack preview`, building only the language shown, renders only what changed)."""
    root = root.resolve()
    h = _digest()
    h.update(json.dumps([code_fingerprint(), os.getcwd(), str(root), fmt, lang]).encode("utf-8", "surrogateescape"))
    try:
        h.update((root / "course.yaml").read_bytes())
    except OSError as e:
        h.update(f"{e.errno}".encode())
    for folder in course_template_dirs(root):
        h.update(f"\0\0{folder}".encode("utf-8", "surrogateescape"))
        if folder.is_dir():
            _tree(h, folder)
    return h.hexdigest()


def load_pages(folder: Path, context: str) -> tuple[dict, dict, dict]:
    """The rendered pages, their accessibility facts and the language's other kept results (the
    xAPI question definitions) kept for a render context (render.PageMemo)."""
    body = _read(folder / f"pages-{context}.json")
    if not isinstance(body, dict) or not isinstance(body.get("pages"), dict) or not isinstance(body.get("facts"), dict):
        return {}, {}, {}
    extras = body.get("extras")
    return body["pages"], body["facts"], extras if isinstance(extras, dict) else {}


def pages_text(pages: dict, facts: dict, extras: dict | None = None) -> bytes:
    """What `save_pages` keeps, as JSON text (made where the pages were rendered, in a build's own process)."""
    return json.dumps({"pages": pages, "facts": facts, "extras": extras or {}}, ensure_ascii=False).encode("utf-8")


def save_pages(folder: Path, context: str, text: bytes) -> None:
    """Keep what a build used (`pages_text`), for the next build with the same render context."""
    _write(folder, f"pages-{context}.json", None, text)


def check_context(root: Path, skip: Path | None = None) -> str:
    """What a page's loading and own checks read besides its bytes (pagememo.py): ilmpack, the
    working folder, course.yaml, and the course folder's listing: every name, with the bytes of
    every file but the Markdown pages (their links need them only to exist; files over
    HASHED_BYTES by size and time) and where each symbolic link leads. The folder as given counts too: messages name it."""
    given, root = str(root), root.resolve()
    h = _digest()
    h.update(json.dumps([code_fingerprint(), os.getcwd(), given, str(root)]).encode("utf-8", "surrogateescape"))
    try:
        h.update((root / "course.yaml").read_bytes())
    except OSError as e:
        h.update(f"{e.errno}".encode())
    skip = skip.resolve() if skip is not None else None
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS and Path(dirpath, d) != skip)
        rel = os.path.relpath(dirpath, root)
        h.update(f"\0\0{rel}\0{len(dirnames)}".encode("utf-8", "surrogateescape"))
        for name in [*dirnames, *sorted(filenames)]:
            path = os.path.join(dirpath, name)
            line = f"\0{name}"
            try:
                st = os.stat(path)
                line += f"\0{st.st_mode}"
                if not name.endswith(".md") and stat.S_ISREG(st.st_mode):  # a folder's time changes with its pages
                    line += f"\0{st.st_size}\0"
                    if st.st_size <= HASHED_BYTES:  # as in input_key: captions are checked by their bytes
                        with open(path, "rb") as f:
                            line += hashlib.sha256(f.read()).hexdigest()
                    else:
                        line += f"{st.st_mtime_ns}"
            except OSError as e:
                line += f"\0{e.errno}"
            if os.path.islink(path):
                line += f"\0{os.readlink(path)}\0{os.path.realpath(path)}"
            h.update(line.encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def load_checks(folder: Path, context: str) -> dict:
    """The pages' load and check results kept for a context (pagememo.PageChecks)."""
    body = _read(folder / f"checks-{context}.json")
    return body if isinstance(body, dict) else {}


def save_checks(folder: Path, context: str, text: bytes) -> None:
    """Keep the pages' results (pagememo.PageChecks.text(), JSON text already)."""
    _write(folder, f"checks-{context}.json", None, text)


def package_record(folder: Path, path: Path) -> dict | None:
    """What the cache knows of the package last written at `path`: the hash of its content and its signature."""
    body = _read(folder / f"package-{_name_key(path)}.json")
    return body if isinstance(body, dict) else None


def record_package(folder: Path, path: Path, body: dict) -> None:
    _write(folder, f"package-{_name_key(path)}.json", body)


def _name_key(path: Path) -> str:
    return hashlib.sha256(str(Path(path).resolve()).encode("utf-8", "surrogateescape")).hexdigest()[:40]


def content_hash(fmt: str, files: dict[str, bytes], disk: dict[str, Path], report: str) -> str:
    """A package's content before it is zipped: ilmpack (which zips it), its text files' bytes, its
    media files (by bytes, or size and time when large, as in `input_key`), the zip's entry time
    and its report."""
    h = _digest()
    h.update(json.dumps([code_fingerprint(), fmt, os.environ.get("SOURCE_DATE_EPOCH"), sorted(files), sorted(disk)])
             .encode("utf-8", "surrogateescape"))
    for name in sorted(files):
        h.update(hashlib.sha256(files[name]).digest())
    for name in sorted(disk):
        path = disk[name]
        st = os.stat(path)
        h.update(f"\0{path}\0{st.st_size}\0".encode("utf-8", "surrogateescape"))
        if st.st_size <= HASHED_BYTES:
            h.update(Path(path).read_bytes())
        else:
            h.update(f"{st.st_mtime_ns}\0{st.st_ino}".encode())
    h.update(report.encode("utf-8"))
    return h.hexdigest()


def _read(path: Path):
    """A cache file's content if it is whole: its first line is the hash of the rest."""
    try:
        data = path.read_bytes()
        digest, _, text = data.partition(b"\n")
        if digest.decode("ascii") != hashlib.sha256(text).hexdigest():
            raise ValueError("damaged: its checksum does not match")
        body = json.loads(text)
    except OSError:  # none yet, or no cache folder can be there (the build then says why)
        return None
    except ValueError as e:  # damaged or truncated: ignored, and removed
        log.debug("ignoring cache file %s: %s", path, e)
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass
        return None
    try:
        os.utime(path)  # recently used: pruned last
    except OSError:
        pass
    return body


def _write(folder: Path, name: str, body, text: bytes | None = None) -> None:
    """Write a cache file atomically (`body` as JSON, or `text` already JSON), then prune the
    oldest. A cache that cannot be written is no error."""
    import tempfile  # here: a build answered from the cache writes nothing (tempfile and shutil cost 3 ms)

    if text is None:
        text = json.dumps(body, ensure_ascii=False).encode("utf-8")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        ignore = folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# ilmpack's build cache (safe to delete)\n*\n", encoding="utf-8")
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
        with os.fdopen(fd, "wb") as f:
            f.write(hashlib.sha256(text).hexdigest().encode("ascii") + b"\n" + text)
        os.replace(tmp, folder / name)
    except OSError as e:
        log.debug("cannot write the build cache in %s: %s", folder, e)
        return
    prune(folder)


def prune(folder: Path, keep: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
    """Remove the least recently used files beyond `keep` or `max_bytes`, and leftovers of interrupted writes."""
    entries = []
    now = time.time()
    for path in folder.iterdir():
        try:
            st = path.stat()
        except OSError:
            continue
        if path.name.endswith(".part") and now - st.st_mtime > 3600:  # a writer killed mid-way
            path.unlink(missing_ok=True)
        elif path.suffix == ".json":
            entries.append((st.st_mtime, st.st_size, path))
    total = 0
    for n, (_, size, path) in enumerate(sorted(entries, reverse=True)):
        total += size
        if n >= keep or (total > max_bytes and n > 0):
            path.unlink(missing_ok=True)
