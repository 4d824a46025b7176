"""End to end, streamed (`bench_safety.py --streamed`): what the content safety filter
adds to a real streamed call, filter on vs off, in one run.

The per-stream rows of bench_safety.py feed 68 chunks back to back through the parser:
the CPU a very fast upstream costs. An answer that streams at DeepSeek's pace arrives a
chunk every few to tens of ms, so each chunk's screening overlaps the wait for the next
one, and what a call gains is only the screening on the critical path. This measures
that with the real parts: FakeDeepSeek in a process of its own streaming a 1 KB answer
in 68 chunks (`chunk_delay` 0, 2 and 20 ms), the 50,000-term list, and three apps:
the instrumented `Sentinel` (sync), `AsyncSentinel`, and an httpx reader through
`sentinel proxy` (its own process, as deployed; one proxy with the lists, one without).

Each round makes, per app, one call with the filter and two without (order reversed
every round): on - off is what the filter adds, off' - off is the noise floor of the
same measurement (A/A). Per call: wall time from the request to the last chunk reaching
the app, time to the first chunk with content, each chunk's arrival vs the filter-off
call's (matched by index), each character's arrival (what the hold-back delays), and
the CPU of the process that screens (the app's own for the clients, the proxy's through
it). p50 and p90 over many interleaved rounds; the load average is printed.

    .venv/bin/python benchmarks/bench_safety.py --streamed [--delays 0,2,20] [--seconds 110]
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import proxy_overhead as po  # a sibling script: `sentinel proxy` in its own process

MODEL = "deepseek-v4-flash"
PIECES = 68
PROMPT = [{"role": "user", "content": "Tell me about billing and refunds."}]
WORDS = ["the", "user", "asked", "about", "billing", "and", "refunds", "please", "help"]
TARGET_US = 50.0


def streamed_answer(rng: random.Random, terms: list[str], cjk: list[str]) -> str:
    """1,024 bytes of UTF-8 in PIECES words with one space between (the fake streams
    a word a chunk), Chinese and English, with three list terms: a Chinese one whole in
    a chunk, one split across two chunks (the space between is CJK padding: it still
    matches), both masked, and an English one (flagged)."""
    zh = [t for t in terms if not t.isascii()]
    en = [t for t in terms if t.isascii()]
    pieces = [
        rng.choice(WORDS) + rng.choice([",", ".", ""])
        if i % 2
        else "".join(rng.choice(cjk) for _ in range(rng.randint(5, 7))) + "，"
        for i in range(PIECES)
    ]
    split = rng.choice([t for t in zh if len(t) >= 4])
    pieces[10] = rng.choice(zh) + "，"
    pieces[24] = rng.choice(cjk) + split[:2]
    pieces[25] = split[2:] + rng.choice(cjk) + "，"
    pieces[41] = rng.choice(en) + "."
    fixed = {10, 24, 25, 41}
    cjk_at = [i for i in range(0, PIECES, 2) if i not in fixed]
    while (size := len(" ".join(pieces).encode())) != 1024:
        i = rng.choice(cjk_at)
        if size > 1024:
            pieces[i] = pieces[i][1:]
        elif size <= 1021:
            pieces[i] = rng.choice(cjk) + pieces[i]
        else:
            pieces[i + 1] = "a" + pieces[i + 1]
    text = " ".join(pieces)
    assert len(text.split(" ")) == PIECES and "" not in text.split(" ")
    return text


# -- the upstream, in a process of its own -------------------------------------------


def serve_upstream(answer_file: str) -> None:
    """Child process: FakeDeepSeek answering every call with the file's text; each stdin
    line sets the seconds between chunks; exits when stdin closes."""
    from sentinel.testing import FakeDeepSeek

    answer = Path(answer_file).read_text(encoding="utf-8")
    with FakeDeepSeek(reply=lambda _: answer, thinking_default=False) as fake:
        print(fake.url, fake.api_key, flush=True)
        for line in sys.stdin:
            fake.chunk_delay = float(line)
            fake.requests.clear()  # it keeps every request: thousands here
            print("ok", flush=True)


@contextmanager
def upstream(answer: str, tmp: Path) -> Iterator[tuple[str, str, Callable[[float], None]]]:
    path = tmp / "answer.txt"
    path.write_text(answer, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve-upstream", str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    url, key = proc.stdout.readline().split()

    def set_delay(seconds: float) -> None:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(f"{seconds}\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "ok"

    try:
        yield url, key, set_delay
    finally:
        proc.stdin.close()
        proc.wait(10)


# -- one call, as the app sees it ------------------------------------------------------


@dataclass
class Call:
    arrivals: list[float]  # seconds from the request to each chunk reaching the app
    texts: list[str]  # each chunk's content as the app got it
    cpu: float  # CPU seconds of the process that screens, during the call
    path: list[float] | None = None  # app thread CPU seconds delivering each chunk

    @property
    def first_content(self) -> float:
        return next(t for t, s in zip(self.arrivals, self.texts, strict=True) if s)

    def char_times(self) -> list[float]:
        """When each character of the answer reached the app."""
        return [t for t, s in zip(self.arrivals, self.texts, strict=True) for _ in s]


def task_cpu(pid: int) -> float:
    """CPU seconds of every thread of a process (/proc schedstat: ns, where
    /proc/PID/stat counts 10 ms ticks, too coarse for one call)."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass  # the thread ended
    return total / 1e9


