"""model-audit: find the commits that break checkpoints in VITS-family model repositories."""

__version__ = "0.1.0"
