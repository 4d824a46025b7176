"""What a spool directory holds, read without changing anything (no lock, no adoption of
orphaned journals, no directory created), so `sentinel spool inspect` and `sentinel
doctor` can look while apps append and a replay runs. `Spool.inspect` is the entry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sentinel.records import frames
from sentinel.records.segments import JOURNAL_PREFIX, SEGMENT_PREFIX, SUFFIX, dropped_so_far
from sentinel.records.spool import QUARANTINE
from sentinel.store.dead_letter import DeadLetterFile


def scan(path: Path) -> dict[str, Any]:
    """Entries, damage, size and age of one segment or journal file."""
    damage = frames.Damage()
    try:
        buf = path.read_bytes()
        modified = path.stat().st_mtime
    except OSError as exc:
        return {"name": path.name, "error": exc.strerror or str(exc)}
    records = sum(1 for _ in frames.decode(buf, damage))
    return {
        "name": path.name,
        "bytes": len(buf),
        "modified": modified,  # epoch seconds: how long records have waited
        "records": records,
        "damaged": damage.corrupt,
        "damaged_offsets": damage.offsets,
        "torn_tail": damage.torn_tail,
    }


def inspect(spool_dir: Path, dead_letters: list[Path]) -> dict[str, Any]:
    """Everything `sentinel spool inspect` shows, as JSON-ready data."""

    def files(prefix: str) -> list[Path]:
        return sorted(p for p in spool_dir.glob(f"{prefix}*{SUFFIX}") if p.is_file())

    segments = [scan(p) for p in files(SEGMENT_PREFIX)]
    journals = [scan(p) for p in files(JOURNAL_PREFIX)]
    quarantine = spool_dir / QUARANTINE
    return {
        "path": str(spool_dir),
        "segments": segments,
        "journals": journals,  # write-ahead copies of running (or ended) processes
        "quarantined": sorted(p.name for p in quarantine.iterdir()) if quarantine.is_dir() else [],
        "records": sum(s.get("records", 0) for s in segments),
        "damaged": sum(s.get("damaged", 0) for s in segments),
        "unreadable": [s["name"] for s in segments if "error" in s],
        "dropped": dropped_so_far(spool_dir),  # records lost, by reason, all processes
        "dead_letter": {str(p): DeadLetterFile(p).count() for p in dead_letters if p.exists()},
    }
