"""Third-party mail corpora, fetched with the ordinary package clients and cached, never committed.

- PyPI sdists through pip (``python -m pip download --no-deps --no-binary :all:``), pinned by
  version and sha256: flufl.bounce's 117 real bounces, talon's replies from a dozen mail
  clients, tnefparse's Outlook winmail.dat streams and chardet's texts in many charsets.
- A Debian package through apt (``apt-get download`` + ``dpkg-deb -x``), pinned by version and
  sha256: enmime's malformed MIME messages.

No registry address is written here: pip and apt use the indexes this machine is set up with.
Each download is checked against its pinned sha256 before it is unpacked into CACHE; a failed
download or a hash mismatch raises CorpusError, which fails the tests that need the corpus.
Nothing is silently skipped.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

CACHE = Path(
    os.environ.get("ZSUPPORT_CORPORA", Path(__file__).resolve().parents[1] / ".cache" / "corpora")
)
# name (the sdist's file stem and top folder) -> (pip requirement, sha256 of the .tar.gz)
SDISTS = {
    "flufl_bounce-6.0.0": (
        "flufl.bounce==6.0.0",
        "a1df16b9d1877ae4536f7d76c00d8421fcefbe694f80f5285d05c45a2547b1bc",
    ),
    "talon-1.4.4": (
        "talon==1.4.4",
        "263d122609747691e9f75726ea565f5da8a40146a7a81eb5883e51b8224b0e5c",
    ),
    # Outlook winmail.dat streams (tests/examples/*.tnef), from the TNEF decoder's own tests.
    "tnefparse-1.4.0": (
        "tnefparse==1.4.0",
        "bd871432b9afecb478fda2bbd4ab3673de00db4ba5dcc723bbb6c86a76420f95",
    ),
    # Real text in many charsets (tests/<charset>-<language>/), chardet's detection corpus.
    "chardet-5.2.0": (
        "chardet==5.2.0",
        "1b3b6ff479a8c414bc3fa2c0852995695c4a026dcd6d0633b2dd092ca39c1cf7",
    ),
}
ENMIME_PACKAGE = "golang-github-jhillyerd-enmime-dev"
ENMIME_VERSION = "0.9.3-2"
ENMIME_SHA256 = "c451c964e2475c2363da7dd893f63978e035c08dfb684fe08a7bc967fcd72146"
ENMIME_TESTDATA = "usr/share/gocode/src/github.com/jhillyerd/enmime/testdata"
# Below pytest's per-test timeout (120 s), so a stuck download fails with this module's message.
DOWNLOAD_TIMEOUT = 100


class CorpusError(RuntimeError):
    """A corpus could not be fetched, or what was fetched is not the pinned file."""


def _run(command: list[str], cwd: Path, what: str) -> None:
    shown = " ".join(command)
    try:
        result = subprocess.run(
            command, cwd=cwd, capture_output=True, text=True, timeout=DOWNLOAD_TIMEOUT
        )
    except subprocess.TimeoutExpired as exc:
        raise CorpusError(f"{what}: `{shown}` took over {DOWNLOAD_TIMEOUT}s") from exc
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()[-3000:]
        raise CorpusError(f"{what}: `{shown}` exited {result.returncode}:\n{output}")


def _verified(folder: Path, what: str, filename: str, pinned: str) -> Path:
    """The one file the client downloaded into `folder`, once its sha256 matches the pin."""
    found = sorted(p.name for p in folder.iterdir())
    if found != [filename]:
        raise CorpusError(f"{what}: expected the download to be {filename}, found {found}")
    path = folder / filename
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != pinned:
        raise CorpusError(
            f"{what}: {filename} has sha256 {digest}, but the pinned sha256 is {pinned}."
            " Refusing to use it; if the new file is trusted, update the pin in tests/corpora.py."
        )
    return path


def pypi_sdist(name: str) -> Path:
    """The unpacked sdist `name` (a key of SDISTS), downloaded once into CACHE."""
    target = CACHE / name
    if target.is_dir():
        return target
    requirement, pinned = SDISTS[name]
    what = f"PyPI sdist {requirement}"
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        folder = Path(tmp)
        download = folder / "download"
        download.mkdir()
        pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
        _run([*pip, requirement, "-d", str(download)], folder, what)
        archive = _verified(download, what, f"{name}.tar.gz", pinned)
        with tarfile.open(archive) as tar:
            tar.extractall(folder / "x", filter="data")
        shutil.move(str(folder / "x" / name), target)
    return target


def enmime_testdata() -> Path:
    """enmime's test messages from Debian's package, unpacked once into CACHE."""
    target = CACHE / ENMIME_PACKAGE
    if not target.is_dir():
        what = f"Debian package {ENMIME_PACKAGE}={ENMIME_VERSION}"
        CACHE.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
            folder = Path(tmp)
            download = folder / "download"
            download.mkdir()
            _run(["apt-get", "download", f"{ENMIME_PACKAGE}={ENMIME_VERSION}"], download, what)
            deb = _verified(
                download, what, f"{ENMIME_PACKAGE}_{ENMIME_VERSION}_all.deb", ENMIME_SHA256
            )
            unpacked = folder / "x"
            _run(["dpkg-deb", "-x", str(deb), str(unpacked)], folder, what)
            shutil.move(str(unpacked), target)
    return target / ENMIME_TESTDATA
