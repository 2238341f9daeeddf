"""The journal on the laptop: incremental pull into a mirror per device, CSV export, plot, tail.

Journal files on the device are numbered and append-only, so a pull fetches
the files the mirror lacks and, of a file it has, only the bytes past its
local size. The mirror keeps files the device has since rotated away: it is
the season's record. Records are decoded with the firmware's own journal
module, so the laptop reads exactly what the device wrote.
"""
import csv
import datetime
import json
import os
import re
import sys
import time

from host_tools import codes_text, fw
from host_tools.errors import DeviceError, UserError

LOG_DIR = "/log"  # journal folder on the device (docs/architecture.md)
CONFIG_PATH = "/config.json"
LAST_FILE = "last-device"  # name of the device pulled last, in the data folder
CHUNK = 16 * 1024  # bytes per read; the device answers in pieces anyway


def data_dir():
    """Per-user folder for mirrors: XDG on Linux, Application Support on macOS, LOCALAPPDATA on Windows."""
    env = os.environ.get("SAXAUL_DATA")
    if env:
        return env
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.expanduser("~\\AppData\\Local")
    elif sys.platform == "darwin":
        base = os.path.expanduser("~/Library/Application Support")
    else:
        base = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    return os.path.join(base, "saxaul", "logs")


def journal():
    return fw.module("journal")


def _file_key(name):
    """Sort journal files by their number, not as text (9 before 10)."""
    digits = re.findall(r"\d+", name)
    return (int(digits[-1]) if digits else -1, name)


def _safe_name(text):
    return re.sub(r"[^A-Za-z0-9._-]", "_", str(text)) or "unknown"


def info_value(info, *keys, default=None):
    for k in keys:
        if k in info and info[k] not in (None, ""):
            return info[k]
    return default


def device_id(info):
    """The mirror folder name for a device from its info() dict."""
    return _safe_name(info_value(info, "device_id", "id", "dev_id", "uid", default="unknown"))


def _read_all(dev, path, offset, size):
    """Bytes of `path` from `offset` to `size` (the device may answer in pieces)."""
    out = bytearray()
    pos = offset
    while pos < size:
        part = dev.read_file(path, pos)
        if not part:
            break
        part = part[: size - pos]
        out += part
        pos += len(part)
    return bytes(out)


def _count(data):
    if not data:
        return 0, 0
    records, bad = journal().decode(data)
    return len(records), bad


class PullResult:
    """What a pull brought: counts for the one-line summary."""

    def __init__(self, dev_dir):
        self.dir = dev_dir
        self.files_new = 0
        self.files_grown = 0
        self.bytes_new = 0
        self.records_new = 0
        self.bad_new = 0
        self.replaced = []  # local files kept aside because the device's copy shrank

    def summary(self):
        if not self.bytes_new:
            return "nothing new (mirror %s)" % self.dir
        text = "%d new records, %d bytes (%d new files, %d grown) into %s" % (
            self.records_new, self.bytes_new, self.files_new, self.files_grown, self.dir)
        if self.bad_new:
            text += "; %d bad records skipped" % self.bad_new
        if self.replaced:
            text += "; device copy shorter than the mirror, old kept as %s" % ", ".join(self.replaced)
        return text


def pull_into(dev, dev_dir, log_dir=LOG_DIR):
    """Mirror `log_dir` of `dev` (in maintenance) into `dev_dir`; returns a PullResult.

    Fetches only new files and the tails of files that grew.
    """
    os.makedirs(dev_dir, exist_ok=True)
    res = PullResult(dev_dir)
    try:
        remote = dev.listdir(log_dir)
    except OSError:
        remote = []
    for name, size in sorted(remote, key=lambda e: _file_key(e[0])):
        local = os.path.join(dev_dir, _safe_name(name))
        have = os.path.getsize(local) if os.path.exists(local) else -1
        if have == size:
            continue
        if have > size:
            # Numbered append-only files never shrink: this is a new file under an
            # old name (a reformatted board). Keep the old one aside, fetch anew.
            aside = local + ".%d" % int(time.time())
            os.replace(local, aside)
            res.replaced.append(os.path.basename(aside))
            have = -1
        start = max(have, 0)
        data = _read_all(dev, log_dir + "/" + name, start, size)
        old = b""
        if start:
            with open(local, "rb") as f:
                old = f.read()
        n_old, bad_old = _count(old)
        n_all, bad_all = _count(old + data)
        with open(local, "ab" if start else "wb") as f:
            f.write(data)
        res.bytes_new += len(data)
        res.records_new += max(n_all - n_old, 0)
        res.bad_new += max(bad_all - bad_old, 0)
        if start:
            res.files_grown += 1
        else:
            res.files_new += 1
    return res


