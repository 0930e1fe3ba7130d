"""Download MNIST or Fashion-MNIST from public mirrors, checking every file's SHA-256.

Each file is streamed into `<file>.part` beside its final name and renamed into place only after
its SHA-256 matches, so nothing half-written or corrupt ever carries the final name. Files already
present are checked by their IDX content (header and length), not by the .gz hash: Debian's
Fashion-MNIST, for one, is recompressed, so its .gz bytes differ while the images are the same.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from backprop_tutor.data.datasets import (
    DATA_ENV,
    EXPECTED_COUNTS,
    IDX_FILES,
    cache_root,
    dataset_locations,
    idx_files_in,
    ways_to_get,
)
from backprop_tutor.data.formats import read_idx
from backprop_tutor.errors import DataError

MIRROR_ENV = "BACKPROP_TUTOR_MIRROR"
#: How long a mirror may take to answer (connect and send its headers), and how long a download may
#: go without receiving a byte before it counts as stalled: either way the next mirror is tried.
TIMEOUT_SECONDS = 10.0
_CHUNK = 1 << 16

MIRRORS: dict[str, tuple[str, ...]] = {
    "mnist": (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ),
    "fashion-mnist": ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
}


@dataclass(frozen=True)
class Checksum:
    """The published size in bytes and SHA-256 (hex) of one downloadable file."""

    size: int
    sha256: str


# Published sizes and SHA-256s, from tensorflow/datasets `tensorflow_datasets/url_checksums/mnist.txt`
# and `.../fashion_mnist.txt` (URL, size, sha256 per line). The two MNIST t10k values were also
# recomputed from ../shared/data/mnist-t10k, whose files are byte-identical to the upstream mirror's
# (their md5s, 9fb629c4… and ec29112d…, are the ones torchvision lists).
CHECKSUMS: dict[str, dict[str, Checksum]] = {
    "mnist": {
        "train-images-idx3-ubyte.gz": Checksum(
            9912422, "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"
        ),
        "train-labels-idx1-ubyte.gz": Checksum(
            28881, "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"
        ),
        "t10k-images-idx3-ubyte.gz": Checksum(
            1648877, "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"
        ),
        "t10k-labels-idx1-ubyte.gz": Checksum(4542, "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte.gz": Checksum(
            26421880, "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"
        ),
        "train-labels-idx1-ubyte.gz": Checksum(
            29515, "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"
        ),
        "t10k-images-idx3-ubyte.gz": Checksum(
            4422102, "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"
        ),
        "t10k-labels-idx1-ubyte.gz": Checksum(5148, "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"),
    },
}


class MirrorUnreachable(DataError):
    """The mirror could not be reached or did not serve the file (offline, refused, timeout, HTTP error)."""


def mirrors_for(name: str, mirrors: Sequence[str] | None = None) -> list[str]:
    """The base URLs to try, in order: `mirrors` if given, else $BACKPROP_TUTOR_MIRROR, else the defaults."""
    if name not in MIRRORS:
        raise DataError(f"'{name}' cannot be downloaded; known names are {', '.join(MIRRORS)}.")
    if mirrors:
        bases = list(mirrors)
    elif os.environ.get(MIRROR_ENV):
        bases = [os.environ[MIRROR_ENV]]
    else:
        bases = list(MIRRORS[name])
    return [b if b.endswith("/") else b + "/" for b in bases]


def default_destination(name: str) -> Path:
    """Where `download_dataset` writes by default: $BACKPROP_TUTOR_DATA/<name> if set, else the cache."""
    if os.environ.get(DATA_ENV):
        return dataset_locations(name)[0]
    return cache_root() / name


def download_file(
    url: str,
    dest: str | os.PathLike[str],
    checksum: Checksum,
    progress: bool = True,
    timeout: float = TIMEOUT_SECONDS,
) -> Path:
    """Fetch `url` into `dest`, verifying its SHA-256; return `dest`.

    The bytes go to `<dest>.part` and are renamed to `dest` only once the hash matches. A wrong hash
    deletes the part file and raises DataError (file, expected and actual hash); a mirror that cannot be
    reached, does not answer within `timeout` seconds, stalls that long mid-download or drops the
    connection raises MirrorUnreachable (the part file deleted too). Ctrl-C stops it at once.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    digest = hashlib.sha256()
    received = 0
    done = False
    try:
        response = _open(url, timeout, progress)
        total = int(response.headers.get("Content-Length") or checksum.size)
        with response, open(part, "wb") as out, _progress(progress) as bar:
            task = bar.add_task(dest.name, total=total) if bar is not None else None
            while chunk := _read_chunk(response, url, timeout, received, total):
                out.write(chunk)
                digest.update(chunk)
                received += len(chunk)
                if bar is not None and task is not None:
                    bar.update(task, advance=len(chunk))
        if received < total:  # the server closed the connection early: a network fault, not a corrupt file
            raise MirrorUnreachable(f"{url}: the connection dropped after {_size(received)} of {_size(total)}.")
        actual = digest.hexdigest()
        if actual != checksum.sha256:
            raise DataError(
                f"{dest.name}: the download from {url} is corrupt and was deleted: its SHA-256 is {actual} "
                f"({received} bytes) but the published SHA-256 is {checksum.sha256} ({checksum.size} "
                "bytes). Try again, or another mirror."
            )
        os.replace(part, dest)
        done = True
    finally:
        if not done:
            part.unlink(missing_ok=True)
    return dest


