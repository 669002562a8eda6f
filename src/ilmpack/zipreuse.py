"""A package's zip, written so that the next build can copy from it what has not changed.

Two things make rewriting a large package after a small edit cheap, and neither changes a byte
of the result (the zip is the one written from scratch, as with `--no-cache`):

- **Members copied whole.** The cache's record of a package (cache.py `package_record`) holds,
  besides the zip's signature, each member's digest (the sha256 of its bytes; for a large
  media file, like `content_hash`, its path, size, modification time and inode), CRC and sizes.
  When the zip at the target is still the one that record describes (its signature matches, on
  the very file that is read), a member whose digest is the same, whose entry in the old
  central directory agrees with the record, and whose local header is the one this build would
  write (same name, time, method, sizes), is copied as it is: header and compressed data, runs
  of neighbouring members in one `os.copy_file_range` (the kernel copies, or shares, the
  blocks), a plain copy where that call is missing or refused.
- **Large text deflated in chunks.** A member of `LARGE` bytes or more that is deflated (the
  launch page of a large course holds every page) is cut into chunks at content-defined places
  (`boundaries`: before chosen pages' `<section class="ilm-page"` markup, so an edit that
  changes a length does not move the later cuts). Each chunk is raw deflate primed with the 32
  KB before it (as pigz does) and ended with a full flush, the last one with Z_FINISH; their
  concatenation is one ordinary deflate stream, which any unzip reads. Chunks are compressed
  in a thread pool (zlib releases the GIL), and the record keeps each chunk's key (a hash of
  its bytes and of the 32 KB before it), so a chunk whose key is unchanged is copied from the
  old zip instead of compressed again.

Everything the writer needs is passed in (`previous`, the record) and handed back (`layout()`),
so one language's zip can be written in another process while the parent writes the next one.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import shutil
import struct
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .cache import HASHED_BYTES, open_signature

LEVEL = 9  # of a chunked member. Smaller members are deflated as zipfile does for a ZipInfo made by hand:
# at zlib's default level (6), whatever the ZipFile's compresslevel says, as ilmpack's zips always were
LARGE = 256 * 1024  # deflated members from this size (in memory) are compressed in chunks
CHUNK_MIN = 32 * 1024  # no cut closer than this to the last one
CHUNK_MAX = 256 * 1024  # ... and one at the latest here (at the latest page marker, else right here)
SPLIT = 4  # one page marker in SPLIT (by a hash of its bytes, so the same ones every build) starts a chunk
PAGE_MARK = b'<section class="ilm-page'
MARK_BYTES = 96  # hashed from a marker on: its page's id is in there
WINDOW = 32 * 1024  # deflate's window: each chunk is primed with the bytes before it
COPY = 1024 * 1024
# What the recorded digests, chunk keys and compressed bytes depend on: a zip from another zlib or
# level is not copied from.
LAYOUT = f"2/{zlib.ZLIB_RUNTIME_VERSION}/{LEVEL}/{CHUNK_MIN}/{CHUNK_MAX}/{SPLIT}"
UNSUPPORTED = {errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EPERM, errno.EBADF}


def boundaries(data: bytes) -> list[int]:
    """Where `data` is cut into chunks: the offsets of the chunks after the first."""
    cuts: list[int] = []
    last = 0
    latest = -1  # the latest page marker since the last cut
    pos = data.find(PAGE_MARK)
    while True:
        at = pos if pos != -1 else len(data)
        while at - last > CHUNK_MAX:  # too long without a chosen marker
            last = latest if latest - last >= CHUNK_MIN else last + CHUNK_MAX
            cuts.append(last)
            latest = -1
        if pos == -1:
            return cuts
        if pos - last >= CHUNK_MIN:
            if zlib.crc32(data[pos:pos + MARK_BYTES]) % SPLIT == 0:
                cuts.append(pos)
                last, latest = pos, -1
            else:
                latest = pos
        pos = data.find(PAGE_MARK, pos + 1)


def chunk_key(view: memoryview, start: int, end: int, final: bool) -> str:
    """What a chunk's compressed bytes depend on: its bytes, the window before it, and whether it ends the stream."""
    primer = view[max(0, start - WINDOW):start]
    h = hashlib.sha256(f"{LEVEL}:{int(final)}:{len(primer)}:".encode())
    h.update(primer)
    h.update(view[start:end])
    return h.hexdigest()[:40]


