"""Wiring diagrams and parts lists drawn from a board file.

The picture is computed from the same `boards/NAME.json` the firmware loads,
after the same `boardfile.check`, so a diagram cannot show a pin the firmware
does not use. SVG is written here by hand (no dependency); PNG goes through
matplotlib, drawing the same primitives.
"""
import json
import math
import os

from host_tools import fw
from host_tools.errors import UserError

WIRING_DIR = os.path.join(fw.ROOT, "docs", "wiring")

# E24 preferred values, one decade (IEC 60063).
E24 = (10, 11, 12, 13, 15, 16, 18, 20, 22, 24, 27, 30, 33, 36, 39, 43, 47, 51, 56, 62, 68, 75, 82, 91)

GATE_R = 100  # ohm: tames the gate's charging current and ringing
PULLDOWN_R = 100000  # ohm: holds the gate low while the pin floats at boot
LED_R = 330  # ohm: ~4 mA from 3.3 V through a red LED
MISMATCH = 0.005  # divider ratio from the resistors vs the board file: beyond this, say so


def _bf():
    return fw.module("boardfile")


# Board files


def board_path(ref):
    """A board name under boards/ ("pico") or a path to a JSON file."""
    if ref.endswith(".json") or os.sep in ref or "/" in ref:
        return ref
    return os.path.join(fw.BOARDS_DIR, ref + ".json")


def shipped_boards():
    """Names of the board files under boards/."""
    return sorted(f[:-5] for f in os.listdir(fw.BOARDS_DIR) if f.endswith(".json"))


def load_board(ref):
    """Read and check a board file; returns (path, board) or raises UserError, one line per problem."""
    path = board_path(ref)
    try:
        with open(path) as f:
            text = f.read()
    except OSError as exc:
        known = ", ".join(shipped_boards())
        raise UserError("cannot read board file %s (%s); boards under boards/: %s" % (path, exc.strerror, known))
    try:
        board = json.loads(text)
    except ValueError as exc:
        raise UserError("%s: not valid JSON: %s" % (path, exc))
    problems = _bf().check(board)
    if problems:
        raise UserError("\n".join("%s: %s" % (path, p) for p in problems))
    return path, board


# Dividers


def e24_divider(ratio):
    """(Rtop, Rbottom) in ohms from the E24 series closest to `ratio` = (Rtop + Rbottom) / Rbottom.

    Rbottom stays between 1k and 100k (a low source impedance for the ADC,
    under a milliamp from the panel); among equally close pairs the one with
    Rbottom nearest 10k wins.
    """
    best = None
    for bdec in (100, 1000, 10000):
        for b in E24:
            rbot = b * bdec
            for tdec in (100, 1000, 10000, 100000):
                for t in E24:
                    rtop = t * tdec
                    err = abs((rtop + rbot) / rbot - ratio) / ratio
                    key = (round(err, 6), abs(math.log(rbot / 10000.0)), rtop)
                    if best is None or key < best[0]:
                        best = (key, rtop, rbot)
    return best[1], best[2]


def ohms(r):
    """100 -> "100", 4700 -> "4.7k", 100000 -> "100k", 1000000 -> "1M"."""
    for div, suffix in ((1000000, "M"), (1000, "k")):
        if r >= div:
            v = r / div
            return ("%g" % v) + suffix
    return "%d" % r


def divider(board, key):
    """The chosen resistors and what they mean for a divider input ("pv" or "battery")."""
    bf = _bf()
    spec = board[key]
    rtop, rbot = e24_divider(spec["ratio"])
    v_key = "voc_mv" if key == "pv" else "max_mv"
    v_mv = spec.get(v_key)
    return {
        "rtop": rtop,
        "rbot": rbot,
        "ratio": spec["ratio"],
        "ratio_parts": (rtop + rbot) / rbot,
        # E24 steps are ~10 %, so a pair can miss the ratio by up to ~3 %; the
        # firmware scales by the board file's ratio, so say when they differ.
        "mismatch": abs((rtop + rbot) / rbot - spec["ratio"]) / spec["ratio"] > MISMATCH,
        "adc_top_mv": bf.adc_top_mv(board),
        "in_max_mv": bf.in_max_mv(board, key),
        "v_mv": v_mv,
        "pin_mv": int(v_mv * rbot / (rtop + rbot) + 0.5) if v_mv else None,  # through the real resistors
    }


def _match_note(key, dv):
    if not dv["mismatch"]:
        return ""
    return ": set %s.ratio to %.2f to match" % (key, dv["ratio_parts"])


