#!/usr/bin/python3
"""Plot (and print as a table) the CSV written by dnsperf-compare.sh.

Three bar charts side by side: maximum QPS; CPU-µs per answered query at
each fixed offered rate (from the server core's busy share); marginal
user-space instructions per query. Reference values from the issue
(knotd 5,061 and nsd 4,577 instructions per query; knotd ≈5.4 CPU-µs per
query at 100k QPS) are drawn as dashed markers so a run can be compared
with them at a glance.

Usage: plot.py CSV PNG [--table]
"""

import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ANCHOR_INSTR = {"knotd": 5061, "nsd": 4577}
ANCHOR_CPU_US = {("knotd", "100000"): 5.4}


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def rates_of(header):
    return [h[len("busy_pct_"):] for h in header if h.startswith("busy_pct_")]


def fmt(v, digits=0):
    if v is None:
        return "-"
    if digits == 0:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def print_table(rows, rates):
    ref = next((r for r in rows if r["server"] == "knotd"), None)
    cols = ["server", "max QPS", "answered %"]
    for r in rates:
        k = f"{int(r) // 1000}k"
        cols += [f"busy%@{k}", f"CPU-µs/q@{k}", f"proc-µs/q@{k}"]
    cols += ["instr/query", "instr vs knotd"]
    if rates:
        k = f"{int(rates[-1]) // 1000}k"
        cols += [f"CPU vs knotd@{k}", f"proc vs knotd@{k}", f"user/kernel µs/q@{k}",
                 f"kernel vs knotd proc@{k}"]
    table = [cols]
    for row in rows:
        line = [row["server"], fmt(num(row["max_qps"])), fmt(num(row["max_answered_pct"]), 2)]
        for r in rates:
            line += [fmt(num(row.get(f"busy_pct_{r}")), 1),
                     fmt(num(row.get(f"cpu_us_per_query_{r}")), 2),
                     fmt(num(row.get(f"proc_cpu_us_per_query_{r}")), 2)]
        ipq = num(row.get("instr_per_query"))
        line.append(fmt(ipq))
        ref_ipq = num(ref.get("instr_per_query")) if ref else None
        line.append(fmt(ipq / ref_ipq, 2) + "x" if ipq and ref_ipq else "-")
        if rates:
            r = rates[-1]
            c = num(row.get(f"cpu_us_per_query_{r}"))
            rc = num(ref.get(f"cpu_us_per_query_{r}")) if ref else None
            line.append(fmt(c / rc, 2) + "x" if c and rc else "-")
            pc = num(row.get(f"proc_cpu_us_per_query_{r}"))
            prc = num(ref.get(f"proc_cpu_us_per_query_{r}")) if ref else None
            line.append(fmt(pc / prc, 2) + "x" if pc and prc else "-")
            # kernel part of this server's CPU-µs against knotd's whole:
            # the lowest ratio any user-space change could reach
            us, ks = num(row.get(f"user_us_per_query_{r}")), num(row.get(f"kernel_us_per_query_{r}"))
            line.append(f"{fmt(us, 2)}/{fmt(ks, 2)}" if us is not None and ks is not None else "-")
            line.append(fmt(ks / prc, 2) + "x" if ks and prc else "-")
        table.append(line)
    widths = [max(len(str(t[i])) for t in table) for i in range(len(cols))]
    for n, t in enumerate(table):
        print("  ".join(str(v).rjust(w) if i else str(v).ljust(w)
                        for i, (v, w) in enumerate(zip(t, widths))))
        if n == 0:
            print("  ".join("-" * w for w in widths))


def plot(rows, rates, png):
    servers = [r["server"] for r in rows]
    colors = {"dnsplaned": "tab:blue", "knotd": "tab:orange", "nsd": "tab:green"}
    col = [colors.get(s, "tab:gray") for s in servers]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))

    ax = axes[0]
    vals = [num(r["max_qps"]) or 0 for r in rows]
    ax.bar(servers, [v / 1000 for v in vals], color=col)
    ax.set_title("max QPS (UDP, loopback, 1 core)")
    ax.set_ylabel("thousand queries / s")
    for i, v in enumerate(vals):
        ax.annotate(f"{v / 1000:.0f}k", (i, v / 1000), ha="center", va="bottom")

    ax = axes[1]
    width = 0.8 / max(1, len(rates))
    for j, r in enumerate(rates):
        xs = [i + (j - (len(rates) - 1) / 2) * width for i in range(len(rows))]
        ys = [num(row.get(f"cpu_us_per_query_{r}")) or 0 for row in rows]
        ax.bar(xs, ys, width=width * 0.95, color=col, alpha=0.55 + 0.45 * j / max(1, len(rates) - 1),
               edgecolor="black", label=f"{int(r) // 1000}k QPS offered")
        for x, y in zip(xs, ys):
            ax.annotate(f"{y:.2f}", (x, y), ha="center", va="bottom", fontsize=8)
        # the server processes' own user+sys time per query (robust when
        # other work shares the server core)
        ps = [num(row.get(f"proc_cpu_us_per_query_{r}")) for row in rows]
        ax.scatter([x for x, p in zip(xs, ps) if p], [p for p in ps if p], marker="x",
                   color="black", zorder=3, label="process user+sys" if j == 0 else None)
        for i, s in enumerate(servers):
            a = ANCHOR_CPU_US.get((s, r))
            if a:
                ax.hlines(a, xs[i] - width / 2, xs[i] + width / 2, colors="black", linestyles="dashed")
                ax.annotate(f"issue: {a}", (xs[i], a), ha="center", va="bottom", fontsize=7)
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels(servers)
    ax.set_title("CPU-µs per answered query (server core busy share)")
    ax.set_ylabel("µs")
    ax.legend(fontsize=8)

    ax = axes[2]
    vals = [num(r.get("instr_per_query")) or 0 for r in rows]
    ax.bar(servers, vals, color=col)
    for i, (s, v) in enumerate(zip(servers, vals)):
        ax.annotate(f"{v:,.0f}", (i, v / 2), ha="center", va="center", color="white",
                    fontweight="bold")
        a = ANCHOR_INSTR.get(s)
        if a:
            ax.hlines(a, i - 0.4, i + 0.4, colors="black", linestyles="dashed")
            ax.annotate(f"issue: {a:,}", (i, a), ha="center", va="bottom", fontsize=7)
    method = next((r.get("instr_method") for r in rows if r.get("instr_method")), "")
    ax.set_title(f"user-space instructions / query ({method or 'n/a'}, marginal)")
    ax.set_ylabel("instructions")

    fig.tight_layout()
    fig.savefig(png, dpi=110)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    with open(sys.argv[1], newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
        rates = rates_of(reader.fieldnames or [])
    if "--table" in sys.argv[3:]:
        print_table(rows, rates)
    plot(rows, rates, sys.argv[2])


if __name__ == "__main__":
    main()
