#!/usr/bin/env python3
"""Results table, targets and plot for bench/nat64_bench.sh, from its raw CSV.

    bench/nat64_report.py build/bench-results/nat64-<date>.csv            # table + targets
    bench/nat64_report.py build/bench-results/nat64-<date>.csv --png x.png  # and the plot

nat64_bench.sh calls it at the end of a run (the PNG goes next to the CSV); run it by hand
to re-render an older CSV. The table is Markdown, so it can be pasted into
docs/performance.md as printed.

The plot needs matplotlib (Debian: python3-matplotlib, in bench/install-bench-deps.sh) and
uses the Agg backend (no display). Without it the table is still printed and the plot is
skipped with a message (exit status 0; 3 only when --png was asked for and failed).
"""
import argparse
import collections
import csv
import statistics
import sys

PATH_ORDER = ("kernel", "tayga", "tundra-plain", "tundra")
PATH_LABEL = {"kernel": "kernel", "tayga": "Tayga", "tundra-plain": "tundra plain", "tundra": "tundra offload"}
TRANSLATORS = ("tayga", "tundra-plain", "tundra")
TCP_TESTS = (
    ("tcp1", "TCP 1 stream v6→v4"),
    ("tcp1-rev", "TCP 1 stream v4→v6 (-R)"),
    ("tcp4", "TCP 4 streams v6→v4"),
    ("tcp4-rev", "TCP 4 streams v4→v6 (-R)"),
)
TESTS = TCP_TESTS + (("udp64", "UDP 64 B, delivered"), ("ping", "ping RTT"), ("ping-2ms", "ping RTT, 2 ms apart"))
MAIN_METRIC = {"udp64": ("delivered_pps", "kpkt/s"), "ping": ("rtt_median", "µs"), "ping-2ms": ("rtt_median", "µs")}
for _t, _ in TCP_TESTS:
    MAIN_METRIC[_t] = ("throughput", "Gbit/s")


def load(path):
    vals = collections.defaultdict(list)
    with open(path) as f:
        for r in csv.DictReader(f):
            try:
                vals[(r["test"], r["metric"], r["path"])].append(float(r["value"]))
            except (ValueError, KeyError):
                pass
    return vals


class Data:
    def __init__(self, vals):
        self.vals = vals
        self.paths = [p for p in PATH_ORDER if any(k[2] == p for k in vals)]

    def get(self, test, metric, path):
        return self.vals.get((test, metric, path), [])

    def med(self, test, metric, path):
        v = self.get(test, metric, path)
        return statistics.median(v) if v else None


def fmt_value(x, metric):
    if x is None:
        return "–"
    if metric.endswith("_pps"):
        return f"{x / 1000:.1f}"
    if metric == "throughput":
        return f"{x:.2f}"
    return f"{x:.0f}"


def ratio(a, b):
    return f"{a / b:.2f}×" if a is not None and b else "–"