def _open(url: str, timeout: float, progress: bool) -> Any:
    """The mirror's response (headers read); saying so first when progress is shown, as it may take `timeout` s."""
    if progress:
        Console(stderr=True, highlight=False, soft_wrap=True, markup=False).print(
            f"connecting to {url} (waiting up to {timeout:g} s)…")
    try:
        return urllib.request.urlopen(url, timeout=timeout)
    except urllib.error.HTTPError as err:
        raise MirrorUnreachable(f"{url}: the mirror answered HTTP {err.code} {err.reason}.") from err
    except TimeoutError as err:
        raise MirrorUnreachable(f"{url}: the mirror did not answer within {timeout:g} s.") from err
    except (OSError, http.client.HTTPException) as err:  # URLError, refusals are OSErrors
        reason = getattr(err, "reason", None) or err
        if isinstance(reason, TimeoutError):
            raise MirrorUnreachable(f"{url}: the mirror did not answer within {timeout:g} s.") from err
        raise MirrorUnreachable(f"{url}: cannot be reached ({reason}).") from err


def _read_chunk(response: Any, url: str, timeout: float, received: int, total: int) -> bytes:
    """The next chunk of the response; a stall, a dropped connection or a timeout becomes MirrorUnreachable."""
    try:
        return response.read1(_CHUNK)  # what has arrived: a stall is then seen after the bytes before it
    except TimeoutError as err:
        raise MirrorUnreachable(f"{url}: the download stalled: no data for {timeout:g} s after "
                                f"{_size(received)} of {_size(total)}.") from err
    except http.client.IncompleteRead as err:
        raise MirrorUnreachable(f"{url}: the connection dropped after {_size(received + len(err.partial))} of "
                                f"{_size(total)}.") from err
    except (OSError, http.client.HTTPException) as err:
        raise MirrorUnreachable(f"{url}: the connection broke off after {_size(received)} of {_size(total)} "
                                f"({err.strerror or err if isinstance(err, OSError) else err}).") from err


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n} bytes"


@contextlib.contextmanager
def _progress(show: bool) -> Iterator[Progress | None]:
    """A rich progress bar on stderr (bytes, speed, time left), or None when `show` is False."""
    if not show:
        yield None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True)) as bar:
        yield bar


def idx_content_ok(path: Path, role: str) -> bool:
    """Whether an already-present IDX file has the right content shape (read from its header and length)."""
    try:
        array = read_idx(path)
    except DataError:
        return False
    split, kind = role.split("_")
    expected = (EXPECTED_COUNTS[split], 28, 28) if kind == "images" else (EXPECTED_COUNTS[split],)
    return array.shape == expected


def download_dataset(
    name: str,
    dest_dir: str | os.PathLike[str] | None = None,
    mirrors: Sequence[str] | None = None,
    progress: bool = True,
    timeout: float = TIMEOUT_SECONDS,
) -> Path:
    """Download the four IDX .gz files of `name` into `dest_dir` (default: `default_destination`).

    Files already there with the right IDX content are kept. Each mirror is tried in turn (one that did
    not answer is not asked again for the next files); when none can be reached, DataError lists the
    other ways to get the data. Returns the folder.
    """
    bases = mirrors_for(name, mirrors)
    folder = Path(dest_dir).expanduser() if dest_dir is not None else default_destination(name)
    present = idx_files_in(folder) if folder.is_dir() else {}
    say = Console(stderr=True, highlight=False, soft_wrap=True, markup=False).print if progress else (lambda *_: None)
    for role, stem in IDX_FILES.items():
        if role in present and idx_content_ok(present[role], role):
            continue
        file_name = f"{stem}.gz"
        dest = folder / file_name
        failures: list[str] = []
        corrupt: DataError | None = None
        candidates = list(bases)
        for i, base in enumerate(candidates):
            try:
                download_file(base + file_name, dest, CHECKSUMS[name][file_name], progress=progress, timeout=timeout)
                break
            except MirrorUnreachable as err:
                failures.append(str(err))
                if len(bases) > 1:
                    bases.remove(base)  # it will not answer for the next file either
                say(f"{err}{' Trying the next mirror.' if i + 1 < len(candidates) else ''}")
            except DataError as err:
                corrupt = err
                failures.append(str(err))
        else:
            if corrupt is not None:
                raise corrupt
            raise DataError(
                f"{file_name} of '{name}' could not be downloaded from any mirror: {' '.join(failures)} "
                f"If you are offline, other ways to get the data: {ways_to_get(name, download=False)} To use another "
                f"mirror, set {MIRROR_ENV} to its base URL."
            )
    return folder
