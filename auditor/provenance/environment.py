"""The software a checkpoint was trained with: Python, torch and the packages the project pins.

Versions are read from the installed distributions' metadata (``importlib.metadata``):
torch is never imported. They are read in this Python, or in the project's own interpreter
(``--python``) by a short subprocess that does the same. The project's requirements are read
from the revision's requirement files (``requirements*.txt``, ``*-req.txt`` at the root of its
tree), as the static audit reads them.
"""

from __future__ import annotations

import fnmatch
import json
import platform
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import metadata

import git

from auditor.errors import AuditError
from auditor.extract.dependencies import extract_requirements_facts, normalize_name
from auditor.history import BlobReader, files_at

#: What every manifest records, whether or not the project lists it.
CORE_PACKAGES = ("torch", "torchaudio", "transformers")
#: The requirement files of a project, at the root of its tree.
REQUIREMENT_FILES = ("requirements*.txt", "*-req.txt", "*_req.txt")
#: What the probe prints in another Python: its version and each package's.
_PROBE = """
import json, platform, sys
from importlib import metadata
def version(name):
    try:
        return metadata.version(name)
    except Exception:
        return None
names = json.loads(sys.argv[1])
print(json.dumps({"python": platform.python_version(), "platform": sys.platform,
                  "packages": {name: version(name) for name in names}}))
"""


@dataclass(frozen=True)
class Requirement:
    """A package the project lists, its specifier (``==2.1.0``, ``""``) and its file."""

    name: str
    specifier: str
    file: str


@dataclass(frozen=True)
class Environment:
    """Python's version, the platform, and each package's installed version (None: absent)."""

    python: str
    platform: str
    packages: Mapping[str, str | None]


@dataclass(frozen=True)
class Drift:
    """A package (or ``python``) whose version differs now from when it was stamped."""

    name: str
    stamped: str | None
    now: str | None

    @property
    def major(self) -> bool:
        """Whether the major or minor version moved (``2.1`` → ``2.5``), not just the patch."""
        return _minor(self.stamped) != _minor(self.now)


def project_requirements(repo: git.Repo, sha: str) -> tuple[Requirement, ...]:
    """The packages the requirement files at the root of SHA's tree list, by file then line.

    A package listed in several files is kept once, as its first file lists it.
    """
    tree = files_at(repo, sha)
    paths = sorted(
        path
        for path in tree
        if "/" not in path and any(fnmatch.fnmatchcase(path, g) for g in REQUIREMENT_FILES)
    )
    found: dict[str, Requirement] = {}
    with BlobReader(repo) as blobs:
        for path in paths:
            data = blobs.read(tree[path])
            if data is None:
                continue
            for fact in extract_requirements_facts(data).facts:
                value = fact.value if isinstance(fact.value, str) else ""
                found.setdefault(fact.key, Requirement(fact.key, value, path))
    return tuple(found.values())


def package_names(requirements: Iterable[Requirement]) -> tuple[str, ...]:
    """The core packages, then those REQUIREMENTS list, each once, normalised."""
    names = dict.fromkeys(normalize_name(n) for n in CORE_PACKAGES)
    names.update(dict.fromkeys(r.name for r in requirements))
    return tuple(names)


def environment(names: Iterable[str], python: str | None = None) -> Environment:
    """The installed versions of NAMES in this Python, or in PYTHON (an interpreter path).

    Raises :class:`AuditError`, naming PYTHON, when it cannot be asked.
    """
    wanted = list(dict.fromkeys(names))
    if python is None:
        packages = {name: _installed(name) for name in wanted}
        return Environment(platform.python_version(), sys.platform, packages)
    try:
        done = subprocess.run(
            [python, "-c", _PROBE, json.dumps(wanted)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise AuditError(f"cannot ask {python} for its packages: {error}") from None
    try:
        answer = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        said = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        raise AuditError(f"cannot ask {python} for its packages: {said}") from None
    versions = answer.get("packages", {})
    packages = {name: versions.get(name) for name in wanted}
    return Environment(str(answer.get("python")), str(answer.get("platform")), packages)


def drift(stamped: Environment, now: Environment) -> tuple[Drift, ...]:
    """What differs between STAMPED and NOW: Python, then each stamped package in order."""
    found = []
    if stamped.python != now.python:
        found.append(Drift("python", stamped.python, now.python))
    for name, version in stamped.packages.items():
        current = now.packages.get(name)
        if version != current:
            found.append(Drift(name, version, current))
    return tuple(found)


def _installed(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
    except Exception:  # a distribution with broken metadata: as good as absent
        return None


def _minor(version: str | None) -> tuple[str, ...] | None:
    if version is None:
        return None
    return tuple(version.split("+", 1)[0].split(".")[:2])
