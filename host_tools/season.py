"""A season on the simulated field: the firmware on the virtual board, the baselines, scores and a report.

The firmware runs on the MicroPython unix port (a child process on a small
driver script, sys.path = [boards/sim, firmware]) or in this process on
CPython with the same fakes. Its flash is a temporary folder holding
board.json and config.json. The field ends the season from the clock with
`SeasonOver`; a `machine.ResetRequest` (or watchdog reset) reboots: the
firmware modules are imported afresh and `main.main(root)` runs again with
the reset cause set, as on a board.
"""
import contextlib
import copy
import io
import json
import os
import subprocess
import sys
import tempfile
import time as _time

from host_tools import fw
from host_tools.errors import UserError

ROOT = fw.ROOT
SIM_DIR = fw.SIM_DIR
SCENARIOS_DIR = os.path.join(ROOT, "scenarios")
MICROPYTHON = os.path.join(ROOT, ".venv", "bin", "micropython")
CONTROLLERS = ("firmware", "timer", "naive", "oracle")
RUNTIMES = ("micropython", "cpython")
DEFAULT_SCENARIO = "muynak-summer"


def _sim():
    if SIM_DIR not in sys.path:
        sys.path.append(SIM_DIR)
    import baselines
    import field
    import scenario
    import scores

    return scenario, field, baselines, scores


def scenario_names():
    return sorted(n[:-5] for n in os.listdir(SCENARIOS_DIR) if n.endswith(".json"))


def load_scenario(name):
    """A scenario by name (scenarios/NAME.json) or path, with every default filled in."""
    scenario = _sim()[0]
    path = name if name.endswith(".json") else os.path.join(SCENARIOS_DIR, name + ".json")
    if not os.path.exists(path):
        raise UserError("no scenario %r; known: %s" % (name, ", ".join(scenario_names())))
    try:
        return scenario.load(path)
    except (ValueError, KeyError) as exc:
        raise UserError("scenario %s: %s" % (path, exc))


def resolve_scenario(raw):
    """A scenario as a scenario file holds it (perhaps changed) with every default filled in."""
    return _sim()[0].resolve(raw)


def load_board(sc):
    path = os.path.join(ROOT, "boards", sc["board"] + ".json")
    with open(path) as f:
        return json.load(f)


def firmware_config(sc, n_plots):
    """The config.json to deploy: the schema's defaults under the scenario's settings, validated."""
    config = fw.module("config")
    cfg = config.defaults(n_plots)
    over = sc.get("config", {})
    for k, v in over.items():
        if k != "plots":
            cfg[k] = v
    plots = over.get("plots", [])
    for i in range(min(n_plots, len(sc["plots"]))):
        if i < len(plots):
            cfg["plots"][i].update(plots[i])
        given = plots[i] if i < len(plots) else {}
        # What a technician measures or works out at the plot, unless the
        # scenario gives it: the probe's two calibration points in this
        # soil, and the litres between them.
        if "dry_mv" not in given and "wet_mv" not in given:
            dry, wet = _sim()[0].calibration(sc, i)
            cfg["plots"][i]["dry_mv"] = dry
            cfg["plots"][i]["wet_mv"] = wet
        if "store_l" not in given:
            cfg["plots"][i]["store_l"] = _sim()[0].store_l(sc, i)
    for i in range(len(sc["plots"]), n_plots):
        cfg["plots"][i]["enabled"] = False  # a channel of the board with no plot on it
    errors = config.validate(cfg, n_plots)
    if errors:
        raise UserError("scenario %s config: %s" % (sc["name"], "; ".join(errors)))
    return cfg


