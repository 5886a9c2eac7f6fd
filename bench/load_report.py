#!/usr/bin/env python3
"""Table for bench/load_bench.sh: reads results.jsonl, prints Markdown.

One JSON object per line: a `sim --load` run (part fixed|saturation, with the
simulator's --json report under "sim" and CPU seconds of the far end, osmo-stp
and the customer server), a saturation search result (part
saturation-result, "best"), or the memory measurement (part memory).
"""
import argparse
import json
import statistics
import sys

NAMES = {
    "baseline": "baseline: osmo-stp + canned END",
    "stp": "gateway via osmo-stp",
    "direct": "gateway direct IPA",
}


def per_dialogue_us(seconds, completed):
    return seconds * 1e6 / completed if completed else float("nan")


def row(r, label_target=None):
    s = r["sim"]
    d = s.get("latency_dialogue", {})
    n = s.get("completed", 0)
    return "| %s | %s | %.0f%s | %d / %d%s | %.2f | %.2f | %.2f | %.0f | %s | %s | %.0f | %.2f |" % (
        NAMES.get(r["scenario"], r["scenario"]),
        label_target or "%.0f" % r["target"],
        s.get("achieved_rate", 0),
        "" if r.get("sustained") else " (not sustained)",
        n,
        s.get("failed", 0),
        (" (+%d fallback)" % r["gw_fallbacks"]) if r.get("gw_fallbacks") else "",
        d.get("p50_ms", float("nan")),
        d.get("p99_ms", float("nan")),
        d.get("p999_ms", float("nan")),
        per_dialogue_us(r["gw_cpu_s"], n),
        "%.0f" % per_dialogue_us(r["stp_cpu_s"], n) if r["scenario"] != "direct" else "-",
        "%.0f" % per_dialogue_us(r["cust_cpu_s"], n) if r["scenario"] != "baseline" else "-",
        per_dialogue_us(s.get("cpu_process_s", 0), n),
        r.get("other_cores", float("nan")),
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--cores", default="?")
    ap.add_argument("--quick", default="0")
    ap.add_argument("--fixed-duration", default="?")
    ap.add_argument("--sat-duration", default="?")
    a = ap.parse_args()

    recs = [json.loads(l) for l in open(a.results) if l.strip()]
    runs = [r for r in recs if r.get("part") in ("fixed", "saturation")]
    sat = {}
    for r in recs:
        if r.get("part") == "saturation-result":
            sat.setdefault(r["scenario"], []).append(r["best"])
    mem = [r for r in recs if r.get("part") == "memory"]

    out = []
    p = out.append
    p("## Results (%s cores; fixed-rate runs %s s, saturation steps %s s, %s saturation search(es) per scenario)"
      % (a.cores, a.fixed_duration, a.sat_duration, "1" if a.quick == "1" else "3"))
    p("")
    p("| scenario | target/s | achieved/s | completed / failed | p50 ms | p99 ms | p99.9 ms "
      "| far end CPU µs/dlg | osmo-stp µs/dlg | customer µs/dlg | sim µs/dlg | other load (cores) |")
    p("|---|---|---|---|---|---|---|---|---|---|---|---|")
    sat_median = {}
    peak = {}
    for scen in ("baseline", "stp", "direct"):
        fixed = sorted((r for r in runs if r["scenario"] == scen and r["part"] == "fixed"), key=lambda r: r["target"])
        for r in fixed:
            p(row(r))
        if scen in sat:
            bests = sat[scen]
            med = statistics.median_low(bests)
            sat_median[scen] = med
            search = [r for r in runs if r["scenario"] == scen and r["part"] == "saturation"]
            peak[scen] = max((r["sim"].get("achieved_rate", 0) for r in search), default=0)
            at = [r for r in search if r["target"] == med and r.get("sustained")]
            if at:
                at.sort(key=lambda r: r["sim"].get("achieved_rate", 0))
                r = at[len(at) // 2]
                p(row(r, "**sat. %d** (searches: %s)" % (med, ", ".join(str(b) for b in bests))))
            else:
                p("| %s | sat. %d (searches: %s) | no sustained run | | | | | | | | | |"
                  % (NAMES[scen], med, ", ".join(str(b) for b in bests)))
    p("")
    p("far end = the process answering the BEGINs: `ussdgw run` (gateway rows) or `ussdgw sim --respond`"
      " (baseline). CPU = utime+stime from /proc/PID/stat over the run (10 ms ticks) / completed dialogues;"
      " sim = the load generator's own process CPU. other load = CPU used by anything else on the machine"
      " during the run (/proc/stat busy time minus the benchmark's processes), in cores: above ~0.1 the run"
      " was disturbed.")
    p("A run is *sustained* when every started dialogue completed with the customer's answer (no failure, no"
      " fallback text, no busy), the generator started >= 98% of the offered dialogues, achieved >= 95% of the"
      " target and p99 <= 100 ms (the queue did not grow). Saturation search: targets rise by 25% per step from"
      " 5,000/s until a step is not sustained, then by 8% from the best sustained one.")
    p("")
    if sat_median:
        p("Saturation (median of the searches' highest sustained target; peak = highest achieved rate seen in any"
          " step, including overloaded ones):")
        p("")
        for scen in ("baseline", "stp", "direct"):
            if scen in sat_median:
                p("* %s: %d dialogues/s sustained, peak achieved %.0f/s" % (NAMES[scen], sat_median[scen], peak[scen]))
        if "baseline" in sat_median and sat_median["baseline"]:
            for scen in ("stp", "direct"):
                if scen in sat_median:
                    p("* ratio %s / baseline: %.2f (peaks: %.2f)" % (
                        scen, sat_median[scen] / sat_median["baseline"],
                        peak[scen] / peak["baseline"] if peak.get("baseline") else float("nan")))
        p("")
    if mem:
        m = mem[-1]
        delta = (m["rss_open_kib"] - m["rss_idle_kib"]) * 1024
        per = delta / m["open"] if m["open"] else float("nan")
        p("Memory: gateway VmRSS idle %.1f MiB, with %d dialogues open %.1f MiB: %.2f MiB per 10,000 open dialogues,"
          " %.0f bytes per dialogue (load avg %.2f)." % (
              m["rss_idle_kib"] / 1024, m["open"], m["rss_open_kib"] / 1024, per * 10000 / 2**20, per, m["load"]))
        p("")
    # goals
    p("Goals:")
    p("")
    if "direct" in sat_median:
        v = sat_median["direct"]
        p("* >= 20,000 dialogues/s directly over IPA: %s (%d/s)" % ("met" if v >= 20000 else "NOT met", v))
    for scen in ("direct", "stp"):
        r5 = [r for r in runs if r["scenario"] == scen and r["part"] == "fixed" and r["target"] == 5000]
        if r5:
            v = r5[-1]["sim"]["latency_dialogue"]["p99_ms"]
            p("* p99 < 5 ms at 5,000/s, %s: %s (%.2f ms)" % (NAMES[scen], "met" if v < 5 else "NOT met", v))
    if mem:
        p("* < 2 KiB per open dialogue: %s (%.0f bytes)" % ("met" if per < 2048 else "NOT met", per))
    print("\n".join(out))


if __name__ == "__main__":
    sys.exit(main())
