"""Flashing at a plot: the right image goes to the right chip, a wrong one is refused before anything is written."""
import json
import os
import struct

import pytest

from host_tools import flash
from host_tools.errors import UserError


def uf2(family, blocks=3, flags=flash.UF2_FLAG_FAMILY):
    out = b""
    for i in range(blocks):
        head = struct.pack("<8I", flash.UF2_MAGIC0, flash.UF2_MAGIC1, flags, 0x10000000 + 256 * i, 256, i, blocks, family)
        out += head + bytes([i & 0xFF]) * 476 + struct.pack("<I", flash.UF2_MAGIC_END)
    return out


def esp_image(chip_id, size=4096):
    # magic, segments, SPI mode, size/freq, entry; extended header: wp, drive x3, chip id, ...
    head = struct.pack("<BBBBI", flash.ESP_MAGIC, 3, 2, 0x20, 0x40080000)
    ext = struct.pack("<B3sHBHH4sB", 0xEE, b"\0\0\0", chip_id, 0, 0, 0xFFFF, b"\0" * 4, 0)
    return (head + ext).ljust(size, b"\xff")


@pytest.fixture
def boards(tmp_path):
    out = {}
    for name, chip in (("pico", "rp2040"), ("devkitc", "esp32"), ("s3", "esp32s3"), ("c3", "esp32c3")):
        path = tmp_path / (name + ".json")
        path.write_text(json.dumps({"name": name, "chip": chip}))
        out[name] = str(path)
    return out


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def rpi_rp2_drive(root):
    drive = root / "RPI-RP2"
    drive.mkdir(parents=True)
    (drive / "INFO_UF2.TXT").write_text("UF2 Bootloader v3.0\nModel: Raspberry Pi RP2\nBoard-ID: RPI-RP2\n")
    return drive


def test_pico_image_lands_on_the_rpi_rp2_drive_found_among_mounted_volumes(tmp_path, boards):
    # A technician holds BOOTSEL, plugs the Pico in; the drive shows up under /media/$USER.
    media = tmp_path / "media"
    (media / "USBSTICK").mkdir(parents=True)  # another stick without INFO_UF2.TXT is ignored
    drive = rpi_rp2_drive(media)
    image = uf2(flash.RP2040_FAMILY, blocks=5)
    path = write(tmp_path, "RPI_PICO-v1.28.uf2", image)
    lines = []
    msg = flash.flash(boards["pico"], path, out=lines.append, roots=[str(media)])
    assert (drive / "firmware.uf2").read_bytes() == image
    assert "RPI-RP2" in msg and "UF2 for rp2040, 5 blocks" in lines[0]


def test_no_drive_mounted_says_to_hold_bootsel(tmp_path, boards):
    path = write(tmp_path, "pico.uf2", uf2(flash.RP2040_FAMILY))
    with pytest.raises(UserError, match="BOOTSEL"):
        flash.flash(boards["pico"], path, roots=[str(tmp_path / "nothing")])


def test_drive_given_by_hand_must_look_like_a_uf2_drive(tmp_path, boards):
    path = write(tmp_path, "pico.uf2", uf2(flash.RP2040_FAMILY))
    (tmp_path / "docs").mkdir()
    with pytest.raises(UserError, match="INFO_UF2.TXT"):
        flash.flash(boards["pico"], path, drive=str(tmp_path / "docs"))
    drive = rpi_rp2_drive(tmp_path / "elsewhere")
    flash.flash(boards["pico"], path, drive=str(drive), out=lambda s: None)
    assert (drive / "firmware.uf2").exists()


def test_an_esp32_uf2_is_refused_for_a_pico_and_nothing_is_copied(tmp_path, boards):
    drive = rpi_rp2_drive(tmp_path / "media")
    path = write(tmp_path, "wrong.uf2", uf2(0xC47E5767))
    with pytest.raises(UserError) as exc:
        flash.flash(boards["pico"], path, roots=[str(tmp_path / "media")])
    assert "a UF2 image for esp32s3" in str(exc.value) and "rp2040" in str(exc.value)
    assert not (drive / "firmware.uf2").exists()


