"""The benchmark's one table (Markdown, so that it pastes into BENCHMARKS.md as printed)."""

from __future__ import annotations

# scenario name -> (request name in the locust stats, target text, minimum share of the floor, p95 limit ms)
PAGES = {
    "floor (/health/)": ("health", "the floor", None, None),
    "Your Account for Business": ("account", "≥ 30% of floor", 0.30, None),
    "Find by PO number": ("find", "≥ 20%, p95 < 100 ms", 0.20, 100),
    "order page": ("order page", "≥ 20%, p95 < 100 ms", 0.20, 100),
    "Your Orders, page 1": ("your orders p1", "≥ 20%, p95 < 100 ms", 0.20, 100),
    "Your Orders, deep page": ("your orders deep", "≥ 20%, p95 < 100 ms", 0.20, 100),
    "budget page": ("budget page", "≥ 20%, p95 < 100 ms", 0.20, 100),
    "invoice page": ("invoice page", "≥ 20%, p95 < 100 ms", 0.20, 100),
    "Business Analytics, 12 months": ("analytics 12 months", "p95 < 150 ms", None, 150),
    "invoice PDF (1 client)": ("invoice pdf", "< 300 ms (p95)", None, 300),
}


def _ms(value) -> str:
    return "–" if value is None else f"{value:.0f}"


def table(results: dict, *, checkout_placed: int | None = None) -> tuple[str, bool]:
    """The Markdown table, and whether every target in it was met."""
    scenarios = results["scenarios"]
    floor = scenarios.get("floor (/health/)", {}).get("requests", {}).get("health", {}).get("rps") or 0.0
    lines = [
        "| scenario | clients | req/s | share of floor | p50 ms | p95 ms | p99 ms | errors | target | met |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    all_met = True
    for name, (request, target, share, p95_limit) in PAGES.items():
        res = scenarios.get(name)
        if res is None:
            continue
        stat = res["requests"].get(request)
        if stat is None:
            lines.append(f"| {name} | {res['scenario']['clients']} | 0 | – | – | – | – | {sum(res['errors'].values())} | {target} | no |")
            all_met = False
            continue
        ratio = stat["rps"] / floor if floor else 0.0
        errors = stat["failures"] + res.get("status_5xx", 0)
        met = errors == 0
        if share is not None:
            met &= ratio >= share
        if p95_limit is not None:
            met &= (stat["p95"] or 0) < p95_limit
        all_met &= met
        lines.append(
            f"| {name} | {res['scenario']['clients']} | {stat['rps']:.1f} | {ratio:.1%} | {_ms(stat['p50'])} | {_ms(stat['p95'])} | "
            f"{_ms(stat['p99'])} | {errors} | {target} | {'yes' if met else 'no'} |"
        )
    res = scenarios.get("checkout, 8 buyers on one Blanket PO")
    if res is not None:
        stat = res["requests"].get("place order", {})
        placed = checkout_placed if checkout_placed is not None else res["placed"]
        per_s = placed / res["elapsed"] if res["elapsed"] else 0.0
        errors = sum(s["failures"] for s in res["requests"].values()) + res["status_5xx"]
        met = per_s >= 40 and errors == 0
        all_met &= met
        lines.append(
            f"| checkout, full buyer loop (orders/s; {placed} placed, {res['refused']} refused) | {res['scenario']['clients']} | "
            f"{per_s:.1f} | – | {_ms(stat.get('p50'))} | {_ms(stat.get('p95'))} | {_ms(stat.get('p99'))} | {errors} | "
            f"≥ 40 orders/s, 0 errors | {'yes' if met else 'no'} |"
        )
    res = scenarios.get("orders report CSV, whole business")
    if res is not None:
        met = res["complete"] and res["rows_per_s"] >= 50_000 and (res["first_row_s"] or 99) < 1.0
        all_met &= met
        first = f"{res['first_row_s'] * 1000:.0f}" if res["first_row_s"] is not None else "–"
        lines.append(
            f"| orders report CSV ({res['rows']:,} rows in {res['total_s']:.1f} s, first row {first} ms, "
            f"worker peak RSS {res['worker_peak_rss_kb'] / 1024:.0f} MB{'' if res['complete'] else ', INCOMPLETE ' + res['error']}) "
            f"| 1 | {res['rows_per_s']:,.0f} rows/s | – | – | – | – | {0 if res['complete'] else 1} | ≥ 50,000 rows/s, first row < 1 s | "
            f"{'yes' if met else 'no'} |"
        )
    res = scenarios.get("bank statement import")
    if res is not None:
        met = res["ok"] and (res["rows"] < 100_000 or res["total_s"] < 30)
        all_met &= met
        lines.append(
            f"| bank statement import, {res['rows']:,} rows (preview {res['preview_s']:.1f} s + confirm {res['confirm_s']:.1f} s) | 1 | "
            f"{res['rows'] / res['total_s'] if res['total_s'] else 0:,.0f} rows/s | – | – | – | – | {0 if res['ok'] else 1} | "
            f"100k rows < 30 s | {'yes' if met else 'no'} |"
        )
    res = scenarios.get("soak, mixed traffic")
    if res is not None:
        total = sum(s["requests"] for s in res["requests"].values())
        failures = sum(s["failures"] for s in res["requests"].values())
        lines.append(
            f"| soak, mixed ({res['elapsed']:.0f} s; {res['placed']} orders placed) | {res['scenario']['clients']} | "
            f"{total / res['elapsed']:.1f} | – | – | – | – | {failures} (5xx: {res['status_5xx']}) | 0 5xx | "
            f"{'yes' if res['status_5xx'] == 0 else 'no'} |"
        )
        lines.append("")
        lines.append("| soak request | requests | req/s | p50 ms | p95 ms | p99 ms | failures |")
        lines.append("|---|---|---|---|---|---|---|")
        for name, s in sorted(res["requests"].items()):
            lines.append(f"| {name} | {s['requests']} | {s['rps']:.1f} | {_ms(s['p50'])} | {_ms(s['p95'])} | {_ms(s['p99'])} | {s['failures']} |")
    return "\n".join(lines), all_met
