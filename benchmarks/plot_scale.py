"""Draw the scaling benchmark: characters/s and peak memory against corpus size, one line per worker count.

    python -m benchmarks.plot_scale                       # benchmarks/results/scale.json → docs/img/scale.png
    python -m benchmarks.plot_scale --results R.json --out OUT.png
    python -m benchmarks.plot_scale --results A.json B.json   # runs of several invocations drawn together
    python -m benchmarks.plot_scale --table               # also print the Markdown table of docs/scaling.md

A results file of ``scale_bench --kg-build-only`` (``kg build`` runs alone) is drawn as throughput and peak memory
of those runs, and ``--table`` prints their medians per size, with each size's chars/s against the smallest's.
"""

from __future__ import annotations

import argparse
import math
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from statistics import median
from typing import Any, TypeVar

from benchmarks.scale_bench import RESULTS, BuildRun, Report, RunResult

ROOT = Path(__file__).resolve().parents[1]
R = TypeVar("R", RunResult, BuildRun)


def peak_memory_mb(run: RunResult) -> float:
    """The most memory the configuration held at once: coordinator + workers, worst stage (or streaming)."""
    stages = [*run.stages.values(), *([run.streaming] if run.streaming else [])]
    return max(s.peak_rss_mb + s.peak_workers_rss_mb for s in stages)


def cpu_chars_per_s(run: RunResult) -> float:
    """Characters per CPU second (user + system, workers included) over the three stages."""
    return run.chars / sum(s.cpu_seconds for s in run.stages.values())


def _by_configuration(runs: Iterable[R]) -> dict[tuple[int, int], list[R]]:
    """(characters, workers) → its runs (one per repeat)."""
    groups: dict[tuple[int, int], list[R]] = defaultdict(list)
    for run in runs:
        groups[(run.chars, run.workers)].append(run)
    return groups


def _groups(report: Report) -> dict[tuple[int, int], list[RunResult]]:
    return _by_configuration(report.runs)


