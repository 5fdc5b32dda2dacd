"""What a fact says of an expression the audit cannot resolve: the same helper reads the same
however it was imported, and a library function by its full name."""

from __future__ import annotations

from tests.extract.python.test_resolve import resolve, values

COMMONS = "GPT_SoVITS/module/commons.py"
HELPER = """\
    def get_padding(kernel_size, dilation=1):
        return int((kernel_size * dilation - dilation) / 2)
"""


def _padding(models: str, files: dict[str, str] | None = None) -> object:
    facts = resolve({COMMONS: HELPER, "GPT_SoVITS/module/models.py": models, **(files or {})})
    return values(facts, "Disc.__init__.self.conv.padding")["Disc.__init__.self.conv.padding"]


def test_a_helper_reads_the_same_through_either_import_path() -> None:
    through_module = _padding(
        """\
        from torch import nn
        from . import commons

        class Disc(nn.Module):
            def __init__(self, k):
                super().__init__()
                self.conv = nn.Conv2d(1, 32, (k, 1), padding=(commons.get_padding(k, 1), 0))
        """
    )
    imported = _padding(
        """\
        from torch import nn
        from .commons import get_padding

        class Disc(nn.Module):
            def __init__(self, k):
                super().__init__()
                self.conv = nn.Conv2d(1, 32, (k, 1), padding=(get_padding(k, 1), 0))
        """
    )
    assert through_module == imported == "<expr:(get_padding(k, 1), 0)>"


def test_a_library_function_reads_by_its_full_name() -> None:
    aliased = _padding(
        """\
        import torch.nn.functional as F
        from torch import nn

        class Disc(nn.Module):
            def __init__(self, k):
                super().__init__()
                self.conv = nn.Conv2d(1, 32, 3, padding=F.some_helper(k))
        """
    )
    assert aliased == "<expr:torch.nn.functional.some_helper(k)>"