def save_config_copy(dev, dev_dir):
    """Keep the device's config next to its journal, for plot thresholds offline."""
    data = b""
    try:
        while True:  # the device may answer in pieces; an empty piece is the end
            part = dev.read_file(CONFIG_PATH, len(data))
            if not part:
                break
            data += part
    except OSError:
        return False
    if not data:
        return False
    with open(os.path.join(dev_dir, "config.json"), "wb") as f:
        f.write(data)
    return True


def pull(dev, base_dir=None):
    """Incremental pull of the connected device's journal; returns a PullResult."""
    base_dir = base_dir or data_dir()
    with dev.maintenance():
        info = dev.info()
        dev_dir = os.path.join(base_dir, device_id(info))
        res = pull_into(dev, dev_dir)
        save_config_copy(dev, dev_dir)
    with open(os.path.join(dev_dir, "info.json"), "w") as f:
        json.dump(info, f, indent=1, sort_keys=True)
    with open(os.path.join(base_dir, LAST_FILE), "w") as f:
        f.write(os.path.basename(dev_dir))
    return res


def mirror_dir(base_dir=None, device=None):
    """The mirror to read: the named device's, else the one pulled last, else the only one."""
    base_dir = base_dir or data_dir()
    if device:
        path = os.path.join(base_dir, _safe_name(device))
        if not os.path.isdir(path):
            raise UserError("no logs for device %s under %s: run `saxaul logs pull` first" % (device, base_dir))
        return path
    last = os.path.join(base_dir, LAST_FILE)
    if os.path.exists(last):
        with open(last) as f:
            path = os.path.join(base_dir, f.read().strip())
        if os.path.isdir(path):
            return path
    dirs = [d for d in sorted(os.listdir(base_dir)) if os.path.isdir(os.path.join(base_dir, d))] if os.path.isdir(base_dir) else []
    if len(dirs) == 1:
        return os.path.join(base_dir, dirs[0])
    if not dirs:
        raise UserError("no logs under %s: run `saxaul logs pull` with the board plugged in" % base_dir)
    raise UserError("logs of several devices under %s (%s): pass --device" % (base_dir, ", ".join(dirs)))


def journal_files(dev_dir):
    names = [n for n in os.listdir(dev_dir) if n not in ("config.json", "info.json") and not n.endswith(".csv")
             and not n.endswith(".png") and os.path.isfile(os.path.join(dev_dir, n))]
    return [os.path.join(dev_dir, n) for n in sorted(names, key=_file_key)]


def load_records(dev_dir):
    """All records of a mirror in file order, as dicts; plus the count of bad records."""
    records = []
    bad = 0
    for path in journal_files(dev_dir):
        with open(path, "rb") as f:
            data = f.read()
        recs, b = journal().decode(data)
        bad += b
        records.extend(as_dict(r) for r in recs)
    return records, bad


def load_config(dev_dir):
    path = os.path.join(dev_dir, "config.json")
    if not os.path.exists(path):
        return None
    try:
        with open(path) as f:
            return json.load(f)
    except ValueError:
        return None


def as_dict(rec):
    """A decoded record as a plain dict, whatever shape the journal module returns."""
    if isinstance(rec, dict):
        return dict(rec)
    if hasattr(rec, "_asdict"):
        return dict(rec._asdict())
    if hasattr(rec, "__dict__"):
        return dict(vars(rec))
    slots = getattr(rec, "__slots__", ())
    return {k: getattr(rec, k) for k in slots if hasattr(rec, k)}