def content(choices: list[Any]) -> str:
    return (choices[0].delta.content or "") if choices else ""


def sync_call(client: Any) -> Call:
    """Each chunk's arrival, and the app thread's CPU inside each `next()` (the first
    with the request): the work on the chunk's critical path, not overlapped."""
    arrivals, texts, path = [], [], []
    cpu0, t0 = time.process_time(), time.perf_counter()
    c0 = time.thread_time()
    chunks = iter(client.chat.completions.create(model=MODEL, messages=PROMPT, stream=True))
    for chunk in chunks:
        arrivals.append(time.perf_counter() - t0)
        path.append(time.thread_time() - c0)
        texts.append(content(chunk.choices))
        c0 = time.thread_time()
    return Call(arrivals, texts, time.process_time() - cpu0, path)


async def async_call(client: Any) -> Call:
    """As sync_call, the event loop's thread's CPU inside each `__anext__` (the loop
    runs nothing else)."""
    arrivals, texts, path = [], [], []
    cpu0, t0 = time.process_time(), time.perf_counter()
    c0 = time.thread_time()
    stream = await client.chat.completions.create(model=MODEL, messages=PROMPT, stream=True)
    async for chunk in stream:
        arrivals.append(time.perf_counter() - t0)
        path.append(time.thread_time() - c0)
        texts.append(content(chunk.choices))
        c0 = time.thread_time()
    return Call(arrivals, texts, time.process_time() - cpu0, path)


def proxy_call(http: httpx.Client, pid: int) -> Call:
    """An OpenAI-style streaming read through the proxy: SSE lines, each event parsed."""
    arrivals, texts = [], []
    body = {"model": MODEL, "messages": PROMPT, "stream": True}
    cpu0, t0 = task_cpu(pid), time.perf_counter()
    with http.stream("POST", "/v1/chat/completions", json=body) as resp:
        assert resp.status_code == 200, resp.read()
        for line in resp.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            arrivals.append(time.perf_counter() - t0)
            choices = json.loads(line[6:]).get("choices") or []
            texts.append(((choices[0].get("delta") or {}).get("content") or "") if choices else "")
    return Call(arrivals, texts, task_cpu(pid) - cpu0)


# -- the apps, filter on and off --------------------------------------------------------


class Apps:
    """Per app, a call with the filter on and one with it off: name -> {on: call}."""

    def __init__(self, url: str, key: str, lists: Path, tmp: Path) -> None:
        from sentinel import AsyncSentinel, Sentinel
        from sentinel.config import Settings

        self.loop = asyncio.new_event_loop()
        self._log = open(os.devnull, "w")  # noqa: SIM115
        self._procs: list[subprocess.Popen[bytes]] = []
        self._closers: list[Callable[[], Any]] = []

        def client(cls: Any, name: str, on: bool) -> Any:
            return cls(
                api_key=key,
                base_url=url,
                store=f"sqlite:///{tmp / f'{name}-{on}.db'}",
                log_stream=self._log,
                settings=Settings(
                    spool_dir=tmp / f"spool-{name}-{on}",
                    safety_lists=[str(lists)] if on else [],
                    safety_reload="0s",
                ),
            )

        async def make_async(on: bool) -> Any:
            return client(AsyncSentinel, "async", on)

        self.calls: dict[str, dict[bool, Callable[[], Call]]] = {"sync": {}, "async": {}}
        for on in (True, False):
            sync = client(Sentinel, "sync", on)
            aclient = self.loop.run_until_complete(make_async(on))
            self._closers.append(sync.close)
            self._closers.append(lambda c=aclient: self.loop.run_until_complete(c.aclose()))
            self.calls["sync"][on] = lambda c=sync: sync_call(c)
            self.calls["async"][on] = lambda c=aclient: self.loop.run_until_complete(async_call(c))
        self.calls["proxy"] = {}
        assert "SENTINEL_SAFETY_LISTS" not in os.environ
        for on in (True, False):
            where = tmp / f"proxy-{on}"
            where.mkdir()
            env = {"SENTINEL_SAFETY_LISTS": str(lists), "SENTINEL_SAFETY_RELOAD": "0s"}
            proc, purl, token = po.start_proxy(where, url, key, env if on else None)
            self._procs.append(proc)
            http = httpx.Client(
                base_url=purl, headers={"authorization": f"Bearer {token}"}, timeout=60
            )
            self._closers.append(http.close)
            self.calls["proxy"][on] = lambda h=http, p=proc.pid: proxy_call(h, p)

    def close(self) -> None:
        for close in self._closers:
            close()
        for proc in self._procs:
            proc.terminate()
            proc.wait(10)
        self.loop.close()
        self._log.close()


