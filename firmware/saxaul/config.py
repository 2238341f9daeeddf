# Configuration: defaults, validation, migration, atomic load/save, derived ints.
# The tables live in config_schema.py; the host imports this module too, so
# the device and the laptop check settings with the same code.
import json
import os

from saxaul.config_schema import DERIVED_PLOT, GLOBAL, PLOT, SCHEMA_VERSION

# load() status, journaled as the E_CONFIG `a` field.
LOADED = 0
MISSING = 1
BAD = 2
MIGRATED = 3

_V1_FULL_MV = 3300  # v1 stored probe calibration in read_u16 counts of a 3.3 V ADC
_V1_FULL_RAW = 65535


def _find(table, key):
    for e in table:
        if e[0] == key:
            return e
    return None


def _plain(table):
    d = {}
    for e in table:
        d[e[0]] = e[2]
    return d


def defaults(n_plots):
    cfg = _plain(GLOBAL)
    cfg["version"] = SCHEMA_VERSION
    cfg["plots"] = [_plain(PLOT) for _ in range(n_plots)]
    return cfg


def _fmt(v):
    try:
        return json.dumps(v)
    except Exception:
        return repr(v)


def _rule(e):
    typ, lo, hi, unit = e[1], e[3], e[4], e[5]
    if typ == "bool":
        return "must be true or false"
    if typ == "str":
        return "must be one of " + ", ".join(lo)
    s = "must be %s %s..%s" % ("an integer" if typ == "int" else "a number", lo, hi)
    return s + " " + unit if unit else s


def _ok(e, v):
    typ = e[1]
    t = type(v)
    if typ == "int":
        return t is int and e[3] <= v <= e[4]
    if typ == "float":
        return (t is int or t is float) and e[3] <= v <= e[4]
    if typ == "bool":
        return t is bool
    return t is str and v in e[3]


def _check_table(errs, table, d, where):
    good = {}
    for e in table:
        key = e[0]
        if key not in d:
            errs.append("%s%s: missing (%s)" % (where, key, _rule(e)))
        elif _ok(e, d[key]):
            good[key] = d[key]
        else:
            errs.append("%s%s = %s: %s" % (where, key, _fmt(d[key]), _rule(e)))
    for key in d:
        if key != "plots" and key != "version" and _find(table, key) is None:
            errs.append("%s%s = %s: unknown key" % (where, key, _fmt(d[key])))
    return good


def _above(errs, g, where, key, other, unit):
    if key in g and other in g and g[key] <= g[other]:
        errs.append("%s%s = %s: must be above %s (%s)%s" % (where, key, g[key], other, g[other], unit))


def validate(cfg, n_plots=None):
    """Every error in cfg, each naming the key path, the value and the rule."""
    if type(cfg) is not dict:
        return ["config = %s: must be an object" % _fmt(cfg)]
    errs = []
    v = cfg.get("version")
    if type(v) is not int or v != SCHEMA_VERSION:
        errs.append("version = %s: must be %d" % (_fmt(v), SCHEMA_VERSION))
    g = _check_table(errs, GLOBAL, cfg, "")
    _above(errs, g, "", "pv_stop_mv", "pv_night_mv", " mV")
    _above(errs, g, "", "pv_start_mv", "pv_stop_mv", " mV")
    _above(errs, g, "", "sag_backoff_max_s", "sag_backoff_s", " s")
    lo, ok = g.get("batt_low_mv"), g.get("batt_ok_mv")
    if lo is not None and ok is not None and not (lo == 0 and ok == 0) and ok <= lo:
        errs.append("batt_ok_mv = %d: must be above batt_low_mv (%d) mV, or both 0 (no battery)" % (ok, lo))
    plots = cfg.get("plots")
    if type(plots) is not list:
        errs.append("plots = %s: must be a list of plot settings" % _fmt(plots))
        return errs
    if n_plots is not None and len(plots) != n_plots:
        errs.append("plots: %d entries, the board has %d plots" % (len(plots), n_plots))
    for i in range(len(plots)):
        where = "plots[%d]." % i
        p = plots[i]
        if type(p) is not dict:
            errs.append("plots[%d] = %s: must be an object" % (i, _fmt(p)))
            continue
        pg = _check_table(errs, PLOT, p, where)
        _above(errs, pg, where, "target_pct", "start_pct", " %")
        if "dry_mv" in pg and "wet_mv" in pg and pg["dry_mv"] == pg["wet_mv"]:
            errs.append("%swet_mv = %d: must differ from dry_mv (%d) mV" % (where, pg["wet_mv"], pg["dry_mv"]))
    return errs


