# The on-flash journal: compact CRC-checked binary records in numbered files, and their reader.
#
# Record: sync 0xA5, kind (u8), payload length (u8), payload, CRC-16/CCITT
# (big-endian) over kind, length and payload. Every payload opens with boot
# (u16), uptime seconds (u32) and wall seconds (u32, 0 while the RTC is unset).
#   event  (kinds codes.E_*):   + plot u8, a i16, b i32, c i32           26 bytes
#   sample (codes.E_SAMPLE):    + pv_mv u16, flags u8, pct u8 x n,
#                                 [batt_mv u16] [ml u32] [faults u8 x n]  18 + n bytes and up
#   header (kind 0, file start): + format u8, device id bytes
# The sample flags byte holds the output mask (bit 0 pump, bit 1+i valve i)
# in its low 5 bits and says which optional fields follow: a board without
# battery, idle and fault-free, writes none of them, which is what lets 90
# days fit in 256 KB (tests/test_journal.py).
# Files are appended one record per open/close, since LittleFS commits on
# close; a record torn by power loss fails its CRC and the reader skips it.
import os
import struct

from micropython import const

from saxaul.codes import E_SAMPLE

K_HEADER = const(0)
FORMAT = const(1)

_SYNC = const(0xA5)
_EVENT_LEN = const(21)  # payload bytes
_SAMPLE_MIN = const(13)  # payload bytes before the per-plot fields
_HEADER_MIN = const(11)
_BUF = const(64)
_MAX_ID = const(16)  # device id bytes kept in the header
_MASK = const(0x1F)
_S_BATT = const(0x20)
_S_ML = const(0x40)
_S_FAULTS = const(0x80)
_TAIL = const(128)  # bytes read back at open to find the last boot number


_EVENT_NAMES = None


def _event_name(kind):
    global _EVENT_NAMES
    if _EVENT_NAMES is None:
        from saxaul import codes

        _EVENT_NAMES = codes.names("E_")
    return _EVENT_NAMES.get(kind) or "E%d" % kind


def _crc_table():
    t = []
    for i in range(16):
        c = i << 12
        for _ in range(4):
            c = ((c << 1) ^ 0x1021) if c & 0x8000 else (c << 1)
            c &= 0xFFFF
        t.append(c)
    return tuple(t)


_T = _crc_table()


