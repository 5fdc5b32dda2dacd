"""The layout: the pipeline's stages are folders, the root holds only what ties them
together, a stage never imports a later one, and tests mirror modules."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "auditor"
#: git walk → extract → diff → classify → [confirm] → report, in order.
STAGES = ("history", "extract", "diff", "classify", "runtime", "render")
#: The root: the command line, its shared options, consoles and Ctrl-C handling, the pipeline,
#: the data, errors, schemas, the project's settings and the wording.
ROOT_MODULES = {
    "interrupts.py",
    "__init__.py",
    "__main__.py",
    "cli.py",
    "console.py",
    "domain.py",
    "errors.py",
    "options.py",
    "pipeline.py",
    "project_config.py",
    "schemas.py",
    "wording.py",
}
#: Modules without a mirrored test file yet. The list may only shrink: a module that gains
#: its test file must leave it, and a new module must come with its test file.
UNMIRRORED = {
    "changelog/contents.py",
    "changelog/context.py",
    "checkpoints/check_render.py",
    "checkpoints/checkpoint.py",
    "checkpoints/choice.py",
    "checkpoints/errors.py",
    "checkpoints/info_text.py",
    "checkpoints/results.py",
    "ci/command.py",
    "diff/class_copies.py",
    "diff/files.py",
    "domain.py",
    "errors.py",
    "extract/blob_facts.py",
    "extract/flatten.py",
    "extract/python/builtins.py",
    "extract/python/class_facts.py",
    "extract/python/codec.py",
    "extract/python/convert.py",
    "extract/python/evaluate.py",
    "extract/python/frames.py",
    "extract/python/kinds.py",
    "extract/python/module_facts.py",
    "extract/python/parse.py",
    "extract/python/scopes.py",
    "extract/python/snapshot.py",
    "extract/python/submodules.py",
    "extract/python/syntax.py",
    "extract/python/torch_signatures.py",
    "extract/python/unparse.py",
    "extract/python/usage.py",
    "extract/python/values.py",
    "extract/python/versions.py",
    "extract/python/visitor.py",
    "extract/resolved_store.py",
    "extract/summary_store.py",
    "fork/report.py",
    "history/_git.py",
    "history/_raw.py",
    "history/ancestry.py",
    "history/commits.py",
    "history/tags.py",
    "render/json_report.py",
    "rules/base.py",
    "rules/catalogue.py",
    "rules/catalogue_doc.py",
    "rules/code.py",
    "runtime/materialise.py",
    "runtime/outcome.py",
    "runtime/results.py",
    "schemas.py",
}


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.name not in ("__init__.py", "__main__.py"))


def _mirror(module: Path) -> Path:
    relative = module.relative_to(PACKAGE)
    return ROOT / "tests" / relative.parent / f"test_{relative.name}"


def test_the_root_holds_only_what_ties_the_stages_together() -> None:
    assert {p.name for p in PACKAGE.glob("*.py")} == ROOT_MODULES
    for stage in STAGES:
        assert (PACKAGE / stage / "__init__.py").is_file(), stage


def test_a_stage_never_imports_a_later_stage_or_the_pipeline() -> None:
    found = []
    for module in _modules():
        parts = module.relative_to(PACKAGE).parts
        if len(parts) < 2 or parts[0] not in STAGES or parts[-1].endswith("command.py"):
            continue  # a package's command module is command line, not a stage
        stage = STAGES.index(parts[0])
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not (node.module or "").startswith(
                "auditor."
            ):
                continue
            target = (node.module or "").split(".")[1]
            later = target in STAGES and STAGES.index(target) > stage
            # classify merges runtime results: the runtime's data types, never its workers
            merges = parts[0] == "classify" and node.module in (
                "auditor.runtime.results",
                "auditor.runtime.profile",
            )
            if (later and not merges) or target in ("pipeline", "cli"):
                found.append(f"{module.relative_to(ROOT)} imports {node.module}")
    assert found == []


def test_tests_mirror_modules() -> None:
    modules = {str(m.relative_to(PACKAGE)): m for m in _modules()}
    missing = {name for name, module in modules.items() if not _mirror(module).is_file()}
    assert missing - UNMIRRORED == set(), "new modules need their test file"
    assert UNMIRRORED - missing == set(), "mirrored or removed: take them off UNMIRRORED"
