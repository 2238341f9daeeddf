# Season scores from the field's daily rows: adequacy, excess, salt, water, pump starts and energy.
#
# Pure functions over rows (dicts of floats, one per day, as field.read_csv
# gives them). IA and IE follow the SWAT smart-controller test (Irrigation
# Association; FIELD-NOTES, check): a daily soil-moisture balance,
#   IA = 100 (1 - sum max(0, Dr - RAW) / sum ETc), Dr at the end of each day,
#   IE = 100 sum(percolation caused by irrigation beyond the leaching
#        requirement) / sum ETc,
# with ETc the unstressed crop ET (Kc ET0). The leaching requirement is the
# field's LR column (soil.leaching_requirement, ECw / (2 ECe,thr) after
# FAO-29): water that drains to carry salt out is needed, not waste. US EPA WaterSense asks
# IA >= 80 % in every zone and IE <= 5 % on average (FIELD-NOTES, check).


def n_plots(rows):
    if not rows:
        return 0
    n = 0
    while ("dr%d" % n) in rows[0]:
        n += 1
    return n


def plot_scores(rows, i):
    """Scores of plot i over the rows."""
    k = "%d" % i
    deficit = etc = excess = irr = dp = rain = dp_irr = lr_irr = 0.0
    peak = 0.0
    for r in rows:
        over = r["dr" + k] - r["raw" + k]
        if over > 0:
            deficit += over
        etc += r["etc" + k]
        # Percolation the day's irrigation caused, less the share that the
        # leaching requirement asks of that irrigation.
        surplus = r["dp_irr" + k] - r["lr" + k] * r["irr" + k]
        if surplus > 0:
            excess += surplus
        dp_irr += r["dp_irr" + k]
        lr_irr += r["lr" + k] * r["irr" + k]
        irr += r["irr" + k]
        dp += r["dp" + k]
        rain += r["rain" + k]
        if r["ece" + k] > peak:
            peak = r["ece" + k]
    last = rows[-1] if rows else {}
    return {
        "ia_pct": 100.0 * (1.0 - deficit / etc) if etc > 0 else 100.0,
        "ie_pct": 100.0 * excess / etc if etc > 0 else 0.0,
        "deficit_mm": deficit,
        "excess_mm": excess,
        "etc_mm": etc,
        "irr_mm": irr,
        "rain_mm": rain,
        "dp_mm": dp,
        # The season's leaching fraction, drained irrigation water over
        # irrigation, against the requirement's (weighted by the water):
        # a plot can drain no more than it needs over the season and still
        # show excess, when it drains on days of little water.
        "lf_pct": 100.0 * dp_irr / irr if irr > 0 else 0.0,
        "lr_pct": 100.0 * lr_irr / irr if irr > 0 else 0.0,
        "ece_peak_dsm": peak,
        "ece_final_dsm": last.get("ece" + k, 0.0),
        "ece_thr_dsm": last.get("thr" + k, 0.0),
        "ece_over_thr_days": sum(1 for r in rows if r["ece" + k] > r["thr" + k]),
    }


def score(rows, areas_m2=None):
    """Per-plot scores and the season's: {"plots": [...], "all": {...}}."""
    n = n_plots(rows)
    plots = [plot_scores(rows, i) for i in range(n)]
    if areas_m2 is None:
        areas_m2 = [1.0] * n
    deficit = sum(p["deficit_mm"] * a for p, a in zip(plots, areas_m2))
    excess = sum(p["excess_mm"] * a for p, a in zip(plots, areas_m2))
    etc = sum(p["etc_mm"] * a for p, a in zip(plots, areas_m2))
    days = len(rows)
    starts = sum(r["starts"] for r in rows)
    al = {
        # Area-weighted over plots: the season's water balance as one field.
        "ia_pct": 100.0 * (1.0 - deficit / etc) if etc > 0 else 100.0,
        "ia_min_pct": min([p["ia_pct"] for p in plots]) if plots else 100.0,
        "ie_pct": 100.0 * excess / etc if etc > 0 else 0.0,
        "ie_max_pct": max([p["ie_pct"] for p in plots]) if plots else 0.0,
        "ece_peak_dsm": max([p["ece_peak_dsm"] for p in plots]) if plots else 0.0,
        "ece_over_thr_plots": sum(1 for p in plots if p["ece_peak_dsm"] > p["ece_thr_dsm"]),
        "water_l": sum(r["pumped_l"] for r in rows),
        "starts": starts,
        "starts_per_day": starts / days if days else 0.0,
        "brownouts": sum(r["brownouts"] for r in rows),
        "pump_wh": sum(r["pump_wh"] for r in rows),
        "pump_h": sum(r["pump_run_s"] for r in rows) / 3600.0,
        "days": days,
    }
    return {"plots": plots, "all": al}


TABLE_COLS = (
    ("IA %", "ia_pct", "%5.1f"),
    ("IA min", "ia_min_pct", "%6.1f"),
    ("IE %", "ie_pct", "%5.1f"),
    ("IE max", "ie_max_pct", "%6.1f"),
    ("ECe pk", "ece_peak_dsm", "%6.1f"),
    (">thr", "ece_over_thr_plots", "%4d"),
    ("water L", "water_l", "%7.0f"),
    ("starts/d", "starts_per_day", "%8.1f"),
    ("brownout", "brownouts", "%8d"),
    ("pump Wh", "pump_wh", "%7.0f"),
)


def table(results):
    """A text table: one line per controller. results: [(name, score(...)), ...]."""
    head = "%-10s" % "controller" + "".join(" %*s" % (len(f % 0), h) for h, _, f in TABLE_COLS)
    lines = [head]
    for name, s in results:
        a = s["all"]
        cells = []
        for _, key, f in TABLE_COLS:
            v = a[key]
            cells.append(" " + (f % (int(v) if f.endswith("d") else v)))
        lines.append("%-10s" % name + "".join(cells))
    return "\n".join(lines)


def plot_table(name, s, crops=None):
    """Per-plot lines for one controller."""
    lines = ["%s, per plot:" % name,
             "  plot  crop        IA %   IE %  irr mm  ETc mm  LF %  LR %  ECe pk  ECe end  thr"]
    for i, p in enumerate(s["plots"]):
        crop = crops[i] if crops else ""
        lines.append("  %4d  %-10s %5.1f  %5.1f  %6.0f  %6.0f  %4.0f  %4.0f  %6.1f  %7.1f  %4.0f" % (
            i, crop, p["ia_pct"], p["ie_pct"], p["irr_mm"], p["etc_mm"], p["lf_pct"], p["lr_pct"],
            p["ece_peak_dsm"], p["ece_final_dsm"], p["ece_thr_dsm"]))
    return "\n".join(lines)
