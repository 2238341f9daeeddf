"""A port that never answers, or never stops talking, gives one clear line in time."""
import fcntl
import os
import pty
import threading
import time

import pytest

from host_tools.errors import DeviceError
from host_tools.transport import Link


@pytest.mark.parametrize("port_kind", ["silent", "reset loop"])
def test_entering_the_raw_repl_gives_up_with_one_line(port_kind):
    master, slave = pty.openpty()
    stop = []

    def other_end():
        while not stop:
            try:
                if port_kind == "silent":
                    os.read(master, 1024)  # swallows ^C ^A, says nothing
                else:
                    os.write(master, b"ets Jul 29 2019 rst:0xc (SW_CPU_RESET),boot:0x13\r\n")
                    time.sleep(0.005)
            except OSError:
                return

    threading.Thread(target=other_end, daemon=True).start()
    link = Link(os.ttyname(slave))
    t0 = time.monotonic()
    try:
        with pytest.raises(DeviceError) as exc:
            link.enter_raw(deadline_s=2)
    finally:
        stop.append(1)
        os.close(master)
    assert time.monotonic() - t0 < 15
    msg = str(exc.value)
    assert "does not answer at the REPL" in msg and "\n" not in msg


def _locked(path):
    """Hold the port as mpremote, a serial monitor or another saxaul does."""
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def test_a_port_another_program_holds_is_called_busy_in_one_line():
    master, slave = pty.openpty()
    port = os.ttyname(slave)
    holder = _locked(port)
    try:
        with pytest.raises(DeviceError) as exc:
            Link(port)
    finally:
        os.close(holder)
        os.close(master)
        os.close(slave)
    msg = str(exc.value)
    assert "busy" in msg and port in msg and "\n" not in msg


def test_a_port_let_go_a_moment_later_opens():
    # A lock outlives its holder's close() while a child forked at that moment
    # (a board process the virtual board restarts) has not yet exec'd.
    master, slave = pty.openpty()
    port = os.ttyname(slave)
    holder = _locked(port)
    threading.Timer(0.3, os.close, (holder,)).start()
    try:
        link = Link(port)
        link.close()
    finally:
        os.close(master)
        os.close(slave)
