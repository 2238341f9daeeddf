"""`saxaul flash --board B --image FILE`: MicroPython onto a board, after checking the image fits it."""
import argparse

from host_tools import flash


def add_parser(sub):
    p = sub.add_parser("flash", help="write a MicroPython image onto a board",
                       description="Check the image against the board's chip, then write it: ESP32 boards "
                                   "through esptool on the serial port, RP2040 boards by copying the UF2 onto "
                                   "the RPI-RP2 drive (hold BOOTSEL while plugging in). The board's files "
                                   "(config, journal) are kept.")
    p.add_argument("--board", required=True, help="board name in boards/ (esp32-devkitc, pico, ...) or a .json path")
    p.add_argument("--image", required=True, metavar="FILE", help="MicroPython image: .bin for ESP32, .uf2 for RP2040")
    p.add_argument("--port", default=argparse.SUPPRESS, help="serial port (ESP32); default: the one `saxaul devices` picks")
    p.add_argument("--drive", metavar="DIR", help="where the RPI-RP2 drive is mounted (RP2040); default: found by INFO_UF2.TXT")
    p.set_defaults(func=run)


def run(args):
    print(flash.flash(args.board, args.image, port=getattr(args, "port", None), drive=args.drive))
    return 0
