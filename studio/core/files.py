"""Files that change together with the database: staged, published on commit, swept after a crash.

A file the studio writes beside a database change (a brand file and its version row, an export
zip and its record) must appear exactly when the change commits:

* :func:`stage_for_commit` writes the bytes to a hidden *staged* file beside the target
  (``.<name>.<pid>.<token>.part``, fsynced) and ties it to the session: when the session's
  transaction commits, the staged file is renamed over the target (atomic on one file system);
  when it rolls back or the session closes without committing, the staged file is deleted.
* :func:`work_dir` is a private folder for intermediate files (``.studio-work.<pid>.<token>``)
  beside the output, removed when the block ends.
* :func:`sweep` removes what a killed process left: staged files and work folders whose process
  is gone. A staged file whose database change did commit (the process died between the commit
  and the rename) is completed instead, when the caller's ``committed`` says so.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event

_STAGED = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.(?P<token>[0-9a-f]{8})\.part$")
_WORK = re.compile(r"^\.studio-work\.(?P<pid>\d+)\.(?P<token>[0-9a-f]{8})$")


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def staged_path(target: Path) -> Path:
    """A fresh staged-file name beside ``target`` (this process's id and a random token)."""
    return target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.part")


def write_staged(target: Path, data: bytes) -> Path:
    """Write ``data`` to a new staged file beside ``target`` (flushed and fsynced)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = staged_path(target)
    try:
        with staged.open("xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return staged


def publish(staged: Path, target: Path) -> None:
    """Rename ``staged`` over ``target`` and make the rename durable."""
    os.replace(staged, target)
    _fsync_dir(target.parent)


_PENDING = "studio_staged_files"


def _on_commit(session: Any) -> None:
    for entry in session.info.get(_PENDING, []):
        staged, target = entry["staged"], entry["target"]
        if not entry["published"] and staged.exists():
            publish(staged, target)
            entry["published"] = True


def _on_transaction_end(session: Any, ended: Any) -> None:
    pending = session.info.get(_PENDING, [])
    remaining = []
    for entry in pending:
        if entry["transaction"] is not ended:
            remaining.append(entry)
        elif not entry["published"]:
            entry["staged"].unlink(missing_ok=True)
    session.info[_PENDING] = remaining


def stage_for_commit(session: Any, staged: Path, target: Path) -> None:
    """Publish ``staged`` as ``target`` when ``session``'s current transaction commits.

    On rollback, or when the session ends without committing, ``staged`` is deleted and
    ``target`` is left as it was. Nested transactions (savepoints) do not publish or discard.
    """
    transaction = session.get_transaction() or session.begin()
    if _PENDING not in session.info:
        session.info[_PENDING] = []
        # Listeners stay for the session's life (removing one while events run is not allowed).
        event.listen(session, "after_commit", _on_commit)
        event.listen(session, "after_transaction_end", _on_transaction_end)
    session.info[_PENDING].append(
        {"transaction": transaction, "staged": staged, "target": target, "published": False}
    )


@contextmanager
def work_dir(parent: Path) -> Iterator[Path]:
    """A private folder beside the output for intermediate files, removed afterwards.

    Kept on the output's file system (not the system temp folder) so that a killed process's
    leftovers are found and removed by :func:`sweep` of that folder.
    """
    folder = parent / f".studio-work.{os.getpid()}.{secrets.token_hex(4)}"
    folder.mkdir(parents=True)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep(folder: Path, *, committed: Callable[[Path, Path], bool] | None = None) -> list[Path]:
    """Remove staged files and work folders left in ``folder`` by processes that are gone.

    ``committed(staged, target)`` may say that a staged file's database change committed (the
    process died between commit and rename); that file is then published instead of deleted.
    Returns what was removed or completed.
    """
    handled: list[Path] = []
    if not folder.is_dir():
        return handled
    for entry in folder.iterdir():
        staged = _STAGED.match(entry.name)
        work = _WORK.match(entry.name)
        match = staged or work
        if match is None or _alive(int(match["pid"])):
            continue
        if work is not None and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        elif staged is not None and entry.is_file():
            target = entry.with_name(staged["name"])
            if committed is not None and committed(entry, target):
                publish(entry, target)
            else:
                entry.unlink(missing_ok=True)
        else:
            continue
        handled.append(entry)
    return handled
