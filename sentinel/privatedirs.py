"""Directories for Sentinel's private files (store, keys, audit head, spool, exports,
dead letters), created 0700 all the way down.

`Path.mkdir(mode=0o700, parents=True)` applies the mode to the last component only:
the parents it creates get the process umask's default, 0777 under `umask 000`. A
world-writable parent lets any local user rename the data directory away and plant
their own (a fresh audit key and head, a store of their choosing), or pre-create an
export's `.part` file as a symlink the server then writes through.
"""

from __future__ import annotations

import os
from pathlib import Path


def private_dir(path: Path) -> None:
    """Create `path` and every missing parent with mode 0700 (existing ones are left
    as they are: they may be shared, like /tmp or a home directory)."""
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for directory in reversed(missing):
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:  # another process made it meanwhile
            continue
        os.chmod(directory, 0o700)  # mkdir's mode is masked by the umask (e.g. 0077 -> ok)
