"""Writing files so that a reader never sees half of one: write a temporary file beside the
target, then rename it over the target in one step (os.replace is atomic on POSIX and Windows).

Every failure while writing becomes one `WriteError` naming the target (never the temporary file),
e.g. "no space left writing run/t.h5 (needs ~3.2 MB, 0.4 MB free)", and the temporary file is removed.
HDF5 files are built in memory (`atomic_hdf5`) and written as plain bytes: the HDF5 library then never
meets a full disk, which it cannot survive cleanly (a RuntimeError on close, or a segfault).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from backprop_tutor.errors import UsageError, WriteError
from backprop_tutor.memory import format_bytes

if TYPE_CHECKING:
    import h5py

_NO_SPACE = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
#: File systems allocate whole blocks: a write of n bytes takes n rounded up to this.
_BLOCK = 4096


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], needs: int | None = None) -> Iterator[Path]:
    """Yield a temporary path in ``path``'s folder; on success it is renamed to ``path``, on any
    error (or Ctrl-C) it is removed and ``path`` is left as it was. ``needs``: the size in bytes
    about to be written, checked against the free space first."""
    path = Path(path)
    _check_target(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if needs is not None:
            _check_free_space(path, needs)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as err:  # name the file the user asked for, not our temporary one
        raise _write_error(err, path, needs) from None
    os.close(fd)
    try:
        yield Path(tmp)
        # mkstemp makes the file private (0600); give it the mode a plain open() would have
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except (OSError, RuntimeError) as err:  # h5py raises RuntimeError for a failed write on close
        Path(tmp).unlink(missing_ok=True)
        if isinstance(err, RuntimeError) and not _is_write_failure(err):
            raise
        raise _write_error(err, path, needs) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    data = text.encode("utf-8")
    return write_bytes_atomic(path, data)


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    with atomic_path(path, needs=len(data)) as tmp:
        tmp.write_bytes(data)
    return Path(path)


@contextlib.contextmanager
def atomic_hdf5(path: str | os.PathLike[str]) -> Iterator[h5py.File]:
    """An HDF5 file opened for writing in memory; when the block ends it is written to ``path``
    atomically (its exact size checked against the free space first). An error in the block leaves
    ``path`` as it was and writes nothing."""
    _check_target(Path(path))
    with _hdf5_in_memory(str(path)) as (f, image):
        yield f
    write_bytes_atomic(path, image[0])


def hdf5_bytes(fill: Callable[[h5py.File], None]) -> bytes:
    """The bytes of an HDF5 file that ``fill`` writes (for standard output: ``--save-trace -``)."""
    with _hdf5_in_memory("<stdout>") as (f, image):
        fill(f)
    return image[0]


@contextlib.contextmanager
def _hdf5_in_memory(name: str) -> Iterator[tuple[h5py.File, list[bytes]]]:
    import h5py

    f = h5py.File(f"in-memory:{name}", "w", driver="core", backing_store=False)
    image: list[bytes] = []
    try:
        yield f, image
        f.flush()
        image.append(f.id.get_file_image())
    finally:
        f.close()


PathArg = str | os.PathLike[str] | None


def refuse_replacing_inputs(outputs: Mapping[str, PathArg], inputs: Mapping[str, PathArg]) -> None:
    """The rule every command follows: no output may be any of its inputs, nor another output, nor a folder
    that holds one (checked by resolved path, so `./a.md`, `a.md` and a link to it are one file). Call it
    before any work, with ``outputs``: {flag: path} (``-`` is standard output, never a file) and ``inputs``:
    {what it is: path}, naming every file the command reads (the spec a file names, its [init] file…)."""
    seen: dict[str, Path] = {what: Path(path) for what, path in inputs.items() if path is not None}
    for flag, path in outputs.items():
        if path is None or str(path) == "-":
            continue
        for what, other in seen.items():
            if _same_file(Path(path), other) or _resolved(Path(path)) in _resolved(other).parents:
                raise UsageError(f"{flag} {path} would overwrite {what} ({other}); give another path")
        seen[f"the output of {flag}"] = Path(path)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist yet: compare where they would be
        return _resolved(a) == _resolved(b)


def _resolved(path: Path) -> Path:
    return path.expanduser().resolve()


def _check_target(path: Path) -> None:
    """Refuse a target that is a folder, or whose folder is a file, naming both as the user gave them."""
    if path.is_dir():
        raise WriteError(f"{path}: is a folder; give a file name")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise WriteError(f"cannot write {path}: {parent} is a file, not a folder")
            return


def ensure_free_space(path: str | os.PathLike[str], needs: int) -> None:
    """Raise the same WriteError as a full disk would ("no space left writing FILE (needs ~N MB, M MB
    free)") when ``path``'s folder has less than ``needs`` bytes free: for writers that cannot go through
    `atomic_path` (a file kept open and appended to), to call before each large write."""
    try:
        _check_free_space(Path(path), needs)
    except OSError as err:
        raise _write_error(err, Path(path), needs) from None


def free_bytes(path: str | os.PathLike[str]) -> int | None:
    """Bytes free on the disk that holds ``path`` (or its nearest existing folder); None if it cannot be told."""
    path = Path(path)
    try:
        return shutil.disk_usage(next(p for p in (path, *path.parents) if p.exists())).free
    except (OSError, StopIteration):
        return None


def _check_free_space(path: Path, needs: int) -> None:
    free = free_bytes(path.parent)
    if free is not None and _on_disk(needs) > free:  # (None: cannot tell; the write itself will say)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


def _on_disk(n: int) -> int:
    return -(-n // _BLOCK) * _BLOCK


def _is_write_failure(err: BaseException) -> bool:
    text = str(err)
    return "errno = " in text or "write failed" in text or "No space left" in text


def _write_error(err: BaseException, path: Path, needs: int | None) -> WriteError:
    """One message naming ``path``, in words: no HDF5 internals, no temporary file name."""
    code = getattr(err, "errno", None)
    match = re.search(r"errno = (\d+)", str(err))
    if match:
        code = int(match.group(1))
    if code in _NO_SPACE:
        room = _on_disk(needs) if needs is not None else None
        return WriteError(f"no space left writing {path}{_space_figures(path, room)}; free some space or "
                          "write it elsewhere (nothing was written)", no_space=True)
    reason = getattr(err, "strerror", None) or describe_hdf5_error(err)
    return WriteError(f"cannot write {path}: {reason}")


def _space_figures(path: Path, needs: int | None) -> str:
    free = free_bytes(path.parent)
    if free is None:
        return f" (needs ~{format_bytes(needs)})" if needs else ""
    return f" (needs ~{format_bytes(needs)}, {format_bytes(free)} free)" if needs else f" ({format_bytes(free)} free)"


#: what h5py raises when a damaged file cannot be read: OSError mostly, RuntimeError, KeyError, ValueError or
#: TypeError for some damaged headers, attributes and object tables (found by flipping bits in a saved trace)
HDF5_READ_ERRORS: tuple[type[Exception], ...] = (OSError, RuntimeError, KeyError, ValueError, TypeError)


def describe_hdf5_error(err: BaseException | str) -> str:
    """h5py's "Can't close file (file write failed: time = …, error message = 'X', buf = 0x…)" → "X":
    the reason in words, without HDF5's internals (addresses, timestamps, our temporary file's name)."""
    text = str(err)
    match = re.search(r"error message = '([^']*)'", text) or re.search(r"\(([^()=]+)\)", text)
    if match:
        return match.group(1).strip()
    return re.sub(r"\s*\(.*", "", text, flags=re.S) or text


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
