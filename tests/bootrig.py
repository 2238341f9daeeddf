"""Boot the firmware's main.py on CPython against the fakes, for a given time."""
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def board_spec(name="virtual"):
    with open(os.path.join(ROOT, "boards", name + ".json")) as f:
        return json.load(f)


class Stop(BaseException):
    """Ends a run at a chosen virtual time (BaseException: the loop cannot catch it)."""


def flash(tmp_path, spec, cfg=None):
    """A flash folder with board.json (and config.json when given); returns its prefix."""
    d = tmp_path / "flash"
    d.mkdir(exist_ok=True)
    (d / "board.json").write_text(json.dumps(spec))
    if cfg is not None:
        (d / "config.json").write_text(json.dumps(cfg))
    return str(d) + "/"


def run_for(fakes, root, seconds, console=False):
    """Run main.main(root) until `seconds` more of virtual time; returns main's module."""
    t = fakes.time
    end_ms = t.now_ms() + seconds * 1000

    def stop(now_ms):
        if now_ms >= end_ms:
            raise Stop()

    t.add_hook(stop)
    main = fakes.import_main()
    try:
        main.main(root, console=console)
    except Stop:
        pass
    finally:
        t._hooks.remove(stop)
    return main


def journal(fakes, root):
    from saxaul import journal as j

    return j.read_dir(root + "log")


def telemetry(text):
    """Parse the telemetry lines of captured stdout (format in controller.py)."""
    rows = []
    for line in text.splitlines():
        if not line.startswith("T "):
            continue
        v = [int(x) for x in line.split()[1:]]
        n = v[10]
        rows.append({
            "up_s": v[0], "day": v[1], "pv_state": v[2], "pv_mv": v[3], "batt_mv": v[4],
            "temp_c": v[5], "outputs": v[6], "plot": v[7], "reason": v[8], "gfaults": v[9],
            "n": n, "pct": v[11::2][:n], "pfaults": v[12::2][:n],
        })
    return rows
