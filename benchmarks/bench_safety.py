"""Content safety filter: what a 50,000-term list adds per 1 KB of text, side by side
with the filter off, and the two Aho-Corasick libraries it was chosen between.

1. Filter cost (the issue's target: < 50 us p50 per 1 KB): one call's guard screening
   a 1 KB prompt and a 1 KB answer, with the 50,000-term list (half Chinese, half
   English, a few regex lines), against the same steps with no filter (the client
   then does nothing). The same answer streamed in 68 chunks goes through the client's
   SSE parser (sentinel.client.sse.ChunkParser: events parsed, screened, accumulated)
   with the lists and without, as DeepSeek sends it (`"logprobs": null` in every
   choice, a role chunk first, usage in the last), delivered one event per network
   read (each chunk screened alone: DeepSeek's pace, and how an app iterating a stream
   gets it), 4 per read, and all 68 in one read (a fast loopback upstream); the chunks
   of one read are screened in one pass, as the proxy's relay does.
   Two floor rows bound what chunk-by-chunk screening in Python costs, one event per
   read: the guard's plumbing alone (a masker that releases each piece as it is), and
   that plus one lower() and one automaton call per chunk.
2. End to end: the instrumented `Sentinel` client calling FakeDeepSeek over loopback
   with a 1 KB prompt (echoed back: 1 KB in, 1 KB out), lists on vs off, interleaved
   rounds; the difference per call, halved, is the cost per KB (noisy: loopback calls
   vary by more than the filter costs, so this row is a check, not the figure).
3. `--libraries`: pyahocorasick vs ahocorasick-rs on the same 50,000 terms: build time
   and p50 time to find every overlapping match in 1 KB.
   `--baseline REF` (instead of 1-2): the whole-text rows for this tree and for the
   package at git REF (benchmarks/_baseline.py), alternated round by round.
4. `--streamed` (instead of 1-2): end to end, a 1 KB answer streamed in 68 chunks at a
   model's pace (0, 2, 20 ms apart) to the sync and async clients and through
   `sentinel proxy`, filter on vs off and an A/A floor: added wall time, time to first
   content, per-chunk and per-character delivery, CPU per call (`safety_streamed.py`);
   first the SSE parser alone with the same waits between chunks, no network.

    .venv/bin/python benchmarks/bench_safety.py [--calls 400] [--rounds 3] [--libraries]
    .venv/bin/python benchmarks/bench_safety.py --baseline main   (whole-text rows, A/B)
    .venv/bin/python benchmarks/bench_safety.py --baseline main --emoji   (astral text)
    .venv/bin/python benchmarks/bench_safety.py --streamed [--delays 0,2,20] [--seconds 110]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sentinel import Sentinel
from sentinel.client.sse import ChunkParser
from sentinel.client.types import ChatCompletion
from sentinel.config import Settings
from sentinel.safety import guard as guard_module
from sentinel.safety import runs as runs_module
from sentinel.safety.filter import SafetyFilter
from sentinel.safety.stream import StreamMasker
from sentinel.testing import FakeDeepSeek

TARGET_US = 50.0
CJK = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]


def make_terms(n: int, rng: random.Random) -> list[str]:
    terms: set[str] = set()
    while len(terms) < n // 2:
        terms.add("".join(rng.choice(CJK) for _ in range(rng.randint(2, 6))))
    while len(terms) < n:
        terms.add(
            "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(5, 12)))
        )
    return sorted(terms)


def write_lists(root: Path, terms: list[str]) -> None:
    half = len(terms) // 2
    (root / "zh.txt").write_text(
        "# action: mask\n" + "\n".join(terms[:half]) + "\n", encoding="utf-8"
    )
    (root / "en.txt").write_text(
        "# action: flag\n" + "\n".join(terms[half:]) + "\nre:\\bfree\\s{1,3}money\\b\n"
        "re:\\d{3}-\\d{4}-\\d{4}\n",
        encoding="utf-8",
    )


def kilobyte(rng: random.Random, terms: list[str]) -> str:
    """1,024 bytes of UTF-8: Chinese and English prose-like text with 3 list terms."""
    words = ["the", "user", "asked", "about", "billing", "and", "refunds", "please", "help"]
    out = ""
    planted = rng.sample(terms, 3)
    while len(out.encode()) < 1024:
        if rng.random() < 0.05 and planted:
            out += " " + planted.pop() + " "
        elif rng.random() < 0.5:
            out += "".join(rng.choice(CJK) for _ in range(rng.randint(2, 8))) + "，"
        else:
            out += " ".join(rng.choice(words) for _ in range(rng.randint(2, 6))) + ". "
    while len(out.encode()) > 1024:
        out = out[:-1]
    return out


def p50_us(fn: Any, n: int) -> float:
    samples = []
    for _ in range(n):
        t0 = time.perf_counter_ns()
        fn()
        samples.append(time.perf_counter_ns() - t0)
    return statistics.median(samples) / 1000


def sse_reads(pieces: list[str], per_read: int) -> list[list[str]]:
    """The stream's SSE lines as DeepSeek sends them, grouped `per_read` events a read."""
    base = {
        "id": "bench",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "deepseek-v4-flash",
        "system_fingerprint": "fp_bench",
    }

    def event(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> list[str]:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return [f"data: {json.dumps(base | {'choices': [choice]} | extra)}", ""]

    usage = {"prompt_tokens": 9, "completion_tokens": len(pieces), "total_tokens": 9 + len(pieces)}
    events = [
        event({"role": "assistant", "content": ""}),
        *(event({"content": p}) for p in pieces),
        event({"content": ""}, "stop", usage=usage),
        ["data: [DONE]", ""],
    ]
    return [
        [line for ev in events[i : i + per_read] for line in ev]
        for i in range(0, len(events), per_read)
    ]


CALL = SimpleNamespace(request_id="bench", span=None, fail=lambda e: None)


def whole_steps(safety: Any, text: str, n: int) -> dict[str, Any]:
    """The whole-text steps, each a function screening the 1 KB prompt or answer once
    (`n` answers, copied before the clock starts: screening edits them)."""
    messages = [{"role": "user", "content": text}]
    answer = ChatCompletion.model_validate(
        {"choices": [{"message": {"role": "assistant", "content": text}}]}
    )
    answers = iter([answer.model_copy(deep=True) for _ in range(n)])

    def prompt_on() -> None:
        guard = safety.begin(CALL)
        assert guard is not None
        guard.messages(messages)

    def answer_on() -> None:
        safety.begin(CALL).completion(next(answers))

    return {"prompt (1 KB)": prompt_on, "answer (1 KB)": answer_on}


def whole_ab(filters: dict[str, Any], text: str, n: int, block: int = 200) -> None:
    """The whole-text rows for each version of the package (`--baseline`), in blocks of
    `block` calls, the versions taking turns block by block (the order turned every
    block), so a busier moment of the shared machine hits every version alike (one
    call each in turn would have two 50,000-term automata evict each other from the
    caches): p50 over all of a version's calls, minus the empty step's."""
    print(f"\nwhole text, versions taking turns every {block} calls, {n} each (p50, us per KB):")
    clock = time.perf_counter_ns
    for step in ("prompt (1 KB)", "answer (1 KB)"):
        fns = {name: whole_steps(f, text, n)[step] for name, f in filters.items()}
        fns["off"] = lambda: None
        samples: dict[str, list[int]] = {name: [] for name in fns}
        order = list(fns.items())
        for i in range(n // block):
            for name, fn in order[i % len(order) :] + order[: i % len(order)]:
                for _ in range(block):
                    t0 = clock()
                    fn()
                    samples[name].append(clock() - t0)
        off = statistics.median(samples.pop("off")) / 1000
        for name, values in samples.items():
            on = statistics.median(values) / 1000
            print(f"  {step:<16} {name:<10} on {on:6.1f}  off {off:4.1f}  added {on - off:6.1f}")


def filter_cost(safety: SafetyFilter, text: str, n: int) -> dict[str, tuple[float, float]]:
    """(p50 with the filter, p50 without) per step, in microseconds."""
    call = CALL
    size = max(1, len(text) // 64)
    pieces = [text[i : i + size] for i in range(0, len(text), size)]
    steps = whole_steps(safety, text, n)

    def streamed(reads: list[list[str]], on: bool) -> Any:
        def run() -> None:
            parser = ChunkParser("bench", safety.begin(call) if on else None)
            for lines in reads:
                for _ in parser.read(lines):
                    pass
            assert parser.done

        return run

    out = {step: (p50_us(fn, n), p50_us(lambda: None, n)) for step, fn in steps.items()}
    n_stream = min(n, 1000)
    for per_read in (1, 4, len(pieces) + 3):
        reads = sse_reads(pieces, per_read)
        label = "all" if per_read > len(pieces) else per_read
        on, off = streamed(reads, True), streamed(reads, False)
        # alternated, so a busier moment of the machine hits both
        samples = [(p50_us(on, n_stream // 4), p50_us(off, n_stream // 4)) for _ in range(4)]
        out[f"stream, {label} a read"] = (
            statistics.median(s[0] for s in samples),
            statistics.median(s[1] for s in samples),
        )
    reads = sse_reads(pieces, 1)
    for name, masker in (
        ("stream floor: guard only", _Passthrough),
        ("stream floor + 1 AC call", _AutomatonOnly),
    ):
        guard_module.StreamMasker = runs_module.StreamMasker = masker  # type: ignore[misc]
        try:
            on, off = streamed(reads, True), streamed(reads, False)
            out[name] = (p50_us(on, n_stream), p50_us(off, n_stream))
        finally:
            guard_module.StreamMasker = runs_module.StreamMasker = StreamMasker  # type: ignore[misc]
    return out


class _Passthrough:
    """A masker that releases every piece as it comes: what the guard's per-chunk
    plumbing costs (reading the pydantic chunk, writing the piece back) before any
    screening. The lower bound of screening chunk by chunk in Python."""

    held = ""

    def __init__(self, matcher: Any, *_: Any, **__: Any) -> None:
        self.matcher = matcher

    def feed(self, piece: str, final: bool = False) -> tuple[str, list[Any]]:
        return piece, []

    def end(self) -> tuple[str, list[Any]]:
        return "", []


class _AutomatonOnly(_Passthrough):
    """The floor plus what any screening needs at least per chunk: the piece folded
    (lower()) and one automaton call on it."""

    def feed(self, piece: str, final: bool = False) -> tuple[str, list[Any]]:
        self.matcher.may_match(piece.lower())
        return piece, []


def paced_parser(safety: SafetyFilter, text: str, delays: list[float], rounds: int = 6) -> None:
    """The parser alone (no network, no other process of ours), sleeping between chunks
    as a paced stream waits: whether a chunk's CPU grows with the wait for both variants
    (the machine: caches cooled by other processes) or for the filter only."""
    call = SimpleNamespace(request_id="bench", span=None, fail=lambda e: None)
    size = max(1, len(text) // 64)
    reads = sse_reads([text[i : i + size] for i in range(0, len(text), size)], 1)
    print("\nthe SSE parser alone, sleeping between chunks; CPU per stream (p50, us):")
    for delay in delays:
        spent: dict[bool, list[float]] = {True: [], False: []}
        for r in range(rounds):
            for on in (True, False) if r % 2 else (False, True):
                parser = ChunkParser("bench", safety.begin(call) if on else None)
                total = 0
                for lines in reads:
                    t0 = time.thread_time_ns()
                    for _ in parser.read(lines):
                        pass
                    total += time.thread_time_ns() - t0
                    if delay:
                        time.sleep(delay / 1000)
                spent[on].append(total / 1000)
        on, off = statistics.median(spent[True]), statistics.median(spent[False])
        print(
            f"  {delay:g} ms apart: on {on:.0f}, off {off:.0f}, added {on - off:+.0f}"
            f" ({(on - off) / len(reads):+.1f} a chunk; off {off / len(reads):.1f} a chunk)"
        )


def end_to_end(lists: Path, text: str, calls: int, rounds: int, tmp: Path) -> tuple[float, float]:
    """Median call latency in us with lists on and off (interleaved rounds)."""
    results: dict[bool, list[float]] = {True: [], False: []}
    with FakeDeepSeek(reply=lambda m: m[-1]["content"]) as fake:
        clients = {
            on: Sentinel(
                api_key=fake.api_key,
                base_url=fake.url,
                store=f"sqlite:///{tmp / f'bench-{on}.db'}",
                log_stream=open(os.devnull, "w"),  # noqa: SIM115
                settings=Settings(
                    spool_dir=tmp / f"spool-{on}",
                    safety_lists=[str(lists)] if on else [],
                    safety_reload="0s",
                ),
            )
            for on in (True, False)
        }
        messages = [{"role": "user", "content": text}]
        for _ in range(rounds):
            for on, client in clients.items():
                for _ in range(calls):
                    t0 = time.perf_counter_ns()
                    client.chat.completions.create(model="deepseek-v4-flash", messages=messages)
                    results[on].append((time.perf_counter_ns() - t0) / 1000)
        for client in clients.values():
            client.close()
    return statistics.median(results[True]), statistics.median(results[False])


def libraries(terms: list[str], text: str, n: int) -> None:
    import ahocorasick
    import ahocorasick_rs

    t0 = time.perf_counter()
    py = ahocorasick.Automaton()
    for i, t in enumerate(terms):
        py.add_word(t, i)
    py.make_automaton()
    py_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    rs = ahocorasick_rs.AhoCorasick(terms)
    rs_build = time.perf_counter() - t0
    folded = text.lower()
    assert sorted(e for e, _ in py.iter(folded)) == sorted(
        e - 1 for _, _, e in rs.find_matches_as_indexes(folded, overlapping=True)
    )
    py_scan = p50_us(lambda: list(py.iter(folded)), n)
    rs_scan = p50_us(lambda: rs.find_matches_as_indexes(folded, overlapping=True), n)
    print(f"\nAho-Corasick libraries, {len(terms):,} terms, every overlapping match in 1 KB:")
    print(f"  {'library':<16} {'build (s)':>10} {'scan p50 (us)':>14}")
    print(f"  {'pyahocorasick':<16} {py_build:>10.2f} {py_scan:>14.1f}")
    print(f"  {'ahocorasick-rs':<16} {rs_build:>10.2f} {rs_scan:>14.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terms", type=int, default=50_000)
    parser.add_argument("--samples", type=int, default=2000, help="per micro step")
    parser.add_argument("--calls", type=int, default=300, help="per round and variant")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--libraries", action="store_true")
    parser.add_argument("--streamed", action="store_true", help="section 4 only")
    parser.add_argument(
        "--baseline", metavar="REF", help="only the whole-text rows, this tree vs git REF"
    )
    parser.add_argument(
        "--emoji", action="store_true", help="an emoji every 40 characters (the astral path)"
    )
    parser.add_argument("--delays", default="0,2,20", help="ms between chunks (--streamed)")
    parser.add_argument("--seconds", type=float, default=110, help="of rounds (--streamed)")
    args = parser.parse_args()
    rng = random.Random(22)
    terms = make_terms(args.terms, rng)
    text = kilobyte(rng, terms)
    if args.emoji:  # a text with a character above U+FFFF takes the normaliser's astral path
        text = "".join(c + "\U0001f600" * (i % 40 == 39) for i, c in enumerate(text))
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        lists = tmp / "lists"
        lists.mkdir()
        write_lists(lists, terms)
        t0 = time.perf_counter()
        safety = SafetyFilter([str(lists)], reload_every=0)
        load = time.perf_counter() - t0
        print(
            f"load average {os.getloadavg()[0]:.1f}; {len(terms):,} terms loaded in {load:.2f} s;"
            f" text {len(text.encode())} bytes ({len(text)} characters)"
        )
        if args.baseline:
            import importlib

            import _baseline  # a sibling module

            name = _baseline.package_at(args.baseline).__name__
            base = importlib.import_module(f"{name}.safety.filter").SafetyFilter
            old = base([str(lists)], reload_every=0)
            whole_ab({args.baseline: old, "this tree": safety}, text, args.samples * 5)
            return
        if args.streamed:
            import safety_streamed  # a sibling script

            answer = safety_streamed.streamed_answer(rng, terms, CJK)
            delays = [float(d) for d in args.delays.split(",")]
            longest = safety.matcher.longest
            paced_parser(safety, text, delays)
            safety.close()
            safety_streamed.streamed(lists, answer, tmp, delays, args.seconds, longest)
            return
        print(f"\n  {'step':<28} {'filter on':>10} {'off':>8} {'added':>8}   (p50, us)")
        print("  (streams: 1 KB in 68 chunks, through the SSE parser; per stream)")
        whole = streamed = 0.0
        for step, (on, off) in filter_cost(safety, text, args.samples).items():
            if not step.startswith("stream"):
                whole = max(whole, on - off)
            elif step == "stream, 1 a read":
                streamed = on - off
            print(f"  {step:<28} {on:>10.1f} {off:>8.1f} {on - off:>8.1f}")
        for what, added in (("whole text", whole), ("streamed text, 1 event a read", streamed)):
            verdict = "met" if added < TARGET_US else "MISSED"
            print(
                f"  target: < {TARGET_US:.0f} us added per 1 KB of {what}: {verdict} ({added:.1f})"
            )
        print(
            "  (the floor rows: the guard's per-chunk plumbing with a masker that releases"
            " each piece as it is, then with one lower() and one automaton call added)"
        )
        on, off = end_to_end(lists, text, args.calls, args.rounds, tmp)
        print(
            f"\nend to end, 1 KB prompt echoed back (2 KB screened), median per call:"
            f" on {on:.0f} us, off {off:.0f} us, added {on - off:+.0f} us"
            f" ({(on - off) / 2:+.0f} us per KB)"
        )
        if args.libraries:
            libraries(terms, text, args.samples)


if __name__ == "__main__":
    main()
