"""What a call constructs: library objects that hold no weights are no submodules."""

from __future__ import annotations

import pytest

from auditor.extract.python.signatures import holds_no_weights
from tests.extract.python.test_resolve import resolve, values

TRAINER = """\
    import torch
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.proj = nn.Linear(4, 8)
            self.criterion = nn.MSELoss()
            self.optim = torch.optim.AdamW(self.parameters(), lr=1e-4)
            self.sched = torch.optim.lr_scheduler.ExponentialLR(self.optim, 0.99)
            self.scale = torch.cuda.amp.GradScaler()
"""


def test_optimisers_losses_and_scalers_are_no_submodules() -> None:
    facts = values(resolve({"GPT_SoVITS/module/models.py": TRAINER}), "Net.__init__.self.")
    assert facts["Net.__init__.self.proj"] == "torch.nn.Linear"
    assert not [
        key for key in facts if key.split(".")[3] in ("criterion", "optim", "sched", "scale")
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("torch.optim.AdamW", True),
        ("torch.nn.CrossEntropyLoss", True),
        ("torch.Tensor", True),
        ("collections.OrderedDict", True),
        ("torch.nn.Linear", False),
        ("torch.nn.ModuleList", False),
        ("transformers.HubertModel", False),
    ],
)
def test_holds_no_weights(name: str, expected: bool) -> None:
    assert holds_no_weights(name) is expected
