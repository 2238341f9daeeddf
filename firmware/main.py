# Boot: outputs off first, then config, state and journal; then the controller loop.
#
# On the board this file is /main.py and the package is in /lib/saxaul. All
# paths are relative to `root` ("" on a board, whose working folder is /), so
# the same file runs on a folder of the virtual board and in the tests.
import gc
import json
import os
import sys

from saxaul import __version__, codes


def _exists(path):
    try:
        os.stat(path)
        return True
    except OSError:
        return False


def _drop(*names):
    """Free modules used only at boot (the schema and board checks are big for
    a classic ESP32): both sys.modules and the package hold a reference."""
    import saxaul

    for name in names:
        sys.modules.pop("saxaul." + name, None)
        if name in saxaul.__dict__:
            delattr(saxaul, name)
    gc.collect()


def load_board(root=""):
    """The board file, checked; None (with a message) when it cannot be used."""
    from saxaul import boardfile

    try:
        with open(root + "board.json") as f:
            spec = json.load(f)
    except (OSError, ValueError) as exc:
        print("saxaul: board.json unreadable:", exc)
        return None
    errors = boardfile.check(spec)
    if errors:
        for e in errors:
            print("saxaul: board.json:", e)
        return None
    return spec


def start(board, root="", console=True):
    """Config, state and journal for a board whose outputs are off; returns the controller."""
    from saxaul import config, journal, state
    from saxaul.controller import Controller

    n = board.n_plots
    cfg, cfg_status = config.load(root + "config.json", n)
    cfg = config.derive(cfg)
    schema_version = config.SCHEMA_VERSION
    del config
    _drop("config", "config_schema", "boardfile")
    st = state.State(n)
    st.load(root + "state.json")
    jr = journal.Journal(root + "log", dev_id=board.unique_id())
    # A lost state file must not restart the boot count the journal orders by.
    st.boot = max(st.boot, jr.last_boot) + 1
    st.mark()
    st.save(root + "state.json")
    ctl = Controller(board, cfg, st, jr, root + "state.json")
    ctl.schema_version = schema_version
    ctl._stamp()
    jr.event(codes.E_BOOT, codes.NO_PLOT, board.reset_cause(), schema_version)
    jr.event(codes.E_CONFIG, codes.NO_PLOT, cfg_status)
    if cfg_status in (1, 2):
        st.gfaults |= codes.G_CONFIG
        st.mark()
    if console:
        try:
            from saxaul.console import Console

            ctl.console = Console(ctl)
        except ImportError:
            pass
    print("saxaul: run", __version__, board.name, "boot", st.boot)
    return ctl


def main(root="", console=True):
    """Boot the controller; returns only on Ctrl-C, maintenance, or a bad board file."""
    spec = load_board(root)
    if spec is None:
        return None  # no pins known: nothing may be driven
    from saxaul.board import Board

    board = Board(spec)  # drives every output off before anything else
    board.all_off()
    if _exists(root + "maint"):
        os.remove(root + "maint")  # one-shot: the next reset boots normally
        print("saxaul: maintenance", __version__, spec.get("name"))
        return board
    # From here on a hang or a crash ends in a watchdog reset, outputs off.
    board.start_watchdog()
    ctl = None
    try:
        ctl = start(board, root, console)
        ctl.run()
    finally:
        board.all_off()
        if ctl is not None:
            ctl.hold_stuck_valve()
    return board


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        print("saxaul: stopped, outputs off")
    except Exception as exc:  # the REPL follows; the watchdog resets the board
        sys.print_exception(exc) if hasattr(sys, "print_exception") else print(exc)
