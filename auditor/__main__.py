"""``python -m auditor`` (and the ``model-audit`` script) runs the command line."""

import sys

from auditor.interrupts import exit_interrupted, stop_on_interrupt


def run() -> None:
    """Run the command line; a Ctrl-C while it is still importing exits as one later would."""
    stop_on_interrupt()
    try:
        from auditor.cli import main
    except KeyboardInterrupt:
        exit_interrupted(lambda: print("interrupted", file=sys.stderr))
    main()


if __name__ == "__main__":
    run()
