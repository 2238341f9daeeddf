"""The field guide's generated parts: parts lists, fault and reason tables, the settings table.

The chapters in docs/guide/ are written by hand, except for sections between

    <!-- generated: NAME -->
    ...
    <!-- end generated -->

which are rendered here from the board files (host_tools.wiring), the
firmware's codes (host_tools.codes_text) and its config schema
(saxaul.config.describe()), so the guide cannot drift from the code.

    python -m host_tools.guide           rewrite the generated sections
    python -m host_tools.guide --check   list stale sections, exit 1 if any
"""
import json
import os
import re
import sys

from host_tools import codes_text, fw, wiring

GUIDE_DIR = os.path.join(fw.ROOT, "docs", "guide")

# The simulation's own board is drawn in docs/wiring/ but is not built.
SKIP_BOARDS = ("virtual",)

_SECTION = re.compile(r"(<!-- generated: ([a-z0-9-]+) -->\n)(.*?)(<!-- end generated -->)", re.S)


def _cell(s):
    return str(s).replace("|", "\\|").replace("\n", " ")


def _table(head, rows):
    out = ["| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"]
    for r in rows:
        out.append("| " + " | ".join(_cell(c) for c in r) + " |")
    return out


def _volts(mv):
    return "%.1f V" % (mv / 1000)


def _divider_line(board, key, what):
    dv = wiring.divider(board, key)
    line = "- %s divider: %s over %s (ratio %.2f; board file %s)" % (
        what, wiring.ohms(dv["rtop"]), wiring.ohms(dv["rbot"]), dv["ratio_parts"], _num(board[key]["ratio"]))
    if dv["v_mv"]:
        line += ": %s on the input puts %.2f V on the pin" % (_volts(dv["v_mv"]), dv["pin_mv"] / 1000)
    return line + "; the most it can measure is %s." % _volts(dv["in_max_mv"])


def _num(v):
    return ("%g" % v) if isinstance(v, float) else str(v)


def render_parts():
    """Per shipped board: what it is, its dividers, and the parts list of wiring.parts()."""
    out = []
    for name in wiring.shipped_boards():
        if name in SKIP_BOARDS:
            continue
        _, board = wiring.load_board(name)
        out.append("### %s (%s, %d plots)" % (name, board["chip"], len(board["plots"])))
        out.append("")
        if board.get("notes"):
            out.append(board["notes"])
            out.append("")
        out.append(_divider_line(board, "pv", "Panel"))
        if board.get("battery"):
            out.append(_divider_line(board, "battery", "Battery"))
        out.append("")
        out.extend(_table(("ref", "part", "value", "for"), wiring.parts(board)))
        out.append("")
    return "\n".join(out)


def render_faults():
    """Every fault bit the firmware has, with what it means and what to do."""
    rows = [(scope, "%d" % bit, "`%s`" % name, words, meaning)
            for scope, bit, name, words, meaning in codes_text.fault_table()]
    return "\n".join(_table(("scope", "bit", "name", "shown as", "what it means, what to do"), rows)) + "\n"


def render_reasons():
    """Every reason code, as the telemetry (number) and monitor (name) show it."""
    rows = [("%d" % code, "`%s`" % name, words) for code, name, words in codes_text.reason_table() if name]
    return "\n".join(_table(("code", "name", "meaning"), rows)) + "\n"


def _range(typ, lo, hi):
    if typ == "bool":
        return "true, false"
    if typ == "str":
        return ", ".join(lo)
    return "%s..%s" % (_num(lo), _num(hi))


def render_settings():
    """The config schema: every key with type, default, range, unit and help."""
    rows = []
    for key, typ, default, lo, hi, unit, text in fw.module("config").describe():
        rows.append(("`%s`" % key, typ, json.dumps(default), _range(typ, lo, hi), unit, text))
    return "\n".join(_table(("key", "type", "default", "range", "unit", "what"), rows)) + "\n"


SECTIONS = {
    "parts": render_parts,
    "faults": render_faults,
    "reasons": render_reasons,
    "settings": render_settings,
}


def render(name):
    """The text of one generated section, ending with a newline."""
    text = SECTIONS[name]()
    return text if text.endswith("\n") else text + "\n"


def update_text(text):
    """(new text, names of the sections that changed); an unknown section name raises KeyError."""
    changed = []

    def repl(m):
        name = m.group(2)
        if name not in SECTIONS:
            raise KeyError("unknown generated section %r (known: %s)" % (name, ", ".join(SECTIONS)))
        new = render(name)
        if m.group(3) != new:
            changed.append(name)
        return m.group(1) + new + m.group(4)

    return _SECTION.sub(repl, text), changed


def chapters(folder=GUIDE_DIR):
    """The guide's Markdown files, in reading order."""
    return [os.path.join(folder, n) for n in sorted(os.listdir(folder)) if n.endswith(".md")]


def regenerate(folder=GUIDE_DIR, check=False):
    """Rewrite (or with check, only find) the stale sections: [(file, section), ...]."""
    stale = []
    for path in chapters(folder):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        new, changed = update_text(text)
        stale += [(path, name) for name in changed]
        if changed and not check:
            with open(path, "w", encoding="utf-8") as f:
                f.write(new)
    return stale


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    check = "--check" in argv
    stale = regenerate(check=check)
    for path, name in stale:
        print("%s %s: %s" % ("stale" if check else "rewrote", os.path.relpath(path, fw.ROOT), name))
    if not stale:
        print("guide: generated sections up to date")
    return 1 if (check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