# -- rounds and figures -----------------------------------------------------------------


def pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


@dataclass
class Trio:
    """One round of one app: the call with the filter, and two without."""

    on: Call
    off: Call
    off2: Call


def run_rounds(apps: Apps, seconds: float, min_rounds: int) -> dict[str, list[Trio]]:
    """Interleaved rounds until `seconds` are spent (at least `min_rounds`), after one
    warm-up round (connections, lazy imports). Within a round the apps take turns and
    each app's three calls run back to back, in an order reversed every round."""
    out: dict[str, list[Trio]] = {name: [] for name in apps.calls}
    orders = [("on", "off", "off2"), ("off2", "off", "on")]
    deadline = time.monotonic() + seconds
    r = -1
    while r < min_rounds or time.monotonic() < deadline:
        r += 1
        names = list(apps.calls)
        names = names[r % 3 :] + names[: r % 3]
        for name in names:
            got: dict[str, Call] = {}
            for which in orders[r % 2]:
                got[which] = apps.calls[name][which == "on"]()
            if r:  # round 0 warms up
                out[name].append(Trio(**got))
    return out


def held_back(on: Call, off: Call) -> tuple[int, int]:
    """The most characters the filter-on call had not yet delivered when the filter-off
    call of the same chunk index had, raw and as the masker counts them (folded, CJK
    padding and trailing separators not counted)."""
    from sentinel.safety.normalize import normalize, strip_separators

    whole = "".join(off.texts)
    raw = folded = 0
    got_on = got_off = 0
    for a, b in zip(on.texts, off.texts, strict=False):
        got_on, got_off = got_on + len(a), got_off + len(b)
        held = whole[got_on:got_off]
        raw = max(raw, len(held))
        folded = max(folded, len(strip_separators(normalize(held).text)) if held else 0)
    return raw, folded


def figures(trios: list[Trio]) -> dict[str, tuple[list[float], list[float], float]]:
    """metric -> (on - off samples, off' - off samples, off's p50), in ms (CPU in us)."""
    rows: dict[str, tuple[list[float], list[float], float]] = {}

    def row(name: str, f: Callable[[Call], list[float]], scale: float) -> None:
        def diffs(a: Call, b: Call) -> list[float]:
            return [(x - y) * scale for x, y in zip(f(a), f(b), strict=False)]

        added = [d for t in trios for d in diffs(t.on, t.off)]
        noise = [d for t in trios for d in diffs(t.off2, t.off)]
        base = statistics.median(x * scale for t in trios for x in f(t.off))
        rows[name] = (added, noise, base)

    row("wall to last chunk (ms)", lambda c: [c.arrivals[-1]], 1e3)
    row("first content chunk (ms)", lambda c: [c.first_content], 1e3)
    row("per-chunk arrival (ms)", lambda c: c.arrivals, 1e3)
    row("per-character arrival (ms)", Call.char_times, 1e3)
    row("CPU per call (us)", lambda c: [c.cpu], 1e6)
    if trios[0].on.path is not None:
        row("per-chunk path CPU (us)", lambda c: c.path or [], 1e6)
        row("last chunk path CPU (us)", lambda c: (c.path or [])[-1:], 1e6)
    return rows


JUDGED = {  # metric -> (label, to us); the path rows only when chunks come paced
    "wall to last chunk (ms)": ("wall", 1e3),
    "per-chunk path CPU (us)": ("a chunk's path", 1.0),
    "last chunk path CPU (us)": ("the last chunk's", 1.0),
    "CPU per call (us)": ("CPU", 1.0),
}