def crc16(buf, start=0, end=-1, crc=0xFFFF):
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) of buf[start:end]; a nibble at a time."""
    if end < 0:
        end = len(buf)
    t = _T
    for i in range(start, end):
        b = buf[i]
        crc = ((crc << 4) & 0xFFFF) ^ t[(crc >> 12) ^ (b >> 4)]
        crc = ((crc << 4) & 0xFFFF) ^ t[(crc >> 12) ^ (b & 15)]
    return crc


def _name(seq):
    return "j%05d.bin" % seq


def _seq_of(name):
    if len(name) > 5 and name[0] == "j" and name[-4:] == ".bin" and name[1:-4].isdigit():
        return int(name[1:-4])
    return -1


def files(dir):
    """Journal file numbers in dir, oldest first."""
    try:
        names = os.listdir(dir or "/")
    except OSError:
        return []
    seqs = [s for s in (_seq_of(n) for n in names) if s >= 0]
    seqs.sort()
    return seqs


def _size(path):
    try:
        return os.stat(path)[6]
    except OSError:
        return 0


class Journal:
    """Appends records to dir/jNNNNN.bin; rolls at file_bytes, deletes the oldest above cap_bytes."""

    def __init__(self, dir="/log", cap_bytes=256 * 1024, file_bytes=16 * 1024, dev_id=b""):
        self.dir = dir.rstrip("/")
        self.cap_bytes = cap_bytes
        self.file_bytes = file_bytes
        self.dev_id = bytes(dev_id[:_MAX_ID])
        self.errors = 0  # writes the flash refused
        self.last_boot = 0  # boot number of the newest record found at open
        self._boot = 0
        self._up = 0
        self._wall = 0
        self._buf = bytearray(_BUF)
        self._mv = memoryview(self._buf)
        self._views = [None] * (_BUF + 1)  # type: list  # one view per record length, made once
        if self.dir:
            try:
                os.mkdir(self.dir)
            except OSError:
                pass  # exists
        self._seqs = files(self.dir)
        self._total = 0
        for s in self._seqs:
            self._total += _size(self._path_of(s))
        if self._seqs:
            # A reboot appends to the newest file; numbers are never reused.
            self._seq = self._seqs[-1]
            self._path = self._path_of(self._seq)
            self._size = _size(self._path)
            self.last_boot = self._tail_boot()
        else:
            self._seq = 0
            self._path = None
            self._size = file_bytes  # the first record opens j00001.bin
        self._trim()

    def _path_of(self, seq):
        return self.dir + "/" + _name(seq)

    def _tail_boot(self):
        try:
            f = open(self._path, "rb")
            try:
                if self._size > _TAIL:
                    f.seek(self._size - _TAIL)
                data = f.read()
            finally:
                f.close()
        except OSError:
            return 0
        recs = decode(data)[0]
        return recs[-1]["boot"] if recs else 0

    @property
    def total_bytes(self):
        return self._total

    @property
    def file_seq(self):
        """Number of the file being written (0 before the first record)."""
        return self._seq

    def stamp(self, boot, uptime_s, wall_s):
        """Set the time fields of the records that follow."""
        self._boot = boot & 0xFFFF
        self._up = uptime_s if uptime_s > 0 else 0
        self._wall = wall_s if wall_s > 0 else 0

    def event(self, kind, plot, a=0, b=0, c=0):
        if kind == E_SAMPLE or kind == K_HEADER or kind > 255:
            raise ValueError("event kind")
        a = -32768 if a < -32768 else (32767 if a > 32767 else a)
        struct.pack_into("<HIIBhii", self._buf, 3, self._boot, self._up, self._wall, plot & 0xFF, a, b, c)
        self._frame(kind, 3 + _EVENT_LEN)

    def sample(self, pv_mv, batt_mv, pct, faults, out_mask, ml):
        """Periodic readings; pct 255 marks a faulted probe."""
        buf = self._buf
        n = len(pct)
        pv_mv = 0 if pv_mv < 0 else (65535 if pv_mv > 65535 else pv_mv)
        struct.pack_into("<HIIH", buf, 3, self._boot, self._up, self._wall, pv_mv)
        flags = out_mask & _MASK
        o = 16
        anyf = 0
        for i in range(n):
            v = pct[i]
            buf[o] = 0 if v < 0 else (255 if v > 255 else v)
            o += 1
            anyf |= faults[i]
        if batt_mv > 0:
            flags |= _S_BATT
            struct.pack_into("<H", buf, o, 65535 if batt_mv > 65535 else batt_mv)
            o += 2
        if ml > 0:
            flags |= _S_ML
            struct.pack_into("<I", buf, o, ml)
            o += 4
        if anyf:
            flags |= _S_FAULTS
            for i in range(n):
                buf[o] = faults[i] & 0xFF
                o += 1
        buf[15] = flags
        self._frame(E_SAMPLE, o)

    def _frame(self, kind, end):
        buf = self._buf
        buf[0] = _SYNC
        buf[1] = kind
        buf[2] = end - 3
        crc = crc16(buf, 1, end)
        buf[end] = crc >> 8
        buf[end + 1] = crc & 0xFF
        n = end + 2
        if self._size + n > self.file_bytes:
            self._roll()
        v = self._views[n]
        if v is None:
            v = self._views[n] = self._mv[:n]
        self._append(v, n)
        if self._total > self.cap_bytes:
            self._trim()

    def _append(self, data, n):
        try:
            f = open(self._path, "ab")
            try:
                f.write(data)
            finally:
                f.close()
        except OSError:
            self.errors += 1
            return
        self._size += n
        self._total += n

    def _roll(self):
        self._seq += 1
        self._seqs.append(self._seq)
        self._path = self._path_of(self._seq)
        self._size = 0
        ln = _HEADER_MIN + len(self.dev_id)
        h = bytearray(ln + 5)  # a new file is rare: this buffer may be allocated
        h[0] = _SYNC
        h[1] = K_HEADER
        h[2] = ln
        struct.pack_into("<HIIB", h, 3, self._boot, self._up, self._wall, FORMAT)
        h[14 : 14 + len(self.dev_id)] = self.dev_id
        crc = crc16(h, 1, ln + 3)
        h[ln + 3] = crc >> 8
        h[ln + 4] = crc & 0xFF
        self._append(h, ln + 5)

    def _trim(self):
        # The file being written is never deleted, even if it alone exceeds the cap.
        while self._total > self.cap_bytes and len(self._seqs) > 1:
            path = self._path_of(self._seqs.pop(0))
            size = _size(path)
            try:
                os.remove(path)
            except OSError:
                self.errors += 1
                continue
            self._total -= size


def _parse(data, p, kind, ln):
    boot, up, wall = struct.unpack_from("<HII", data, p)
    r = {"boot": boot, "uptime_s": up, "wall_s": wall}
    if kind == K_HEADER:
        if ln < _HEADER_MIN:
            return None
        r["kind"] = "HEADER"
        r["format"] = data[p + 10]
        r["dev_id"] = "".join("%02x" % x for x in bytes(data[p + 11 : p + ln]))
    elif kind == E_SAMPLE:
        if ln < _SAMPLE_MIN:
            return None
        flags = data[p + 12]
        rest = ln - _SAMPLE_MIN - (2 if flags & _S_BATT else 0) - (4 if flags & _S_ML else 0)
        per = 2 if flags & _S_FAULTS else 1
        if rest < 0 or rest % per:
            return None
        n = rest // per
        o = p + _SAMPLE_MIN
        r["kind"] = "SAMPLE"
        r["pv_mv"] = struct.unpack_from("<H", data, p + 10)[0]
        r["out_mask"] = flags & _MASK
        r["pct"] = [data[o + i] for i in range(n)]
        o += n
        r["batt_mv"] = 0
        r["ml"] = 0
        if flags & _S_BATT:
            r["batt_mv"] = struct.unpack_from("<H", data, o)[0]
            o += 2
        if flags & _S_ML:
            r["ml"] = struct.unpack_from("<I", data, o)[0]
            o += 4
        r["faults"] = [data[o + i] for i in range(n)] if flags & _S_FAULTS else [0] * n
    else:
        if ln != _EVENT_LEN:
            return None
        plot, a, b, c = struct.unpack_from("<Bhii", data, p + 10)
        r["kind"] = _event_name(kind)
        r["plot"] = plot
        r["a"] = a
        r["b"] = b
        r["c"] = c
    return r


def decode(data):
    """(records, bad): the valid records in order, and how many torn or corrupt stretches were skipped."""
    recs = []
    bad = 0
    in_bad = False
    n = len(data)
    i = 0
    while i < n:
        if data[i] == _SYNC and i + 5 <= n:
            ln = data[i + 2]
            end = i + 3 + ln
            if end + 2 <= n and crc16(data, i + 1, end) == (data[end] << 8) | data[end + 1]:
                r = _parse(data, i + 3, data[i + 1], ln)
                if r is not None:
                    recs.append(r)
                    i = end + 2
                    in_bad = False
                    continue
        if not in_bad:
            bad += 1
            in_bad = True
        i += 1
    return recs, bad


def read_dir(dir):
    """(records, bad) over every journal file in dir, oldest first."""
    dir = dir.rstrip("/")
    recs = []
    bad = 0
    for s in files(dir):
        try:
            f = open(dir + "/" + _name(s), "rb")
            try:
                data = f.read()
            finally:
                f.close()
        except OSError:
            continue
        r, b = decode(data)
        recs.extend(r)
        bad += b
    return recs, bad