def _volts(mv):
    """Millivolts as volts, rounded down: a limit shown must never be above the true one."""
    mv = int(mv)
    return "%d.%d V" % (mv // 1000, mv % 1000 // 100)


# The plan: components with their references, shared by the drawing and the parts list.


class _Refs:
    def __init__(self):
        self._n = {}

    def __call__(self, prefix):
        self._n[prefix] = self._n.get(prefix, 0) + 1
        return "%s%d" % (prefix, self._n[prefix])


def _onboard_led(board):
    led = board.get("led")
    return board["chip"] == "rp2040" and led is not None and led["pin"] == 25


def plan(board):
    """The blocks of the drawing in order, each a dict with its kind, refs and parts rows."""
    bf = _bf()
    refs = _Refs()
    blocks = []

    def block(kind, **kw):
        kw["kind"] = kind
        kw.setdefault("rows", [])
        blocks.append(kw)
        return kw

    for key in ("pv", "battery"):
        if not board.get(key):
            continue
        dv = divider(board, key)
        src = refs("PV" if key == "pv" else "BT")
        r1, r2, c1 = refs("R"), refs("R"), refs("C")
        name = "PV panel" if key == "pv" else "battery"
        b = block("divider", key=key, dv=dv, src=src, r1=r1, r2=r2, c1=c1, pin=board[key]["pin"])
        if key == "pv":
            b["rows"].append((src, "solar panel", "Voc %s" % _volts(dv["v_mv"]), "powers the pump; its voltage tells day from night"))
        else:
            b["rows"].append((src, "battery", "up to %s" % _volts(dv["v_mv"])
                              if dv["v_mv"] else "", "controller supply, read for the low-battery rule"))
        b["rows"] += [
            (r1, "resistor, 1 %", ohms(dv["rtop"]), "%s divider top (ratio %.2f, board file %g%s)"
             % (name, dv["ratio_parts"], dv["ratio"], _match_note(key, dv))),
            (r2, "resistor, 1 %", ohms(dv["rbot"]), "%s divider bottom, to ground" % name),
            (c1, "capacitor, ceramic", "100n", "across %s: a steady source for the ADC's sampling" % r2),
        ]
    ads = board.get("ads1115")
    u_ads = None
    if ads:
        u_ads = refs("U")
        block("ads", ref=u_ads, ads=ads, rows=[
            (u_ads, "ADS1115 breakout (16-bit I2C ADC)", "0x%02X" % ads.get("addr", 72),
             "reads the probes; I2C%d SDA GPIO%d, SCL GPIO%d" % (ads["i2c"], ads["sda"], ads["scl"]))])
    for i, p in enumerate(board["plots"]):
        ref = refs("P")
        pr = p["probe"]
        block("probe", ref=ref, plot=i, probe=pr, ads_ref=u_ads, rows=[
            (ref, "capacitive soil probe v1.2, TLC555 version", "3.3-5.5 V, ~5 mA",
             "plot %d moisture (NE555 versions fail at 3.3 V)" % (i + 1))])
    pump = board["pump"]
    blocks.append(_switch_block(refs, "pump", pump, bf.driver(pump), refs("M"), "pump"))
    for i, p in enumerate(board["plots"]):
        v = p["valve"]
        blocks.append(_switch_block(refs, "valve", v, bf.driver(v), refs("Y"), "plot %d valve" % (i + 1), plot=i))
    flow = board.get("flow")
    if flow:
        ref = refs("FM")
        block("flow", ref=ref, flow=flow, rows=[
            (ref, "Hall flow meter%s" % (" (YF-S201 class)" if flow["pulses_per_l"] == 450 else ""),
             "%d pulses/L" % flow["pulses_per_l"], "dry-run and burst/clog detection")])
    tank = board.get("tank_low")
    if tank:
        ref = refs("S")
        block("tank", ref=ref, tank=tank, rows=[(ref, "float switch", _float_action(tank), "tank-low stop")])
    led = board.get("led")
    if led:
        if _onboard_led(board):
            block("led", ref="LED (on board)", r=None, led=led)
        else:
            ref, r = refs("LED"), refs("R")
            block("led", ref=ref, r=r, led=led, rows=[
                (ref, "LED, 3 mm", "", "status"), (r, "resistor", ohms(LED_R), "LED current")])
    temp = board.get("temp")
    if temp:
        if temp["kind"] == "adc":
            ref = refs("U")
            block("temp", ref=ref, temp=temp, rows=[
                (ref, "analog temperature sensor", "%d mV at 0 C, %d mV/C" % (temp.get("mv_at_0c", 500), temp.get("mv_per_c", 10)),
                 "frost rule")])
        else:
            block("temp", ref=None, temp=temp)
    return blocks


def _switch_block(refs, what, out, drv, load_ref, label, plot=None):
    low = bool(out.get("active_low"))
    b = {"kind": "switch", "what": what, "out": out, "driver": drv, "load": load_ref, "label": label,
         "plot": plot, "active_low": low}
    rows = []
    if what == "pump":
        rows.append((load_ref, "DC pump (diaphragm)", "", "runs straight from the panel"))
        rows.append((refs("F"), "fuse, slow-blow", "1.5 x pump current", "pump supply, at PV+"))
        b["fuse"] = rows[-1][0]
    else:
        rows.append((load_ref, "solenoid valve, 12 V DC, normally closed", "", "%s: closes when power is lost" % label))
    if drv == "mosfet":
        b["q"], b["rg"], b["rpd"] = refs("Q"), refs("R"), refs("R")
        rows += [
            (b["q"], "N-MOSFET, logic level", "Vds >= 40 V, Rds(on) rated at Vgs <= 3.3 V", "%s switch, low side" % label),
            (b["rg"], "resistor", ohms(GATE_R), "%s gate" % b["q"]),
            (b["rpd"], "resistor", ohms(PULLDOWN_R), "%s gate to ground: off while the pin floats at boot" % b["q"]),
        ]
    else:
        b["k"] = refs("K")
        rows.append((b["k"], "relay module channel, opto-isolated, %s trigger" % ("low-level" if low else "high-level"),
                     "10 A contacts", "%s switch; module VCC from 3V3, JD-VCC from 5 V" % label))
    b["d"] = refs("D")
    if what == "pump":
        rows.append((b["d"], "Schottky diode 1N5822", "3 A, 40 V", "flyback across the pump, cathode to +"))
    else:
        rows.append((b["d"], "diode 1N4007", "1 A", "flyback across the valve coil, cathode to +"))
    b["rows"] = rows
    return b


def _float_action(tank):
    low = tank["low_level"]
    up = tank.get("pull", "up") == "up"
    closes = (low == 0) if up else (low == 1)
    return "closes when the water is low" if closes else "opens when the water is low"


def parts(board):
    """The parts list: rows of (ref, part, value, what for)."""
    rows = []
    for b in plan(board):
        rows += b["rows"]
    return rows


def format_parts(board):
    """The parts list as aligned text lines."""
    rows = [("REF", "PART", "VALUE", "FOR")] + parts(board)
    w = [max(len(r[i]) for r in rows) for i in range(3)]
    return ["%-*s  %-*s  %-*s  %s" % (w[0], r[0], w[1], r[1], w[2], r[2], r[3]) for r in rows]


# Drawing primitives


def _n(v):
    s = "%.1f" % v
    return s[:-2] if s.endswith(".0") else s


def _esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Drawing:
    """Lines, boxes, circles and text in pixels (y down), written as SVG or PNG."""

    def __init__(self, width):
        self.width = width
        self.height = 0
        self.items = []

    def line(self, *pts, **kw):
        self.items.append(("line", pts, kw.get("width", 1.5), kw.get("color", "#222")))

    def rect(self, x, y, w, h, fill="none", color="#222", width=1.5):
        self.items.append(("rect", (x, y, w, h), fill, color, width))

    def circle(self, x, y, r, fill="none"):
        self.items.append(("circle", (x, y, r), fill))

    def poly(self, pts, fill="#222"):
        self.items.append(("poly", pts, fill))

    def text(self, x, y, s, size=12, anchor="start", bold=False, color="#222"):
        self.items.append(("text", (x, y), s, size, anchor, bold, color))

    def svg(self):
        out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d"'
               ' font-family="DejaVu Sans, Arial, sans-serif">' % (self.width, self.height, self.width, self.height),
               '<rect width="%d" height="%d" fill="white"/>' % (self.width, self.height)]
        for it in self.items:
            kind = it[0]
            if kind == "line":
                pts = " ".join("%s,%s" % (_n(x), _n(y)) for x, y in it[1])
                out.append('<polyline points="%s" fill="none" stroke="%s" stroke-width="%s"/>' % (pts, it[3], _n(it[2])))
            elif kind == "rect":
                x, y, w, h = it[1]
                out.append('<rect x="%s" y="%s" width="%s" height="%s" fill="%s" stroke="%s" stroke-width="%s"/>'
                           % (_n(x), _n(y), _n(w), _n(h), it[2], it[3], _n(it[4])))
            elif kind == "circle":
                x, y, r = it[1]
                out.append('<circle cx="%s" cy="%s" r="%s" fill="%s" stroke="#222" stroke-width="1.5"/>'
                           % (_n(x), _n(y), _n(r), it[2]))
            elif kind == "poly":
                pts = " ".join("%s,%s" % (_n(x), _n(y)) for x, y in it[1])
                out.append('<polygon points="%s" fill="%s" stroke="#222" stroke-width="1"/>' % (pts, it[2]))
            else:
                (x, y), s, size, anchor, bold, color = it[1:]
                out.append('<text x="%s" y="%s" font-size="%d" text-anchor="%s"%s fill="%s">%s</text>'
                           % (_n(x), _n(y), size, anchor, ' font-weight="bold"' if bold else "", color, _esc(s)))
        out.append("</svg>")
        return "\n".join(out) + "\n"

    def save_png(self, path, dpi=100):
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import patches
        from matplotlib import pyplot as plt

        fig = plt.figure(figsize=(self.width / 100.0, self.height / 100.0), dpi=dpi)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, self.width)
        ax.set_ylim(self.height, 0)
        ax.axis("off")
        pt = 72.0 / 100  # pixels of this drawing to points at 100 dpi
        for it in self.items:
            kind = it[0]
            if kind == "line":
                ax.plot([p[0] for p in it[1]], [p[1] for p in it[1]], color=it[3], linewidth=it[2] * pt)
            elif kind == "rect":
                x, y, w, h = it[1]
                ax.add_patch(patches.Rectangle((x, y), w, h, fill=it[2] != "none",
                                               facecolor=None if it[2] == "none" else it[2],
                                               edgecolor=it[3], linewidth=it[4] * pt))
            elif kind == "circle":
                x, y, r = it[1]
                ax.add_patch(patches.Circle((x, y), r, fill=it[2] != "none",
                                            facecolor=None if it[2] == "none" else it[2],
                                            edgecolor="#222", linewidth=1.5 * pt))
            elif kind == "poly":
                ax.add_patch(patches.Polygon(it[1], closed=True, facecolor=it[2], edgecolor="#222", linewidth=pt))
            else:
                (x, y), s, size, anchor, bold, color = it[1:]
                ha = {"start": "left", "middle": "center", "end": "right"}[anchor]
                ax.text(x, y, s, fontsize=size * pt, ha=ha, va="baseline", color=color,
                        fontweight="bold" if bold else "normal")
        fig.savefig(path, dpi=dpi, facecolor="white")
        plt.close(fig)