# --- reading records --------------------------------------------------------

# Embedded MicroPython ports count wall seconds from 2000-01-01, the unix port
# from 1970 (MicroPython docs, `time`). A 2000-based count stays below the
# 1970-based count of 2000-01-01 until 2030, so the two can be told apart.
EPOCH_2000 = 946684800


def wall_utc(wall_s):
    """A record's wall seconds as an aware UTC datetime, or None while the RTC was unset."""
    if not wall_s:
        return None
    unix = wall_s if wall_s >= EPOCH_2000 else wall_s + EPOCH_2000
    return datetime.datetime.fromtimestamp(unix, datetime.timezone.utc)


def when(rec):
    """'2026-05-03T06:12:00Z' when the wall time is known, else 'boot 3 +1234s'."""
    t = wall_utc(rec.get("wall_s"))
    if t is not None:
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")
    return "boot %d +%ds" % (rec.get("boot", 0), rec.get("uptime_s", 0))


def _plot_cfg(cfg, plot):
    plots = cfg.get("plots") if cfg else None
    if isinstance(plots, list) and 0 <= plot < len(plots) and isinstance(plots[plot], dict):
        return plots[plot]
    return {}


def _pct_text(v):
    return "fault" if v == 255 else "%d%%" % v


class Reader:
    """Turns records into words, remembering the last sample so reasons carry their numbers."""

    def __init__(self, cfg=None):
        self.cfg = cfg or {}
        self.pct = []
        self.pv_mv = None

    def detail(self, rec):
        """(reason words, detail words) for one record; updates what the next record may cite."""
        c = codes_text.codes()
        kind = rec.get("kind")
        plot = rec.get("plot", c.NO_PLOT)
        a, b, cc = rec.get("a", 0), rec.get("b", 0), rec.get("c", 0)
        if kind == "SAMPLE":
            self.pct = list(rec.get("pct", ()))
            self.pv_mv = rec.get("pv_mv")
            parts = ["PV %.1f V" % (rec.get("pv_mv", 0) / 1000.0)]
            if self.pct:
                parts.append("moisture " + " ".join(_pct_text(v) for v in self.pct))
            if rec.get("batt_mv"):
                parts.append("battery %.2f V" % (rec["batt_mv"] / 1000.0))
            if rec.get("out_mask"):
                parts.append(outputs_text(rec["out_mask"]))
            if rec.get("ml"):
                parts.append("%d ml" % rec["ml"])
            faults = ["plot %d %s" % (i + 1, codes_text.plot_faults_text(f)) for i, f in enumerate(rec.get("faults", ())) if f]
            parts.extend(faults)
            return "", ", ".join(parts)
        if kind in ("START", "STOP", "REFUSE"):
            values = dict(self.cfg)
            values.update(_plot_cfg(self.cfg, plot))
            if 0 <= plot < len(self.pct) and self.pct[plot] != 255:
                values["pct"] = self.pct[plot]
            if self.pv_mv is not None:
                values["pv_mv"] = self.pv_mv
            if kind == "START":
                values["run_s"] = b
                return codes_text.reason_text(a, values), "plot %d, planned %d s" % (plot + 1, b)
            if kind == "STOP":
                values["run_s"] = b
                return codes_text.reason_text(a, values), "plot %d, ran %d s, %d ml" % (plot + 1, b, cc)
            return codes_text.reason_text(a, values), "plot %d" % (plot + 1) if plot != c.NO_PLOT else ""
        if kind in ("FAULT_SET", "FAULT_CLR"):
            return "", codes_text.fault_bit_text(plot, a)
        if kind == "BOOT":
            return "", "%s, config schema %d" % (codes_text.reset_text(a), b)
        if kind == "CONFIG":
            return "", codes_text.config_event_text(a)
        if kind in ("DAWN", "DUSK"):
            return "", "day %d" % a
        if kind == "EXC":
            return "", "in module %d" % a
        if kind == "HEADER":
            return "", "journal file of device %s" % rec.get("dev_id", "?")
        return "", "plot %s a=%s b=%s c=%s" % (plot, a, b, cc)


