"""Reliability figures: power cuts on LittleFS, injected faults, bad inputs, and a soak on the MicroPython runtime.

Prints one table: cut points tried and data lost (boards/sim/powercut.py on
the unix port), faults injected and survived (the soak: a simulated year of
the muynak-summer field with seeded random faults), bad inputs tried,
accepted and refused (random configs at the board's load and at `saxaul
config set`).

    .venv/bin/python benchmarks/reliability.py [--days 365] [--seed 1] [--inputs 2000]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from host_tools import fw, season, unixport  # noqa: E402

# The soak, inside micropython. P: the parameters (JSON). Faults, one draw a
# day from a seeded LCG: an exception in one module's method at its next call,
# a probe unplugged for two hours, the flow meter silent for a morning, a
# reset at a random minute. Telemetry is dropped; results go to P["out"].
SOAK = r'''
import sys, json, gc
P = json.loads(PARAMS)
sys.path[:0] = [P["sim"], P["fw"]]
import time, machine, builtins
import field as fieldmod

builtins.print = lambda *a, **k: None
with open(P["scenario"]) as f:
    sc = json.load(f)
with open(P["board"]) as f:
    spec = json.load(f)
sc["days"] = P["days"]
world = fieldmod.Field(sc, spec, time, machine)
time.reset(0, P["epoch"])
machine.set_world(world)
world.attach()

DAY = 86400000
x = [P["seed"] % 65537 or 1]


def rnd(n):
    x[0] = (x[0] * 75 + 74) % 65537
    return x[0] % n


R = {"days": 0, "injected": {}, "survived": 0, "unhandled": [], "resets": 0, "heap": [],
     "journal_max": 0, "longest_run_s": 0, "dead_head_s": 0, "exc_events": 0}
TARGETS = (("board", "Board", "read_pv_mv"), ("board", "Board", "read_probe_mv"), ("sensing", "Probe", "update"),
           ("power", "Power", "update"), ("planner", "Planner", "plan"), ("pump", "Sequencer", "step"),
           ("journal", "Journal", "sample"))
armed = [None]  # (module, class, method) to raise at its next call
probe_off = [-1, 0]  # plot, until ms
meter_off = [0]  # flow meter silent until ms
reset_at = [-1]
on_since = [-1]
last = [0]


def kind_count(k):
    R["injected"][k] = R["injected"].get(k, 0) + 1


class Boom(Exception):
    pass


def patch_all():
    # After each (re)import of the firmware: wrap each target once.
    for modname, clsname, meth in TARGETS:
        mod = sys.modules["saxaul." + modname]
        cls = getattr(mod, clsname)
        real = getattr(cls, meth)
        key = (modname, clsname, meth)

        def make(real, key):
            def f(self, *a):
                if armed[0] == key:
                    armed[0] = None
                    raise Boom(key[2])
                return real(self, *a)
            return f

        setattr(cls, meth, make(real, key))


real_probe = world.probe_mv


def probe_mv(i):
    if i == probe_off[0] and world.t_ms < probe_off[1]:
        return 0.0
    return real_probe(i)


world.probe_mv = probe_mv
real_pulse_to = world._pulse_to


def pulse_to(now_ms):
    if world.t_ms < meter_off[0]:
        world._pulse_ms = now_ms
        return
    real_pulse_to(now_ms)


world._pulse_to = pulse_to


def journal_bytes():
    import os
    n = 0
    try:
        for name in os.listdir(P["root"] + "log"):
            n += os.stat(P["root"] + "log/" + name)[6]
    except OSError:
        pass
    return n


def on_day(d):
    R["days"] = d
    del world.rows[:]  # the field's own daily rows: not the firmware's heap
    if d % 30 == 0:
        gc.collect()
        R["heap"].append(gc.mem_alloc())
        b = journal_bytes()
        if b > R["journal_max"]:
            R["journal_max"] = b
    f = rnd(10)
    now = time.now_ms()
    if f < 3:
        t = TARGETS[rnd(len(TARGETS))]
        armed[0] = t
        kind_count("exception in " + t[0])
    elif f == 3:
        probe_off[0] = rnd(world.n_plots)
        probe_off[1] = now + (6 + rnd(8)) * 3600000 + 7200000
        kind_count("probe unplugged 2 h")
    elif f == 4:
        meter_off[0] = now + 6 * 3600000 + 6 * 3600000
        kind_count("flow meter silent")
    elif f == 5:
        reset_at[0] = now + rnd(1440) * 60000
        kind_count("reset")


world.on_day = on_day


class Reset(BaseException):
    pass


def watch(now_ms):
    dt = now_ms - last[0]
    last[0] = now_ms
    if world.pump_on:
        if on_since[0] < 0:
            on_since[0] = now_ms
        run_s = (now_ms - on_since[0]) // 1000
        if run_s > R["longest_run_s"]:
            R["longest_run_s"] = run_s
        if not any(world.valves):
            R["dead_head_s"] += dt // 1000
    else:
        on_since[0] = -1
    if 0 <= reset_at[0] <= now_ms:
        reset_at[0] = -1
        raise Reset()


time.add_hook(watch)
while True:
    for name in list(sys.modules):
        if name == "main" or name == "saxaul" or name.startswith("saxaul."):
            del sys.modules[name]
    try:
        import main
        from saxaul import board, sensing, power, planner, pump, journal, controller
        patch_all()
        main.main(P["root"], False)
        R["unhandled"].append("main returned")
        break
    except fieldmod.SeasonOver:
        break
    except Reset:
        R["resets"] += 1
        machine.set_world(world)
        world.on_reset(machine.HARD_RESET)
    except machine.ResetRequest as e:
        R["resets"] += 1
        machine.set_world(world)
        world.on_reset(e.cause)
    except Exception as e:
        R["unhandled"].append(repr(e))
        break
R["journal_max"] = max(R["journal_max"], journal_bytes())
from saxaul import journal as jn
recs, bad = jn.read_dir(P["root"] + "log")
R["journal_bad"] = bad
R["exc_events"] = len([r for r in recs if r["kind"] == "EXC"])
from saxaul.limits import HARD_MAX_RUN_S
R["stops_over_cap"] = len([r for r in recs if r["kind"] == "STOP" and r["b"] > HARD_MAX_RUN_S])
R["sim_ms"] = time.now_ms()
with open(P["out"], "w") as f:
    json.dump(R, f)
'''


def soak(days=365, seed=1, scenario="muynak-summer", timeout=1800):
    """Run the soak on the unix port; returns the result dict (see SOAK) with wall_s."""
    sc = season.load_scenario(scenario)
    sc["days"] = days
    with tempfile.TemporaryDirectory(prefix="saxaul-soak-") as work:
        root, board = season.prepare_flash(sc, os.path.join(work, "flash"))
        paths = {}
        for name, obj in (("scenario", sc), ("board", board)):
            paths[name] = os.path.join(work, name + ".json")
            with open(paths[name], "w") as f:
                json.dump(obj, f)
        params = {"sim": fw.SIM_DIR, "fw": fw.FIRMWARE_DIR, "days": days, "seed": seed, "root": root,
                  "epoch": season.epoch_s(sc), "out": os.path.join(work, "soak.json")}
        params.update(paths)
        driver = os.path.join(work, "soak.py")
        with open(driver, "w") as f:
            f.write("PARAMS = %r\n" % json.dumps(params) + SOAK)
        t0 = time.monotonic()
        proc = subprocess.run([unixport.find(), "-X", "heapsize=32M", driver], capture_output=True, text=True,
                              timeout=timeout, cwd=work)
        wall = time.monotonic() - t0
        if proc.returncode != 0 or not os.path.exists(params["out"]):
            raise RuntimeError("soak failed (exit %d): %s" % (proc.returncode, proc.stderr[-2000:]))
        with open(params["out"]) as f:
            res = json.load(f)
    res["wall_s"] = wall
    return res


def powercut():
    proc = unixport.run("import powercut\npowercut.main()\n", heapsize="16M", timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return [json.loads(x[4:]) for x in proc.stdout.splitlines() if x.startswith("CUT ")]


def bad_inputs(n, seed):
    """Random configs at config.load and random assignments at configtool.set_values: (tried, accepted, refused)."""
    import random

    from host_tools import configtool
    from host_tools.errors import UserError

    config = fw.module("config")
    schema = fw.module("config_schema")
    rng = random.Random(seed)
    keys = [e[0] for e in schema.GLOBAL]
    pkeys = [e[0] for e in schema.PLOT]
    vals = [None, True, False, 0, -1, 1, 5, 60, 100, 10 ** 9, 0.5, 2.5, float("nan"), "", "drip", "dawn",
            "fallback", [], {}, "60"]
    out = {"load": [0, 0, 0], "set": [0, 0, 0]}
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "config.json")
        for _ in range(n):
            nplots = rng.randint(1, 4)
            cfg = config.defaults(nplots)
            for _ in range(rng.randint(0, 3)):
                if rng.random() < 0.5:
                    cfg[rng.choice(keys + ["version", "junk"])] = rng.choice(vals)
                else:
                    cfg["plots"][rng.randrange(nplots)][rng.choice(pkeys + ["junk"])] = rng.choice(vals)
            data = json.dumps(cfg).encode()
            if rng.random() < 0.2:
                data = data[: rng.randrange(len(data))]
            with open(path, "wb") as f:
                f.write(data)
            _, status = config.load(path, nplots)
            out["load"][0] += 1
            out["load"][1 if status == config.LOADED else 2] += 1
            text = "%s=%s" % (rng.choice(keys + ["plot%d.%s" % (rng.randint(0, 5), rng.choice(pkeys)), "junk"]),
                              rng.choice(["60", "-5", "abc", "1e9", "true", "drip", "0.5", ""]))
            out["set"][0] += 1
            try:
                configtool.set_values(config.defaults(nplots), [text])
                out["set"][1] += 1
            except UserError:
                out["set"][2] += 1
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=365, help="soak length in simulated days (default 365)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--inputs", type=int, default=2000, help="random bad inputs of each kind")
    args = ap.parse_args(argv)
    if unixport.find() is None:
        print(unixport.MISSING)
        return 1
    print("%-44s %10s %10s %10s" % ("power cuts (LittleFS, unix port)", "writes", "cuts", "lost"))
    for d in powercut():
        print("  %-42s %10d %10d %10d" % (d["name"], d["ops"], d["cuts"], d["lost"] + len(d["fails"])))
        if d.get("budget_lost"):
            print("  %-42s %10s %10d %10s" % ("  run journaled, not yet counted", "", d["budget_lost"], ""))
    r = soak(args.days, args.seed)
    print()
    print("soak: %d days on MicroPython in %.0f s wall, %d resets" % (r["days"], r["wall_s"], r["resets"]))
    print("  %-42s %10s %10s" % ("faults injected", "injected", "survived"))
    total = sum(r["injected"].values())
    survived = total if not r["unhandled"] else total - 1
    for k in sorted(r["injected"]):
        print("  %-42s %10d %10s" % (k, r["injected"][k], ""))
    print("  %-42s %10d %10d" % ("all", total, survived))
    print("  unhandled exceptions: %s" % (r["unhandled"] or "none"))
    heap = r["heap"]
    print("  heap after collect, per month (bytes): %s" % " ".join(str(h) for h in heap))
    print("  journal largest %d bytes (cap 262144), bad stretches %d, EXC events kept under the cap %d" % (
        r["journal_max"], r["journal_bad"], r["exc_events"]))
    print("  longest pump run %d s (hard cap %d), pump on with every valve closed %d s" % (
        r["longest_run_s"], fw.module("limits").HARD_MAX_RUN_S, r["dead_head_s"]))
    b = bad_inputs(args.inputs, args.seed)
    print()
    print("  %-42s %10s %10s %10s" % ("bad inputs", "tried", "accepted", "refused"))
    print("  %-42s %10d %10d %10d" % ("config.json at boot (config.load)", *b["load"]))
    print("  %-42s %10d %10d %10d" % ("saxaul config set KEY=VALUE", *b["set"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
