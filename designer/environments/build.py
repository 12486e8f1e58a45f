"""Build an EnvironmentSpec into a content-addressed folder with uv (pure: stdlib only).

Layout of the environments folder (one per worker host, `CONVEYOR_ENV_DIR`):
- `<key>/`: a relocatable venv; `<key>/.conveyor-complete` marks a finished build and
  `<key>/conveyor-environment.json` records its spec;
- `<key>.lock`: taken (flock) while building; its mtime is the environment's last use;
- `.<key>.tmp-*`: a build in progress, renamed to `<key>` only when complete.
A process that finds no marker takes the lock, looks again (another one may have finished
meanwhile), and builds; concurrent steps wait on the lock and never build twice.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from designer.environments.interpreters import Interpreter, interpreter_pick
from designer.environments.prepared import PreparedEnvironment
from designer.environments.spec import EnvironmentProblem, EnvironmentSpec

MARKER = ".conveyor-complete"
SPEC_FILE = "conveyor-environment.json"
BUILD_TAIL_LINES = 15
Log = Callable[[str], None]


@dataclass(frozen=True)
class BuildConfig:
    """Where and how a worker host builds.

    Parameters:
        env_dir: the host's environments folder.
        uv: the uv executable.
        interpreters: X.Y -> interpreter available on this host.
        cache_dir: uv's cache (None: uv's default), shared by every build on the host.
        timeout: seconds a build may take.
    """

    env_dir: Path
    uv: Path
    interpreters: dict[str, Interpreter]
    cache_dir: Path | None = None
    timeout: float = 1800.0


def environment_key(spec: EnvironmentSpec, interpreter: Interpreter) -> str:
    """The folder name: the spec hash plus the interpreter actually used."""
    return f"{spec.hash[:32]}-py{interpreter.version}"


def environment_prepare(
    spec: EnvironmentSpec, config: BuildConfig, *, log: Log = lambda line: None
) -> PreparedEnvironment:
    """The built environment for `spec`, building it first if this host has none.

    spec: the resolved environment. config: this host's build settings.
    log: receives progress and uv's output lines (the step log).
    Raises EnvironmentProblem with uv's last lines when the build fails.
    """
    interpreter, warning = interpreter_pick(spec.python, config.interpreters)
    warnings = (*spec.warnings, *([warning] if warning else []))
    key = environment_key(spec, interpreter)
    root = config.env_dir / key
    if not (root / MARKER).is_file():
        config.env_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(config.env_dir, 0o755)  # noqa: S103 (the sandbox uid reads environments)
        with _locked(config.env_dir / f"{key}.lock", log):
            if not (root / MARKER).is_file():
                _build(spec, interpreter, root, config, log)
    _touch(config.env_dir / f"{key}.lock")
    return PreparedEnvironment(
        hash=key,
        root=root,
        bin_dir=root / "bin",
        python=root / "bin" / "python",
        ro_binds=(interpreter.prefix,),
        variables={"VIRTUAL_ENV": str(root)},
        warnings=warnings,
    )


@contextmanager
def _locked(path: Path, log: Log) -> Iterator[None]:
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log("another step is building this environment; waiting for it")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _touch(path: Path) -> None:
    try:
        os.utime(path)
    except OSError:
        path.touch()


def _build(
    spec: EnvironmentSpec, interpreter: Interpreter, root: Path, config: BuildConfig, log: Log
) -> None:
    started = time.monotonic()
    log(
        f"building environment {root.name}: python {interpreter.version}, "
        f"{len(spec.requirements)} requirement(s)"
    )
    tmp = Path(tempfile.mkdtemp(prefix=f".{root.name}.tmp-", dir=config.env_dir))
    try:
        _uv(
            config,
            ["venv", "--relocatable", "--quiet", "--python", str(interpreter.path), str(tmp)],
            log,
        )
        if spec.requirements:
            requirements = tmp / "conveyor-requirements.txt"
            requirements.write_text("".join(f"{r}\n" for r in spec.requirements))
            _uv(
                config,
                [
                    "pip",
                    "install",
                    "--python",
                    str(tmp / "bin" / "python"),
                    "--no-progress",
                    "--compile-bytecode",
                    "-r",
                    str(requirements),
                ],
                log,
            )
        (tmp / SPEC_FILE).write_text(json.dumps(spec.as_dict(), indent=2, sort_keys=True))
        _make_readable(tmp)
        (tmp / MARKER).write_text(f"{time.time():.3f}\n")
        os.chmod(tmp / MARKER, 0o644)
        os.rename(tmp, root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log(f"environment {root.name} built in {time.monotonic() - started:.1f} s")


def _uv(config: BuildConfig, args: list[str], log: Log) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/"),
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_NO_CONFIG": "1",
        "NO_COLOR": "1",
    }
    if config.cache_dir is not None:
        env["UV_CACHE_DIR"] = str(config.cache_dir)
    for name in ("UV_INDEX_URL", "UV_DEFAULT_INDEX", "UV_EXTRA_INDEX_URL", "SSL_CERT_FILE"):
        if os.environ.get(name):
            env[name] = os.environ[name]
    tail: list[str] = []
    try:
        proc = subprocess.Popen(
            [str(config.uv), *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
    except OSError as exc:
        raise EnvironmentProblem(f"uv could not be started ({config.uv}): {exc}") from None
    deadline = time.monotonic() + config.timeout
    assert proc.stdout is not None
    for line in proc.stdout:
        text = line.rstrip("\n")
        log(f"uv: {text}")
        tail = [*tail[-(BUILD_TAIL_LINES - 1) :], text]
        if time.monotonic() > deadline:
            proc.kill()
    code = proc.wait()
    if time.monotonic() > deadline:
        raise EnvironmentProblem(f"environment build took longer than {config.timeout:g} s")
    if code != 0:
        raise EnvironmentProblem(
            f"environment build failed (uv {args[0]} exited with {code}):\n" + "\n".join(tail)
        )


def _make_readable(root: Path) -> None:
    """Folders 0755 and files at least 0644, so the sandbox's unprivileged uid can use it."""
    for folder, dirs, files in os.walk(root):
        os.chmod(folder, 0o755)  # noqa: S103 (read-only for the sandbox uid by design)
        for name in files:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                mode = os.stat(path).st_mode & 0o777
                os.chmod(path, mode | 0o644 | (0o111 if mode & 0o100 else 0))
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(folder, d))]