def outputs_text(mask):
    """Sample out_mask (bit 0 pump, bit 1+i valve i) in words."""
    parts = []
    if mask & 1:
        parts.append("pump on")
    valves = [str(i + 1) for i in range(4) if mask & (2 << i)]
    if valves:
        parts.append("valve " + ",".join(valves) + " open")
    return ", ".join(parts)


def record_line(rec, reader):
    """One readable line for `logs tail`."""
    reason, detail = reader.detail(rec)
    kind = rec.get("kind", "?")
    words = codes_text.EVENTS.get(kind, kind.lower()) if kind != "HEADER" else "file start"
    text = "%-20s %-13s %s" % (when(rec), words, detail)
    if reason:
        text += ": " + reason
    return text.rstrip()


def tail_lines(records, n, cfg=None):
    """The last `n` records as lines; the reader sees all of them so reasons carry numbers."""
    reader = Reader(cfg)
    out = []
    start = max(len(records) - n, 0)
    for i, rec in enumerate(records):
        line = record_line(rec, reader)
        if i >= start:
            out.append(line)
    return out


CSV_FIELDS = ("time_utc", "boot", "uptime_s", "event", "plot", "pv_mv", "batt_mv", "moisture_pct",
              "faults", "pump", "valves", "ml", "reason", "detail")


def export_csv(records, path, cfg=None):
    """Write records to CSV (one row each); returns the number of rows."""
    reader = Reader(cfg)
    c = codes_text.codes()
    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(CSV_FIELDS)
        for rec in records:
            reason_words, detail = reader.detail(rec)
            kind = rec.get("kind", "?")
            t = wall_utc(rec.get("wall_s"))
            plot = rec.get("plot")
            row = {
                "time_utc": t.strftime("%Y-%m-%dT%H:%M:%SZ") if t else "",
                "boot": rec.get("boot", ""),
                "uptime_s": rec.get("uptime_s", ""),
                "event": kind,
                "plot": plot + 1 if isinstance(plot, int) and plot != c.NO_PLOT else "",
                "detail": detail,
            }
            if kind == "SAMPLE":
                mask = rec.get("out_mask", 0)
                row.update({
                    "pv_mv": rec.get("pv_mv", ""),
                    "batt_mv": rec.get("batt_mv") or "",
                    "moisture_pct": ";".join("" if v == 255 else str(v) for v in rec.get("pct", ())),
                    "faults": ";".join(codes_text.plot_faults_text(f) for f in rec.get("faults", ())),
                    "pump": 1 if mask & 1 else 0,
                    "valves": ";".join(str(i + 1) for i in range(4) if mask & (2 << i)),
                    "ml": rec.get("ml", 0),
                })
            elif kind in ("START", "STOP", "REFUSE"):
                row["reason"] = codes_text.reason_name(rec.get("a", 0))
                row["detail"] = detail + (": " + reason_words if reason_words else "")
                if kind == "STOP":
                    row["ml"] = rec.get("c", 0)
            elif kind in ("FAULT_SET", "FAULT_CLR"):
                row["faults"] = detail
            w.writerow([row.get(k, "") for k in CSV_FIELDS])
    os.replace(tmp, path)
    return len(records)


def timeline_h(records):
    """x position in hours for each record, and whether it is wall time.

    When every record has wall time the x axis is the calendar (matplotlib
    dates); otherwise boots are stitched end to end on the controller's clock.
    """
    if records and all(rec.get("wall_s") for rec in records):
        return [wall_utc(rec["wall_s"]) for rec in records], True
    xs = []
    base = 0
    last_x = 0.0
    last_boot = None
    for rec in records:
        up = rec.get("uptime_s", 0)
        if rec.get("boot") != last_boot:
            base = last_x * 3600 - up
            last_boot = rec.get("boot")
        x = (base + up) / 3600.0
        xs.append(x)
        last_x = x
    return xs, False


def _segments(pts, wall, max_gap_h=2.0):
    """Split (x, y) points where the journal has a gap, so no line is drawn across a night off."""
    segs = []
    cur = []
    last = None
    for x, y in pts:
        if last is not None:
            gap = (x - last).total_seconds() / 3600.0 if wall else x - last
            if gap > max_gap_h:
                segs.append(cur)
                cur = []
        cur.append((x, y))
        last = x
    if cur:
        segs.append(cur)
    return segs


