"""Configuration from the laptop: keys, validation with the firmware's schema, diff, and a safe push.

Validation runs twice: here with firmware/saxaul/config.py before anything is
sent, and on the device with its own config module, so the device's schema is
the judge. A device whose schema version differs from this laptop's firmware
is refused rather than written: its keys may mean something else.
"""
import json
import os
import re

from host_tools import fw
from host_tools.errors import DeviceError, UserError

CONFIG_PATH = "/config.json"
TMP_PATH = "/config.json.tmp"  # config.load removes it at boot if a push was cut short
BOARD_PATH = "/board.json"
MARK = "SAXAUL-CFG "

# Runs on the device in maintenance: its own config module loads, validates and
# saves (atomically) what the laptop sent; nothing changes when it refuses.
SAVE_CODE = """
import json, os
from saxaul import config
n = None
try:
    f = open(%(board)r)
    n = len(json.loads(f.read())["plots"])
    f.close()
except Exception:
    pass
f = open(%(tmp)r)
c = json.loads(f.read())
f.close()
e = config.validate(c, n)
if e:
    os.remove(%(tmp)r)
    print(%(mark)r + json.dumps({"ok": False, "errors": e, "schema": config.SCHEMA_VERSION}))
else:
    config.save(c, %(path)r)
    print(%(mark)r + json.dumps({"ok": True, "schema": config.SCHEMA_VERSION}))
""" % {"board": BOARD_PATH, "tmp": TMP_PATH, "path": CONFIG_PATH, "mark": MARK}

SCHEMA_CODE = "from saxaul import config\nprint(%r + str(config.SCHEMA_VERSION))" % MARK


def config():
    return fw.module("config")


def user_text(err):
    """The firmware names plot keys plots[0].KEY; the user writes plot1.KEY."""
    return re.sub(r"plots\[(\d+)\]\.", lambda m: "plot%d." % (int(m.group(1)) + 1), err)


def check(cfg, n_plots=None):
    """Raise UserError naming every bad key, value and allowed range; None when valid."""
    errs = config().validate(cfg, n_plots)
    if errs:
        raise UserError("invalid config, nothing sent: " + "; ".join(user_text(e) for e in errs))


def flatten(cfg):
    """{"tick_s": 60, ..., "plot1.start_pct": 35, ...}: the keys as the user writes them."""
    out = {}
    for k, v in cfg.items():
        if k != "plots":
            out[k] = v
    for i, p in enumerate(cfg.get("plots") or ()):
        if isinstance(p, dict):
            for k, v in p.items():
                out["plot%d.%s" % (i + 1, k)] = v
    return out


def units():
    """key (plotN.KEY for plot keys) -> unit, from the schema."""
    return {row[0]: row[5] for row in config().describe()}


def _unit(key, table):
    u = table.get(re.sub(r"^plot\d+\.", "plotN.", key), "")
    return u if u and u not in ("/h",) else ""


def diff(old, new):
    """[(key, old, new)] for every key whose value differs; a missing side is None."""
    a, b = flatten(old or {}), flatten(new or {})
    keys = list(a) + [k for k in b if k not in a]
    return [(k, a.get(k), b.get(k)) for k in keys if a.get(k) != b.get(k) or (k in a) != (k in b)]


def _show(v):
    if v is None:
        return "(none)"
    return json.dumps(v)


def format_diff(rows):
    """One line per change: `plot1.start_pct: 35 -> 30 %`."""
    table = units()
    out = []
    for key, old, new in rows:
        u = _unit(key, table)
        out.append("%s: %s -> %s%s" % (key, _show(old), _show(new), " " + u if u else ""))
    return out


def n_plots_of(cfg):
    plots = cfg.get("plots") if isinstance(cfg, dict) else None
    return len(plots) if isinstance(plots, list) else 0


def set_values(cfg, assignments, n_plots=None):
    """A validated copy of `cfg` with each `KEY=VALUE` applied; UserError names a bad one."""
    c = config()
    n = n_plots if n_plots is not None else n_plots_of(cfg)
    new = c.copy(cfg)
    for text in assignments:
        try:
            path, value = c.parse_assignment(text, n)
        except ValueError as exc:
            raise UserError("%s, nothing sent" % user_text(str(exc)))
        new = c.apply(new, path, value)
    check(new, n)
    return new


def get_value(cfg, key):
    """The value of `KEY` or `plotN.KEY`; UserError when there is no such key."""
    flat = flatten(cfg)
    if key in flat:
        return flat[key]
    if re.match(r"^plot\d+\.", key):
        raise UserError("%s: no such key in this config (%d plots)" % (key, n_plots_of(cfg)))
    if any(k.endswith("." + key) for k in flat):
        raise UserError("%s is a plot setting: write plot1.%s" % (key, key))
    raise UserError("%s: unknown key (see `saxaul config keys`)" % key)


