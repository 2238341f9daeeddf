# Board-file checks: every problem as one line naming the field, the value and the rule.
#
# Runs at boot on the device (a refused board file leaves the outputs off) and
# on the host in `saxaul deploy` and `saxaul wiring`, so both refuse the same
# files with the same words. No `machine` here: it only reads a dict.
import json

from micropython import const

from saxaul.limits import HARD_MAX_PLOTS

# FIELD-NOTES, "MicroPython facts": ADC2 fails while WiFi is on, so analog
# inputs go on ADC1; the RP2040 watchdog tops out at 8388 ms, the ESP32's
# needs at least 1 s; a Pico has three free ADC inputs (ADC3 reads VSYS/3).
_ESP_ADC1 = (32, 33, 34, 35, 36, 37, 38, 39)
_ESP_ADC2 = (0, 2, 4, 12, 13, 14, 15, 25, 26, 27)
_ESP_STRAP = (0, 2, 5, 12, 15)
_RP_ADC = (26, 27, 28)
_RP_WDT_MAX_MS = const(8388)
_ESP_WDT_MIN_MS = const(1000)
# ESP32 linear ADC range per attenuation (ESP-IDF ADC docs; 11 dB: 150-2450 mV).
_ESP_ATTEN_TOP_MV = ((0, 950), (11, 2450))
_ADS_ADDRS = (72, 73, 74, 75)  # 0x48-0x4B, set by the ADDR pin

_TOP_KEYS = ("name", "chip", "adc_read", "adc_atten_db", "adc_range_mv", "adc_vref_mv",
             "wdt_ms", "pv", "battery", "pump", "led", "plots", "flow", "tank_low",
             "temp", "ads1115", "notes")
_OUT_KEYS = ("pin", "active_low", "driver")
_DRIVERS = ("mosfet", "relay")

# Pin roles, as pins() reports them.
ADC = "adc"  # read through the chip's ADC
OUT = "out"  # driven output
IN = "in"  # digital input with the internal pull resistor on
I2C = "i2c"  # SDA/SCL of the ADS1115 bus


def _is_int(v):
    # MicroPython's bool is not an int, CPython's is: test both ways.
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v):
    return (_is_int(v) or isinstance(v, float)) and not isinstance(v, bool)


def _show(v):
    try:
        return json.dumps(v)
    except Exception:
        return repr(v)


