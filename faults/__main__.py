"""`python -m faults [--short] [--out docs/reliability.md]`: run the probes, write the report;
exit 1 unless every trial held."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from faults.report import write_report
from faults.suite import all_probes, run_probes


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m faults", description=__doc__)
    parser.add_argument("--short", action="store_true", help="a few trials of each family")
    parser.add_argument("--out", type=Path, help="Markdown report (default: none with --short)")
    parser.add_argument("--only", help="run only probes whose name contains this")
    parser.add_argument("--work", type=Path, help="folder for the suite's temporary files")
    args = parser.parse_args()
    probes = [p for p in all_probes(args.short) if not args.only or args.only in p.name]
    started = time.perf_counter()
    results = run_probes(probes, args.work, progress=lambda line: print(line, flush=True))
    seconds = time.perf_counter() - started
    out = args.out or (None if args.short else Path("docs/reliability.md"))
    if out is not None:
        write_report(results, out, short=args.short, seconds=seconds)
        print(f"report: {out}")
    return 0 if all(result.failed == 0 for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