def _v1_to_v2(d):
    # v1 had no salt slope and kept probe calibration in read_u16 counts.
    for p in d.get("plots") or ():
        if type(p) is not dict:
            continue
        for old, new in (("dry_raw", "dry_mv"), ("wet_raw", "wet_mv")):
            raw = p.get(old)
            if type(raw) is int and new not in p:
                p[new] = (raw * _V1_FULL_MV + _V1_FULL_RAW // 2) // _V1_FULL_RAW
                del p[old]
        if "ece_slope_pct" not in p:
            p["ece_slope_pct"] = _find(PLOT, "ece_slope_pct")[2]


_MIGRATIONS = (_v1_to_v2,)  # index v - 1: from version v to v + 1


def migrate(d):
    """A copy of an older config brought to SCHEMA_VERSION, the user's values kept."""
    if type(d) is not dict:
        raise ValueError("config must be an object")
    v = d.get("version")
    if type(v) is not int or v < 1 or v > SCHEMA_VERSION:
        raise ValueError("config version %s: this firmware reads 1..%d" % (_fmt(v), SCHEMA_VERSION))
    d = copy(d)
    while v < SCHEMA_VERSION:
        _MIGRATIONS[v - 1](d)
        v += 1
    d["version"] = v
    return d


def copy(cfg):
    """A copy deep enough to change any key (globals and each plot's dict)."""
    c = dict(cfg)
    if type(c.get("plots")) is list:
        c["plots"] = [dict(p) if type(p) is dict else p for p in c["plots"]]
    return c


def _remove(path):
    try:
        os.remove(path)
    except OSError:
        pass


def load(path, n_plots):
    """(cfg, status): LOADED, MISSING or BAD (both give defaults), MIGRATED. Never raises on a bad file."""
    _remove(path + ".tmp")  # a save torn by power loss; the old file is intact
    try:
        f = open(path)
    except OSError:
        return defaults(n_plots), MISSING
    try:
        try:
            d = json.loads(f.read())
        finally:
            f.close()
        status = LOADED
        if type(d) is dict and d.get("version") != SCHEMA_VERSION:
            d = migrate(d)
            status = MIGRATED
        if validate(d, n_plots):
            return defaults(n_plots), BAD
        return d, status
    except Exception:  # unreadable, not JSON, or a version we cannot read
        return defaults(n_plots), BAD


def strip(cfg):
    """A copy without the derived keys, as it is saved."""
    c = copy(cfg)
    for p in c.get("plots") or ():
        for k in DERIVED_PLOT:
            if type(p) is dict and k in p:
                del p[k]
    return c


def save(cfg, path):
    """Validate, then write atomically: tmp file, close, rename (atomic on LittleFS)."""
    cfg = strip(cfg)
    errs = validate(cfg)
    if errs:
        raise ValueError(errs)
    tmp = path + ".tmp"
    f = open(tmp, "w")
    try:
        f.write(json.dumps(cfg))
    finally:
        f.close()
    os.rename(tmp, path)


def leach_pml(cfg, p):
    """Leaching fraction in permille from FAO-29 (Ayers & Westcot 1985; FIELD-NOTES)."""
    mode = cfg["leach_mode"]
    ecw = cfg["ecw_dsm"]
    thr = p["ece_thr_dsm"]
    if mode == "drip":
        # High-frequency irrigation: LR = ECw / (2 max ECe), with max ECe the
        # Maas-Hoffman zero-yield point ECe_thr + 100 / b.
        lr = ecw / (2 * (thr + 100 / p["ece_slope_pct"]))
    elif mode == "surface":
        den = 5 * thr - ecw
        lr = ecw / den if den > 0 else 1.0
    elif mode == "fraction":
        lr = p["leach_pct"] / 100
    else:
        lr = 0.0
    pml = int(lr * 1000 + 0.5)
    # At most 0.9: an LR past it is a configuration error, not a dose, and
    # the tick divides by 1000 - leach_pml (refills, leaching doses, the
    # day's need) on the strength of this one clamp.
    return 0 if pml < 0 else (900 if pml > 900 else pml)


def derive(cfg):
    """A copy with the derived ints the tick uses (per plot `leach_pml`); not saved."""
    c = copy(cfg)
    for p in c["plots"]:
        p["leach_pml"] = leach_pml(c, p)
    return c


def _parse_value(e, raw):
    key, typ = e[0], e[1]
    try:
        if typ == "int":
            return int(raw)
        if typ == "float":
            return float(raw)
    except ValueError:
        pass
    else:
        if typ == "bool":
            low = raw.lower()
            if low in ("true", "1", "yes", "on"):
                return True
            if low in ("false", "0", "no", "off"):
                return False
        elif typ == "str" and raw in e[3]:
            return raw
    want = {"int": "an integer", "float": "a number", "bool": "true or false"}.get(typ)
    if want is None:
        want = "one of " + ", ".join(e[3])
    raise ValueError("%s: expected %s, got %s" % (key, want, _fmt(raw)))


def _shown(text):
    """Text as typed, or quoted with escapes when it would break the line."""
    for ch in text:
        if ch < " ":
            return _fmt(text)
    return text


def _printable(name):
    for ch in name:
        if not (ch.isalpha() or ch.isdigit() or ch in "_."):
            return False
    return True


def parse_assignment(text, n_plots):
    """`KEY=VALUE` or `plotN.KEY=VALUE` (N from 1) -> (path, typed value).

    The path is (key,) for a global key or ("plots", index, key)."""
    if "=" not in text:
        raise ValueError("%s: write KEY=VALUE or plotN.KEY=VALUE" % _shown(text))
    name, raw = text.split("=", 1)
    name = name.strip()
    raw = raw.strip()
    if not name:
        raise ValueError("%s: no key before '=' (write KEY=VALUE)" % _shown(text))
    if not _printable(name):
        raise ValueError("%s: a key is letters, digits, '_' and '.' (write KEY=VALUE)" % _shown(name))
    if "." in name:
        head, key = name.split(".", 1)
        if len(head) < 5 or not head.startswith("plot") or not key:
            # ".", "x.y", "plot.k", "plot1.": no key, or a dot where none belongs
            raise ValueError("%s: write KEY=VALUE, or plotN.KEY=VALUE for a plot's setting" % name)
        try:
            i = int(head[4:]) - 1
        except ValueError:
            raise ValueError("%s: write plotN.KEY with N a plot number" % name)
        if not 0 <= i < n_plots:
            raise ValueError("%s: no such plot (the board has plot1..plot%d)" % (head, n_plots))
        e = _find(PLOT, key)
        if e is None:
            raise ValueError("%s: not a plot setting" % key)
        return ("plots", i, key), _parse_value(e, raw)
    e = _find(GLOBAL, name)
    if e is None:
        if _find(PLOT, name) is not None:
            raise ValueError("%s is a plot setting: write plot1.%s=%s" % (name, name, raw))
        raise ValueError("%s: unknown key" % name)
    return (name,), _parse_value(e, raw)


def apply(cfg, path, value):
    """A copy of cfg with the key at path (from parse_assignment) set to value."""
    c = copy(cfg)
    if len(path) == 1:
        c[path[0]] = value
    else:
        c["plots"][path[1]][path[2]] = value
    return c


def describe():
    """Rows (key, type, default, min, max, unit, help); plot keys as plotN.KEY."""
    rows = []  # type: list
    rows.extend(GLOBAL)
    for e in PLOT:
        rows.append(("plotN." + e[0],) + e[1:])
    return rows