# Symbols


def _dot(d, x, y):
    d.circle(x, y, 3, fill="#222")


def _ground(d, x, y):
    d.line((x, y), (x, y + 8))
    d.line((x - 9, y + 8), (x + 9, y + 8))
    d.line((x - 6, y + 12), (x + 6, y + 12))
    d.line((x - 3, y + 16), (x + 3, y + 16))


def _net(d, x, y, name, anchor="end"):
    """A net label: a small open circle and the net's name."""
    d.circle(x, y, 3)
    d.text(x - 6 if anchor == "end" else x + 6, y + 4, name, size=11, anchor=anchor, bold=True, color="#a33")


def _res_v(d, x, y1, y2, label):
    m = (y1 + y2) / 2
    d.line((x, y1), (x, m - 16))
    d.rect(x - 6, m - 16, 12, 32)
    d.line((x, m + 16), (x, y2))
    d.text(x + 11, m + 4, label, size=11)


def _res_h(d, x1, x2, y, label):
    m = (x1 + x2) / 2
    d.line((x1, y), (m - 16, y))
    d.rect(m - 16, y - 6, 32, 12)
    d.line((m + 16, y), (x2, y))
    d.text(m, y - 10, label, size=11, anchor="middle")


def _cap_v(d, x, y1, y2, label):
    m = (y1 + y2) / 2
    d.line((x, y1), (x, m - 3))
    d.line((x - 10, m - 3), (x + 10, m - 3), width=2)
    d.line((x - 10, m + 3), (x + 10, m + 3), width=2)
    d.line((x, m + 3), (x, y2))
    d.text(x + 14, m + 4, label, size=11)


