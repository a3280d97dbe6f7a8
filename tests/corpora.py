"""Third-party mail corpora, fetched from the package registries and cached, never committed.

- PyPI sdists through the simple index, pinned by version and sha256: flufl.bounce's 117 real
  bounces and talon's replies from a dozen mail clients.
- A Debian package (``apt-get download`` + ``dpkg-deb -x``): enmime's malformed MIME messages.
A download failure fails the tests that need the corpus; nothing is silently skipped.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import urllib.request
from pathlib import Path

CACHE = Path(
    os.environ.get("ZSUPPORT_CORPORA", Path(__file__).resolve().parents[1] / ".cache" / "corpora")
)
SDISTS = {
    "flufl_bounce-6.0.0": (
        "flufl-bounce",
        "flufl_bounce-6.0.0.tar.gz",
        "a1df16b9d1877ae4536f7d76c00d8421fcefbe694f80f5285d05c45a2547b1bc",
    ),
    "talon-1.4.4": (
        "talon",
        "talon-1.4.4.tar.gz",
        "263d122609747691e9f75726ea565f5da8a40146a7a81eb5883e51b8224b0e5c",
    ),
}
ENMIME_PACKAGE = "golang-github-jhillyerd-enmime-dev"
ENMIME_TESTDATA = "usr/share/gocode/src/github.com/jhillyerd/enmime/testdata"


def _sdist_url(project: str, filename: str) -> tuple[str, str | None]:
    index = urllib.request.urlopen(f"https://pypi.org/simple/{project}/", timeout=60).read()
    match = re.search(
        rf'href="([^"]*/{re.escape(filename)})(?:#sha256=([0-9a-f]+))?"', index.decode()
    )
    if match is None:
        raise RuntimeError(f"{filename} is not in the PyPI index of {project}")
    return match.group(1), match.group(2)


def pypi_sdist(name: str) -> Path:
    """The unpacked sdist `name` (a key of SDISTS), downloaded once into CACHE."""
    target = CACHE / name
    if target.is_dir():
        return target
    project, filename, pinned = SDISTS[name]
    url, listed = _sdist_url(project, filename)
    data = urllib.request.urlopen(url, timeout=120).read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != (pinned or listed):
        raise RuntimeError(f"{filename}: sha256 {digest} does not match the pin")
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as folder:
        archive = Path(folder) / filename
        archive.write_bytes(data)
        with tarfile.open(archive) as tar:
            tar.extractall(folder, filter="data")
        shutil.move(str(Path(folder) / name), target)
    return target


def enmime_testdata() -> Path:
    """enmime's test messages from Debian's package, unpacked once into CACHE."""
    target = CACHE / ENMIME_PACKAGE
    if not target.is_dir():
        CACHE.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=CACHE) as folder:
            subprocess.run(
                ["apt-get", "download", ENMIME_PACKAGE],
                cwd=folder,
                check=True,
                capture_output=True,
                timeout=300,
            )
            [deb] = Path(folder).glob("*.deb")
            unpacked = Path(folder) / "x"
            subprocess.run(["dpkg-deb", "-x", str(deb), str(unpacked)], check=True, timeout=120)
            shutil.move(str(unpacked), target)
    return target / ENMIME_TESTDATA