def deflate_chunk(view: memoryview, start: int, end: int, final: bool) -> bytes:
    """One chunk as raw deflate, primed with the window before it; it ends byte-aligned (a full
    flush) so the next chunk's bytes can follow, or with the stream's last block."""
    primer = bytes(view[max(0, start - WINDOW):start])
    if primer:
        c = zlib.compressobj(LEVEL, zlib.DEFLATED, -15, 8, zlib.Z_DEFAULT_STRATEGY, primer)
    else:
        c = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    return c.compress(view[start:end]) + c.flush(zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH)


def deflate_chunked(data: bytes, workers: int | None = None) -> bytes:
    """`data` deflated in chunks (the stream a large member holds), with nothing to copy from."""
    view = memoryview(data)
    edges = [0, *boundaries(data), len(data)]
    spans = [(edges[i], edges[i + 1], i == len(edges) - 2) for i in range(len(edges) - 1)]
    with ThreadPoolExecutor(workers or os.cpu_count() or 1) as pool:
        return b"".join(pool.map(lambda s: deflate_chunk(view, *s), spans))


def disk_digest(path: Path, st: os.stat_result) -> str:
    """A large file's digest, by the cache's rule for large files: path, size, time and inode."""
    return "file:" + hashlib.sha256(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}"
                                    .encode("utf-8", "surrogateescape")).hexdigest()


def bytes_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class OldZip:
    """The zip at a package's target, opened once, if it is still the one `record` describes."""

    def __init__(self, f, size: int, infos: dict[str, zipfile.ZipInfo], members: dict, parts: dict[str, list],
                 chunks: dict[str, tuple[int, int]]):
        self.f, self.size, self.infos = f, size, infos
        self.members = members  # name -> [digest, CRC, compressed size, size], as recorded
        self.parts = parts  # name -> its chunks as recorded, for a large member
        self.chunks = chunks  # chunk key -> (offset, compressed size) in this zip

    @classmethod
    def open(cls, target: Path, record: dict | None) -> OldZip | None:
        if not isinstance(record, dict) or record.get("zip") != LAYOUT:
            return None
        try:
            f = open(target, "rb")
        except OSError:
            return None
        try:
            signature = open_signature(f)
            if signature != record["signature"]:
                raise ValueError("not the zip the cache wrote")
            with zipfile.ZipFile(f) as zf:
                infos = {i.filename: i for i in zf.infolist()}
            members = {name: list(m) for name, m in record["members"].items()}
            chunks: dict[str, tuple[int, int]] = {}
            parts_of = {name: [list(p) for p in parts] for name, parts in record["chunks"].items()}
            for name, parts in parts_of.items():
                info, member = infos[name], members[name]
                if (info.CRC, info.compress_size, info.file_size) != tuple(member[1:4]) \
                        or info.compress_size != sum(p[2] for p in parts) or info.file_size != sum(p[1] for p in parts):
                    raise ValueError(f"{name} is not as recorded")
                offset = _data_offset(f, info)
                for key, _raw, size in parts:
                    chunks[str(key)] = (offset, int(size))
                    offset += size
        except (OSError, ValueError, KeyError, TypeError, IndexError, struct.error, zipfile.BadZipFile):
            f.close()
            return None
        return cls(f, signature["size"], infos, members, parts_of, chunks)

    def read(self, offset: int, size: int) -> bytes:
        return os.pread(self.f.fileno(), size, offset)

    def close(self) -> None:
        self.f.close()


def _data_offset(f, info: zipfile.ZipInfo) -> int:
    """Where a member's compressed data starts: after its local header's name and extra field."""
    header = os.pread(f.fileno(), zipfile.sizeFileHeader, info.header_offset)
    fields = struct.unpack(zipfile.structFileHeader, header)
    if fields[0] != zipfile.stringFileHeader:
        raise ValueError("no local header where the central directory says")
    return info.header_offset + zipfile.sizeFileHeader + fields[zipfile._FH_FILENAME_LENGTH] + fields[zipfile._FH_EXTRA_FIELD_LENGTH]