def _fuse_v(d, x, y1, y2, label):
    m = (y1 + y2) / 2
    d.line((x, y1), (x, m - 10))
    d.rect(x - 5, m - 10, 10, 20)
    d.line((x, m - 10), (x, y2), width=1)
    d.text(x + 10, m + 4, label, size=11)


def _fuse_h(d, x1, x2, y, label):
    m = (x1 + x2) / 2
    d.line((x1, y), (m - 10, y))
    d.rect(m - 10, y - 5, 20, 10)
    d.line((m - 10, y), (x2, y), width=1)
    d.text(m, y - 9, label, size=11, anchor="middle")


def _diode_up(d, x, y1, y2, label):
    """A diode between y1 (top, cathode) and y2 (anode): blocks while the load is driven."""
    m = (y1 + y2) / 2
    d.line((x, y1), (x, m - 8))
    d.poly(((x - 8, m + 7), (x + 8, m + 7), (x, m - 7)))
    d.line((x - 8, m - 8), (x + 8, m - 8), width=2)
    d.line((x, m + 7), (x, y2))
    d.text(x + 12, m + 4, label, size=11)


def _mosfet(d, x, y, label):
    """N-MOSFET with drain and source leads at column x (top, bottom), gate to the right at (x + 20, y)."""
    cx = x + 12
    d.line((x, y - 24), (x, y - 12), (cx, y - 12))
    d.line((cx, y + 12), (x, y + 12), (x, y + 24))
    for a in (-16, -4, 8):
        d.line((cx, y + a), (cx, y + a + 8), width=2.5)
    d.poly(((cx, y), (cx - 8, y - 4), (cx - 8, y + 4)))  # body arrow toward the channel: N type
    d.line((cx - 8, y), (x, y), (x, y + 12))
    d.line((cx + 6, y - 14), (cx + 6, y + 14), width=2)
    d.line((cx + 6, y), (x + 24, y))
    d.text(x - 8, y + 4, label, size=11, anchor="end", bold=True)


