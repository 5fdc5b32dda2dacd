"""Rules for how a project writes its checkpoint files (``checkpoint-format``).

A save routine that writes a version tag over the first bytes of what ``torch.save`` made
(``b"03" + data[2:]``) changes no weight: checkpoints users own still load. The files it
writes from then on are no zip to a plain ``torch.load``: the project's older code, other
tools and forks fail on them unless they put the zip's ``PK`` back.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.domain import Category, Change, ChangeKind, FactKind, Severity
from auditor.rules.base import Rule, RuleExample

_SAVE = "import torch\n\n\ndef save_weights(state, path):\n    torch.save(state, path)\n"
_TAGGED = (
    "from io import BytesIO\n\nimport torch\n\n\n"
    "def save_weights(state, path):\n"
    "    buffer = BytesIO()\n"
    "    torch.save(state, buffer)\n"
    "    data = buffer.getvalue()\n"
    "    with open(path, 'wb') as f:\n"
    "        f.write(b'03' + data[2:])\n"
)


@dataclass(frozen=True)
class CheckpointHeaderRule(Rule):
    """A save routine writes a version tag over its files' first bytes, or another one."""

    def applies(self, change: Change) -> bool:
        if change.fact_kind is not FactKind.CHECKPOINT_FORMAT:
            return False
        if change.kind is ChangeKind.ADDED:
            return True
        # another literal tag; a literal that becomes one chosen at run time is not news
        return change.kind is ChangeKind.MODIFIED and not any(
            tag.startswith("<") for side in (change.old, change.new) for tag in _tags(side)
        )


def _tags(value: object) -> tuple[str, ...]:
    return tuple(str(tag) for tag in value) if isinstance(value, tuple) else (str(value),)


RULES = (
    CheckpointHeaderRule(
        id="MA123",
        slug="checkpoint-header",
        severity=Severity.MEDIUM,
        category=Category.CHECKPOINT_FORMAT,
        summary="Saved checkpoints get a version tag written over their first bytes.",
        why="files saved from now on are no zip to a plain torch.load: the project's older "
        "code, other tools and forks fail on them unless they restore the 'PK' bytes (the "
        "checkpoints users own still load)",
        hint="Say so in the release notes, and give loaders the tags and how to restore 'PK'.",
        examples=(
            RuleExample("process_ckpt.py", _SAVE, _TAGGED, flagged=True),
            RuleExample(
                "process_ckpt.py",
                _SAVE,
                _SAVE + "\n\ndef head(path):\n    return b'03' + open(path, 'rb').read()[2:]\n",
                flagged=False,
            ),
        ),
    ),
)
