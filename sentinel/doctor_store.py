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
from urllib.parse import quote

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


def _check_sqlite(url: str) -> Check:
    path = sqlite_path(url)
    if path is None:
        return Check(
            "store",
            "fail",
            f"SENTINEL_STORE={url!r} is not a SQLite file URL",
            "use sqlite:///relative/path.db or sqlite:////absolute/path.db",
        )
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
    try:
        with sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True) as conn:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            calls = conn.execute("SELECT count(*) FROM calls").fetchone()[0] if (
                "calls" in tables
            ) else None  # fmt: skip
    except sqlite3.Error as exc:  # not a database, unreadable
        return Check(
            "store",
            "fail",
            f"SQLite store {path}: {type(exc).__name__}: {exc}",
            "point SENTINEL_STORE at a Sentinel SQLite file, or move this file away",
        )
    if calls is None:
        return Check(
            "store",
            "warn",
            f"SQLite {path}: no Sentinel tables yet",
            "start `sentinel serve` (or any client) once: it creates them",
        )
    return Check("store", "ok", f"SQLite {path}: readable, schema present, {calls} calls")


def _check_elastic(url: str, settings: Settings) -> Check:
    from sentinel.store import schema
    from sentinel.store.elastic import ElasticStore

    shown = where(url)
    try:
        store = ElasticStore.from_settings(url, settings)
    except Exception as exc:
        return Check(
            "store",
            "fail",
            f"Elasticsearch at {shown}: {type(exc).__name__}",
            "check SENTINEL_STORE and the SENTINEL_ES_* settings",
        )
    try:
        if not store.ping():
            return Check(
                "store",
                "fail",
                f"Elasticsearch at {shown} is unreachable",
                "check SENTINEL_STORE, that Elasticsearch runs, and the credentials",
            )
        missing, outdated = [], []
        for name in schema.TEMPLATES:
            template_name = f"{store.prefix}-{name}"
            found = store.client.options(ignore_status=404).indices.get_index_template(
                name=template_name
            )
            templates = found.body.get("index_templates", []) if found.meta.status == 200 else []
            if not templates:
                missing.append(template_name)
            elif templates[0]["index_template"].get("_meta") != schema.load_template(
                name, store.prefix
            ).get("_meta"):
                outdated.append(template_name)
    except Exception as exc:
        return Check(
            "store",
            "fail",
            f"Elasticsearch at {shown}: {type(exc).__name__}",
            "check SENTINEL_STORE, TLS settings and that the user may read templates",
        )
    finally:
        store.close()
    if missing or outdated:
        return Check(
            "store",
            "fail",
            f"index templates missing: {missing}, outdated: {outdated}",
            "start `sentinel serve` (or any client) once with a user allowed to manage index "
            "templates: it installs them",
        )
    return Check(
        "store",
        "ok",
        f"Elasticsearch at {shown}: reachable, {len(schema.TEMPLATES)} templates current",
    )


def check_store(settings: Settings) -> Check:
    url = settings.store_url
    if url.startswith("sqlite:"):
        return _check_sqlite(url)
    if url.startswith(("http://", "https://")):
        return _check_elastic(url, settings)
    return Check(
        "store",
        "fail",
        f"SENTINEL_STORE={url!r} is not a store URL",
        "use sqlite:///path.db or http(s)://host:9200",
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
    from sentinel.spool_cli import dead_letter_files, survey

    info = survey(path, dead_letter_files(settings))
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
    segments = sorted(p for p in path.glob("seg-*.spool"))
    if not segments:
        detail = f"{path}: empty ({free // 2**30} GiB free)"
        return Check("spool", "ok", "; ".join([detail, *aside]))
    size = sum(p.stat().st_size for p in segments)
    oldest = min(p.stat().st_mtime for p in segments)
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