def with_settings(sc, assignments):
    """A copy of the scenario whose controller config also has each `KEY=VALUE`
    (or `plotN.KEY=VALUE`, N from 1), as `saxaul config set` takes them, the
    whole config validated; UserError names a bad one."""
    if not assignments:
        return sc
    config = fw.module("config")
    sc = copy.deepcopy(sc)
    over = sc.setdefault("config", {})
    n = len(sc["plots"])
    for text in assignments:
        try:
            path, value = config.parse_assignment(text, n)
        except ValueError as exc:
            raise UserError("%s: %s" % (sc["name"], exc))
        if len(path) == 1:
            over[path[0]] = value
        else:
            plots = over.setdefault("plots", [])
            while len(plots) <= path[1]:
                plots.append({})
            plots[path[1]][path[2]] = value
    firmware_config(sc, n)
    return sc


def config_notes(sc):
    """What the scenario's config says that its own field contradicts, one line each ([] when nothing).

    A scenario may give a plot's calibration (`dry_mv`, `wet_mv`) or `store_l`
    as a technician would enter them; edited for another soil or crop, they
    no longer fit the field, and the season shows a miscalibrated probe, not
    the controller. A daily cap that gives less than the crop uses on the
    season's peak day, with its leaching water, shows the cap.
    """
    scenario = _sim()[0]
    notes = []
    plots = sc.get("config", {}).get("plots", [])
    for i in range(min(len(plots), len(sc["plots"]))):
        given = plots[i]
        dry, wet = scenario.calibration(sc, i)
        c_dry = given.get("dry_mv", dry)
        c_wet = given.get("wet_mv", wet)
        span = c_dry - c_wet
        if span > 0 and (abs(c_dry - dry) * 20 > span or abs(c_wet - wet) * 20 > span):
            notes.append("plot %d: dry_mv %d / wet_mv %d, but this probe reads %d / %d in %s; at field "
                         "capacity it will show %d %% and air-dry %d %%, not 100 and 0" % (
                             i, c_dry, c_wet, dry, wet, sc["soil"]["name"], (c_dry - wet) * 100 // span,
                             (c_dry - dry) * 100 // span))
        if "store_l" in given:
            true_l = scenario.store_l(sc, i)
            if true_l > 0 and abs(given["store_l"] - true_l) * 5 > true_l:
                notes.append("plot %d: store_l %d L, but its root zone holds %d L from air-dry to field "
                             "capacity: refills will be %d %% of what it needs" % (
                                 i, given["store_l"], true_l, given["store_l"] * 100 // true_l))
    notes.extend(_cap_notes(sc))
    return notes


def _cap_notes(sc):
    # A plot whose daily cap gives less than its crop uses on the season's
    # peak day (with its leaching water on top) falls behind on such days
    # whatever the controller does.
    _sim()
    import soil
    import weather

    n = len(sc["plots"])
    cfg = fw.module("config").derive(firmware_config(sc, n))
    hard = fw.module("limits").HARD_MAX_DAILY_S
    days = weather.of_scenario(sc)
    notes = []
    for i, p in enumerate(sc["plots"]):
        pc = cfg["plots"][i]
        if not pc["enabled"]:
            continue
        use_l = max(soil.kc_on(p["crop"], d) * days[d].et0_mm for d in range(len(days))) * p["area_m2"]
        pml = pc["leach_pml"]
        need_l = use_l * 1000 / (1000 - pml)
        cap_s = pc["daily_max_s"] if pc["daily_max_s"] < hard else hard
        cap_l = cap_s * pc["flow_ml_min"] / 60000.0
        if cap_l < need_l:
            notes.append("plot %d: daily_max_s %d s at %d mL/min gives %.0f L a day, but its crop uses %.0f L "
                         "on the season's peak day%s: it falls behind on such days" % (
                             i, pc["daily_max_s"], pc["flow_ml_min"], cap_l, use_l,
                             ", %.0f L with its leaching water" % need_l if pml > 0 else ""))
    return notes


def epoch_s(sc):
    """Wall seconds at the season's first midnight (the RTC the host set), or None."""
    if not sc.get("rtc_set", True):
        return None
    st = sc["start"]
    import calendar

    return calendar.timegm((st["year"], st["month"], st["day"], 0, 0, 0, 0, 0, 0))


def prepare_flash(sc, folder):
    """A flash folder with board.json and config.json; returns (root prefix, board spec)."""
    board = load_board(sc)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "board.json"), "w") as f:
        json.dump(board, f)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(firmware_config(sc, len(board["plots"])), f)
    return folder.rstrip("/") + "/", board


# The driver the MicroPython unix port runs. Telemetry lines are dropped (a
# season prints ~10^5 of them); exception lines ("E ...") go to stderr.
_DRIVER = r'''
import sys
sys.path[:0] = [%(sim)r, %(fw)r]
import json
import time
import machine
import builtins
import field as fieldmod

_print = builtins.print


def _quiet(*args, **kw):
    if args and args[0] == "E":
        sys.stderr.write(" ".join([str(a) for a in args]) + "\n")


builtins.print = _quiet
with open(%(scenario)r) as f:
    sc = json.load(f)
with open(%(board)r) as f:
    spec = json.load(f)
world = fieldmod.Field(sc, spec, time, machine)
time.reset(0, %(epoch)r)
machine.set_world(world)
world.attach()
world.on_day = lambda d: sys.stderr.write("@day %%d\n" %% d)
resets = 0
ended = "season"
while True:
    for name in list(sys.modules):
        if name == "main" or name == "saxaul" or name.startswith("saxaul."):
            del sys.modules[name]
    try:
        import main
        main.main(%(root)r, False)
        ended = "returned"
        break
    except fieldmod.SeasonOver:
        break
    except machine.ResetRequest as e:
        resets += 1
        machine.set_world(world)
        world.on_reset(e.cause)
world.write_csv(%(csv)r)
with open(%(summary)r, "w") as f:
    json.dump({"resets": resets, "ended": ended, "sim_ms": time.now_ms()}, f)
'''


def _write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f)


def run_firmware(sc, runtime="micropython", work=None, progress=None, watch=None):
    """Run the firmware over the scenario; returns (rows, info) with info["wall_s"], ["resets"].

    `watch(world)`, CPython only: called with the simulated field each time
    the firmware's modules have been imported (at boot, after each reset),
    for a benchmark that looks inside them (`benchmarks/fallback.py`).
    """
    scenario, field, _, _ = _sim()
    if runtime not in RUNTIMES:
        raise UserError("runtime %r: choose one of %s" % (runtime, ", ".join(RUNTIMES)))
    if watch is not None and runtime != "cpython":
        raise UserError("a watch runs on the cpython runtime only")
    own = work is None
    if own:
        tmp = tempfile.TemporaryDirectory(prefix="saxaul-season-")
        work = tmp.name
    try:
        root, board = prepare_flash(sc, os.path.join(work, "flash"))
        csv_path = os.path.join(work, "field.csv")
        t0 = _time.monotonic()
        if runtime == "micropython":
            info = _run_unix_port(sc, board, root, work, csv_path, progress)
        else:
            info = _run_cpython(sc, board, root, csv_path, progress, watch)
        info["wall_s"] = _time.monotonic() - t0
        rows = field.read_csv(csv_path)
        if len(rows) < sc["days"]:
            raise UserError("firmware run ended after %d of %d days (%s)" % (len(rows), sc["days"], info.get("ended")))
        return rows, info
    finally:
        if own:
            tmp.cleanup()


def write_driver(sc, board, root, work, csv_path):
    """The unix port's driver for a season in `work`; returns (driver path, summary path)."""
    sc_path = os.path.join(work, "scenario.json")
    board_path = os.path.join(work, "board.json")
    _write_json(sc_path, sc)
    _write_json(board_path, board)
    summary = os.path.join(work, "summary.json")
    driver = os.path.join(work, "season_driver.py")
    with open(driver, "w") as f:
        f.write(_DRIVER % {"sim": SIM_DIR, "fw": fw.FIRMWARE_DIR, "scenario": sc_path, "board": board_path,
                           "epoch": epoch_s(sc), "root": root, "csv": csv_path, "summary": summary})
    return driver, summary


def unix_port_cmd(driver):
    return [MICROPYTHON, "-X", "heapsize=32M", driver]


def _run_unix_port(sc, board, root, work, csv_path, progress):
    if not os.path.exists(MICROPYTHON):
        raise UserError("no MicroPython unix port at %s: run `make venv` (or use --runtime cpython)" % MICROPYTHON)
    driver, summary = write_driver(sc, board, root, work, csv_path)
    proc = subprocess.Popen(unix_port_cmd(driver), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, cwd=work)
    errors = []
    for line in proc.stderr:
        if line.startswith("@day "):
            if progress:
                progress(int(line[5:]), sc["days"])
        else:
            errors.append(line.rstrip())
    rc = proc.wait()
    if rc != 0 or not os.path.exists(summary):
        raise UserError("MicroPython run failed (exit %d): %s" % (rc, " | ".join(errors[-8:]) or "no output"))
    with open(summary) as f:
        info = json.load(f)
    info["errors"] = errors
    return info


def _run_cpython(sc, board, root, csv_path, progress, watch=None):
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)  # boards/ is not part of the installed package
    from boards.sim.cpython import Fakes

    _, field, _, _ = _sim()
    fakes = Fakes()
    fakes.time.clear_hooks()
    fakes.time.reset(0, epoch_s(sc))
    world = field.Field(sc, board, fakes.time, fakes.machine)
    fakes.machine.set_world(world)
    world.attach()
    if progress:
        world.on_day = lambda d: progress(d, sc["days"])
    resets = 0
    ended = "season"
    errors = []
    sink = _ErrorLines(errors)
    with contextlib.redirect_stdout(sink):
        while True:
            fakes.import_firmware()
            if watch is not None:
                watch(world)
            main = fakes.import_main()
            try:
                main.main(root, False)
                ended = "returned"
                break
            except field.SeasonOver:
                break
            except fakes.machine.ResetRequest as e:
                resets += 1
                fakes.machine.set_world(world)
                world.on_reset(e.cause)
    fakes.time.clear_hooks()
    world.write_csv(csv_path)
    return {"resets": resets, "ended": ended, "sim_ms": fakes.time.now_ms(), "errors": errors}


