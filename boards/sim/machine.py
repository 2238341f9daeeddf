# Fake `machine` with MicroPython's API and value ranges, wired to a world.
#
# The world is what the pins are connected to: `Bench` (tests set voltages
# and levels by hand) or the simulated field. Only documented MicroPython
# calls are offered; what a chip lacks (ADC.read_uv on rp2040) is missing
# here too when the world says which chip it is.
import time  # the virtual clock: boards/sim/time.py

PWRON_RESET = 1
HARD_RESET = 2
WDT_RESET = 3
DEEPSLEEP_RESET = 4
SOFT_RESET = 5


class ResetRequest(BaseException):
    """machine.reset() or soft_reset(): the process restarts the board."""

    def __init__(self, cause):
        BaseException.__init__(self, cause)
        self.cause = cause


class WatchdogReset(ResetRequest):
    """The watchdog was not fed in time."""

    def __init__(self):
        ResetRequest.__init__(self, WDT_RESET)


class Bench:
    """A world set by hand: voltages at ADC pins, levels at input pins."""

    def __init__(self, chip="esp32"):
        self.chip = chip
        self.adc_mv = {}  # pin id (or ("ads", ch)) -> millivolts at the pin
        self.levels = {}  # input pin id -> 0/1
        self.outputs = {}  # output pin id -> last level written
        self.log = []  # (now_ms, pin, level) for every output write; None: not kept
        self.temp_c = 25
        self.uid = b"\x5a\xa1\x00\x00\x00\x01"
        self.cause = PWRON_RESET
        self.adc_cache = ()  # pins whose reading depends only on time and outputs

    def adc_uv(self, pin):
        return int(self.adc_mv.get(pin, 0) * 1000)

    def level(self, pin, pull):
        if pin in self.levels:
            return self.levels[pin]
        return 1 if pull == Pin.PULL_UP else 0

    def write(self, pin, level):
        self.outputs[pin] = level
        if self.log is not None:
            self.log.append((time.now_ms(), pin, level))


world = Bench()
_irqs = {}  # pin id -> (Pin, handler)
_writes = 0  # output writes so far: an ADC's cached reading is stale after one
_wdt = None


def set_world(w):
    global world, _wdt
    world = w
    _irqs.clear()
    _wdt = None
    time.set_alarm(-1, None)


def pulse(pin_id, n=1):
    """Deliver n edges to the IRQ handler on pin_id (the world calls this)."""
    entry = _irqs.get(pin_id)
    if entry is None:
        return 0
    pin, handler = entry
    for _ in range(n):
        handler(pin)
    return n


class Pin:
    IN = 1
    OUT = 3
    OPEN_DRAIN = 7
    PULL_UP = 1
    PULL_DOWN = 2
    IRQ_FALLING = 4
    IRQ_RISING = 8

    def __init__(self, id, mode=-1, pull=-1, value=None):
        self._id = id
        self._mode = Pin.IN
        self._pull = None
        self._level = 0
        self.init(mode, pull, value)

    def init(self, mode=-1, pull=-1, value=None):
        if mode != -1:
            self._mode = mode
        if pull != -1:
            self._pull = pull
        if value is not None:
            self.value(value)

    def value(self, v=None):
        if v is None:
            if self._mode == Pin.OUT:
                return self._level
            return world.level(self._id, self._pull)
        global _writes
        self._level = 1 if v else 0
        if self._mode == Pin.OUT:
            _writes += 1
            world.write(self._id, self._level)
        return None

    def __call__(self, v=None):
        return self.value(v)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def irq(self, handler=None, trigger=IRQ_FALLING | IRQ_RISING, hard=False):
        if handler is None:
            _irqs.pop(self._id, None)
        else:
            _irqs[self._id] = (self, handler)

    def __repr__(self):
        return "Pin(%r)" % (self._id,)


def _pin_id(p):
    return p._id if isinstance(p, Pin) else p