def _box(d, x, y, w, h, title, sub=None):
    d.rect(x, y, w, h, fill="#f4f4ec")
    d.text(x + 8, y + 16, title, size=12, bold=True)
    if sub:
        d.text(x + 8, y + 31, sub, size=11)


def _wrap(s, n):
    words, lines, cur = s.split(), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > n:
            lines.append(cur)
            cur = w
        else:
            cur = (cur + " " + w).strip()
    if cur:
        lines.append(cur)
    return lines


# The diagram

W = 1120
BX = 800  # the board's left edge: every signal wire ends here
BW = 290


class _Diagram:
    def __init__(self, board, source):
        self.board = board
        self.source = source
        self.d = Drawing(W)
        self.pins = []  # (y, gpio, field)
        self.y = 0

    def wire(self, x, y, gpio, field):
        """A signal wire from (x, y) to the board's edge, labelled there."""
        self.d.line((x, y), (BX, y))
        self.pins.append((y, gpio, field))

    def header(self):
        b, d = self.board, self.d
        d.text(20, 32, "Saxaul wiring: %s (%s)" % (b["name"], b["chip"]), size=20, bold=True)
        y = 54
        for line in _wrap(b.get("notes", ""), 150):
            d.text(20, y, line, size=12)
            y += 16
        d.text(20, y + 4, "Drawn from %s by `saxaul wiring`; the firmware reads the same file."
               " Red labels are nets: the same name is the same wire." % self.source, size=11, color="#555")
        self.y = y + 30

    def divider(self, blk):
        d, y, dv = self.d, self.y, blk["dv"]
        pv = blk["key"] == "pv"
        if pv:
            d.rect(60, y + 20, 80, 90, fill="#e8eef8")
            for i in range(1, 3):
                d.line((60, y + 20 + 30 * i), (140, y + 20 + 30 * i), width=0.8)
            d.line((100, y + 20), (100, y + 110), width=0.8)
            d.text(60, y + 14, "%s PV panel" % blk["src"], size=12, bold=True)
        else:
            for i, (w, yy) in enumerate(((40, 50), (22, 58), (40, 66), (22, 74))):
                d.line((100 - w / 2, y + yy), (100 + w / 2, y + yy), width=3 if i % 2 else 1.5)
            d.line((100, y + 30), (100, y + 50))
            d.line((100, y + 74), (100, y + 110))
            d.text(60, y + 14, "%s battery" % blk["src"], size=12, bold=True)
            d.text(126, y + 48, "+", size=13, bold=True)
        top = y + 30
        d.line((140 if pv else 100, top), (260, top))
        _ground(d, 100, y + 110)
        _dot(d, 260, top)
        d.line((260, top), (340, top))
        _net(d, 340, top, "PV+" if pv else "BAT+", anchor="start")
        tap = y + 95
        _res_v(d, 260, top, tap, "%s %s" % (blk["r1"], ohms(dv["rtop"])))
        _dot(d, 260, tap)
        _res_v(d, 260, tap, y + 150, "%s %s" % (blk["r2"], ohms(dv["rbot"])))
        _ground(d, 260, y + 150)
        _dot(d, 340, tap)
        d.line((260, tap), (340, tap))
        _cap_v(d, 340, tap, y + 150, "%s 100n" % blk["c1"])
        _ground(d, 340, y + 150)
        self.wire(340, tap, blk["pin"], blk["key"] + ".pin (ADC)")
        lines = ["ratio %.2f from %s, %s (board file %g%s)" % (dv["ratio_parts"], blk["r1"], blk["r2"], dv["ratio"],
                                                               _match_note(blk["key"], dv))]
        if dv["v_mv"]:
            over = dv["pin_mv"] > dv["adc_top_mv"]
            lines.append("%s %s puts %d mV on the pin%s" % ("Voc" if pv else "battery", _volts(dv["v_mv"]), dv["pin_mv"],
                                                            ", above the ADC top: readings clip" if over else ""))
        lines.append("reads up to %s (ADC top %d mV x ratio)" % (_volts(dv["in_max_mv"]), dv["adc_top_mv"]))
        for i, s in enumerate(lines):
            d.text(420, y + 48 + 16 * i, s, size=12, bold=(i == len(lines) - 1))
        self.y = y + 180

    def ads(self, blk):
        d, y, a = self.d, self.y, blk["ads"]
        _box(d, 200, y + 5, 200, 125, "%s ADS1115" % blk["ref"], "address 0x%02X" % a.get("addr", 72))
        for ch in range(4):
            yy = y + 55 + 18 * ch
            d.text(208, yy + 4, "A%d" % ch, size=11)
            d.line((200, yy), (180, yy))
            probe = None
            for i, p in enumerate(self.board["plots"]):
                if p["probe"].get("ads") == ch:
                    probe = "P%d AOUT" % (i + 1)
            if probe:
                _net(d, 180, yy, probe)
        addr_to = {72: "GND", 73: "VDD", 74: "SDA", 75: "SCL"}[a.get("addr", 72)]
        d.text(208, y + 128, "ADDR to %s" % addr_to, size=10, color="#555")
        for label, yy in (("SDA", y + 25), ("SCL", y + 45), ("VDD", y + 75), ("GND", y + 100)):
            d.text(392, yy + 4, label, size=11, anchor="end")
            d.line((400, yy), (440, yy))
        self.wire(440, y + 25, a["sda"], "ads1115.sda (I2C%d)" % a["i2c"])
        self.wire(440, y + 45, a["scl"], "ads1115.scl (I2C%d)" % a["i2c"])
        _net(d, 440, y + 75, "3V3", anchor="start")
        _ground(d, 440, y + 100)
        d.text(480, y + 90, "breakouts carry the SDA/SCL pull-ups", size=11, color="#555")
        self.y = y + 150

    def probe(self, blk):
        d, y, pr, i = self.d, self.y, blk["probe"], blk["plot"]
        _box(d, 200, y + 4, 200, 66, "%s soil probe" % blk["ref"], "plot %d, capacitive v1.2" % (i + 1))
        rows = (("VCC", y + 18), ("AOUT", y + 40), ("GND", y + 60))
        for label, yy in rows:
            d.text(392, yy + 4, label, size=11, anchor="end")
            d.line((400, yy), (440, yy))
        if pr.get("power_pin") is not None:
            self.wire(440, y + 18, pr["power_pin"], "plots[%d].probe.power_pin (out)" % i)
            d.text(450, y + 14, "powered only while read", size=10, color="#555")
        else:
            _net(d, 440, y + 18, "3V3", anchor="start")
        if "ads" in pr:
            _net(d, 440, y + 40, "%s A%d" % (blk["ads_ref"], pr["ads"]), anchor="start")
        else:
            self.wire(440, y + 40, pr["pin"], "plots[%d].probe.pin (ADC)" % i)
        _ground(d, 440, y + 60)
        self.y = y + 90

    def switch(self, blk):
        d, y = self.d, self.y
        pump = blk["what"] == "pump"
        field = "pump.pin" if pump else "plots[%d].valve.pin" % blk["plot"]
        polarity = "active low" if blk["active_low"] else "active high"
        supply = "PV+" if pump else "V+ valves"
        x = 200  # the load's column
        title = "%s %s" % (blk["load"], "pump" if pump else blk["label"])
        if blk["driver"] == "mosfet":
            d.text(60, y + 14, title, size=12, bold=True)
            _net(d, x, y + 24, supply, anchor="start")
            if pump:
                _fuse_v(d, x, y + 24, y + 52, blk["fuse"])
            else:
                d.line((x, y + 24), (x, y + 52))
            top, bot = y + 52, y + 116
            self._load(x, top, bot, blk)
            d.line((x, bot), (x, y + 136))
            gy = y + 160
            _mosfet(d, x, gy, blk["q"])
            _ground(d, x, gy + 24)
            d.line((x + 24, gy), (330, gy))
            _dot(d, 330, gy)
            _res_v(d, 330, gy, gy + 54, "%s %s" % (blk["rpd"], ohms(PULLDOWN_R)))
            _ground(d, 330, gy + 54)
            _res_h(d, 330, 440, gy, "%s %s" % (blk["rg"], ohms(GATE_R)))
            self.wire(440, gy, blk["out"]["pin"], "%s (out, %s)" % (field, polarity))
            d.text(470, gy - 26, "pin high = %s on (low-side MOSFET)" % ("pump" if pump else "valve"), size=11)
            self.y = y + 245
        else:
            d.text(60, y + 14, title, size=12, bold=True)
            k = blk["k"]
            _box(d, 300, y + 24, 170, 110, "%s relay module" % k, "%s trigger" % ("low-level" if blk["active_low"] else "high-level"))
            for label, yy in (("COM", y + 64), ("NO", y + 94)):
                d.text(308, yy + 4, label, size=11)
            if pump:
                _fuse_h(d, 220, 300, y + 64, blk["fuse"])
            else:
                d.line((300, y + 64), (220, y + 64))
            _net(d, 220, y + 64, supply)
            d.line((300, y + 94), (x, y + 94), (x, y + 110))
            self._load(x, y + 110, y + 180, blk)
            _ground(d, x, y + 180)
            for label, yy in (("IN", y + 64), ("VCC", y + 89), ("GND", y + 114)):
                d.text(462, yy + 4, label, size=11, anchor="end")
                d.line((470, yy), (500, yy))
            self.wire(500, y + 64, blk["out"]["pin"], "%s (out, %s)" % (field, polarity))
            _net(d, 500, y + 89, "3V3", anchor="start")
            _ground(d, 500, y + 114)
            d.text(520, y + 44, "pin %s = %s on" % ("low" if blk["active_low"] else "high", "pump" if pump else "valve"), size=11)
            d.text(520, y + 106, "VCC from 3V3 so a high pin turns the input off;", size=10, color="#555")
            d.text(520, y + 120, "coil side (JD-VCC) from 5 V", size=10, color="#555")
            self.y = y + 215

    def _load(self, x, top, bot, blk):
        """Pump motor or valve coil between top (+) and bottom, with its flyback diode alongside."""
        d = self.d
        m = (top + bot) / 2
        if blk["what"] == "pump":
            d.line((x, top), (x, m - 18))
            d.circle(x, m, 18)
            d.text(x, m + 5, "M", size=14, anchor="middle", bold=True)
            d.line((x, m + 18), (x, bot))
        else:
            d.line((x, top), (x, m - 18))
            d.rect(x - 12, m - 18, 24, 36, fill="#eef4ee")
            d.line((x - 12, m + 18), (x + 12, m - 18), width=1)
            d.line((x, m + 18), (x, bot))
        _dot(d, x, top + 4)
        _dot(d, x, bot - 4)
        dx = x - 60
        d.line((x, top + 4), (dx, top + 4))
        d.line((x, bot - 4), (dx, bot - 4))
        _diode_up(d, dx, top + 4, bot - 4, "")
        d.text(dx - 8, m + 4, blk["d"], size=11, anchor="end", bold=True)

    def flow(self, blk):
        d, y, f = self.d, self.y, self.board["flow"]
        _box(d, 200, y + 4, 200, 66, "%s flow meter" % blk["ref"], "%d pulses per litre" % f["pulses_per_l"])
        for label, yy in (("VCC", y + 18), ("OUT", y + 40), ("GND", y + 60)):
            d.text(392, yy + 4, label, size=11, anchor="end")
            d.line((400, yy), (440, yy))
        _net(d, 440, y + 18, "5V", anchor="start")
        self.wire(440, y + 40, f["pin"], "flow.pin (in, pull-up, IRQ)")
        _ground(d, 440, y + 60)
        d.text(470, y + 62, "open-collector OUT: the pin's pull-up gives 3.3 V; a 5 V push-pull OUT needs a 10k/20k divider",
               size=10, color="#555")
        self.y = y + 90

    def tank(self, blk):
        d, y, t = self.d, self.y, self.board["tank_low"]
        up = t.get("pull", "up") == "up"
        sy = y + 30
        d.text(60, y + 14, "%s float switch: %s" % (blk["ref"], _float_action(t)), size=12, bold=True)
        # the switch: a contact lever between two terminals
        d.line((200, sy), (260, sy))
        d.circle(262, sy, 3)
        d.line((265, sy), (300, sy - 16))
        d.circle(304, sy, 3)
        d.line((307, sy), (440, sy))
        if up:
            _ground(d, 200, sy)
        else:
            _net(d, 200, sy, "3V3")
        self.wire(440, sy, t["pin"], "tank_low.pin (in, pull-%s)" % ("up" if up else "down"))
        d.text(470, sy - 8, "pin reads %d = tank low" % t["low_level"], size=11)
        self.y = y + 70

    def led(self, blk):
        d, y, led = self.d, self.y, blk["led"]
        sy = y + 26
        low = bool(led.get("active_low"))
        if blk["r"] is None:
            d.text(60, y + 14, "status LED on the board (GPIO%d)" % led["pin"], size=12, bold=True)
            self.wire(BX - 40, sy, led["pin"], "led.pin (out, on board)")
            self.y = y + 55
            return
        d.text(60, y + 14, "%s status LED" % blk["ref"], size=12, bold=True)
        # LED between 250 and 290, pointing toward ground (active high) or toward the pin (active low)
        if low:
            _net(d, 200, sy, "3V3")
            d.line((200, sy), (250, sy))
            d.poly(((250, sy - 8), (250, sy + 8), (266, sy)))
            d.line((267, sy - 8), (267, sy + 8), width=2)
        else:
            d.poly(((266, sy - 8), (266, sy + 8), (250, sy)))
            d.line((249, sy - 8), (249, sy + 8), width=2)
            d.line((200, sy), (249, sy))
            _ground(d, 200, sy)
        d.line((266, sy), (320, sy))
        _res_h(d, 320, 440, sy, "%s %s" % (blk["r"], ohms(LED_R)))
        self.wire(440, sy, led["pin"], "led.pin (out, %s)" % ("active low" if low else "active high"))
        self.y = y + 60

    def temp(self, blk):
        d, y, t = self.d, self.y, blk["temp"]
        if t["kind"] == "rp2040":
            d.text(60, y + 14, "frost: the RP2040's internal temperature sensor (ADC4), nothing to wire", size=12, bold=True)
            self.y = y + 34
            return
        _box(d, 200, y + 4, 200, 66, "%s temperature" % blk["ref"], "analog sensor, frost rule")
        for label, yy in (("VCC", y + 18), ("OUT", y + 40), ("GND", y + 60)):
            d.text(392, yy + 4, label, size=11, anchor="end")
            d.line((400, yy), (440, yy))
        _net(d, 440, y + 18, "3V3", anchor="start")
        self.wire(440, y + 40, t["pin"], "temp.pin (ADC)")
        _ground(d, 440, y + 60)
        self.y = y + 90

    def footer(self, blocks):
        d, b = self.d, self.board
        y = self.y + 10
        shared = ["board GND"]
        for blk in blocks:
            k = blk["kind"]
            if k == "divider":
                shared.append("PV panel -" if blk["key"] == "pv" else "battery -")
            elif k == "switch" and blk["driver"] == "mosfet":
                shared.append("%s source" % blk["q"])
            elif k == "switch":
                shared.append("%s module GND" % blk["k"])
            elif k in ("probe", "flow", "ads") or (k == "temp" and blk["ref"]):
                shared.append("%s GND" % blk["ref"])
            elif k == "tank" and b["tank_low"].get("pull", "up") == "up":
                shared.append(blk["ref"])
            elif k == "led" and blk["r"] and not blk["led"].get("active_low"):
                shared.append("%s cathode" % blk["ref"])
        notes = [
            "One ground: %s. Run the pump's return on its own heavy wire to the panel's minus, not through the board."
            % ", ".join(shared),
            "Nets: 3V3 is the board's 3V3 pin; 5V its 5 V (VBUS/VIN) pin; PV+ the panel's plus; %s"
            % ("V+ valves the valve coils' 12 V supply (the battery, BAT+)." if b.get("battery")
               else "V+ valves the valve coils' 12 V supply (a 12 V regulator from PV+)."),
        ]
        drivers = set(blk["driver"] for blk in blocks if blk["kind"] == "switch")
        held = []
        if "mosfet" in drivers:
            held.append("MOSFET gates are held low by their pull-downs")
        if "relay" in drivers:
            held.append("a relay module's input takes current to turn on, so a floating pin leaves it off")
        notes.append("Outputs stay off from reset until the firmware drives them: %s." % "; ".join(held))
        for note in notes:
            for line in _wrap(note, 150):
                d.text(20, y, line, size=12)
                y += 16
            y += 4
        self.y = y + 10

    def board_box(self, top, bot):
        d, b = self.d, self.board
        d.rect(BX, top, BW, bot - top, fill="#eef0f6")
        d.text(BX + 10, top + 20, b["name"], size=14, bold=True)
        adc = "read_uv, %s dB" % b["adc_atten_db"] if b["adc_read"] == "uv" else "read_u16, Vref %d mV" % b.get("adc_vref_mv", 3300)
        d.text(BX + 10, top + 36, "%s, watchdog %d ms" % (b["chip"], b["wdt_ms"]), size=11)
        d.text(BX + 10, top + 50, "ADC %s, %d-%d mV" % (adc, b["adc_range_mv"][0], b["adc_range_mv"][1]), size=11)
        for y, gpio, field in self.pins:
            d.rect(BX - 4, y - 4, 8, 8, fill="#222")
            d.text(BX + 10, y + 4, "GPIO%d" % gpio, size=12, bold=True)
            d.text(BX + 68, y + 4, field, size=11)
        d.text(BX + 10, bot - 28, "3V3", size=12, bold=True, color="#a33")
        d.text(BX + 10, bot - 12, "GND", size=12, bold=True)
        _ground(d, BX - 20, bot - 16)
        d.line((BX, bot - 16), (BX - 20, bot - 16))


def draw(board, source=None):
    """The wiring diagram of a checked board file; `source` names the file in the title block."""
    g = _Diagram(board, source or "boards/%s.json" % board["name"])
    g.header()
    top = g.y - 10
    blocks = plan(board)
    for blk in blocks:
        getattr(g, blk["kind"])(blk)
    bot = g.y + 40
    g.board_box(top, bot)
    g.y = bot + 20
    g.footer(blocks)
    g.d.height = int(g.y)
    return g.d


def svg(board, source=None):
    return draw(board, source).svg()


def render(board, out, source=None):
    """Write the diagram to `out` (.svg by hand, .png through matplotlib)."""
    d = draw(board, source)
    if out.lower().endswith(".png"):
        d.save_png(out)
    elif out.lower().endswith(".svg"):
        with open(out, "w") as f:
            f.write(d.svg())
    else:
        raise UserError("--out %s: give a file ending in .svg or .png" % out)
    return d