def _tenths(num, den):
    """num/den rounded up to one decimal, as text ("9.8")."""
    t = (num * 10 + den - 1) // den
    return "%d.%d" % (t // 10, t % 10)


class _Walk:
    """One pass over a board file: errors, warnings and every pin in use."""

    def __init__(self, board):
        self.errs = []
        self.warns = []
        self.uses = []  # (field, pin, role)
        self.adc = []  # (field, pin) read through the chip's ADC
        self.chip = None
        self.adc_top_mv = 0
        if not isinstance(board, dict):
            self.errs.append("board = %s: must be a JSON object {...}" % _show(board))
            return
        self._unknown(board, "", _TOP_KEYS)
        self._head(board)
        self._pv(board)
        self._battery(board)
        self._out(board, "pump", "pump", True)
        self._out(board, "led", "led", False)
        ads = self._ads(board)
        self._plots(board, ads)
        self._flow(board)
        self._tank(board)
        self._temp(board)
        self._count()
        self._twice()

    # Reporting

    def bad(self, field, value, rule):
        self.errs.append("%s = %s: %s" % (field, _show(value), rule))

    def missing(self, field, what):
        self.errs.append("%s: missing, needs %s" % (field, what))

    def _unknown(self, d, path, known):
        for k in sorted(d):
            if k not in known and not k.startswith("_"):
                self.errs.append("%s%s: unknown field (known: %s)" % (path, k, ", ".join(known)))

    # Typed fields: each returns the value, or None when absent or wrong.

    def _get(self, d, key, path, kind, what, required):
        if key not in d or d[key] is None:
            if required:
                if key in d:
                    self.bad(path, None, "needs " + what)
                else:
                    self.missing(path, what)
            return None
        v = d[key]
        if kind == "int":
            ok = _is_int(v)
        elif kind == "num":
            ok = _is_num(v)
        elif kind == "str":
            ok = isinstance(v, str)
        elif kind == "bool":
            ok = isinstance(v, bool)
        elif kind == "list":
            ok = isinstance(v, list)
        else:
            ok = isinstance(v, dict)
        if not ok:
            self.bad(path, v, "must be " + what)
            return None
        return v

    def _obj(self, d, key, path, keys, required):
        v = self._get(d, key, path, "obj", "an object {...}" if required else "an object {...} or null", required)
        if v is not None:
            self._unknown(v, path + ".", keys)
        return v

    def _pin(self, d, key, path, role, required=True):
        pin = self._get(d, key, path, "int", "a GPIO number", required)
        if pin is None:
            return None
        chip = self.chip
        if chip == "esp32":
            rule = None
            if 6 <= pin <= 11:
                rule = "GPIO6-11 drive the module's SPI flash"
            elif pin in (1, 3):
                rule = "GPIO1 and GPIO3 are UART0, the serial line the host talks over"
            elif pin < 0 or pin > 39 or pin in (20, 24, 28, 29, 30, 31):
                rule = "no such GPIO on the esp32"
            if rule:
                self.bad(path, pin, rule)
                return None
        elif chip == "rp2040" and (pin < 0 or pin > 29):
            self.bad(path, pin, "no such GPIO on the rp2040 (0-29)")
            return None
        self.uses.append((path, pin, role))
        if role == ADC:
            self.adc.append((path, pin))
            if chip == "esp32" and pin not in _ESP_ADC1:
                if pin in _ESP_ADC2:
                    self.bad(path, pin, "ADC2 pin, and ADC2 fails while WiFi is on; analog inputs go on ADC1 (GPIO32-39)")
                else:
                    self.bad(path, pin, "not an ADC pin; analog inputs go on ADC1 (GPIO32-39)")
            elif chip == "rp2040" and pin not in _RP_ADC:
                if pin == 29:
                    self.bad(path, pin, "GPIO29 (ADC3) reads VSYS/3 on a Pico; analog inputs go on GPIO26-28")
                else:
                    self.bad(path, pin, "not an ADC pin; the rp2040 reads analog on GPIO26-28 only")
        elif chip == "esp32":
            if role == OUT and pin in _ESP_STRAP:
                self.bad(path, pin, "strapping pin: an output there can stop the ESP32 booting or fire at reset"
                         " (strapping pins 0, 2, 5, 12, 15)")
            elif pin >= 34 and role != IN:
                self.bad(path, pin, "input-only pin: GPIO34-39 cannot drive an output")
            elif pin >= 34:
                self.bad(path, pin, "GPIO34-39 have no internal pull resistor, and this input needs one")
        return pin

    # Sections

    def _head(self, b):
        self._get(b, "name", "name", "str", "a string", True)
        self._get(b, "notes", "notes", "str", "a string", False)
        chip = self._get(b, "chip", "chip", "str", '"esp32" or "rp2040"', True)
        if chip is not None and chip not in ("esp32", "rp2040"):
            self.bad("chip", chip, 'must be "esp32" or "rp2040"')
            chip = None
        self.chip = chip
        rd = self._get(b, "adc_read", "adc_read", "str", '"uv" or "u16"', True)
        if rd is not None and rd not in ("uv", "u16"):
            self.bad("adc_read", rd, 'must be "uv" (read_uv, ESP32) or "u16" (read_u16)')
        elif rd == "uv" and chip == "rp2040":
            self.bad("adc_read", rd, 'read_uv exists on the ESP32 only; use "u16"')
        vref = self._get(b, "adc_vref_mv", "adc_vref_mv", "int", "an int (millivolts)", False)
        if vref is not None and not 1000 <= vref <= 5000:
            self.bad("adc_vref_mv", vref, "must be 1000-5000 mV")
            vref = None
        top = vref or 3300
        atten = self._get(b, "adc_atten_db", "adc_atten_db", "num", "0 or 11", chip == "esp32")
        if atten is not None:
            if chip == "rp2040":
                self.bad("adc_atten_db", atten, "the rp2040 ADC has no attenuator; remove the field")
            else:
                top = 0
                for db, mv in _ESP_ATTEN_TOP_MV:
                    if atten == db:
                        top = mv
                if not top:
                    self.bad("adc_atten_db", atten, "must be 0 or 11 (the attenuations the firmware sets)")
        rng = self._get(b, "adc_range_mv", "adc_range_mv", "list", "[low, high] in millivolts", True)
        if rng is not None:
            if len(rng) != 2 or not _is_int(rng[0]) or not _is_int(rng[1]) or not 0 <= rng[0] < rng[1]:
                self.bad("adc_range_mv", rng, "must be [low, high], two ints in millivolts, 0 <= low < high")
            elif top and rng[1] > top:
                self.bad("adc_range_mv", rng, "high end above the %d mV the ADC reads linearly at this setting" % top)
            else:
                self.adc_top_mv = rng[1]
        wdt = self._get(b, "wdt_ms", "wdt_ms", "int", "an int (milliseconds)", True)
        if wdt is not None:
            if chip == "rp2040" and wdt > _RP_WDT_MAX_MS:
                self.bad("wdt_ms", wdt, "the rp2040 watchdog allows at most %d ms" % _RP_WDT_MAX_MS)
            elif chip == "esp32" and wdt < _ESP_WDT_MIN_MS:
                self.bad("wdt_ms", wdt, "the esp32 watchdog needs at least %d ms" % _ESP_WDT_MIN_MS)
            elif wdt < 1:
                self.bad("wdt_ms", wdt, "must be positive")

    def _divider(self, b, key, volt_key, volt_what, required):
        d = self._obj(b, key, key, ("pin", "ratio", volt_key), required)
        if d is None:
            return
        self._pin(d, "pin", key + ".pin", ADC)
        ratio = self._get(d, "ratio", key + ".ratio", "num", "a number, (Rtop + Rbottom) / Rbottom", True)
        if ratio is not None and ratio < 1:
            self.bad(key + ".ratio", ratio, "a divider ratio is (Rtop + Rbottom) / Rbottom, at least 1")
            ratio = None
        v_mv = self._get(d, volt_key, key + "." + volt_key, "int", volt_what, volt_key == "voc_mv")
        if v_mv is not None and v_mv <= 0:
            self.bad(key + "." + volt_key, v_mv, "must be positive")
            v_mv = None
        top = self.adc_top_mv
        if ratio is None or v_mv is None or not top:
            return
        pin_mv = v_mv / ratio
        if pin_mv > top:
            self.bad(key + ".ratio", ratio, "%s %d mV would put %d mV on the pin, above the ADC's %d mV;"
                     " the ratio must be at least %s" % (volt_key, v_mv, int(pin_mv + 0.5), top, _tenths(v_mv, top)))
        elif pin_mv * 2 < top:
            # 90 % of full scale leaves headroom for a cold panel's higher Voc.
            self.warns.append("%s.ratio = %s: %s %d mV gives only %d mV on the pin, under half the ADC's %d mV,"
                              " so resolution is lost; a ratio near %s fits"
                              % (key, _show(ratio), volt_key, v_mv, int(pin_mv + 0.5), top, _tenths(v_mv * 10, top * 9)))

    def _pv(self, b):
        self._divider(b, "pv", "voc_mv", "an int, the panel's open-circuit millivolts", True)

    def _battery(self, b):
        self._divider(b, "battery", "max_mv", "an int, the battery's highest millivolts (charging)", False)

    def _out(self, d, key, path, required):
        o = self._obj(d, key, path, _OUT_KEYS, required)
        if o is None:
            return None
        self._pin(o, "pin", path + ".pin", OUT)
        low = self._get(o, "active_low", path + ".active_low", "bool", "true or false", False)
        drv = self._get(o, "driver", path + ".driver", "str", '"mosfet" or "relay"', False)
        if drv is not None and drv not in _DRIVERS:
            self.bad(path + ".driver", drv, 'must be "mosfet" (logic-level, low side) or "relay" (relay module)')
        elif drv == "mosfet" and low:
            self.bad(path + ".active_low", low, "a low-side N-MOSFET turns on with its gate high;"
                     ' use active_low false or driver "relay"')
        return o

    def _ads(self, b):
        a = self._obj(b, "ads1115", "ads1115", ("i2c", "sda", "scl", "addr"), False)
        if a is None:
            return None
        bus = self._get(a, "i2c", "ads1115.i2c", "int", "0 or 1", True)
        if bus is not None and bus not in (0, 1):
            self.bad("ads1115.i2c", bus, "must be 0 or 1")
            bus = None
        sda = self._pin(a, "sda", "ads1115.sda", I2C)
        scl = self._pin(a, "scl", "ads1115.scl", I2C)
        if self.chip == "rp2040" and bus is not None:
            # RP2040 datasheet, GPIO functions: I2C0 SDA/SCL on GPIO 4n/4n+1, I2C1 on 4n+2/4n+3.
            if sda is not None and sda % 4 != 2 * bus:
                self.bad("ads1115.sda", sda, "not an SDA pin of I2C%d (GPIO%d, %d, %d, ...)" % (bus, 2 * bus, 2 * bus + 4, 2 * bus + 8))
            if scl is not None and scl % 4 != 2 * bus + 1:
                self.bad("ads1115.scl", scl, "not an SCL pin of I2C%d (GPIO%d, %d, %d, ...)" % (bus, 2 * bus + 1, 2 * bus + 5, 2 * bus + 9))
        addr = self._get(a, "addr", "ads1115.addr", "int", "an int, 72-75 (0x48-0x4B)", False)
        if addr is not None and addr not in _ADS_ADDRS:
            self.bad("ads1115.addr", addr, "an ADS1115 answers at 72-75 (0x48-0x4B) only")
        return a

    def _plots(self, b, ads):
        plots = self._get(b, "plots", "plots", "list", "a list of plots [{probe, valve}, ...]", True)
        if plots is None:
            return
        if not 1 <= len(plots) <= HARD_MAX_PLOTS:
            self.errs.append("plots: %d plots, must be 1 to %d (limits.HARD_MAX_PLOTS)" % (len(plots), HARD_MAX_PLOTS))
        chans = []  # type: list
        for i in range(len(plots)):
            path = "plots[%d]" % i
            p = plots[i]
            if not isinstance(p, dict):
                self.bad(path, p, "must be an object {probe, valve}")
                continue
            self._unknown(p, path + ".", ("probe", "valve"))
            pr = self._obj(p, "probe", path + ".probe", ("pin", "ads", "power_pin"), True)
            if pr is not None:
                self._probe(pr, path + ".probe", ads, chans)
            self._out(p, "valve", path + ".valve", True)

    def _probe(self, pr, path, ads, chans):
        if "ads" in pr and "pin" in pr:
            self.errs.append("%s: has both pin and ads; a probe reads on one of them" % path)
        if "ads" in pr:
            ch = self._get(pr, "ads", path + ".ads", "int", "an ADS1115 channel 0-3", True)
            if ch is not None:
                if not 0 <= ch <= 3:
                    self.bad(path + ".ads", ch, "the ADS1115 has channels 0-3")
                elif ads is None:
                    self.bad(path + ".ads", ch, "no ads1115 declared; add one or read the probe on an ADC pin")
                elif ch in chans:
                    self.bad(path + ".ads", ch, "ADS1115 channel used twice")
                chans.append(ch)
        else:
            self._pin(pr, "pin", path + ".pin", ADC)
        self._pin(pr, "power_pin", path + ".power_pin", OUT, False)

    def _flow(self, b):
        f = self._obj(b, "flow", "flow", ("pin", "pulses_per_l"), False)
        if f is None:
            return
        self._pin(f, "pin", "flow.pin", IN)
        ppl = self._get(f, "pulses_per_l", "flow.pulses_per_l", "int", "an int (pulses per litre)", True)
        if ppl is not None and ppl < 1:
            self.bad("flow.pulses_per_l", ppl, "must be at least 1")

    def _tank(self, b):
        t = self._obj(b, "tank_low", "tank_low", ("pin", "low_level", "pull"), False)
        if t is None:
            return
        self._pin(t, "pin", "tank_low.pin", IN)
        lvl = self._get(t, "low_level", "tank_low.low_level", "int", "0 or 1", True)
        if lvl is not None and lvl not in (0, 1):
            self.bad("tank_low.low_level", lvl, "must be 0 or 1, the pin level that means tank low")
        pull = self._get(t, "pull", "tank_low.pull", "str", '"up" or "down"', False)
        if pull is not None and pull not in ("up", "down"):
            self.bad("tank_low.pull", pull, 'must be "up" or "down"')

    def _temp(self, b):
        t = self._obj(b, "temp", "temp", ("kind", "pin", "mv_at_0c", "mv_per_c"), False)
        if t is None:
            return
        kind = self._get(t, "kind", "temp.kind", "str", '"rp2040" or "adc"', True)
        if kind == "rp2040":
            if self.chip is not None and self.chip != "rp2040":
                self.bad("temp.kind", kind, "the internal sensor on ADC4 is an rp2040's")
        elif kind == "adc":
            self._pin(t, "pin", "temp.pin", ADC)
            self._get(t, "mv_at_0c", "temp.mv_at_0c", "int", "an int (millivolts at 0 C)", False)
            per = self._get(t, "mv_per_c", "temp.mv_per_c", "int", "an int (millivolts per degree)", False)
            if per == 0:
                self.bad("temp.mv_per_c", per, "must not be 0")
        elif kind is not None:
            self.bad("temp.kind", kind, 'must be "rp2040" (internal sensor) or "adc" (analog sensor on a pin)')

    # Whole-board rules

    def _count(self):
        have = 8 if self.chip == "esp32" else 3 if self.chip == "rp2040" else 0
        need = len(self.adc)
        if have and need > have:
            probes = 0
            for path, _ in self.adc:
                if path.startswith("plots"):
                    probes += 1
            self.errs.append("plots: %d probes on ADC pins make %d analog inputs, the %s has %d (%s); %s"
                             % (probes, need, self.chip, have,
                                "ADC1, GPIO32-39" if self.chip == "esp32" else "GPIO26-28",
                                "put probes on the ads1115 channels 0-3" if self._has_ads()
                                else "declare an ads1115 and put probes on its channels 0-3"))

    def _has_ads(self):
        for _, _, role in self.uses:
            if role == I2C:
                return True
        return False

    def _twice(self):
        uses = self.uses
        for i in range(len(uses)):
            for j in range(i):
                if uses[j][1] == uses[i][1]:
                    self.bad(uses[i][0], uses[i][1], "pin used twice, also by " + uses[j][0])
                    break


def check(board):
    """Every problem that makes the board file impossible, one line each; [] when good."""
    return _Walk(board).errs


def warnings(board):
    """Lines about a legal but poor choice (a divider that wastes the ADC range)."""
    return _Walk(board).warns


def pins(board):
    """Every GPIO the board file uses: [(field, pin, role)], role ADC, OUT, IN or I2C."""
    return _Walk(board).uses


def adc_inputs(board):
    """Inputs read through the chip's own ADC: [(field, pin)] (PV, battery, probes, temp)."""
    return _Walk(board).adc


def adc_inputs_max(chip):
    """How many analog inputs a chip offers the firmware."""
    return 8 if chip == "esp32" else 3 if chip == "rp2040" else 0


def driver(out):
    """How an output switches its load: "relay" or "mosfet" (active-low outputs default to a relay module)."""
    drv = out.get("driver")
    if drv:
        return drv
    return "relay" if out.get("active_low") else "mosfet"


def adc_top_mv(board):
    """The most the ADC pin reads linearly (the top of adc_range_mv)."""
    return board["adc_range_mv"][1]


def in_max_mv(board, key):
    """The highest voltage a divider input ("pv", "battery") can read: ADC top times the ratio."""
    return int(adc_top_mv(board) * board[key]["ratio"] + 0.5)


def pin_mv(board, key, v_mv):
    """Millivolts on the pin for v_mv at the divider's input."""
    return int(v_mv / board[key]["ratio"] + 0.5)
