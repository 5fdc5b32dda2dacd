"""``stamp`` output: a summary for people, or the manifest as written (JSON,
``schemas/manifest.schema.json``)."""

from __future__ import annotations

import json

from auditor.provenance.front_end import FrontEndValue
from auditor.provenance.manifest import manifest_document
from auditor.provenance.stamp import Stamped

#: The packages the summary names (every one is in the manifest).
SUMMARY_PACKAGES = ("torch", "torchaudio", "transformers")


def render_json(stamped: Stamped) -> str:
    """The manifest, as written."""
    return json.dumps(manifest_document(stamped.manifest), indent=2, ensure_ascii=False) + "\n"


def render_table(stamped: Stamped) -> str:
    """Where the manifest went and what it says, one line per part."""
    m = stamped.manifest
    f, s, model, e = m.checkpoint, m.repository, m.model, m.environment
    tags = f" ({', '.join(s.tags)})" if s.tags else ""
    dirty = {True: "dirty work tree", False: "clean work tree", None: "work tree not checked"}
    if model.name is not None:
        built = f"{model.name} ({model.class_name} from {model.config_file or 'no config'})"
        what = f"{built}; file layout: {model.layout}"
    else:
        what = f"{model.layout} (by its layout; the revision's models were not checked)"
    packages = ", ".join(
        f"{name} {e.packages.get(name) or 'not installed'}" for name in SUMMARY_PACKAGES
    )
    lines = [
        f"stamped     {f.name} -> {stamped.location or '(not written)'}",
        f"commit      {s.commit[:7]}{tags} {s.subject}; {dirty[s.dirty]}",
        f"repository  {s.url or '(no remote origin)'}",
        f"model       {what}",
        f"config      {_config(m.config_source, m.config_file)}",
        f"front end   {_front_end(m.front_end)}",
        f"python      {e.python} ({e.platform}); {packages}; "
        f"{len(m.requirements)} requirements listed",
        f"sha256      {f.sha256} ({f.digest_of})",
        f"keys        {f.keys_digest} ({f.tensor_count} tensors)",
    ]
    lines += [f"warning: {w}" for w in stamped.warnings]
    return "\n".join(lines) + "\n"


def _config(source: str, file: str | None) -> str:
    if source == "checkpoint":
        return "the one stored in the checkpoint"
    if source == "repository":
        return f"{file} at the commit (the checkpoint stores none)"
    return "none (the checkpoint stores none and its model was not built)"


def _front_end(values: tuple[FrontEndValue, ...]) -> str:
    if not values:
        return "not found in the config"
    return ", ".join(f"{v.name} {'null' if v.value is None else v.value}" for v in values)