class _ErrorLines(io.TextIOBase):
    """stdout for the firmware on CPython: telemetry dropped, exception lines kept."""

    def __init__(self, out):
        self.out = out
        self._line = ""

    def write(self, s):
        self._line += s
        while "\n" in self._line:
            line, self._line = self._line.split("\n", 1)
            if line.startswith("E "):
                self.out.append(line)
        return len(s)


def run_baseline(name, sc, progress=None):
    """A baseline over the scenario on CPython; returns (rows, info)."""
    _, field, baselines, _ = _sim()
    t0 = _time.monotonic()
    f = baselines.run(name, sc, load_board(sc), progress=progress)
    return field.rows_as_dicts(f), {"wall_s": _time.monotonic() - t0, "resets": 0, "errors": []}


def run(sc, controller, runtime="micropython", progress=None):
    if controller == "firmware":
        return run_firmware(sc, runtime, progress=progress)
    if controller not in CONTROLLERS:
        raise UserError("controller %r: choose one of %s, or all" % (controller, ", ".join(CONTROLLERS)))
    return run_baseline(controller, sc, progress)


def areas(sc):
    return [float(p["area_m2"]) for p in sc["plots"]]


def score(sc, rows):
    return _sim()[3].score(rows, areas(sc))


def write_csv(path, rows):
    if not rows:
        return
    head = list(rows[0].keys())
    with open(path, "w") as f:
        f.write(",".join(head) + "\n")
        for r in rows:
            f.write(",".join("%.4f" % r[k] if r[k] != int(r[k]) else "%d" % r[k] for k in head) + "\n")


