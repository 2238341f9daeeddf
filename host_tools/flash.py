"""MicroPython onto a board: image checks, esptool for ESP32, UF2 copy for RP2040.

An image is checked against the board's chip before anything touches the
board, because a wrong image at a plot means a controller that does not boot
and no internet to fetch the right one.
"""
import json
import os
import string
import struct
import subprocess
import sys

from host_tools import fw
from host_tools.errors import DeviceError, UserError

# UF2 (https://github.com/microsoft/uf2): 512-byte blocks, three magic numbers.
UF2_MAGIC0 = 0x0A324655  # "UF2\n"
UF2_MAGIC1 = 0x9E5D5157
UF2_MAGIC_END = 0x0AB16F30
UF2_BLOCK = 512
UF2_FLAG_FAMILY = 0x00002000

# Family ids from uf2families.json.
UF2_FAMILIES = {
    0xE48BFF56: "rp2040",
    0xE48BFF57: "rp2xxx absolute",
    0xE48BFF58: "rp2xxx data",
    0xE48BFF59: "rp2350 (ARM)",
    0xE48BFF5A: "rp2350 (RISC-V)",
    0x1C5F21B0: "esp32",
    0xBFDD4EEE: "esp32s2",
    0xC47E5767: "esp32s3",
    0xD42BA06C: "esp32c3",
}

# ESP image header: magic 0xE9, then the extended header carries the chip id
# at bytes 12..13 (esptool's IMAGE_CHIP_ID per target).
ESP_MAGIC = 0xE9
ESP_CHIP_IDS = {
    0x0000: "esp32",
    0x0002: "esp32s2",
    0x0005: "esp32c3",
    0x0009: "esp32s3",
    0x000C: "esp32c2",
    0x000D: "esp32c6",
    0x0010: "esp32h2",
    0x0012: "esp32p4",
}

# Chips we flash: how, and where the image goes (the classic ESP32 and the S2
# keep their second-stage bootloader at 0x1000, the newer chips at 0x0).
CHIPS = {
    "esp32": ("esptool", 0x1000),
    "esp32s3": ("esptool", 0x0),
    "esp32c3": ("esptool", 0x0),
    "rp2040": ("uf2", None),
}
RP2040_FAMILY = 0xE48BFF56
ESPTOOL_BAUD = 460800


def board_chip(board):
    """The chip named by board file `board` (a name in boards/ or a path to a .json)."""
    path = board if board.endswith(".json") else os.path.join(fw.BOARDS_DIR, board + ".json")
    try:
        with open(path) as f:
            spec = json.load(f)
    except FileNotFoundError:
        known = sorted(n[:-5] for n in os.listdir(fw.BOARDS_DIR) if n.endswith(".json")) if os.path.isdir(fw.BOARDS_DIR) else []
        raise UserError("unknown board %r: known boards are %s" % (board, ", ".join(known) or "(none in boards/)"))
    except ValueError as exc:
        raise UserError("board file %s is not valid JSON: %s" % (path, exc))
    chip = spec.get("chip")
    if chip not in CHIPS:
        raise UserError("board %s names chip %r; saxaul flashes %s" % (board, chip, ", ".join(sorted(CHIPS))))
    return chip


def _family_name(fid):
    return UF2_FAMILIES.get(fid, "unknown family 0x%08x" % fid)


def _uf2_family(data):
    """The family id of a UF2 image, None when its blocks carry none; raises UserError when broken."""
    if len(data) % UF2_BLOCK:
        raise UserError("the UF2 image is %d bytes, not a whole number of 512-byte blocks: the file is cut short" % len(data))
    family = None
    for off in range(0, len(data), UF2_BLOCK):
        m0, m1, flags = struct.unpack_from("<III", data, off)
        fid = struct.unpack_from("<I", data, off + 28)[0]
        end = struct.unpack_from("<I", data, off + UF2_BLOCK - 4)[0]
        if m0 != UF2_MAGIC0 or m1 != UF2_MAGIC1 or end != UF2_MAGIC_END:
            raise UserError("the UF2 image has a bad block at byte %d: the file is damaged" % off)
        fid = fid if flags & UF2_FLAG_FAMILY else None
        if off == 0:
            family = fid
        elif fid != family:
            raise UserError("the UF2 image mixes families (%s and %s)" % (
                _family_name(family) if family is not None else "none", _family_name(fid) if fid is not None else "none"))
    return family


def describe(data):
    """What an image file is, in words: for messages about a refused image."""
    if not data:
        return "an empty file"
    if len(data) >= 32 and struct.unpack_from("<II", data) == (UF2_MAGIC0, UF2_MAGIC1):
        fid = struct.unpack_from("<I", data, 28)[0]
        flags = struct.unpack_from("<I", data, 8)[0]
        if flags & UF2_FLAG_FAMILY:
            return "a UF2 image for %s" % _family_name(fid)
        return "a UF2 image with no family id"
    if data[0] == ESP_MAGIC and len(data) >= 24:
        cid = struct.unpack_from("<H", data, 12)[0]
        return "an ESP image for %s" % ESP_CHIP_IDS.get(cid, "chip id 0x%04x" % cid)
    head = data[:64].lstrip().lower()
    if data[:4] == b"\x7fELF":
        return "an ELF file (a build output, not a flash image)"
    if data[:2] == b"PK":
        return "a ZIP archive (unpack it first)"
    if head.startswith(b"<!doctype") or head.startswith(b"<html"):
        return "an HTML page (a download that failed?)"
    if data[:1] == b":":
        return "an Intel HEX file"
    return "not a firmware image (starts with %s)" % data[:4].hex()


