"""`sentinel doctor`'s store and spool checks. They only look: a store that does not
exist yet is reported as such (never created, nor its directory), a SQLite file is
opened read-only, and paths are shown absolute (a relative `sqlite:///x.db` is
relative to wherever the process starts, which is what an operator needs to see)."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from sentinel.config import Settings
from sentinel.doctor_check import Check, where

MIN_FREE_BYTES = 512 * 1024 * 1024
_SQLITE = "sqlite:///"


def sqlite_path(url: str) -> Path | None:
    """The absolute path of a file SQLite store URL (None for :memory: or a bad URL)."""
    raw = url[len(_SQLITE) :] if url.startswith(_SQLITE) else ""
    return Path(raw).absolute() if raw and raw != ":memory:" else None


def store_exists(settings: Settings) -> bool:
    """Whether opening the store would find it rather than create it."""
    url = settings.store_url
    if url.startswith("sqlite:"):
        path = sqlite_path(url)
        return path is not None and path.is_file()
    return True


def absent_store(settings: Settings) -> str | None:
    """For a command that only reads the store: why there is none to read (a typo'd
    SQLite path would be created, and read as empty), or None."""
    if store_exists(settings):
        return None
    return f"no SQLite database at {sqlite_path(settings.store_url) or settings.store_url}"


def _sqlite_absent(url: str) -> Check | None:
    """The finding for a SQLite store that is not there yet, without creating it (a
    connection would create the file and its directory); None when the file exists."""
    path = sqlite_path(url)
    if path is None:
        return None  # :memory: or a malformed URL: the store says which
    parent = path.parent
    if not parent.is_dir():
        missing = next(p for p in [parent, *parent.parents] if not p.is_dir())
        what = "is not a directory" if missing.exists() else "does not exist"
        return Check(
            "store",
            "fail",
            f"SENTINEL_STORE: directory {parent} {what} (SQLite store {path})",
            f"create {parent} (mkdir -p), or point SENTINEL_STORE at a file in an existing "
            "directory, e.g. sqlite:////var/lib/sentinel/sentinel.db",
        )
    if not path.exists():
        return Check("store", "ok", f"SQLite {path}: will be created on first use")
    return None


def check_store(settings: Settings) -> Check:
    """The store answers and its schema (tables, index templates) is present and current."""
    from sentinel.store import StoreError, create_store, store_kind

    url = settings.store_url
    kind = store_kind(url)
    if kind is not None and kind.name == "sqlite" and (absent := _sqlite_absent(url)):
        return absent
    shown = f"SQLite {sqlite_path(url)}" if kind is not None and kind.name == "sqlite" else (
        where(url)
    )  # fmt: skip
    try:
        store = create_store(url, settings)
    except ValueError as exc:  # our own words: the URL's shape or the index prefix
        return Check("store", "fail", str(exc), "use sqlite:///path.db or http(s)://host:9200")
    except Exception as exc:
        return Check("store", "fail", f"{shown}: {type(exc).__name__}", _STORE_FIX)
    try:
        report = store.check_templates()
    except StoreError as exc:  # worded by the store for a user, without credentials
        return Check("store", "fail", str(exc), _STORE_FIX)
    except sqlite3.DatabaseError as exc:  # not a database: sqlite's words hold no secret
        return Check("store", "fail", f"{shown}: {exc}", _STORE_FIX)
    except Exception as exc:
        return Check("store", "fail", f"{shown}: {type(exc).__name__}", _STORE_FIX)
    finally:
        store.close()
    if not report.ok:
        detail = f"{report.what} missing: {report.missing}, outdated: {report.outdated}"
        return Check("store", "fail", detail, report.fix)
    return Check("store", "ok", f"{shown if kind and kind.name == 'sqlite' else report.where}: "
                                f"reachable, {report.summary}")  # fmt: skip


_STORE_FIX = (
    "check SENTINEL_STORE (a writable SQLite path, or an Elasticsearch that runs), TLS "
    "settings, and that the SENTINEL_ES_* user may read index templates"
)


def check_spool(settings: Settings, now: float | None = None) -> Check:
    """The spool directory is usable and not holding a growing backlog."""
    path = settings.spool_path.absolute()
    target = path if path.exists() else next((p for p in path.parents if p.exists()), Path("/"))
    if path.exists() and not path.is_dir():
        return Check(
            "spool",
            "fail",
            f"{path} exists and is not a directory",
            "point SENTINEL_SPOOL_DIR at a directory",
        )
    try:
        with tempfile.NamedTemporaryFile(dir=target, prefix=".doctor-"):
            pass
    except OSError as exc:
        return Check(
            "spool",
            "fail",
            f"{target} is not writable ({exc.strerror})",
            f"make {path} writable by this user, or set SENTINEL_SPOOL_DIR",
        )
    free = shutil.disk_usage(target).free
    if free < MIN_FREE_BYTES:
        return Check(
            "spool",
            "fail",
            f"only {free // 2**20} MiB free at {target}",
            "free disk space: records spool here while the store is down",
        )
    if not path.exists():
        return Check(
            "spool", "ok", f"{path} will be created on first use ({free // 2**30} GiB free)"
        )
    from sentinel.records.spool import Spool
    from sentinel.spool_cli import dead_letter_files

    info = Spool.inspect(path, dead_letter_files(settings))
    aside = [f"{n} dead-lettered in {p}" for p, n in info["dead_letter"].items() if n]
    aside += [f"{n} lost ({why})" for why, n in info["dropped"].items()]
    if info["quarantined"] or info["unreadable"] or info["damaged"] or info["dropped"]:
        return Check(
            "spool",
            "warn",
            f"{path}: {len(info['quarantined'])} quarantined segment(s) "
            f"{info['quarantined']}, unreadable {info['unreadable']}, "
            f"{info['damaged']} damaged entr(y/ies); " + "; ".join(aside),
            f"inspect them (`sentinel spool inspect`), the files in {path}/quarantine and "
            f"{path}/dropped.jsonl (delete it once handled): their records did not reach "
            "the store",
        )
    segments = info["segments"]
    if not segments:
        detail = f"{path}: empty ({free // 2**30} GiB free)"
        return Check("spool", "ok", "; ".join([detail, *aside]))
    size = sum(s["bytes"] for s in segments)
    oldest = min(s["modified"] for s in segments)
    age = (now or time.time()) - oldest
    detail = f"{path}: {len(segments)} segment(s), {size // 1024} KiB waiting, oldest {age:.0f}s"
    if age > 3600:
        return Check(
            "spool",
            "warn",
            detail,
            "records are waiting for the store: check it, and that `sentinel serve` "
            "(which replays the spool) runs",
        )
    return Check("spool", "ok", detail)
