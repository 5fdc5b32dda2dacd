"""Running git read-only against one repository: argv, environment, errors, NUL-token streams.

Every command runs with ``--git-dir`` set to the repository's git directory and its working
directory there, so the user's current directory, ``GIT_DIR`` and friends play no part, and
the ``safe.directory`` ownership check of repository discovery does not apply. Nothing here
writes refs, the index, the config or the object store (lazy fetches of partial clones are
turned off where git supports it).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from typing import IO

import git

from auditor.errors import RepositoryError

#: Variables that point git at another repository (``git rev-parse --local-env-vars``).
_LOCAL_ENV_VARS = (
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_CONFIG",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_OBJECT_DIRECTORY",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_IMPLICIT_WORK_TREE",
    "GIT_GRAFT_FILE",
    "GIT_INDEX_FILE",
    "GIT_NO_REPLACE_OBJECTS",
    "GIT_REPLACE_REF_BASE",
    "GIT_PREFIX",
    "GIT_INTERNAL_SUPER_PREFIX",
    "GIT_SHALLOW_FILE",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
)

_CHUNK = 1 << 16


def git_executable() -> str:
    """The git program GitPython was configured with (``git`` by default)."""
    exe = getattr(git.Git, "GIT_PYTHON_GIT_EXECUTABLE", None)
    return exe if isinstance(exe, str) and exe else "git"


def git_env() -> dict[str, str]:
    """The environment for git: the caller's, minus repository overrides, read-only, in C."""
    env = {k: v for k, v in os.environ.items() if k not in _LOCAL_ENV_VARS}
    env.update(
        LC_ALL="C",
        LANGUAGE="C",
        GIT_TERMINAL_PROMPT="0",
        GIT_OPTIONAL_LOCKS="0",
        GIT_NO_LAZY_FETCH="1",
    )
    return env


def describe(repo: git.Repo) -> str:
    """The path to name in messages: the work tree, or the git directory of a bare repo."""
    tree = repo.working_tree_dir
    if tree is not None and os.path.exists(os.path.join(tree, ".git")):
        return str(tree)
    return str(repo.git_dir)


def git_argv(repo: git.Repo, args: Sequence[str], *, config: Sequence[str] = ()) -> list[str]:
    """The full argv for ``git <args>`` on REPO; CONFIG holds ``name=value`` overrides."""
    argv = [git_executable(), "--no-pager", f"--git-dir={repo.git_dir}"]
    for item in config:
        argv += ["-c", item]
    argv += args
    return argv


def _error(repo: git.Repo, args: Sequence[str], stderr: bytes, rc: int) -> RepositoryError:
    detail = stderr.decode("utf-8", "replace").strip()[-2000:] or f"exit status {rc}"
    command = next((arg for arg in args if not arg.startswith("-")), "")
    return RepositoryError(f"git {command} failed in {describe(repo)}: {detail}")


def run_git(
    repo: git.Repo,
    args: Sequence[str],
    *,
    config: Sequence[str] = (),
    input: bytes | None = None,
    check: bool = True,
) -> tuple[int, bytes]:
    """Run git to completion; return ``(exit status, stdout)``.

    With CHECK, a non-zero status raises :class:`RepositoryError` carrying git's message.
    """
    try:
        proc = subprocess.run(
            git_argv(repo, args, config=config),
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            cwd=repo.git_dir,
            env=git_env(),
            check=False,
        )
    except OSError as exc:
        raise RepositoryError(f"cannot run git in {describe(repo)}: {exc}") from exc
    if check and proc.returncode != 0:
        raise _error(repo, args, proc.stderr, proc.returncode)
    return proc.returncode, proc.stdout


def start_git(
    repo: git.Repo, args: Sequence[str], *, config: Sequence[str] = (), stdin: bool = False
) -> subprocess.Popen[bytes]:
    """Start a long-lived git process with piped stdout (and stdin when asked)."""
    try:
        return subprocess.Popen(
            git_argv(repo, args, config=config),
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=repo.git_dir,
            env=git_env(),
        )
    except OSError as exc:
        raise RepositoryError(f"cannot run git in {describe(repo)}: {exc}") from exc


def stop(proc: subprocess.Popen[bytes]) -> None:
    """End PROC if it still runs, and release its pipes."""
    if proc.poll() is None:
        proc.kill()
    for pipe in (proc.stdin, proc.stdout):
        if pipe is not None:
            with contextlib.suppress(OSError):  # a broken pipe flushing what was left
                pipe.close()
    proc.wait()


def _split(stream: IO[bytes]) -> Iterator[bytes]:
    fd = stream.fileno()
    rest = b""
    while True:
        data = os.read(fd, _CHUNK)
        if not data:
            break
        parts = (rest + data).split(b"\0") if rest else data.split(b"\0")
        rest = parts.pop()
        yield from parts
    if rest:
        yield rest


@contextlib.contextmanager
def git_tokens(
    repo: git.Repo, args: Sequence[str], *, config: Sequence[str] = (), input: bytes = b""
) -> Iterator[Iterator[bytes]]:
    """Run git (INPUT on its stdin) and give its stdout as NUL-separated tokens as they come.

    Leaving the block early kills git; leaving it after the last token checks git's exit
    status and raises :class:`RepositoryError` with its message when it failed.
    """
    with tempfile.TemporaryFile() as errors, tempfile.TemporaryFile() as stdin:
        stdin.write(input)
        stdin.seek(0)
        try:
            proc = subprocess.Popen(
                git_argv(repo, args, config=config),
                stdin=stdin,
                stdout=subprocess.PIPE,
                stderr=errors,
                cwd=repo.git_dir,
                env=git_env(),
            )
        except OSError as exc:
            raise RepositoryError(f"cannot run git in {describe(repo)}: {exc}") from exc
        assert proc.stdout is not None
        finished = False
        try:
            tokens = _split(proc.stdout)
            yield tokens
            for _ in tokens:  # drain what the consumer left, so git can exit
                pass
            finished = True
        finally:
            if not finished:
                stop(proc)
        proc.stdout.close()
        rc = proc.wait()
        if rc != 0:
            errors.seek(0)
            raise _error(repo, args, errors.read(), rc)
