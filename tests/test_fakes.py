"""The fakes behave like MicroPython's modules: ticks wrap, WDT bites, ADC ranges."""
import pytest


def test_ticks_wrap_like_a_board(fakes):
    t = fakes.time
    t.reset(ticks0=(1 << 30) - 500)
    a = t.ticks_ms()
    t.sleep_ms(1000)
    b = t.ticks_ms()
    assert b < a  # wrapped
    assert t.ticks_diff(b, a) == 1000
    assert t.ticks_diff(t.ticks_add(a, 1000), a) == 1000


def test_watchdog_resets_when_not_fed(fakes):
    m, t = fakes.machine, fakes.time
    wdt = m.WDT(timeout=2000)
    t.sleep_ms(1500)
    wdt.feed()
    t.sleep_ms(1500)
    with pytest.raises(m.WatchdogReset):
        t.sleep_ms(1000)


def test_rp2040_watchdog_limit_and_no_read_uv(fakes):
    m = fakes.machine
    m.set_world(m.Bench(chip="rp2040"))
    with pytest.raises(ValueError):
        m.WDT(timeout=9000)
    adc = m.ADC(m.Pin(26))
    with pytest.raises(AttributeError):
        adc.read_uv()
    m.world.adc_mv[26] = 1650
    assert abs(adc.read_u16() - 32768) < 64


def test_esp32_adc_clamps_to_attenuation_range(fakes):
    m = fakes.machine
    adc = m.ADC(m.Pin(34), atten=m.ADC.ATTN_11DB)
    m.world.adc_mv[34] = 5000
    assert adc.read_uv() == 3100 * 1000
    assert adc.read_u16() == 65535
    with pytest.raises(ValueError):
        m.ADC(m.Pin(5))


def test_output_writes_are_logged_with_virtual_time(fakes):
    m, t = fakes.machine, fakes.time
    p = m.Pin(25, m.Pin.OUT, value=0)
    t.sleep_ms(250)
    p.on()
    assert m.world.log[-1] == (250, 25, 1)
    assert p.value() == 1


def test_irq_pulses_reach_handler(fakes):
    m = fakes.machine
    seen = []
    m.Pin(17, m.Pin.IN).irq(handler=lambda p: seen.append(1), trigger=m.Pin.IRQ_FALLING)
    assert m.pulse(17, 5) == 5
    assert len(seen) == 5


def test_ads1115_model_converts_channel_voltage(fakes):
    m = fakes.machine
    m.world.adc_mv[("ads", 2)] = 1024
    i2c = m.I2C(0)
    # single-shot, AIN2 vs GND (mux 6), PGA 4.096 V (1)
    cfg = (1 << 15) | (6 << 12) | (1 << 9) | (1 << 8) | 0x83
    i2c.writeto_mem(72, 1, bytes((cfg >> 8, cfg & 0xFF)))
    buf = bytearray(2)
    i2c.readfrom_mem_into(72, 0, buf)
    assert (buf[0] << 8 | buf[1]) == 8192


def test_rtc_sets_wall_clock(fakes):
    m, t = fakes.machine, fakes.time
    m.RTC().datetime((2026, 5, 1, 4, 12, 30, 0, 0))
    assert t.gmtime()[:6] == (2026, 5, 1, 12, 30, 0)
    t.sleep(61)
    assert t.gmtime()[:6] == (2026, 5, 1, 12, 31, 1)
    assert t.mktime(t.gmtime()) == t.time()
