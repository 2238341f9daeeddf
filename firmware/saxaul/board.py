# The board: the only module that touches `machine` (pins, ADCs, watchdog, sleep).
import time

import machine
from micropython import const

from saxaul.sensing import median

_OVERSAMPLE = const(16)  # reads per sample; the median rejects spikes
_PROBE_SETTLE_MS = const(100)  # capacitive probe output settles after power-up
_ADS_CONV_MS = const(9)  # ADS1115 at 128 samples/s
_ADS_FSR_MV = const(4096)  # PGA setting 001: +-4.096 V
_SLICE_MAX_MS = const(10000)  # longest sleep between console polls (a command waits at most this)


class _Out:
    """An output pin with its polarity; starts off."""

    def __init__(self, spec):
        self.active_low = bool(spec.get("active_low", False))
        self.pin = machine.Pin(spec["pin"], machine.Pin.OUT, value=1 if self.active_low else 0)
        self.on = False

    def set(self, on):
        self.pin.value((not on) if self.active_low else on)
        self.on = on


class Board:
    """Pins and ADCs named by a board file; every reading is an int."""

    def __init__(self, spec):
        self.spec = spec
        self.name = spec.get("name", "?")
        # Outputs first, so they are driven off before anything else can fail.
        self._pump = _Out(spec["pump"])
        self._valves = [_Out(p["valve"]) for p in spec["plots"]]
        led = spec.get("led")
        self._led = _Out(led) if led else None
        self.n_plots = len(self._valves)
        self._buf = [0] * _OVERSAMPLE
        self._uv = spec.get("adc_read", "u16") == "uv"
        self._vref_mv = spec.get("adc_vref_mv", 3300)
        rng = spec.get("adc_range_mv", (0, self._vref_mv))
        self.adc_lo_mv = rng[0]
        self.adc_hi_mv = rng[1]
        self._atten = None
        if "adc_atten_db" in spec and hasattr(machine.ADC, "ATTN_11DB"):
            self._atten = {0: machine.ADC.ATTN_0DB, 11: machine.ADC.ATTN_11DB}.get(spec["adc_atten_db"])
        pv = spec["pv"]
        self._pv = self._adc(pv["pin"])
        self._pv_ratio_pm = int(pv["ratio"] * 1000)
        # A cold panel's open circuit stays within a quarter above its rating,
        # and the divider keeps it under the ADC's top: a reading past either
        # (the pin at its rail) is the divider's wiring (codes.G_PV_SENSOR).
        top = (self.adc_hi_mv - 20) * self._pv_ratio_pm // 1000
        cap = pv.get("voc_mv", 0) * 5 // 4
        self.pv_max_mv = cap if 0 < cap < top else top
        bat = spec.get("battery")
        self._bat = self._adc(bat["pin"]) if bat else None
        self._bat_ratio_pm = int(bat["ratio"] * 1000) if bat else 0
        self._i2c = None
        ads = spec.get("ads1115")
        if ads:
            self._i2c = machine.I2C(ads.get("i2c", 0), scl=machine.Pin(ads["scl"]), sda=machine.Pin(ads["sda"]))
            self._ads_addr = ads.get("addr", 72)
            self._ads_cmd = bytearray(2)
            self._ads_res = bytearray(2)
        self._probes = []
        self._probe_pwr = []
        for p in spec["plots"]:
            pr = p["probe"]
            if "ads" in pr:
                self._probes.append(pr["ads"])  # int channel on the external ADC
            else:
                self._probes.append(self._adc(pr["pin"]))
            pw = pr.get("power_pin")
            self._probe_pwr.append(machine.Pin(pw, machine.Pin.OUT, value=0) if pw is not None else None)
        temp = spec.get("temp")
        self._temp_kind = temp["kind"] if temp else None
        self._temp = None
        if self._temp_kind == "rp2040":
            self._temp = machine.ADC(4).read_u16
        elif self._temp_kind == "adc":
            self._temp = self._adc(temp["pin"])
            self._temp_mv0 = temp.get("mv_at_0c", 500)
            self._temp_mv_c = temp.get("mv_per_c", 10)
        flow = spec.get("flow")
        self.pulses_per_l = flow["pulses_per_l"] if flow else 0
        self._pulses = 0
        if flow:
            self._flow = machine.Pin(flow["pin"], machine.Pin.IN, machine.Pin.PULL_UP)
            self._flow.irq(handler=self._on_pulse, trigger=machine.Pin.IRQ_FALLING)
        tank = spec.get("tank_low")
        self._tank = None
        if tank:
            pull = machine.Pin.PULL_UP if tank.get("pull", "up") == "up" else machine.Pin.PULL_DOWN
            self._tank = machine.Pin(tank["pin"], machine.Pin.IN, pull)
            self._tank_low_level = tank.get("low_level", 0)
        self._feed = None  # the watchdog's feed, bound once: the watchdog lives on in it
        self.wdt_ms = spec.get("wdt_ms", 8000)

    def _adc(self, pin):
        """The pin's read method, bound once: calling a stored bound method
        allocates nothing, looking one up on every read would."""
        if self._atten is not None:
            adc = machine.ADC(machine.Pin(pin), atten=self._atten)
        else:
            adc = machine.ADC(machine.Pin(pin))
        if self._uv:
            # read_uv (eFuse-calibrated) exists on ESP32 only; the board file
            # asks for it, and boardfile.check refuses "uv" on other chips.
            return getattr(adc, "read_uv")
        return adc.read_u16

    def _on_pulse(self, pin):
        self._pulses += 1

    # Outputs

    def all_off(self):
        """Pump first, then valves: safe in any order of failure."""
        self._pump.set(False)
        for v in self._valves:
            v.set(False)
        for p in self._probe_pwr:
            if p is not None:
                p.value(0)

    def set_outputs(self, pump_on, valves):
        """Apply the sequencer's outputs: valves open before and close after the pump."""
        if not pump_on and self._pump.on:
            self._pump.set(False)
        i = 0
        for v in self._valves:
            want = bool(valves & (1 << i))
            if want != v.on:
                v.set(want)
            i += 1
        if pump_on and not self._pump.on:
            self._pump.set(True)

    def outputs_mask(self):
        """Bit 0 pump, bit 1+i valve i, as the journal records it."""
        m = 1 if self._pump.on else 0
        i = 1
        for v in self._valves:
            if v.on:
                m |= 1 << i
            i += 1
        return m

    def led(self, on):
        led = self._led
        if led is not None and led.on != on:
            led.set(on)

    # Inputs

    def _pin_mv(self, read):
        buf = self._buf
        if self._uv:
            for i in range(_OVERSAMPLE):
                buf[i] = read() // 1000
        else:
            vref = self._vref_mv
            for i in range(_OVERSAMPLE):
                buf[i] = read() * vref // 65535
        return median(buf)

    def _ads_mv(self, ch):
        i2c = self._i2c
        if i2c is None:
            return 0
        cmd = self._ads_cmd
        # single shot, AINch vs GND, PGA 4.096 V, 128 SPS, comparator off
        cfg = 0x8000 | ((4 + ch) << 12) | (1 << 9) | (1 << 8) | 0x83
        buf = self._buf
        try:
            for i in range(_OVERSAMPLE):
                cmd[0] = cfg >> 8
                cmd[1] = cfg & 0xFF
                i2c.writeto_mem(self._ads_addr, 1, cmd)
                time.sleep_ms(_ADS_CONV_MS)
                i2c.readfrom_mem_into(self._ads_addr, 0, self._ads_res)
                v = (self._ads_res[0] << 8) | self._ads_res[1]
                if v & 0x8000:
                    v -= 0x10000
                buf[i] = v * _ADS_FSR_MV // 32768
        except OSError:
            return 0  # no answer on the bus reads as an open probe
        return median(buf)

    def read_pv_mv(self):
        return self._pin_mv(self._pv) * self._pv_ratio_pm // 1000

    def read_batt_mv(self):
        if self._bat is None:
            return 0
        return self._pin_mv(self._bat) * self._bat_ratio_pm // 1000

    def read_probe_mv(self, i):
        pwr = self._probe_pwr[i]
        if pwr is not None:
            pwr.value(1)
            time.sleep_ms(_PROBE_SETTLE_MS)
        p = self._probes[i]
        mv = self._ads_mv(p) if isinstance(p, int) else self._pin_mv(p)
        if pwr is not None:
            pwr.value(0)
        return mv

    def probe_range_mv(self, i):
        """What probe i can read: the ADC's linear range, or 0..3300 on the ADS1115."""
        if isinstance(self._probes[i], int):
            return 0, 3300  # the probe's own supply bounds it, not the ADS1115 scale
        return self.adc_lo_mv, self.adc_hi_mv

    def temp_c(self):
        """Air temperature for the frost rule; 25 when the board has no sensor."""
        if self._temp is None:
            return 25
        if self._temp_kind == "rp2040":
            mv = self._temp() * 3300 // 65535
            return 27 - (mv - 706) * 1000 // 1721  # RP2040 datasheet, 4.9.5
        return (self._pin_mv(self._temp) - self._temp_mv0) // self._temp_mv_c

    def tank_low(self):
        if self._tank is None:
            return False
        return self._tank.value() == self._tank_low_level

    def take_pulses(self):
        """Flow pulses since the last call (counted by the IRQ handler)."""
        state = machine.disable_irq()
        n = self._pulses
        self._pulses = 0
        machine.enable_irq(state)
        return n

    # Watchdog and time

    def start_watchdog(self):
        self._feed = machine.WDT(timeout=self.wdt_ms).feed

    def feed(self):
        if self._feed is not None:
            self._feed()

    def sleep_s(self, s, poll=None, slice_max_ms=_SLICE_MAX_MS):
        """Sleep s seconds in slices, feeding the watchdog and polling the
        console; a poll that returns True ends the sleep early.

        `slice_max_ms` bounds how long a command from the host may wait: the
        controller asks for short slices while water runs (a `stop` acts
        within seconds) and long ones when idle (each slice wakes the CPU)."""
        left_ms = s * 1000
        # Half the watchdog timeout leaves room for a slow tick after the slice.
        slice_ms = self.wdt_ms // 2
        if slice_ms > slice_max_ms:
            slice_ms = slice_max_ms
        # A day is thousands of slices: the loop looks nothing up.
        feed = self._feed
        sleep_ms = time.sleep_ms
        while left_ms > 0:
            if feed is not None:
                feed()
            ms = slice_ms if left_ms > slice_ms else left_ms
            sleep_ms(ms)
            left_ms -= ms
            if poll is not None and poll():
                break  # a request from the host: tick now
        self.feed()

    def reset(self):
        machine.reset()

    def reset_cause(self):
        return machine.reset_cause()

    def unique_id(self):
        return machine.unique_id()
