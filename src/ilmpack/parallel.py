"""Two cores for one build: a part of the work done in a forked process while this one does the rest.

A large course spends most of its build rendering, scanning and zipping each language, and the
languages do not depend on each other. Where the system can fork (Linux, and only while this
process runs no other thread: a fork copies just the calling thread, and a lock another thread
held would stay locked in the copy), `split` runs one share of the languages in a child process.
The child sends its results back through a pipe, pickled; its log messages are sent with them
and said again here, in order, so a build says the same whether it forked or not.

`ILMPACK_JOBS=1` turns it off (one process does everything, as on systems without fork).
"""

from __future__ import annotations

import logging
import os
import pickle
import sys
import threading
from typing import Callable, TypeVar

from .errors import BuildError

T = TypeVar("T")


def workers() -> int:
    """How many processes a build may use: the cores this process may run on, at most 2 (a build
    has two parts to split: beyond that, memory grows and time does not fall), or ILMPACK_JOBS."""
    wanted = os.environ.get("ILMPACK_JOBS", "").strip()
    if wanted.isdigit() and int(wanted) >= 1:
        return min(int(wanted), 2)
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return min(cores, 2)


def can_fork() -> bool:
    return hasattr(os, "fork") and sys.platform.startswith("linux") and threading.active_count() == 1


def split(mine: Callable[[], T], theirs: Callable[[], T], undo: Callable[[T], None]) -> tuple[T, T]:
    """`mine()` here and `theirs()` in a forked child at the same time; both results, or the first error.

    `undo(result)` is called for a result that succeeded when the other part failed (it removes
    the temporary files a part wrote). Without fork, or with ILMPACK_JOBS=1, both run here in turn.
    """
    if workers() < 2 or not can_fork():
        first = mine()
        try:
            return first, theirs()
        except BaseException:
            undo(first)
            raise
    child = _Child(theirs)
    try:
        first = mine()
    except BaseException:
        outcome = child.join()
        if outcome[0] == "ok":
            undo(outcome[1])
        raise
    outcome = child.join()
    if outcome[0] != "ok":
        undo(first)
        raise outcome[1]
    return first, outcome[1]


class _Child:
    """`work()` run in a forked process; `join()` gives ("ok", result) or ("error", exception)."""

    def __init__(self, work: Callable[[], T]):
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()  # else the child's copy of the buffer could be written twice
            except (AttributeError, ValueError, OSError):
                pass
        read, write = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the child: never returns
            os.close(read)
            _run_child(work, write)
        os.close(write)
        self.read = read

    def join(self):
        with os.fdopen(self.read, "rb") as pipe:
            data = pipe.read()  # before waiting: a child with more to say than a pipe holds waits for us
        _, status = os.waitpid(self.pid, 0)
        try:
            kind, value, logged = pickle.loads(data)
        except Exception:  # noqa: BLE001 - the child died before it could say anything
            code = os.waitstatus_to_exitcode(status)
            return "error", BuildError(f"a build process ended without a result (exit status {code}); "
                                       "build again, or set ILMPACK_JOBS=1 to build in one process")
        for name, level, message in logged:
            logging.getLogger(name).log(level, "%s", message)
        return kind, value


def _run_child(work: Callable, write: int) -> None:
    logged: list[tuple[str, int, str]] = []

    class Keeper(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            logged.append((record.name, record.levelno, record.getMessage()))

    logger = logging.getLogger("ilmpack")
    logger.handlers = [Keeper(logging.DEBUG)]
    logger.propagate = False  # said by the parent, once
    try:
        outcome = ("ok", work())
    except BaseException as e:  # noqa: BLE001 - every failure goes to the parent, even Ctrl+C
        outcome = ("error", e)
    try:
        data = pickle.dumps((*outcome, logged))
        pickle.loads(data)  # an exception that cannot be rebuilt there is sent as its message
    except Exception:  # noqa: BLE001
        data = pickle.dumps(("error", BuildError(str(outcome[1])), logged))
    try:
        with os.fdopen(write, "wb") as pipe:
            pipe.write(data)
    finally:
        os._exit(0)  # no atexit handlers, no flushing of buffers the parent owns