def test_an_rp2350_uf2_is_refused_for_a_pico():
    with pytest.raises(UserError, match="UF2 image for rp2350"):
        flash.check_image(uf2(0xE48BFF59), "rp2040")


def test_a_damaged_or_cut_uf2_is_refused():
    good = uf2(flash.RP2040_FAMILY, blocks=4)
    with pytest.raises(UserError, match="cut short"):
        flash.check_image(good[:-100], "rp2040")
    bad = bytearray(good)
    bad[1024 + 508] ^= 0xFF  # final magic of block 2
    with pytest.raises(UserError, match="bad block at byte 1024"):
        flash.check_image(bytes(bad), "rp2040")
    with pytest.raises(UserError, match="no family id"):
        flash.check_image(uf2(0, flags=0), "rp2040")


@pytest.mark.parametrize("data,what", [
    (b"<!DOCTYPE html><html>404</html>", "an HTML page"),
    (b"PK\x03\x04rest", "a ZIP archive"),
    (b"\x7fELF\x01\x01", "an ELF file"),
    (b"", "an empty file"),
])
def test_files_that_are_not_images_are_named_for_what_they_are(data, what):
    with pytest.raises(UserError) as exc:
        flash.check_image(data, "rp2040")
    assert what in str(exc.value) and "needs a UF2 image for rp2040" in str(exc.value)
    with pytest.raises(UserError, match=what):
        flash.check_image(data, "esp32")


def test_esp_image_for_the_wrong_chip_is_refused():
    with pytest.raises(UserError) as exc:
        flash.check_image(esp_image(0x0009), "esp32")
    assert "an ESP image for esp32s3" in str(exc.value) and "needs an ESP image (.bin) for esp32" in str(exc.value)
    with pytest.raises(UserError, match="ESP image for esp32c3; this esp32s3 board"):
        flash.check_image(esp_image(0x0005), "esp32s3")
    with pytest.raises(UserError, match="use the .bin"):
        flash.check_image(uf2(0x1C5F21B0), "esp32")
    with pytest.raises(UserError, match="a UF2 image for rp2040"):
        flash.check_image(uf2(flash.RP2040_FAMILY), "esp32c3")


@pytest.mark.parametrize("chip,chip_id,offset", [("esp32", 0x0000, "0x1000"), ("esp32s3", 0x0009, "0x0"), ("esp32c3", 0x0005, "0x0")])
def test_esptool_writes_each_chip_at_its_bootloader_offset(tmp_path, boards, chip, chip_id, offset):
    assert flash.esptool_args(chip, "/dev/ttyUSB0", "fw.bin") == [
        "--chip", chip, "--port", "/dev/ttyUSB0", "--baud", "460800", "write-flash", offset, "fw.bin"]
    board = {"esp32": "devkitc", "esp32s3": "s3", "esp32c3": "c3"}[chip]
    path = write(tmp_path, "fw.bin", esp_image(chip_id))
    calls = []
    msg = flash.flash(boards[board], path, port="COM5", out=lambda s: None, _run=calls.append)
    assert calls == [flash.esptool_args(chip, "COM5", path)]
    assert "COM5" in msg


def test_esptool_is_not_run_for_a_wrong_image(tmp_path, boards):
    path = write(tmp_path, "fw.bin", esp_image(0x0000))
    calls = []
    with pytest.raises(UserError):
        flash.flash(boards["s3"], path, port="COM5", _run=calls.append)
    assert calls == []


def test_unknown_board_lists_the_known_ones(tmp_path):
    with pytest.raises(UserError, match="unknown board 'nope'"):
        flash.board_chip("nope")
    path = tmp_path / "odd.json"
    path.write_text(json.dumps({"chip": "stm32"}))
    with pytest.raises(UserError, match="names chip 'stm32'"):
        flash.board_chip(str(path))


def test_cli_refuses_a_wrong_image_in_one_line(tmp_path):
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = write(tmp_path, "page.uf2", b"<html><body>Not Found</body></html>")
    r = subprocess.run([sys.executable, "-m", "host_tools", "flash", "--board", "pico", "--image", path],
                       cwd=root, capture_output=True, text=True)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr == ("saxaul: error: the image is an HTML page (a download that failed?); this rp2040 board "
                        "needs a UF2 image for rp2040 (family 0xe48bff56)\n")