def check_image(data, chip):
    """Refuse an image that is not for `chip` (UserError naming what it is and what was expected).

    Returns a short description of the accepted image.
    """
    how, _ = CHIPS[chip]
    what = describe(data)
    if how == "uf2":
        expected = "a UF2 image for rp2040 (family 0x%08x)" % RP2040_FAMILY
        if not what.startswith("a UF2 image"):
            raise UserError("the image is %s; this %s board needs %s" % (what, chip, expected))
        family = _uf2_family(data)
        if family != RP2040_FAMILY:
            raise UserError("the image is %s; this %s board needs %s" % (what, chip, expected))
        return "UF2 for rp2040, %d blocks" % (len(data) // UF2_BLOCK)
    expected = "an ESP image (.bin) for %s" % chip
    if not what.startswith("an ESP image"):
        hint = ": this board flashes with esptool, use the .bin" if what.startswith("a UF2") else ""
        raise UserError("the image is %s; this %s board needs %s%s" % (what, chip, expected, hint))
    cid = struct.unpack_from("<H", data, 12)[0]
    if ESP_CHIP_IDS.get(cid) != chip:
        raise UserError("the image is %s; this %s board needs %s" % (what, chip, expected))
    return "ESP image for %s, %d bytes" % (chip, len(data))


def esptool_args(chip, port, image):
    """esptool's arguments (after `python -m esptool`) to write `image` for `chip` on `port`."""
    how, offset = CHIPS.get(chip, (None, None))
    if how != "esptool":
        raise UserError("chip %r is not flashed with esptool" % chip)
    return ["--chip", chip, "--port", port, "--baud", str(ESPTOOL_BAUD),
            "write-flash", "0x%x" % offset, image]


def run_esptool(args):
    """Run esptool in this Python; its progress goes to the terminal."""
    rc = subprocess.call([sys.executable, "-m", "esptool"] + args)
    if rc:
        raise DeviceError("esptool failed (exit %d): hold BOOT while pressing EN to enter the bootloader, "
                          "check the cable, then try again" % rc)


def drive_roots():
    """Folders where a removable drive may be mounted on this system."""
    if sys.platform == "win32":
        return ["%s:\\" % d for d in string.ascii_uppercase if d not in "AB"]
    if sys.platform == "darwin":
        return ["/Volumes"]
    user = os.environ.get("USER") or os.environ.get("LOGNAME") or ""
    return [os.path.join("/media", user), os.path.join("/run/media", user), "/media", "/mnt"]


def _info_uf2(path):
    try:
        with open(os.path.join(path, "INFO_UF2.TXT"), errors="replace") as f:
            return f.read(1024)
    except OSError:
        return None


def find_uf2_drives(roots=None):
    """Mounted UF2 bootloader drives: (path, INFO_UF2.TXT text), RPI-RP2 ones first."""
    roots = drive_roots() if roots is None else roots
    found = []
    seen = set()
    for root in roots:
        candidates = [root]
        if sys.platform != "win32" or roots is not None:
            try:
                candidates += [os.path.join(root, n) for n in sorted(os.listdir(root))]
            except OSError:
                continue
        for path in candidates:
            real = os.path.realpath(path)
            if real in seen:
                continue
            info = _info_uf2(path)
            if info is not None:
                seen.add(real)
                found.append((path, info))
    found.sort(key=lambda d: "RPI-RP2" not in d[1])
    return found


def pick_drive(drive=None, roots=None):
    """The RPI-RP2 drive to copy to: `drive` when given (checked), else the one mounted."""
    if drive:
        info = _info_uf2(drive)
        if info is None:
            raise UserError("%s has no INFO_UF2.TXT: it is not a UF2 bootloader drive" % drive)
        return drive
    drives = [d for d in find_uf2_drives(roots) if "RPI-RP2" in d[1]]
    if not drives:
        raise UserError("no RPI-RP2 drive found: hold BOOTSEL while plugging the Pico in, "
                        "or pass --drive with the folder where it is mounted")
    if len(drives) > 1:
        raise UserError("several RPI-RP2 drives (%s): pass --drive" % ", ".join(d[0] for d in drives))
    return drives[0][0]


def copy_uf2(data, drive, name="firmware.uf2"):
    """Write the image onto the drive; the board reboots when the last block lands."""
    dest = os.path.join(drive, name)
    written = 0
    try:
        with open(dest, "wb") as f:
            for off in range(0, len(data), 64 * 1024):
                written += f.write(data[off:off + 64 * 1024])
            f.flush()
            try:
                os.fsync(f.fileno())
            except OSError:
                pass  # the board may reboot and drop the drive as the last block lands
    except OSError as exc:
        if written < len(data):
            raise DeviceError("copy to %s failed after %d of %d bytes: %s" % (drive, written, len(data), exc.strerror or exc))
    return dest


def flash(board, image, port=None, drive=None, out=print, _run=run_esptool, roots=None):
    """Check `image` against `board`'s chip, then write it. Returns a one-line summary."""
    chip = board_chip(board)
    try:
        with open(image, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise UserError("cannot read image %s: %s" % (image, exc.strerror or exc))
    what = check_image(data, chip)
    how, _ = CHIPS[chip]
    if how == "uf2":
        target = pick_drive(drive, roots)
        out("copying %s (%s) to %s" % (os.path.basename(image), what, target))
        copy_uf2(data, target)
        return "flashed %s onto %s: the Pico reboots into MicroPython; next `saxaul deploy`" % (os.path.basename(image), target)
    from host_tools import ports

    dev = ports.resolve_port(port)
    out("writing %s (%s) to %s" % (os.path.basename(image), what, dev))
    _run(esptool_args(chip, dev, image))
    return "flashed %s onto %s: next `saxaul deploy`" % (os.path.basename(image), dev)