def verdicts(rows: dict[str, tuple[list[float], list[float], float]], paced: bool) -> str:
    """Each per-call figure against the target, in us: met or MISSED only where the
    added p50 is further from 50 us than the measurement resolves (the 95% half-width
    of a median of that many samples, from the A/A spread, or under 30 samples the
    A/A's p10-p90 range, plus how far the A/A's own p50 is from 0); else unresolved. A
    chunk's path is what its delivery gains, and the last one's what the call's
    latency gains, only when chunks come paced: back to back, every chunk's screening
    is on the path (the wall and the CPU say it)."""
    out = []
    for metric, (label, to_us) in JUDGED.items():
        if metric not in rows or ("path" in metric and not paced):
            continue
        added, noise, _ = rows[metric]
        if len(noise) < 30:  # too few calls for a spread: the A/A's p10-p90 range
            half = max(abs(pct(noise, 10)), abs(pct(noise, 90)))
        else:
            q1, _, q3 = statistics.quantiles(noise, n=4)
            half = 1.96 * 1.2533 * (q3 - q1) / 1.349 / len(noise) ** 0.5
        half = (half + abs(statistics.median(noise))) * to_us  # and the A/A's own offset
        p50 = statistics.median(added) * to_us
        verdict = "met" if p50 + half < TARGET_US else "MISSED" if p50 - half > TARGET_US else "?"
        out.append(f"{label} {p50:+.0f} (+-{half:.0f}) {verdict}")
    return "; ".join(out) + " (? = unresolved)"


def check(trios: list[Trio]) -> tuple[int, int, int]:
    """The filter is really on (masks in the on calls only, same length) and the
    chunk counts match; returns (chunk count difference, held raw, held folded)."""
    held = [held_back(t.on, t.off) for t in trios]
    for t in trios:
        on, off = "".join(t.on.texts), "".join(t.off.texts)
        assert "*" in on and "*" not in off and len(on) == len(off), (on, off)
    counts = {len(t.on.arrivals) - len(t.off.arrivals) for t in trios}
    return max(counts, key=abs), max(h[0] for h in held), max(h[1] for h in held)


def report(delay_ms: float, results: dict[str, list[Trio]], longest: int, loads: str) -> None:
    rounds = len(next(iter(results.values())))
    print(f"\nchunks {delay_ms:g} ms apart, {rounds} rounds, load {loads}")
    print(
        f"  {'app':<6} {'metric':<27} {'added p50':>9} {'p90':>8}"
        f" {'A/A p50':>8} {'p90':>8} {'off p50':>9}"
    )
    for name, trios in results.items():
        rows = figures(trios)
        for metric, (added, noise, base) in rows.items():
            print(
                f"  {name:<6} {metric:<27} {statistics.median(added):>+9.2f}"
                f" {pct(added, 90):>+8.2f} {statistics.median(noise):>+8.2f}"
                f" {pct(noise, 90):>+8.2f} {base:>9.2f}"
            )
        verdict = verdicts(rows, paced=delay_ms > 0)
        print(f"  {name:<6} target < {TARGET_US:.0f} us p50 per 1 KB: {verdict}")
        extra, raw, folded = check(trios)
        verdict = "met" if folded <= longest else "MISSED"
        print(
            f"  {name:<6} held back at most {raw} characters ({folded} as the masker counts;"
            f" longest term {longest}): {verdict}; chunk count on - off: {extra:+d}"
        )


def streamed(
    lists: Path, answer: str, tmp: Path, delays: list[float], seconds: float, longest: int
) -> None:
    """The section's driver: the rounds of every delay, a table for each."""
    with upstream(answer, tmp) as (url, key, set_delay):
        t0 = time.perf_counter()
        apps = Apps(url, key, lists, tmp)
        print(f"apps and proxies started in {time.perf_counter() - t0:.1f} s")
        weights = [max(d, 1.0) ** 0.5 for d in delays]  # slower rounds: more time, fewer
        try:
            for delay, weight in zip(delays, weights, strict=True):
                set_delay(delay / 1000)
                before = os.getloadavg()[0]
                results = run_rounds(apps, seconds * weight / sum(weights), min_rounds=6)
                loads = f"{before:.1f} -> {os.getloadavg()[0]:.1f}"
                report(delay, results, longest, loads)
        finally:
            apps.close()
    print(
        f"\n  target: < {TARGET_US:.0f} us p50 added per 1 KB; read `wall` at 2-20 ms as the"
        " latency an app sees at DeepSeek's pace, `CPU` as what the screening costs"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve-upstream"]:
        serve_upstream(sys.argv[2])
