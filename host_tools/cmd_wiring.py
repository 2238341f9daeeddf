"""`saxaul wiring`: draw a board's connections, or print its parts list, from its board file."""
import sys

from host_tools import fw, wiring


def add_parser(sub):
    p = sub.add_parser("wiring", help="draw a board's wiring (SVG or PNG) or print its parts list",
                       description="Draw the connections named in boards/BOARD.json, after the firmware's own"
                                   " board-file checks; an impossible board file is refused, one line per problem.")
    p.add_argument("--board", required=True, help="a board name under boards/ (esp32-devkitc, pico, ...) or a path")
    p.add_argument("--out", help="file to write, .svg (default BOARD.svg) or .png")
    p.add_argument("--parts", action="store_true", help="print the parts list instead of drawing")
    p.set_defaults(func=run)


def run(args):
    path, board = wiring.load_board(args.board)
    for w in fw.module("boardfile").warnings(board):
        print("saxaul: warning: %s: %s" % (path, w), file=sys.stderr)
    if args.parts:
        for line in wiring.format_parts(board):
            print(line)
        return 0
    out = args.out or board["name"] + ".svg"
    source = path if wiring.board_path(args.board) == args.board else None
    wiring.render(board, out, source)
    print("wrote %s (%s, %d plots, %d pins)" % (out, board["name"], len(board["plots"]),
                                                 len(fw.module("boardfile").pins(board))))
    return 0