def medians(report: Report) -> dict[tuple[int, int], RunResult]:
    """(characters, workers) → the run of median wall time among its repeats (the lower one of an even count)."""
    return {key: sorted(runs, key=lambda r: r.seconds)[(len(runs) - 1) // 2] for key, runs in _groups(report).items()}


def _wall(runs: list[RunResult], streaming: bool) -> float:
    """Median wall time of the staged runs, or of their ``kg build`` measurement (NaN when there is none)."""
    if streaming:
        return median([r.streaming.seconds for r in runs if r.streaming] or [math.nan])
    return median([r.seconds for r in runs])


def _shown(x: float, unit: str) -> str:
    return "—" if math.isnan(x) else f"{x:.2f}{unit}" if unit == "×" else f"{x:,.1f}{unit}"


def summary_table(report: Report) -> str:
    """One row per corpus size: median wall time of each worker count (whole staged run and ``kg build``), the
    speed-ups of the medians, and the range of the speed-up over repeats run back to back."""
    groups = _groups(report)
    head = ("| characters | repeats | 1 process: stages / kg build | 2 processes: stages / kg build | "
            "speed-up: extraction / stages / kg build | peak MB 1 / 2 |")
    lines = [head, "|---:|---:|---|---|---|---|"]
    for chars in sorted({c for c, _w in groups}):
        one, two = groups.get((chars, 1), []), groups.get((chars, 2), [])
        if not (one and two):
            continue
        ratios = sorted(a.seconds / b.seconds for a, b in zip(one, two, strict=False))
        spread = f" ({ratios[0]:.2f}–{ratios[-1]:.2f})" if len(ratios) > 1 else ""
        extraction = (median([r.stages["extraction"].seconds for r in one])
                      / median([r.stages["extraction"].seconds for r in two]))
        lines.append(
            f"| {chars:,} | {len(ratios)} | {_shown(_wall(one, False), ' s')} / {_shown(_wall(one, True), ' s')} | "
            f"{_shown(_wall(two, False), ' s')} / {_shown(_wall(two, True), ' s')} | {extraction:.2f}× / "
            f"{_wall(one, False) / _wall(two, False):.2f}×{spread} / "
            f"{_shown(_wall(one, True) / _wall(two, True), '×')} | "
            f"{median([peak_memory_mb(r) for r in one]):.0f} / {median([peak_memory_mb(r) for r in two]):.0f} |")
    return "\n".join(lines) + "\n"


def _build_medians(report: Report) -> dict[tuple[int, int], tuple[int, float, float, float | None]]:
    """(characters, workers) → repeats, median wall seconds, median peak MB (coordinator + workers) and median seconds
    after the last document (``None`` for results recorded before that was measured) of its ``kg build`` runs."""
    out: dict[tuple[int, int], tuple[int, float, float, float | None]] = {}
    for key, runs in _by_configuration(report.builds).items():
        tails = [r.kg_build.after_last_document_s for r in runs if r.kg_build.after_last_document_s is not None]
        out[key] = (len(runs), median([r.kg_build.seconds for r in runs]),
                    median([r.kg_build.peak_rss_mb + r.kg_build.peak_workers_rss_mb for r in runs]),
                    median(tails) if tails else None)
    return out


def _pair_ratios(report: Report, chars: int) -> list[float]:
    """Sorted speed-ups of the 1- and 2-process ``kg build`` runs made back to back (the i-th of each): on a machine
    whose speed drifts between repeats, each pair saw the same machine, which the ratio of the medians does not."""
    runs = _by_configuration(report.builds)
    one, two = runs.get((chars, 1), []), runs.get((chars, 2), [])
    return sorted(a.kg_build.seconds / b.kg_build.seconds for a, b in zip(one, two, strict=False))


def build_table(report: Report) -> str:
    """``kg build`` alone, one row per corpus size: median wall time, chars/s (and its change from the smallest size)
    and peak memory (coordinator + workers) per worker count, and the speed-up of the medians. With the time after
    the last document (resolution and the rest of the load, run once by one process): that time per worker count,
    and the speed-up of what comes before it (extraction, with the coordinator's share)."""
    measured = _build_medians(report)
    counts = sorted({w for _c, w in measured})
    head = "| characters | repeats | " + " | ".join(f"{w} process{'es' if w > 1 else ''}: s / chars/s (vs smallest) / "
                                                  "peak MB" for w in counts) + " | speed-up |"
    tails = any(m[3] is not None for m in measured.values())
    if tails:
        head += " after the last document, s | speed-up before it |"
    lines = [head, "|---:|---:|" + "---|" * len(counts) + "---:|" + ("---|---:|" if tails else "")]
    base: dict[int, float] = {}
    for chars in sorted({c for c, _w in measured}):
        cells, walls, after, repeats = [], {}, {}, 0
        for w in counts:
            if (chars, w) not in measured:
                cells.append("—")
                continue
            n, walls[w], peak, after[w] = measured[(chars, w)]
            repeats, rate = max(repeats, n), chars / walls[w]
            base.setdefault(w, rate)
            cells.append(f"{walls[w]:,.1f} / {rate:,.0f} ({rate / base[w] - 1:+.1%}) / {peak:,.0f}")
        speed_up = f"{walls[1] / walls[2]:.2f}×" if 1 in walls and 2 in walls else "—"
        pairs = _pair_ratios(report, chars)
        if len(pairs) > 1:
            speed_up += f" (pairs {median(pairs):.2f}×, {pairs[0]:.2f}–{pairs[-1]:.2f})"
        ceilings = [r.calibration.ceiling for r in report.builds if r.chars == chars and r.calibration]
        if ceilings:
            speed_up += f"; machine {median(ceilings):.2f}×"
        row = f"| {chars:,} | {repeats} | " + " | ".join(cells) + f" | {speed_up} |"
        if tails:
            row += " " + " / ".join("—" if after.get(w) is None else f"{after[w]:,.1f}" for w in counts) + " |"
            one, two = after.get(1), after.get(2)
            row += f" {(walls[1] - one) / (walls[2] - two):.2f}× |" if one is not None and two is not None else " — |"
        lines.append(row)
    return "\n".join(lines) + "\n"


def _finish(fig: Any, panels: tuple[tuple[Any, str, str], ...], caption: str, out: Path) -> None:
    """Log-scale size axis, titles and legends on each (axes, title, unit) panel; the caption; saved to ``out``."""
    import matplotlib.pyplot as plt

    for ax, title, unit in panels:
        ax.set_xscale("log")
        ax.set_xlabel("corpus size (characters)")
        ax.set_ylabel(unit)
        ax.set_title(title, fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
        ax.set_ylim(0, ax.get_ylim()[1] * 1.12)
    fig.suptitle(caption, fontsize=9)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)


def plot_builds(report: Report, out: Path) -> None:
    """Throughput and peak memory of ``kg build`` runs (medians per size and worker count)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (speed, memory) = plt.subplots(1, 2, figsize=(11, 4.2))
    measured = _build_medians(report)
    for workers in sorted({w for _c, w in measured}):
        sizes = sorted(c for c, w in measured if w == workers)
        label = f"{workers} process{'es' if workers > 1 else ''}"
        speed.plot(sizes, [c / measured[(c, workers)][1] for c in sizes], marker="o", label=label)
        memory.plot(sizes, [measured[(c, workers)][2] for c in sizes], marker="o", label=label)
    codes = ", ".join(sorted({r.code for r in report.builds}))
    _finish(fig, ((speed, "kg build throughput (extraction → resolution → store)", "characters / s"),
                  (memory, "Peak resident memory (coordinator + workers)", "MB")),
            f"{report.machine}, {report.cpus} CPUs, Python {report.python}; code {codes}; medians of the repeats", out)


def plot(report: Report, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not report.runs:
        if report.builds:
            return plot_builds(report, out)
        raise SystemExit("the results file has no runs; run `python -m benchmarks.scale_bench` first")
    by_workers: dict[int, list[RunResult]] = defaultdict(list)
    for run in medians(report).values():
        by_workers[run.workers].append(run)
    fig, (speed, cpu, memory) = plt.subplots(1, 3, figsize=(15, 4.2))
    for workers, runs in sorted(by_workers.items()):
        runs.sort(key=lambda r: r.chars)
        sizes = [r.chars for r in runs]
        label = f"{workers} worker{'s' if workers > 1 else ''}"
        speed.plot(sizes, [r.chars_per_s for r in runs], marker="o", label=f"{label}, stages")
        if all(r.streaming for r in runs):
            speed.plot(sizes, [r.streaming.chars_per_s for r in runs if r.streaming], marker="s",
                       linestyle="--", label=f"{label}, streaming (kg build)")
        cpu.plot(sizes, [cpu_chars_per_s(r) for r in runs], marker="o", label=label)
        memory.plot(sizes, [peak_memory_mb(r) for r in runs], marker="o", label=label)
    loads = ", ".join(f"{r.load_average[0]:.1f}" for r in report.runs)
    _finish(fig, ((speed, "Throughput (extraction + resolution + load)", "characters / s"),
                  (cpu, "Work per CPU second (robust to a busy machine)", "characters / CPU s"),
                  (memory, "Peak resident memory (coordinator + workers)", "MB")),
            f"{report.machine}, {report.cpus} CPUs, Python {report.python}; 1-min load average during runs: {loads}",
            out)


def markdown_table(report: Report) -> str:
    """The results as the Markdown table of docs/scaling.md."""
    lines = ["| characters | workers | stage | wall s | chars/s | CPU s | peak MB (coordinator + workers) | load avg | code |",
             "|---:|---:|---|---:|---:|---:|---:|---:|---|"]
    for run in sorted(report.runs, key=lambda r: (r.chars, r.workers)):
        stages = {**run.stages, **({"streaming (kg build)": run.streaming} if run.streaming else {})}
        for name, st in stages.items():
            lines.append(f"| {run.chars:,} | {run.workers} | {name} | {st.seconds:.1f} | {st.chars_per_s:,.0f} | "
                         f"{st.cpu_seconds:.1f} | {st.peak_rss_mb:.0f} + {st.peak_workers_rss_mb:.0f} | "
                         f"{run.load_average[0]:.1f} | {run.code} |")
        lines.append(f"| {run.chars:,} | {run.workers} | **all three stages** | {run.seconds:.1f} | "
                     f"{run.chars_per_s:,.0f} | {sum(s.cpu_seconds for s in run.stages.values()):.1f} | "
                     f"{peak_memory_mb(run):.0f} (max) | | |")
    return "\n".join(lines) + "\n"


def merged(reports: list[Report]) -> Report:
    """One report of the runs of several (each size measured by its own invocation, as often as it needs)."""
    first = reports[0]
    return first.model_copy(update={
        "command": " ; ".join(r.command for r in reports),
        "runs": [run for r in reports for run in r.runs],
        "builds": [build for r in reports for build in r.builds],
    })


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", type=Path, nargs="+", default=[RESULTS / "scale.json"])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "scale.png")
    ap.add_argument("--table", action="store_true", help="also print the results as a Markdown table")
    args = ap.parse_args()
    for path in args.results:
        if not path.exists():
            raise SystemExit(f"{path} does not exist; run `python -m benchmarks.scale_bench` first")
    report = merged([Report.model_validate_json(path.read_text(encoding="utf-8")) for path in args.results])
    plot(report, args.out)
    print(f"wrote {args.out}")
    if args.table:
        if report.runs:
            print(summary_table(report))
            print(markdown_table(report))
        if report.builds:
            print(build_table(report))


if __name__ == "__main__":
    main()
