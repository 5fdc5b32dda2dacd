"""The provenance manifest: which file, from which commit, built how, trained with what.

A manifest is JSON (``schemas/manifest.schema.json``) written next to the checkpoint as
``CKPT.model-audit.json``, or inside a safetensors file's header (:mod:`.embed`). It is pure
data: :func:`manifest_document` writes it, :func:`parse_manifest` reads one back after
checking it against its schema, so a hand-edited or foreign file is refused with a message
naming it, never a traceback.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

from auditor.checkpoints.checkpoint import JSONValue
from auditor.errors import AuditError
from auditor.provenance.environment import Environment, Requirement
from auditor.provenance.front_end import FrontEndValue, front_end_dict
from auditor.schemas import load_schema, schema_id

SCHEMA = "manifest"
SCHEMA_VERSION = 1
#: What a sidecar manifest's name adds to the checkpoint's: ``s2G.pth.model-audit.json``.
SIDECAR_SUFFIX = ".model-audit.json"


class ManifestError(AuditError):
    """A manifest cannot be read: missing, not JSON, or not of the documented form."""


@dataclass(frozen=True)
class FileIdentity:
    """The checkpoint file: its name, container, size and digests.

    ``sha256`` is of the whole file (``digest_of`` ``file``), or of a safetensors file's
    tensor data (``tensor-data``) when the manifest lives in its header.
    """

    name: str
    format: str
    version_tag: str | None
    size: int
    sha256: str
    digest_of: str
    keys_digest: str
    tensor_count: int
    parameter_count: int


@dataclass(frozen=True)
class Source:
    """The code the checkpoint was trained with: repository, commit, and the work tree's
    state (``dirty`` None when it could not be told: a bare repository, or REV not HEAD)."""

    url: str | None
    commit: str
    revision: str
    subject: str
    date: str
    tags: tuple[str, ...] = ()
    dirty: bool | None = None
    changed_files: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModelIdentity:
    """The model: what the file's layout says (``layout``, ``generation``) and, when the
    revision's models were built, the profile model it loads into and why."""

    layout: str
    project: str | None
    generation: str | None
    profile: str | None = None
    name: str | None = None
    class_name: str | None = None
    variant: str | None = None
    config_file: str | None = None
    basis: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Manifest:
    """A checkpoint's provenance. ``config_source`` is ``checkpoint`` (the config it stores),
    ``repository`` (the revision's config of its model, ``config_file``) or ``none``."""

    checkpoint: FileIdentity
    repository: Source
    model: ModelIdentity
    config: JSONValue
    config_source: str
    config_file: str | None
    front_end: tuple[FrontEndValue, ...]
    environment: Environment
    requirements: tuple[Requirement, ...]
    tool_version: str
    created: str | None = None


def sidecar_path(checkpoint: Path) -> Path:
    """Where the manifest of CHECKPOINT lives beside it: ``CKPT.model-audit.json``."""
    return checkpoint.with_name(checkpoint.name + SIDECAR_SUFFIX)


def manifest_document(manifest: Manifest) -> dict[str, Any]:
    """MANIFEST as its JSON document (keys in a fixed order)."""
    f, s, m, e = manifest.checkpoint, manifest.repository, manifest.model, manifest.environment
    return {
        "$schema": schema_id(SCHEMA),
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "model-audit", "version": manifest.tool_version},
        "created": manifest.created,
        "checkpoint": {
            "file": f.name,
            "format": f.format,
            "version_tag": f.version_tag,
            "size": f.size,
            "sha256": f.sha256,
            "digest_of": f.digest_of,
            "keys_digest": f.keys_digest,
            "tensor_count": f.tensor_count,
            "parameter_count": f.parameter_count,
        },
        "repository": {
            "url": s.url,
            "commit": s.commit,
            "revision": s.revision,
            "subject": s.subject,
            "date": s.date,
            "tags": list(s.tags),
            "dirty": s.dirty,
            "changed_files": list(s.changed_files),
        },
        "model": {
            "layout": m.layout,
            "project": m.project,
            "generation": m.generation,
            "profile": m.profile,
            "name": m.name,
            "class": m.class_name,
            "variant": m.variant,
            "config_file": m.config_file,
            "basis": m.basis,
            "reason": m.reason,
        },
        "config": {
            "source": manifest.config_source,
            "file": manifest.config_file,
            "values": manifest.config,
        },
        "front_end": front_end_dict(manifest.front_end),
        "environment": {
            "python": e.python,
            "platform": e.platform,
            "packages": dict(e.packages),
        },
        "requirements": [
            {"name": r.name, "specifier": r.specifier, "file": r.file}
            for r in manifest.requirements
        ],
    }


def dumps(manifest: Manifest) -> str:
    """MANIFEST as indented JSON text."""
    return json.dumps(manifest_document(manifest), indent=2, ensure_ascii=False) + "\n"


def parse_manifest(text: str, where: str) -> Manifest:
    """The manifest in TEXT; WHERE names it in errors (a file, a safetensors header)."""
    try:
        document = json.loads(text)
    except ValueError as error:
        raise ManifestError(f"{where} is not a JSON manifest: {error}") from None
    try:
        jsonschema.Draft202012Validator(load_schema(SCHEMA)).validate(document)
    except jsonschema.ValidationError as error:
        at = "/".join(str(p) for p in error.absolute_path) or "the top level"
        raise ManifestError(
            f"{where} is not a model-audit manifest (at {at}: {error.message})"
        ) from None
    return _manifest(document)


def read_sidecar(path: Path) -> Manifest:
    """The manifest in the file at PATH."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ManifestError(f"{path} is not UTF-8 text: not a manifest") from None
    except OSError as error:
        raise ManifestError(f"cannot read manifest {path}: {error.strerror or error}") from None
    return parse_manifest(text, str(path))


def _manifest(d: dict[str, Any]) -> Manifest:
    f, s, m, c, e = (d[k] for k in ("checkpoint", "repository", "model", "config", "environment"))
    return Manifest(
        checkpoint=FileIdentity(
            name=f["file"],
            format=f["format"],
            version_tag=f["version_tag"],
            size=f["size"],
            sha256=f["sha256"],
            digest_of=f["digest_of"],
            keys_digest=f["keys_digest"],
            tensor_count=f["tensor_count"],
            parameter_count=f["parameter_count"],
        ),
        repository=Source(
            url=s["url"],
            commit=s["commit"],
            revision=s["revision"],
            subject=s["subject"],
            date=s["date"],
            tags=tuple(s["tags"]),
            dirty=s["dirty"],
            changed_files=tuple(s["changed_files"]),
        ),
        model=ModelIdentity(
            layout=m["layout"],
            project=m["project"],
            generation=m["generation"],
            profile=m["profile"],
            name=m["name"],
            class_name=m["class"],
            variant=m["variant"],
            config_file=m["config_file"],
            basis=m["basis"],
            reason=m["reason"],
        ),
        config=c["values"],
        config_source=c["source"],
        config_file=c["file"],
        front_end=tuple(
            FrontEndValue(name, value["value"], value["key"])
            for name, value in d["front_end"].items()
        ),
        environment=Environment(e["python"], e["platform"], dict(e["packages"])),
        requirements=tuple(
            Requirement(r["name"], r["specifier"], r["file"]) for r in d["requirements"]
        ),
        tool_version=d["tool"]["version"],
        created=d["created"],
    )
