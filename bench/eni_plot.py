#!/usr/bin/python3
"""Plot and tabulate the CSV written by eni-load.sh (per-ENI QPS ceilings).

One panel per ENI count: achieved QPS per ENI against offered QPS per ENI,
one marker series per ENI, with the ceiling and the line achieved = offered
drawn for reference. The table gives, per run, the offered and achieved
rates of every ENI, the expected rate min(offered, ceiling), the deviation
from it, and the share of the control load (a resolver listener with no
ceiling, loaded during every run) that was answered. The last line is the
worst deviation from the ceiling at offered >= 1.1 x ceiling (the figure
that should stay within 2 %).

Usage: eni_plot.py CSV PNG
"""

import csv
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    rows = list(csv.DictReader(open(sys.argv[1])))
    if not rows:
        sys.exit("no rows in %s" % sys.argv[1])
    panels = defaultdict(list)
    for r in rows:
        panels[(r["gen"], int(r["enis"]))].append(r)

    print("%-8s %4s %-13s %6s %10s %10s %10s %8s %8s" % (
        "gen", "enis", "eni", "level", "offered", "achieved", "expected", "dev %", "side ok"))
    worst = None
    for key in sorted(panels):
        for r in panels[key]:
            ceil = float(r["ceiling"])
            off = float(r["offered_qps"])
            ach = float(r["achieved_qps"])
            exp = min(off, ceil)
            dev = (ach - exp) / exp * 100 if exp else 0.0
            print("%-8s %4s %-13s %6s %10.0f %10.0f %10.0f %+8.2f %7.1f%%" % (
                r["gen"], r["enis"], r["eni"], r["level"], off, ach, exp, dev,
                float(r["side_answered"]) * 100))
            if float(r["level"]) >= 1.1:
                d = abs(ach - ceil) / ceil * 100
                if worst is None or d > worst[0]:
                    worst = (d, r)
    if worst:
        r = worst[1]
        print("worst deviation from the ceiling at offered >= 1.1 x ceiling: %.2f %% "
              "(%s ENIs, %s, level %s)%s" % (worst[0], r["enis"], r["eni"], r["level"],
                                            "" if worst[0] <= 2.0 else "  ** above 2 % **"))

    n = len(panels)
    fig, axes = plt.subplots(1, n, figsize=(5 * n, 4.5), squeeze=False)
    for ax, key in zip(axes[0], sorted(panels)):
        gen, enis = key
        by_eni = defaultdict(list)
        for r in panels[key]:
            by_eni[r["eni"]].append((float(r["offered_qps"]), float(r["achieved_qps"])))
        ceil = float(panels[key][0]["ceiling"])
        top = max(o for pts in by_eni.values() for o, _ in pts) * 1.05
        ax.plot([0, top], [0, top], color="0.8", linestyle=":", label="achieved = offered")
        ax.axhline(ceil, color="tab:red", linestyle="--", label="ceiling %.0f qps" % ceil)
        for eni, pts in sorted(by_eni.items()):
            pts.sort()
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=eni)
        ax.set_title("%d ENI%s (%s)" % (enis, "" if enis == 1 else "s", gen))
        ax.set_xlabel("offered QPS per ENI")
        ax.set_ylabel("achieved QPS per ENI")
        ax.set_xlim(0, top)
        ax.set_ylim(0, max(ceil * 1.3, 1))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    fig.suptitle("dnsplane per-ENI QPS ceiling (inbound endpoint, QpsPerEni)")
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=110)


if __name__ == "__main__":
    main()
