"""The benchmark's picture: Ready Environments over time (operator vs floor) per size, and heap vs size.

usage: plot.py results.json bench.png
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(results_path, png_path):
    with open(results_path) as f:
        report = json.load(f)
    runs = [r for r in report["runs"] if "apply" in r]
    fig, (curves, heap) = plt.subplots(1, 2, figsize=(13, 5))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, r in enumerate(runs):
        color = colors[i % len(colors)]
        label = f"N={r['projects']} ({r['environments']} env)"
        op = [t / 1000 for t in r["apply"]["curveMs"]]
        curves.step([0] + op, range(len(op) + 1), where="post", color=color, label=f"operator, {label}")
        if "floor" in r:
            fl = [t / 1000 for t in r["floor"]["curveMs"]]
            curves.step([0] + fl, range(len(fl) + 1), where="post", color=color, linestyle="--",
                        label=f"floor, {label}")
    curves.set_xlabel("seconds since kubectl apply")
    curves.set_ylabel("Environments Ready")
    curves.set_title("apply → Ready: operator (solid) vs bare-client floor (dashed)")
    curves.grid(alpha=0.3)
    curves.legend(fontsize=8)

    sized = [r for r in runs if r.get("heapBytes")]
    envs = [r["environments"] for r in sized]
    heap.plot(envs, [r["heapBytes"] / 2**20 for r in sized], "o-", label="heap after full GC")
    heap.plot(envs, [r["rssBytes"] / 2**20 for r in sized], "s--", label="RSS")
    heap.set_xlabel("Environments")
    heap.set_ylabel("MiB")
    heap.set_title("operator memory vs size (-Xmx512m)")
    heap.set_ylim(bottom=0)
    heap.grid(alpha=0.3)
    heap.legend()
    machine = report.get("machine", {})
    fig.suptitle(f"make bench — {machine.get('cpus', '?')} CPUs, {machine.get('cpu', '')}", fontsize=10)
    fig.tight_layout()
    fig.savefig(png_path, dpi=110)
    print(png_path)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
