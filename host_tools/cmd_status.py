"""`saxaul status` and `saxaul clear-fault`: ask the running controller, without stopping it."""
from host_tools import codes_text
from host_tools.device import Device

PV_STATES = ("night", "weak sun", "sun ok")


def add_parser(sub):
    p = sub.add_parser("status", help="what the controller is doing, its faults and readings",
                       description="Ask the running controller for its status (the controller keeps running).")
    p.add_argument("--json", action="store_true", help="print the raw status as JSON")
    p.set_defaults(func=run_status)
    p = sub.add_parser("clear-fault", help="clear latched faults (after fixing their cause)",
                       description="Clear latched faults (dry run, relay stuck, ...) on the running "
                                   "controller. Fix the cause first: a fault that is still there comes back.")
    p.set_defaults(func=run_clear)


def format_status(s):
    """Lines a person reads in the field, from the console's status dict."""
    lines = []
    lines.append("firmware %s on %s, boot %s (%s), up %s" % (
        s.get("fw", "?"), s.get("board", "?"), s.get("boot", "?"),
        codes_text.reset_text(s["reset_cause"]) if "reset_cause" in s else "?",
        _dur(s.get("uptime_s", 0))))
    pv = s.get("pv_state")
    lines.append("sun: %s, PV %.1f V%s, %s C, solar day %s" % (
        PV_STATES[pv] if isinstance(pv, int) and 0 <= pv < 3 else "?", s.get("pv_mv", 0) / 1000,
        ", battery %.1f V" % (s["batt_mv"] / 1000) if s.get("batt_mv") else "",
        s.get("temp_c", "?"), s.get("day", "?")))
    out = s.get("outputs", 0)
    plot = s.get("plot", 255)
    doing = "pump on, watering plot %d" % (plot + 1) if out & 1 and plot != 255 else "pump off"
    lines.append("now: %s (%s)" % (doing, codes_text.reason_text(s.get("reason", 0))))
    g = s.get("gfaults", 0)
    lines.append("faults: %s" % (codes_text.global_faults_text(g) or "none"))
    used = s.get("used_s") or []
    for i, pct in enumerate(s.get("pct", [])):
        pf = (s.get("pfaults") or [0] * (i + 1))[i]
        valve = "open" if out & (2 << i) else "shut"
        lines.append("plot %d: moisture %3d%%, valve %s, watered %s today%s" % (
            i + 1, pct, valve, _dur(used[i] if i < len(used) else 0),
            ", " + codes_text.plot_faults_text(pf) if pf else ""))
    mem = s.get("mem_free", -1)
    flash = s.get("flash_free", -1)
    lines.append("free: heap %s, flash %s" % (_kb(mem), _kb(flash)))
    return lines


def _dur(s):
    s = int(s)
    if s < 120:
        return "%d s" % s
    if s < 7200:
        return "%d min" % (s // 60)
    if s < 172800:
        return "%d h %02d min" % (s // 3600, s % 3600 // 60)
    return "%d days %d h" % (s // 86400, s % 86400 // 3600)


def _kb(n):
    if n is None or n < 0:
        return "?"
    if n >= 10 * 1024 * 1024:
        return "%d MB" % (n // (1024 * 1024))
    return "%d kB" % (n // 1024)


def run_status(args):
    import json

    with Device.connect(args.port) as dev:
        s = dev.command("status")
    if args.json:
        print(json.dumps(s, indent=1, sort_keys=True))
    else:
        for line in format_status(s):
            print(line)
    return 0


def run_clear(args):
    with Device.connect(args.port) as dev:
        before = dev.command("status").get("gfaults", 0)
        dev.command("clear")
        after = dev.command("status").get("gfaults", 0)
    print("cleared: %s" % (codes_text.global_faults_text(before) or "no latched faults"))
    if after:
        print("still set (the cause is still there): %s" % codes_text.global_faults_text(after))
        return 1
    return 0