class ADC:
    ATTN_0DB = 0
    ATTN_2_5DB = 1
    ATTN_6DB = 2
    ATTN_11DB = 3
    _FULL_MV = (950, 1250, 1750, 3100)  # esp32 full scale per attenuation
    CORE_TEMP = 4

    def __init__(self, pin, atten=None):
        self._id = _pin_id(pin)
        self._atten = ADC.ATTN_0DB if atten is None else atten
        # The cached reading of each call: when, after which output write, what.
        self._t16 = self._tuv = -1
        self._w16 = self._wuv = -1
        self._v16 = self._vuv = 0
        if world.chip == "rp2040":
            if self._id in (0, 1, 2, 3, 4):
                self._id = (26, 27, 28, 29, "temp")[self._id]
            if self._id not in (26, 27, 28, 29, "temp"):
                raise ValueError("Pin doesn't have ADC capabilities")
        elif self._id not in (32, 33, 34, 35, 36, 37, 38, 39, 0, 2, 4, 12, 13, 14, 15, 25, 26, 27):
            raise ValueError("invalid Pin for ADC")

    def atten(self, atten):
        self._atten = atten

    def width(self, bits):
        pass

    # Oversampled reads in the same virtual millisecond, with no pin written
    # between them, see the same world: ask it once. A season makes millions
    # of reads. A world names the pins whose answer cannot change unless
    # time moves or an output does (`adc_cache`: the field's panel, and its
    # probes, whose noise it draws once per millisecond); the others, and
    # every pin of a Bench whose values tests set by hand, are asked on
    # every read.

    def _kept(self):
        return self._id in getattr(world, "adc_cache", ())

    def _mv_now(self):
        if self._id == "temp":
            # RP2040 datasheet: T = 27 - (V - 0.706) / 0.001721
            return 706 - (world.temp_c - 27) * 1721 // 1000
        mv = world.adc_uv(self._id) // 1000
        full = 3300 if world.chip == "rp2040" else ADC._FULL_MV[self._atten]
        return 0 if mv < 0 else (full if mv > full else mv)

    def read_u16(self):
        if self._t16 == time._now_ms and self._w16 == _writes:
            return self._v16
        full = 3300 if world.chip == "rp2040" else ADC._FULL_MV[self._atten]
        raw12 = self._mv_now() * 4095 // full
        v = (raw12 << 4) | (raw12 >> 8)  # 12 bits scaled to 16, as the ports do
        if self._kept():
            self._t16 = time._now_ms
            self._w16 = _writes
            self._v16 = v
        return v

    def read_uv(self):
        if self._tuv == time._now_ms and self._wuv == _writes:
            return self._vuv
        if world.chip == "rp2040":
            raise AttributeError("'ADC' object has no attribute 'read_uv'")
        v = self._mv_now() * 1000
        if self._kept():
            self._tuv = time._now_ms
            self._wuv = _writes
            self._vuv = v
        return v

    def read(self):
        return self.read_u16() >> 4


class I2C:
    """I2C bus whose devices the world provides (an ADS1115 model by default)."""

    def __init__(self, id=0, scl=None, sda=None, freq=400000):
        self._id = id

    def _dev(self, addr):
        dev = getattr(world, "i2c", {}).get(addr)
        if dev is None:
            if getattr(world, "ads1115_addr", 72) == addr:
                dev = ADS1115Model()
                if not hasattr(world, "i2c"):
                    world.i2c = {}
                world.i2c[addr] = dev
            else:
                raise OSError(19)  # ENODEV, as a missing device answers
        return dev

    def scan(self):
        return [72]

    def writeto_mem(self, addr, memaddr, buf):
        self._dev(addr).write_reg(memaddr, bytes(buf))

    def readfrom_mem_into(self, addr, memaddr, buf):
        data = self._dev(addr).read_reg(memaddr, len(buf))
        for i in range(len(buf)):
            buf[i] = data[i]

    def readfrom_mem(self, addr, memaddr, n):
        return self._dev(addr).read_reg(memaddr, n)


class ADS1115Model:
    """ADS1115: single-ended channels, PGA full scale from the config register."""

    _FSR_MV = (6144, 4096, 2048, 1024, 512, 256, 256, 256)

    def __init__(self):
        self.config = 0x8583
        self.result = 0

    def write_reg(self, reg, data):
        if reg == 1:
            self.config = (data[0] << 8) | data[1]
            mux = (self.config >> 12) & 7
            fsr = self._FSR_MV[(self.config >> 9) & 7]
            ch = mux - 4 if mux >= 4 else 0
            mv = world.adc_uv(("ads", ch)) // 1000
            v = mv * 32768 // fsr
            self.result = max(-32768, min(32767, v))

    def read_reg(self, reg, n):
        if reg == 0:
            v = self.result & 0xFFFF
        else:
            v = self.config | 0x8000  # conversion done
        return bytes(((v >> 8) & 0xFF, v & 0xFF))[:n]


class WDT:
    def __init__(self, id=0, timeout=5000):
        global _wdt
        if world.chip == "rp2040" and timeout > 8388:
            raise ValueError("timeout exceeds 8388 ms")
        if world.chip != "rp2040" and timeout < 1:
            raise ValueError("WDT timeout too short")
        self.timeout_ms = timeout
        # The clock bites once it passes the deadline (time.set_alarm): a
        # season feeds millions of times, and a hook would be a call on
        # every sleep.
        time.set_alarm(time.now_ms() + timeout, _bite)
        _wdt = self

    def feed(self):
        time._alarm_ms = time._now_ms + self.timeout_ms  # the clock's own variables: fed millions of times a season


def _bite():
    raise WatchdogReset()


def wdt_active():
    return _wdt


class RTC:
    def __init__(self, id=0):
        pass

    def datetime(self, dt=None):
        if dt is None:
            t = time.gmtime()
            return (t[0], t[1], t[2], t[6], t[3], t[4], t[5], 0)
        time.set_wall(time.mktime((dt[0], dt[1], dt[2], dt[4], dt[5], dt[6], 0, 0)))
        return None


def reset():
    raise ResetRequest(HARD_RESET)


def soft_reset():
    raise ResetRequest(SOFT_RESET)


def reset_cause():
    return world.cause


def unique_id():
    return world.uid


def freq(hz=None):
    return 240000000 if hz is None else None


def idle():
    pass


def disable_irq():
    return 0


def enable_irq(state=0):
    pass


def lightsleep(ms=0):
    time.sleep_ms(ms)
