"""Draw the scaling benchmark: characters/s and peak memory against corpus size, one line per worker count.

    python -m benchmarks.plot_scale                       # benchmarks/results/scale.json → docs/img/scale.png
    python -m benchmarks.plot_scale --results R.json --out OUT.png
    python -m benchmarks.plot_scale --table               # also print the Markdown table of docs/scaling.md
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

from benchmarks.scale_bench import RESULTS, Report, RunResult

ROOT = Path(__file__).resolve().parents[1]


def peak_memory_mb(run: RunResult) -> float:
    """The most memory the configuration held at once: coordinator + workers, worst stage (or streaming)."""
    stages = [*run.stages.values(), *([run.streaming] if run.streaming else [])]
    return max(s.peak_rss_mb + s.peak_workers_rss_mb for s in stages)


def cpu_chars_per_s(run: RunResult) -> float:
    """Characters per CPU second (user + system, workers included) over the three stages."""
    return run.chars / sum(s.cpu_seconds for s in run.stages.values())


def plot(report: Report, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not report.runs:
        raise SystemExit("the results file has no runs; run `python -m benchmarks.scale_bench` first")
    by_workers: dict[int, list[RunResult]] = defaultdict(list)
    for run in report.runs:
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
    for ax, title, unit in ((speed, "Throughput (extraction + resolution + load)", "characters / s"),
                            (cpu, "Work per CPU second (robust to a busy machine)", "characters / CPU s"),
                            (memory, "Peak resident memory (coordinator + workers)", "MB")):
        ax.set_xscale("log")
        ax.set_xlabel("corpus size (characters)")
        ax.set_ylabel(unit)
        ax.set_title(title, fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
        ax.set_ylim(0, ax.get_ylim()[1] * 1.12)
    fig.suptitle(f"{report.machine}, {report.cpus} CPUs, Python {report.python}; 1-min load average during runs: "
                 f"{loads}", fontsize=9)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", type=Path, default=RESULTS / "scale.json")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "scale.png")
    ap.add_argument("--table", action="store_true", help="also print the results as a Markdown table")
    args = ap.parse_args()
    if not args.results.exists():
        raise SystemExit(f"{args.results} does not exist; run `python -m benchmarks.scale_bench` first")
    report = Report.model_validate_json(args.results.read_text(encoding="utf-8"))
    plot(report, args.out)
    print(f"wrote {args.out}")
    if args.table:
        print(markdown_table(report))


if __name__ == "__main__":
    main()