def copy_range(src: int, dst: io.BufferedWriter, offset: int, length: int, at: int) -> None:
    """Copy `length` bytes at `offset` of file `src` to `at` in `dst`, and leave `dst` after them:
    by `os.copy_file_range` where the system has it for these files, else through a buffer."""
    dst.flush()
    out = dst.fileno()
    done = 0
    try:
        while done < length:
            n = os.copy_file_range(src, out, length - done, offset + done, at + done)
            if n <= 0:
                raise OSError(errno.EINVAL, "copy_file_range copied nothing")
            done += n
    except AttributeError:  # not on this system
        pass
    except OSError as e:
        if e.errno not in UNSUPPORTED:
            raise
    while done < length:
        block = os.pread(src, min(COPY, length - done), offset + done)
        if not block:
            raise OSError(errno.EIO, "the previous zip ended early")
        os.pwrite(out, block, at + done)
        done += len(block)
    dst.seek(at + length)


class ZipWriter:
    """Members added in order, written to `raw` (a new, empty file) as zipfile writes them, or
    copied from the zip at `target` where `previous` (its record) shows they have not changed."""

    def __init__(self, raw: io.BufferedWriter, target: Path, previous: dict | None = None, workers: int | None = None):
        self.raw = raw
        self.zf = zipfile.ZipFile(raw, "w", compresslevel=LEVEL)
        self.old = OldZip.open(target, previous)
        self.workers = workers or os.cpu_count() or 1
        self.members: dict[str, list] = {}  # name -> [digest, CRC, compressed size, size]
        self.chunks: dict[str, list] = {}  # name -> [[key, size, compressed size], ...]
        self.run: list[tuple[zipfile.ZipInfo, int, int]] = []  # members to copy: (entry, start, end in the old zip)
        self.copied = 0  # members copied from the old zip (for tests and measurements)

    def __enter__(self) -> ZipWriter:
        return self

    def __exit__(self, kind, *_) -> None:
        try:
            if kind is None:
                self._copy_run()
            self.zf.close()
        finally:
            if self.old is not None:
                self.old.close()

    def layout(self) -> dict:
        """What the cache records of this zip for the next build (with its signature)."""
        return {"zip": LAYOUT, "members": self.members, "chunks": self.chunks}

    def add_bytes(self, name: str, data: bytes, stamp, stored: bool) -> None:
        info = _entry(name, stamp, stored)
        digest = bytes_digest(data)
        if self._reuse(name, digest, info, len(data), len(data) * 1.05 > zipfile.ZIP64_LIMIT):
            return
        self._copy_run()
        if not stored and len(data) >= LARGE:
            self._write_chunked(info, data)
        else:
            self.zf.writestr(info, data)
        self.members[name] = [digest, info.CRC, info.compress_size, info.file_size]

    def add_file(self, name: str, path: Path, stamp, stored: bool) -> None:
        st = os.stat(path)
        info = _entry(name, stamp, stored)
        info.file_size = st.st_size
        force = st.st_size > 2**31
        small = st.st_size <= HASHED_BYTES
        if small:  # keyed on its bytes, as in content_hash; read once, for the digest and the zip
            data = Path(path).read_bytes()
            digest = bytes_digest(data)
            info.file_size = len(data)
        else:
            digest = disk_digest(path, st)
        if self._reuse(name, digest, info, info.file_size, force or info.file_size * 1.05 > zipfile.ZIP64_LIMIT):
            return
        self._copy_run()
        # Streamed in chunks: a film is never read whole into memory.
        with (io.BytesIO(data) if small else open(path, "rb")) as src, \
                self.zf.open(info, "w", force_zip64=force) as dst:
            shutil.copyfileobj(src, dst, COPY)
            if not small:
                now = os.fstat(src.fileno())
                if (now.st_size, now.st_mtime_ns) != (st.st_size, st.st_mtime_ns):
                    digest = None  # changed while it was read: the zip holds neither version for sure
        if digest is not None:
            self.members[name] = [digest, info.CRC, info.compress_size, info.file_size]

    def _reuse(self, name: str, digest: str, info: zipfile.ZipInfo, size: int, zip64: bool) -> bool:
        """Queue the member for copying from the old zip, if it is there unchanged and its local
        header is byte for byte the one this build would write."""
        old = self.old
        kept = old.members.get(name) if old is not None else None
        entry = old.infos.get(name) if old is not None else None
        if kept is None or entry is None or kept[0] != digest or kept[3] != size \
                or (entry.CRC, entry.compress_size, entry.file_size) != tuple(kept[1:4]) \
                or entry.compress_type != info.compress_type:
            return False
        info.CRC, info.compress_size, info.file_size = entry.CRC, entry.compress_size, entry.file_size
        header = info.FileHeader(zip64)
        start = entry.header_offset
        end = start + len(header) + entry.compress_size
        if end > old.size or old.read(start, len(header)) != header:
            return False
        if self.run and self.run[-1][2] != start:
            self._copy_run()
        self.run.append((info, start, end))
        self.members[name] = kept
        if name in old.parts:  # its chunks stay where they were in it, for the build after
            self.chunks[name] = old.parts[name]
        self.copied += 1
        return True

    def _copy_run(self) -> None:
        """Copy the queued members, neighbours in the old zip, in one go."""
        if not self.run:
            return
        start, end = self.run[0][1], self.run[-1][2]
        at = self.zf.start_dir
        copy_range(self.old.f.fileno(), self.raw, start, end - start, at)
        for info, first, _ in self.run:
            info.header_offset = at + first - start
            self._add_entry(info)
        self.zf.start_dir = at + end - start
        self.run = []

    def _add_entry(self, info: zipfile.ZipInfo) -> None:
        self.zf.filelist.append(info)
        self.zf.NameToInfo[info.filename] = info

    def _write_chunked(self, info: zipfile.ZipInfo, data: bytes) -> None:
        """A large member: chunks copied from the old zip where their key is there, the others
        deflated in the thread pool; one deflate stream."""
        view = memoryview(data)
        edges = [0, *boundaries(data), len(data)]
        spans = [(edges[i], edges[i + 1], i == len(edges) - 2) for i in range(len(edges) - 1)]
        keys = [chunk_key(view, *s) for s in spans]
        have = self.old.chunks if self.old is not None else {}
        todo = [i for i, key in enumerate(keys) if key not in have]
        made: dict[int, bytes] = {}
        if len(todo) > 1 and self.workers > 1:
            with ThreadPoolExecutor(min(self.workers, len(todo))) as pool:
                made = dict(zip(todo, pool.map(lambda i: deflate_chunk(view, *spans[i]), todo)))
        else:
            made = {i: deflate_chunk(view, *spans[i]) for i in todo}
        sizes = [len(made[i]) if i in made else have[keys[i]][1] for i in range(len(spans))]
        info.file_size = len(data)
        info.CRC = zlib.crc32(data)
        info.compress_size = sum(sizes)
        at = self.zf.start_dir
        info.header_offset = at
        self.raw.seek(at)
        self.raw.write(info.FileHeader(len(data) * 1.05 > zipfile.ZIP64_LIMIT))
        pending = None  # a run of chunks to copy: (start in the old zip, length)
        for i, key in enumerate(keys):
            if i in made:
                if pending:
                    copy_range(self.old.f.fileno(), self.raw, pending[0], pending[1], self.raw.tell())
                    pending = None
                self.raw.write(made[i])
                continue
            offset, size = have[key]
            if pending and pending[0] + pending[1] == offset:
                pending = (pending[0], pending[1] + size)
            else:
                if pending:
                    copy_range(self.old.f.fileno(), self.raw, pending[0], pending[1], self.raw.tell())
                pending = (offset, size)
        if pending:
            copy_range(self.old.f.fileno(), self.raw, pending[0], pending[1], self.raw.tell())
        self.zf.start_dir = self.raw.tell()
        self._add_entry(info)
        self.chunks[info.filename] = [[key, e - s, size] for key, (s, e, _), size in zip(keys, spans, sizes)]


def _entry(name: str, stamp, stored: bool) -> zipfile.ZipInfo:
    """A member's entry as every package writes it: the build's time, unix permissions rw-r--r--."""
    info = zipfile.ZipInfo(name, date_time=stamp)
    info.create_system = 3  # unix, so the permission bits below are read
    info.external_attr = 0o100644 << 16
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    return info
