"""The hostile corpus at scale: ``python -m bench.fuzz [N] [--seed S]``.

Mixes ``N`` (default 100,000) hostile records (see :mod:`bench.hostile_corpus`)
into the synth stream of seed 3, replays both the clean and the mixed file
through ``flashpoint replay`` in-process, and prints what a test asserts on a
few hundred: exit code 0, every hostile record rejected at its own line with
the field its mutation names, and the same event records as the clean run.

Every kind but ``ahead``: 100,000 records among 18,119 posts are five hostile
records a post, and three posts an hour ahead of the stream in a row is what a
stream that moved on looks like (they would be taken, by design).  Posts far
ahead are measured where they are rare, in ``tests/test_hostile.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.hostile_corpus import MUTATIONS, hostile_records, interleave

DENSE_KINDS = tuple(k for k in MUTATIONS if k != "ahead")
from streams.cli import main as flashpoint
from streams.synth import generate


def run(n: int = 100_000, seed: int = 0) -> dict:
    lines = [json.dumps(p, ensure_ascii=False).encode() for p in generate(3).posts]
    hostile = hostile_records([json.loads(line) for line in lines], n, seed=seed, kinds=DENSE_KINDS)
    mixed, numbers = interleave(lines, [raw for _, _, raw in hostile], seed=seed)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        out: dict = {"posts": len(lines), "hostile": n, "bytes": sum(len(x) + 1 for x in mixed)}
        for name, data in (("clean", lines), ("mixed", mixed)):
            (root / f"{name}.jsonl").write_bytes(b"\n".join(data) + b"\n")
            started = time.perf_counter()
            code = flashpoint(["replay", str(root / f"{name}.jsonl"), "--out", str(root / f"{name}.events"),
                               "--errors", str(root / f"{name}.errors"), "--max-reject-share", "1"])
            out[f"{name}_seconds"] = round(time.perf_counter() - started, 2)
            out[f"{name}_exit"] = code
        errors = {e["line"]: e["field"] for e in map(json.loads, (root / "mixed.errors").read_text().splitlines())}
        expected = {line: field for line, (_, field, _) in zip(numbers, hostile)}
        out["rejected_where_expected"] = sum(errors.get(line) == field for line, field in expected.items())
        out["rejected_elsewhere"] = len(set(errors) - set(expected))
        out["same_events"] = (root / "clean.events").read_text() == (root / "mixed.events").read_text()
        out["kinds"] = dict(Counter(kind for kind, _, _ in hostile))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    result = run(args.n, args.seed)
    print(json.dumps(result, indent=1))
    ok = (result["mixed_exit"] == 0 and result["same_events"] and result["rejected_elsewhere"] == 0
          and result["rejected_where_expected"] == result["hostile"])
    return 0 if ok else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