def table(d):
    out = []
    rounds = max((len(v) for k, v in d.vals.items() if k[1] in ("throughput", "delivered_pps", "rtt_median")), default=0)
    out.append(f"Median of {rounds} rounds (min–max). ×kernel, ×Tayga: ratio of medians (for ping RTT, lower is better).")
    out.append("CPU/pkt: translator CPU time ÷ packets through it (TCP segments that client and server sent, per wire segment; UDP datagrams at the server).")
    out.append("")
    out.append("| test | path | median (min–max) | ×kernel | ×Tayga | CPU ns/pkt | TCP retransmits (median, sum) | super-packets: TCP translated, UDP built (median) |")
    out.append("|---|---|---|---|---|---|---|---|")
    for test, label in TESTS:
        metric, unit = MAIN_METRIC[test]
        k = d.med(test, metric, "kernel")
        t = d.med(test, metric, "tayga")
        for p in d.paths:
            v = d.get(test, metric, p)
            if not v:
                continue
            x = statistics.median(v)
            cell = f"{fmt_value(x, metric)} ({fmt_value(min(v), metric)}–{fmt_value(max(v), metric)}) {unit}"
            rk = ratio(x, k) if p != "kernel" else "1"
            rt = ratio(x, t) if p not in ("kernel", "tayga") else ("1" if p == "tayga" else "–")
            cpu = d.med(test, "cpu_ns_per_packet", p)
            cpu_s = "–" if cpu is None else f"{cpu:.0f}"
            retr = d.get(test, "retransmits", p)
            retr_s = f"{statistics.median(retr):.0f}, {sum(retr):.0f}" if retr else "–"
            gso = d.get(test, "gso_translated", p) if test != "udp64" else d.get(test, "gso_built", p)
            gso_s = f"{statistics.median(gso):.0f}" if gso else "–"
            out.append(f"| {label} | {PATH_LABEL[p]} | {cell} | {rk} | {rt} | {cpu_s} | {retr_s} | {gso_s} |")
    drops = {p: sum(sum(d.get(t, "tun_tx_dropped", p)) for t, _ in TESTS) for p in TRANSLATORS}
    retr = {p: sum(sum(d.get(t, "retransmits", p)) for t, _ in TCP_TESTS) for p in d.paths}
    out.append("")
    out.append("TCP retransmits over the whole run (iperf3, sender side, all TCP tests and rounds): " +
               ", ".join(f"{PATH_LABEL[p]} {retr[p]:.0f}" for p in d.paths) + ".")
    if any(p in d.paths for p in TRANSLATORS):
        out.append("TUN tx drops over the whole run (ip -s link, the translator's TUN in the router): " +
                   ", ".join(f"{PATH_LABEL[p]} {drops[p]:.0f}" for p in TRANSLATORS if p in d.paths) + ".")
    return out


def targets(d):
    """The speed issue's targets, for each tundra mode measured."""
    out = ["", "Targets (issue 5), per tundra mode (offload is the default):", ""]
    out.append("| target | tundra offload | tundra plain |")
    out.append("|---|---|---|")
    modes = ("tundra", "tundra-plain")

    def verdict(ok):
        return "**met**" if ok else "**not met**"

    def row(name, fn):
        cells = []
        for p in modes:
            if p not in d.paths:
                cells.append("–")
                continue
            r = fn(p)
            cells.append("–" if r is None else f"{r[0]} {verdict(r[1])}")
        out.append(f"| {name} | " + " | ".join(cells) + " |")

    def vs_kernel(tests):
        def fn(p):
            parts, ok = [], True
            for test in tests:
                x, k = d.med(test, "throughput", p), d.med(test, "throughput", "kernel")
                if x is None or not k:
                    return None
                parts.append(f"{x / k:.2f}×")
                ok = ok and x / k >= 0.7
            return " / ".join(parts), ok
        return fn

    row("TCP 1 stream, v6→v4 / v4→v6 ≥ 0.7× kernel", vs_kernel(("tcp1", "tcp1-rev")))
    row("TCP 4 streams, v6→v4 / v4→v6 ≥ 0.7× kernel", vs_kernel(("tcp4", "tcp4-rev")))

    def udp(p):
        x, t = d.med("udp64", "delivered_pps", p), d.med("udp64", "delivered_pps", "tayga")
        cx, ct = d.med("udp64", "cpu_ns_per_packet", p), d.med("udp64", "cpu_ns_per_packet", "tayga")
        if x is None or not t or cx is None or ct is None:
            return None
        return f"{x / t:.2f}× Tayga's pps, {cx:.0f} vs {ct:.0f} ns/pkt", x / t >= 1.5 and cx < ct

    row("UDP 64 B ≥ 1.5× Tayga's delivered pps at lower CPU/pkt", udp)

    def ping(p):
        x, k = d.med("ping", "rtt_median", p), d.med("ping", "rtt_median", "kernel")
        if x is None or k is None:
            return None
        return f"+{x - k:.0f} µs ({x:.0f} vs {k:.0f})", x - k <= 50

    row("ping RTT ≤ kernel + 50 µs", ping)

    # Not a target: the same difference with pings 2 ms apart, where no CPU goes idle.
    warm = []
    for p in modes:
        x, k = d.med("ping-2ms", "rtt_median", p), d.med("ping-2ms", "rtt_median", "kernel")
        warm.append("–" if x is None or k is None else f"+{x - k:.0f} µs ({x:.0f} vs {k:.0f})")
    t, k = d.med("ping-2ms", "rtt_median", "tayga"), d.med("ping-2ms", "rtt_median", "kernel")
    if any(c != "–" for c in warm):
        tayga = "" if t is None or k is None else f"; Tayga +{t - k:.0f} µs"
        out.append(f"| (for comparison, not a target) ping 2 ms apart, over kernel{tayga} | " + " | ".join(warm) + " |")
    return out