def report_png(path, sc, runs):
    """Depletion against RAW and TAW, irrigation, PV voltage and ECe over the season, per plot and controller.

    runs: [(controller, rows)]. Needs matplotlib (a dependency of the host tools).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(sc["plots"])
    fig, axes = plt.subplots(n + 2, 1, figsize=(11, 2.6 * (n + 2)), sharex=True)
    colors = {"firmware": "tab:red", "timer": "tab:gray", "naive": "tab:orange", "oracle": "tab:green"}
    days = [r["day"] for r in runs[0][1]]
    for i in range(n):
        ax = axes[i]
        rows0 = runs[0][1]
        ax.fill_between(days, [r["raw%d" % i] for r in rows0], [r["taw%d" % i] for r in rows0],
                        color="tab:red", alpha=0.08, label="RAW..TAW (stress)")
        ax.plot(days, [r["taw%d" % i] for r in rows0], color="k", lw=0.8, label="TAW")
        ax.plot(days, [r["raw%d" % i] for r in rows0], color="k", lw=0.8, ls="--", label="RAW")
        for name, rows in runs:
            c = colors.get(name)
            ax.plot(days, [r["dr%d" % i] for r in rows], color=c, lw=1.2, label="Dr " + name)
            ax.bar(days, [r["irr%d" % i] for r in rows], color=c, alpha=0.3, width=0.8)
        crop = sc["plots"][i]["crop"].get("name", "")
        ax.set_ylabel("plot %d mm" % i)
        ax.set_title("plot %d, %s: depletion Dr (lines), irrigation mm/day (bars)" % (i, crop), fontsize=9)
        ax.invert_yaxis()
        if i == 0:
            ax.legend(fontsize=7, ncol=4, loc="lower right")
    ax = axes[n]
    ax.plot(days, [r["pv_max_mv"] / 1000 for r in runs[0][1]], color="k", lw=0.8, ls=":", label="open circuit, noon")
    for name, rows in runs:
        c = colors.get(name)
        # Days without a running pump have no voltage under load: leave gaps.
        ax.plot(days, [r["pv_load_min_mv"] / 1000 if r["pv_load_min_mv"] > 0 else float("nan") for r in rows],
                color=c, lw=1.0, label="under load min " + name)
    ax.set_ylabel("PV V")
    ax.set_title("panel voltage: open circuit at noon, and the lowest under the running pump each day", fontsize=9)
    ax.legend(fontsize=7, ncol=4)
    ax = axes[n + 1]
    for name, rows in runs:
        c = colors.get(name)
        for i in range(n):
            ax.plot(days, [r["ece%d" % i] for r in rows], color=c, lw=1.0, alpha=0.4 + 0.6 * (i + 1) / n,
                    label=name if i == 0 else None)
    for i in range(n):
        ax.axhline(runs[0][1][-1]["thr%d" % i], color="k", lw=0.5, ls="--")
    ax.set_ylabel("ECe dS/m")
    ax.set_title("root-zone salinity per plot (dashed: crop thresholds)", fontsize=9)
    ax.set_xlabel("day of season (from %04d-%02d-%02d)" % (sc["start"]["year"], sc["start"]["month"], sc["start"]["day"]))
    ax.legend(fontsize=7, ncol=4)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def season(sc, controllers, runtime="micropython", out=None, progress=None):
    """Run controllers over a scenario (as `load_scenario` and `with_settings` give it);
    returns [(name, rows, info, score)]. Writes CSV/PNG into out."""
    results = []
    for name in controllers:
        cb = (lambda d, n, name=name: progress(name, d, n)) if progress else None
        rows, info = run(sc, name, runtime, cb)
        results.append((name, rows, info, score(sc, rows)))
        if out:
            os.makedirs(out, exist_ok=True)
            write_csv(os.path.join(out, "%s-%s.csv" % (sc["name"], name)), rows)
    if out:
        report_png(os.path.join(out, "%s.png" % sc["name"]), sc, [(n, r) for n, r, _, _ in results])
        with open(os.path.join(out, "%s-scores.json" % sc["name"]), "w") as f:
            json.dump({n: {"scores": s, "wall_s": i["wall_s"], "resets": i.get("resets", 0)}
                       for n, _, i, s in results}, f, indent=1)
    return results


def table(results):
    return _sim()[3].table([(n, s) for n, _, _, s in results])
