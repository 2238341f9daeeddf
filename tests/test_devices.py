"""Which serial port is the board: a laptop at a plot with a GPS dongle, two controllers, or nothing."""
import pytest

from host_tools import cmd_devices, ports
from host_tools.errors import UserError


class Info:
    """The fields of pyserial's ListPortInfo that ports.py reads."""

    def __init__(self, device, vid, pid, description=""):
        self.device, self.vid, self.pid, self.description, self.serial_number = device, vid, pid, description, ""


def test_only_board_like_usb_ids_are_listed():
    found = ports.board_ports([
        Info("/dev/ttyS0", None, None, "built-in serial"),
        Info("/dev/ttyACM1", 0x1546, 0x01A7, "u-blox GPS"),
        Info("/dev/ttyUSB0", 0x10C4, 0xEA60, "CP2102"),
        Info("/dev/ttyACM0", 0x2E8A, 0x0005, "Board in FS mode"),
        Info("/dev/ttyACM2", 0x303A, 0x1001, "USB JTAG/serial debug unit"),
        Info("COM7", 0x1A86, 0x55D4, "USB-Enhanced-SERIAL CH9102"),
    ])
    assert [p.device for p in found] == ["/dev/ttyACM0", "/dev/ttyACM2", "/dev/ttyUSB0", "COM7"]
    assert found[0].kind == "RP2040 MicroPython" and found[0].usb_id == "2E8A:0005"


def test_one_board_is_picked():
    found = ports.board_ports([Info("/dev/ttyUSB0", 0x1A86, 0x7523)])
    assert ports.pick_port(found).device == "/dev/ttyUSB0"


def test_nothing_plugged_in_says_what_to_do():
    with pytest.raises(UserError, match="no board found: plug it in, or pass --port"):
        ports.pick_port(ports.board_ports([Info("/dev/ttyS0", None, None)]))


def test_a_pico_beats_a_usb_serial_bridge():
    # The bridge may be a second controller or a GPS; the Pico's own USB id is certainly a board.
    found = ports.board_ports([Info("/dev/ttyUSB0", 0x0403, 0x6001), Info("/dev/ttyACM0", 0x2E8A, 0x0005)])
    assert ports.pick_port(found).device == "/dev/ttyACM0"


def test_two_controllers_of_the_same_kind_are_refused_with_their_names():
    found = ports.board_ports([Info("COM3", 0x10C4, 0xEA60), Info("COM4", 0x10C4, 0xEA60)])
    with pytest.raises(UserError) as exc:
        ports.pick_port(found)
    assert "COM3" in str(exc.value) and "COM4" in str(exc.value) and "--port" in str(exc.value)


def test_an_explicit_port_wins_without_looking():
    assert ports.resolve_port("/dev/ttyUSB9", comports=[]) == "/dev/ttyUSB9"
    assert ports.resolve_port(None, comports=[Info("/dev/ttyACM0", 0x2E8A, 0x0005)]) == "/dev/ttyACM0"


def test_the_listing_stars_the_port_it_would_use():
    found = ports.board_ports([Info("/dev/ttyUSB0", 0x10C4, 0xEA60, "CP2102"), Info("/dev/ttyACM0", 0x2E8A, 0x0005)])
    lines, picked, why = cmd_devices.format_ports(found)
    assert picked.device == "/dev/ttyACM0" and why == ""
    assert lines[0].startswith("* /dev/ttyACM0") and lines[1].startswith("  /dev/ttyUSB0")
