# A RAM block device for vfs.VfsLfs2: a board's flash in a bytearray, every erase and program counted.
#
# Plain Python for the MicroPython unix port (CPython has no VfsLfs2, but the
# class imports there). LittleFS uses the extended block protocol: it erases
# a block with ioctl(6, block) and programs parts of it with
# writeblocks(block, buf, offset). Each of those is one "flash operation"
# here: `log`, when a list, receives (byte address, bytes) for a program and
# (byte address, None) for an erase, so a power cut can be replayed at any
# operation with `replay()` (FIELD-NOTES: VfsLfs2 on a bytearray block device
# behaves like a board's flash on the unix port).

BLOCK_SIZE = 4096  # the erase sector of the ESP32 and RP2040 SPI flash
_ERASED = 0xFF

_IOCTL_BLOCK_COUNT = 4
_IOCTL_BLOCK_SIZE = 5
_IOCTL_ERASE = 6


class RAMFlash:
    """A block device over a bytearray; `ops` counts erases and programs."""

    def __init__(self, blocks=32, block_size=BLOCK_SIZE, data=None):
        self.block_size = block_size
        if data is None:
            self.data = bytearray(b"\xff" * (blocks * block_size))
        else:
            self.data = bytearray(data)
        self.blocks = len(self.data) // block_size
        self._erased = b"\xff" * block_size
        self.ops = 0
        self.log = None  # a list to record operations into, or None

    def readblocks(self, block, buf, offset=0):
        a = block * self.block_size + offset
        buf[:] = self.data[a : a + len(buf)]

    def writeblocks(self, block, buf, offset=None):
        if offset is None:
            # Simple protocol (whole blocks, erase implied): erase, then program.
            for i in range(len(buf) // self.block_size):
                self.ioctl(_IOCTL_ERASE, block + i)
            offset = 0
        a = block * self.block_size + offset
        self.data[a : a + len(buf)] = buf
        self.ops += 1
        if self.log is not None:
            self.log.append((a, bytes(buf)))

    def ioctl(self, op, arg):
        if op == _IOCTL_BLOCK_COUNT:
            return self.blocks
        if op == _IOCTL_BLOCK_SIZE:
            return self.block_size
        if op == _IOCTL_ERASE:
            a = arg * self.block_size
            self.data[a : a + self.block_size] = self._erased
            self.ops += 1
            if self.log is not None:
                self.log.append((a, None))
            return 0
        return 0  # init, deinit, sync: nothing to do in RAM

    def image(self):
        """A copy of the flash as it stands."""
        return bytes(self.data)


def replay(base, log, n, torn=False, block_size=BLOCK_SIZE):
    """The flash after the first n operations of `log` on image `base`.

    torn: the n-th operation reached only half its bytes (n >= 1).
    """
    data = bytearray(base)
    erased = b"\xff" * block_size
    for i in range(n):
        a, buf = log[i]
        if buf is None:
            buf = erased
        if torn and i == n - 1:
            buf = buf[: (len(buf) + 1) // 2]
        data[a : a + len(buf)] = buf
    return RAMFlash(data=data, block_size=block_size)
