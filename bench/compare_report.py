"""What `make bench-compare` prints: one line per run as it ends, then the ratios per scenario
(Casework / baseline: throughput, and CPU per request), the RSS of each worker, the load."""

COLUMNS = (f"{'scenario':<11} {'app':<9} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
           f"{'CPU ms/req':>10} {'bad':>4} {'KB':>5} {'load1':>5}")


# Issue 16's "Done means": the least throughput ratio, Casework / baseline, per scenario.
TARGETS = {"form": 0.5, "queue": 0.3, "search": 1.0, "miss": 5.0,
           "intake1": 0.5, "intake4": 0.5, "intake16": 0.5}


def verdict(scenario: str, ratio: float) -> str:
    """"met" or "MISSED" against the scenario's target (unrounded: 0.496 misses 0.5)."""
    target = TARGETS.get(scenario)
    if target is None:
        return ""
    return f"  target >= {target:g}x: {'met' if ratio >= target else 'MISSED'}"


def _n(value, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def line(r: dict) -> str:
    bad = r["unexpected"] + r["socket_errors"]
    size = f"{r['page'] / 1024:.0f}" if r.get("page") else ""
    return (f"{r['scenario']:<11} {r['app']:<9} {_n(r['rps']):>8} {_n(r['p50_ms']):>7} "
            f"{_n(r['p95_ms']):>7} {_n(r['p99_ms']):>7} {_n(r['cpu_ms'], 2):>10} {bad:>4} "
            f"{size:>5} {r['load']:>5.2f}" + (f"  ({r['restarted']} worker(s) restarted)"
                                               if r.get("restarted") else "")
            # the work on requests still in flight at the end is counted too
            + (f"  (only {r['requests']} answered: CPU approximate)" if r["requests"] < 30 else ""))


def print_report(results: list[dict], header: bool = False, summary: bool = False,
                 rss: dict | None = None, load: list | None = None) -> None:
    if header:
        print(COLUMNS)
    if not summary:
        for r in results:
            print(line(r), flush=True)
        return
    print("\nCasework / baseline, same run (throughput ratio; CPU per request, "
          "Casework vs baseline):")
    by = {(r["scenario"], r["app"]): r for r in results}
    baseline_form = by.get(("form", "baseline"))
    for scenario in dict.fromkeys(r["scenario"] for r in results):
        mine = by.get((scenario, "casework"))
        other = by.get((scenario, "baseline"))
        note = ""
        if other is None and mine is not None and baseline_form is not None:
            other, note = baseline_form, "  (no baseline page: against the baseline's form)"
        if mine is not None and not mine["requests"]:
            print(f"  {scenario:<11} {mine['what']:<45} no answer within the run")
        if mine is None or other is None or not other["rps"] or not mine["cpu_ms"]:
            continue
        ratio = mine["rps"] / other["rps"]
        print(f"  {scenario:<11} {mine['what']:<45} {ratio:6.3f}x   "
              f"CPU {_n(mine['cpu_ms'], 2)} vs {_n(other['cpu_ms'], 2)} ms{note}"
              f"{verdict(scenario, ratio)}")
    for name, sizes in (rss or {}).items():
        print(f"RSS after the runs, {name} workers: "
              + ", ".join(f"{mb:.0f} MB" for mb in sizes if mb is not None))
    if load:
        print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
              f"(1, 5, 15 min; {__import__('os').cpu_count()} CPUs)")