def plot(d, png, title):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("nat64_report: no matplotlib (apt-get install python3-matplotlib): plot skipped", file=sys.stderr)
        return False
    colours = {"kernel": "#7f7f7f", "tayga": "#d62728", "tundra-plain": "#9ecae1", "tundra": "#1f77b4"}
    # Two panels: TCP throughput per test, and small-UDP delivered packets per second.
    panels = [(tests, metric, ylabel, scale) for tests, metric, ylabel, scale in (
        ([(t, label) for t, label in TCP_TESTS if any(d.get(t, "throughput", p) for p in d.paths)],
         "throughput", "Gbit/s (median, bars: min–max)", 1.0),
        ([("udp64", "UDP 64 B")] if any(d.get("udp64", "delivered_pps", p) for p in d.paths) else [],
         "delivered_pps", "kpkt/s delivered (median, bars: min–max)", 1e-3)) if tests]
    if not panels:
        print("nat64_report: no TCP or UDP results: nothing to plot", file=sys.stderr)
        return False
    fig, axes = plt.subplots(1, len(panels), figsize=(8 + 2 * (len(panels) - 1), 4.5), dpi=100, squeeze=False,
                             gridspec_kw={"width_ratios": [max(len(t), 1) + 1 for t, _, _, _ in panels]})
    for ax, (tests, metric, ylabel, scale) in zip(axes[0], panels):
        paths = [p for p in d.paths if any(d.get(t, metric, p) for t, _ in tests)]
        width = 0.8 / max(len(paths), 1)
        for i, p in enumerate(paths):
            xs, meds, lo, hi = [], [], [], []
            for j, (t, _) in enumerate(tests):
                v = [x * scale for x in d.get(t, metric, p)]
                if not v:
                    continue
                m = statistics.median(v)
                xs.append(j + (i - (len(paths) - 1) / 2) * width)
                meds.append(m)
                lo.append(m - min(v))
                hi.append(max(v) - m)
            bars = ax.bar(xs, meds, width, yerr=[lo, hi], capsize=3, label=PATH_LABEL[p], color=colours[p],
                          error_kw={"elinewidth": 1, "ecolor": "black"})
            for b, m, h in zip(bars, meds, hi):   # the label above the error bar
                ax.annotate(f"{m:.0f}" if m >= 100 else f"{m:.1f}" if m >= 1 else f"{m:.2f}",
                            (b.get_x() + b.get_width() / 2, m + h),
                            xytext=(0, 2), textcoords="offset points", ha="center", va="bottom", fontsize=7)
        ax.set_xticks(range(len(tests)))
        ax.set_xticklabels([label.replace(" v", "\nv", 1) for _, label in tests], fontsize=8)
        ax.set_ylabel(ylabel, fontsize=9)
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
    fig.suptitle(title, fontsize=10)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=8, ncol=len(labels), loc="lower center", frameon=False)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.savefig(png, dpi=100)
    plt.close(fig)
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv")
    ap.add_argument("--png", help="write the throughput plot here")
    ap.add_argument("--title", default="NAT64 through a TUN: TCP throughput and small-UDP packet rate (iperf3), same run, interleaved")
    a = ap.parse_args()
    d = Data(load(a.csv))
    if not d.paths:
        print("nat64_report: no results in " + a.csv, file=sys.stderr)
        return 1
    print("\n".join(table(d)))
    if any(p in d.paths for p in ("tundra", "tundra-plain")) and "kernel" in d.paths:
        print("\n".join(targets(d)))
    if a.png:
        if not plot(d, a.png, a.title):
            return 3
        print(f"\nplot: {a.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
