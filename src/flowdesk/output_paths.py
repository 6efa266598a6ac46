"""The one policy for files flowdesk writes at a user's request.

Every writer (``data export --to``, ``report -o``, the cache directory) goes
through here, so a bad destination fails the same way everywhere and *before*
any slow work:

* the directory must exist, be a directory and accept a new file (checked by
  creating and removing a probe file, because ``os.access`` says yes to root
  on a read-only directory);
* an existing destination must be a regular file, which is replaced
  atomically (temporary file in the same directory, then ``os.replace``), so
  readers never see half a file and a failed write keeps the old one;
* an existing symlink, FIFO, device or socket is refused unless ``force`` is
  set. Even then it is never replaced by a regular file: a symlink's target is
  written (atomically when the target is a regular file) and a FIFO or device
  is written into, so ``-o /dev/stdout --force`` streams the report.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from flowdesk.errors import ConfigError

__all__ = ["atomic_write", "check_output_path", "ensure_directory"]

#: Permissions of written files before the umask; mkstemp's 0600 would make a
#: shared report or export unreadable to everyone else.
_FILE_MODE = 0o666


def _kind(mode: int) -> str | None:
    """Name of a non-regular file type, or ``None`` for a regular file."""
    for test, name in (
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a directory"),
    ):
        if test(mode):
            return name
    return None if stat.S_ISREG(mode) else "not a regular file"


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _probe(directory: Path, label: str) -> None:
    """Create and remove a file in ``directory``: the only reliable writability test."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".flowdesk-probe.", dir=directory)
    except OSError as exc:
        raise ConfigError(f"{label}: cannot write in directory {directory} ({_why(exc)})") from None
    os.close(fd)
    os.unlink(tmp)


def check_output_path(path: str | Path, *, force: bool, argument: str) -> Path:
    """Check that ``path`` can be written, before any work is done.

    Parameters
    ----------
    path
        Destination file.
    force
        Allow an existing symlink, FIFO or device (it is written through, never
        replaced).
    argument
        Option named in error messages, e.g. ``"--to"``.

    Returns
    -------
    pathlib.Path
        The path to hand to :func:`atomic_write`.

    Raises
    ------
    ConfigError
        Empty path, missing or non-directory parent, unwritable directory, a
        directory at ``path``, or a non-regular file without ``force``.
    """
    text = os.fspath(path)
    if not text.strip():
        raise ConfigError(f"{argument}: the path is empty")
    if "\x00" in text:
        raise ConfigError(f"{argument} {text!r}: the path contains a NUL byte")
    target = Path(text).expanduser()
    label = f"{argument} {target}"
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        # ENOTDIR: some parent component is a regular file; ENAMETOOLONG and kin.
        raise ConfigError(f"{label}: {_why(exc)}") from None
    if info is not None:
        kind = _kind(info.st_mode)
        if kind == "a directory":
            raise ConfigError(f"{label}: is a directory; give a file name")
        if kind is not None and not force:
            raise ConfigError(
                f"{label}: is {kind}; refusing to replace it with a regular file"
                " (--force writes into it instead)"
            )
        if kind is not None:
            return target
    parent = target.parent
    if not parent.exists():
        raise ConfigError(f"{label}: directory {parent} does not exist")
    if not parent.is_dir():
        raise ConfigError(f"{label}: {parent} is not a directory")
    _probe(parent, label)
    return target


def atomic_write(
    path: Path, write: Callable[[Path], None], *, force: bool, argument: str
) -> Path:
    """Write a file through ``write(temporary_path)`` and move it into place.

    Parameters
    ----------
    path
        Destination, checked again here (the file system may have changed
        since :func:`check_output_path`).
    write
        Writes the whole content to the path it is given.
    force, argument
        As in :func:`check_output_path`.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ConfigError
        As :func:`check_output_path`, or when the write itself fails (disk
        full, permissions); a previous file at ``path`` is then left untouched.
    """
    path = check_output_path(path, force=force, argument=argument)
    label = f"{argument} {path}"
    if os.path.lexists(path):
        real = path.resolve()
        if not real.is_file():
            # FIFO or device (directly or behind a symlink): write into it, never replace it.
            try:
                write(real)
            except OSError as exc:
                raise ConfigError(f"{label}: cannot write ({_why(exc)})") from None
            return path
        path_to_replace = real
    else:
        path_to_replace = path
    try:
        fd, tmp = tempfile.mkstemp(
            prefix=f".{path_to_replace.name}.", suffix=".tmp", dir=path_to_replace.parent
        )
    except OSError as exc:
        raise ConfigError(f"{label}: cannot write ({_why(exc)})") from None
    os.close(fd)
    try:
        write(Path(tmp))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, _FILE_MODE & ~umask)
        os.replace(tmp, path_to_replace)
    except OSError as exc:
        raise ConfigError(f"{label}: cannot write ({_why(exc)})") from None
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def ensure_directory(path: Path, *, what: str) -> Path:
    """Create ``path`` (and parents) or fail with one line naming it.

    Parameters
    ----------
    path
        Directory to create if missing.
    what
        Description for the message, e.g. ``"cache directory (FLOWDESK_CACHE_DIR)"``.

    Raises
    ------
    ConfigError
        If it cannot be created or exists as something other than a directory.
    """
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ConfigError(f"{what} {path}: exists and is not a directory") from None
    except OSError as exc:
        raise ConfigError(f"{what} {path}: cannot be created ({_why(exc)})") from None
    return path