def _lines(ax, pts, wall, label=None, **kw):
    for i, seg in enumerate(_segments(pts, wall)):
        ax.plot([p[0] for p in seg], [p[1] for p in seg], label=label if i == 0 else None, **kw)


def plot_png(records, path, cfg=None, title="Saxaul journal"):
    """PV, moisture per plot with thresholds, pump runs and faults, into a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not records:
        raise UserError("no records to plot: run `saxaul logs pull` first")
    xs, wall = timeline_h(records)
    samples = [(x, r) for x, r in zip(xs, records) if r.get("kind") == "SAMPLE"]
    n_plots = max([len(r.get("pct", ())) for _, r in samples] + [len((cfg or {}).get("plots") or ())] + [0])
    fig, (ax_pv, ax_m, ax_run) = plt.subplots(3, 1, sharex=True, figsize=(11, 8),
                                              gridspec_kw={"height_ratios": [2, 3, 1.4]})
    fig.suptitle(title)
    _lines(ax_pv, [(x, r.get("pv_mv", 0) / 1000.0) for x, r in samples], wall, color="tab:orange", lw=1)
    ax_pv.set_ylabel("PV (V)")
    if cfg:
        for key, style in (("pv_start_mv", "--"), ("pv_stop_mv", ":")):
            if isinstance(cfg.get(key), int):
                ax_pv.axhline(cfg[key] / 1000.0, color="tab:orange", ls=style, lw=0.8, label=key)
        ax_pv.legend(loc="upper right", fontsize="small")
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i in range(n_plots):
        col = colors[i % len(colors)]
        pts = [(x, r["pct"][i]) for x, r in samples if i < len(r.get("pct", ())) and r["pct"][i] != 255]
        _lines(ax_m, pts, wall, label="plot %d" % (i + 1), color=col, lw=1)
        pc = _plot_cfg(cfg, i)
        if isinstance(pc.get("start_pct"), int):
            ax_m.axhline(pc["start_pct"], color=col, ls="--", lw=0.8)
        if isinstance(pc.get("target_pct"), int):
            ax_m.axhline(pc["target_pct"], color=col, ls=":", lw=0.8)
    ax_m.set_ylabel("moisture (%)\n-- start  : target")
    ax_m.set_ylim(0, 100)
    if n_plots:
        ax_m.legend(loc="upper right", fontsize="small")
    # Pump runs from START to STOP, one row per plot; faults as red marks.
    open_runs = {}
    for x, r in zip(xs, records):
        kind = r.get("kind")
        p = r.get("plot", 0)
        if kind == "START":
            open_runs[p] = x
        elif kind == "STOP" and p in open_runs:
            x0 = open_runs.pop(p)
            ax_run.plot([x0, x], [p + 1, p + 1], color=colors[p % len(colors)], lw=6, solid_capstyle="butt")
        elif kind == "FAULT_SET":
            ax_run.plot([x], [0 if p == codes_text.codes().NO_PLOT else p + 1], "x", color="red")
            ax_run.annotate(codes_text.fault_bit_text(p, r.get("a", 0)), (x, 0 if p == 255 else p + 1),
                            fontsize="x-small", color="red", xytext=(3, 3), textcoords="offset points")
    ax_run.set_yticks(range(n_plots + 1))
    ax_run.set_yticklabels(["faults"] + ["plot %d" % (i + 1) for i in range(n_plots)])
    ax_run.set_ylim(-0.5, n_plots + 0.5)
    ax_run.set_ylabel("pump runs")
    ax_run.set_xlabel("time (UTC)" if wall else "hours on the controller's clock (boots stitched)")
    if wall:
        fig.autofmt_xdate()
    fig.tight_layout()
    tmp = path + ".tmp.png"
    fig.savefig(tmp, format="png", dpi=100, metadata={"Software": "saxaul logs plot (matplotlib %s)" % matplotlib.__version__})
    plt.close(fig)
    os.replace(tmp, path)
    return path