def format_config(cfg):
    table = units()
    return ["%s = %s%s" % (k, _show(v), " " + _unit(k, table) if _unit(k, table) else "") for k, v in flatten(cfg).items()]


def load_file(path):
    """A config from a local JSON file, brought to this schema version if older."""
    try:
        with open(path) as f:
            cfg = json.load(f)
    except OSError as exc:
        raise UserError("cannot read %s: %s" % (path, exc.strerror or exc))
    except ValueError as exc:
        raise UserError("%s is not valid JSON: %s" % (path, exc))
    c = config()
    if isinstance(cfg, dict) and cfg.get("version") != c.SCHEMA_VERSION:
        try:
            cfg = c.migrate(cfg)
        except ValueError as exc:
            raise UserError("%s: %s" % (path, exc))
    return cfg


def save_file(path, cfg):
    """Write a local config atomically (tmp + replace), as the device does."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


# --- the device side (inside dev.maintenance()) -----------------------------

def device_schema(dev, info=None):
    """The config schema version of the firmware on the device."""
    info = info if info is not None else dev.info()
    for k in ("schema", "schema_version", "config_schema"):
        if isinstance(info, dict) and isinstance(info.get(k), int):
            return info[k]
    out = dev.exec(SCHEMA_CODE)
    for line in out.splitlines():
        if line.startswith(MARK):
            return int(line[len(MARK):])
    raise DeviceError("the board did not say its config schema version: is the Saxaul firmware on it? `saxaul deploy`")


def check_schema(dev, info=None):
    """Refuse a device whose schema is not this laptop's (UserError says what to do)."""
    mine = config().SCHEMA_VERSION
    theirs = device_schema(dev, info)
    if theirs != mine:
        newer = "newer" if theirs > mine else "older"
        raise UserError("the board's firmware has config schema %d, this laptop's has %d (the board is %s): "
                        "run `saxaul deploy` to bring the board to this version, or use the saxaul that matches "
                        "the board; nothing sent" % (theirs, mine, newer))
    return theirs


def device_n_plots(dev):
    try:
        return len(json.loads(dev.read_file(BOARD_PATH))["plots"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def read_device(dev):
    """(cfg, note) of the device: its /config.json, or the defaults it runs on when there is none."""
    c = config()
    n = device_n_plots(dev)
    try:
        data = dev.read_file(CONFIG_PATH)
    except OSError:
        data = b""
    if not data:
        return c.defaults(n or 1), "no config on the board: it runs on defaults"
    try:
        cfg = json.loads(data)
    except ValueError:
        return c.defaults(n or 1), "the board's config is not valid JSON: it runs on defaults"
    if isinstance(cfg, dict) and cfg.get("version") != c.SCHEMA_VERSION:
        try:
            cfg = c.migrate(cfg)  # the board migrates it the same way at boot
        except ValueError:
            pass
    errs = c.validate(cfg, n)
    if errs:
        return c.defaults(n or n_plots_of(cfg) or 1), (
            "the board's config is invalid (%s): it runs on defaults" % "; ".join(user_text(e) for e in errs))
    return cfg, ""


def write_device(dev, cfg):
    """Send `cfg`; the device validates and saves it atomically, or refuses and keeps its own."""
    dev.write_file(TMP_PATH, json.dumps(cfg).encode())
    out = dev.exec(SAVE_CODE)
    for line in out.splitlines():
        if line.startswith(MARK):
            res = json.loads(line[len(MARK):])
            if res.get("ok"):
                return
            raise UserError("the board refused the config, nothing changed: "
                            + "; ".join(user_text(e) for e in res.get("errors", [])))
    raise DeviceError("the board did not confirm the config save: %s" % (out.strip().splitlines() or ["no answer"])[-1])


def push(dev, new_cfg, out=print):
    """Check and send a whole config to the device (in maintenance); prints the changes."""
    check_schema(dev)
    check(new_cfg, device_n_plots(dev))
    old, note = read_device(dev)
    if note:
        out(note)
    return _send(dev, old, new_cfg, out)


def _send(dev, old, new_cfg, out):
    rows = diff(old, new_cfg)
    if not rows:
        out("no change")
        return rows
    write_device(dev, new_cfg)
    for line in format_diff(rows):
        out(line)
    return rows


def set_on_device(dev, assignments, out=print):
    """Apply `KEY=VALUE`s to the device's config (in maintenance); nothing is sent when one is bad."""
    check_schema(dev)
    old, note = read_device(dev)
    if note:
        out(note)
    new = set_values(old, assignments, device_n_plots(dev))
    return _send(dev, old, new, out)
