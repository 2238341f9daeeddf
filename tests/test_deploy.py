"""Deploy without a board: what it compiles, what it refuses, which config it keeps.

The parts of `saxaul deploy` that decide (the .mpy version check, the board
and chip checks, the config kept or migrated) run here against a stand-in
device; tests/test_e2e_virtual.py runs the whole deploy over mpremote.
"""
import json
import os
import tempfile

import pytest

from host_tools import deploy, fw
from host_tools.errors import DeviceError, UserError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Flash:
    """A device in maintenance, reduced to the files deploy reads."""

    def __init__(self, files=None):
        self.files = dict(files or {})

    def read_file(self, path):
        if path not in self.files:
            raise FileNotFoundError(path)
        return self.files[path]


def quiet(*a):
    pass


def test_compiled_firmware_is_the_package_as_mpy_plus_main_source():
    files, major = deploy.compile_firmware()
    pkg = sorted(f[:-3] for f in os.listdir(os.path.join(fw.FIRMWARE_DIR, "saxaul")) if f.endswith(".py"))
    assert sorted(p[len("lib/saxaul/"):-4] for p in files if p.startswith("lib/")) == pkg
    assert files["main.py"].startswith(b"#")  # a board runs main.py only as source
    assert all(files[p][:2] == bytes((77, major)) for p in files if p.endswith(".mpy"))
    assert major == 6


def test_compiling_the_firmware_leaves_no_temporary_files(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    files, _ = deploy.compile_firmware()
    assert files["lib/saxaul/controller.mpy"][:1] == b"M"
    assert os.listdir(str(tmp_path)) == []


def test_an_old_micropython_is_refused_with_the_version_it_needs():
    # MicroPython 1.18 speaks .mpy v5: it could not import a single module.
    with pytest.raises(DeviceError, match=r"MicroPython 1\.18\.0 .* \.mpy v5, this firmware is \.mpy v6: flash MicroPython 1\.19"):
        deploy.check_mpy({"version": [1, 18, 0], "mpy": 5}, 6)
    deploy.check_mpy({"version": [1, 29, 0], "mpy": 0x0B06}, 6)  # x64 arch bits and sub-version ignored


def test_an_esp32_board_file_is_refused_on_a_pico():
    spec = deploy.load_board("esp32-devkitc")
    with pytest.raises(DeviceError, match="is for a esp32, but the board is a rp2"):
        deploy.check_chip({"platform": "rp2", "machine": "Raspberry Pi Pico with RP2040"}, spec)
    deploy.check_chip({"platform": "esp32"}, spec)
    deploy.check_chip({"platform": "linux"}, spec)  # the virtual board plays any chip


def test_a_board_file_with_a_mistake_is_refused_before_anything_is_sent(tmp_path):
    spec = json.load(open(os.path.join(fw.BOARDS_DIR, "esp32-devkitc.json")))
    spec["wdt_ms"] = 500  # below the ESP32's minimum
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(spec))
    with pytest.raises(UserError, match="wdt_ms"):
        deploy.load_board(str(bad))
    with pytest.raises(UserError, match="known boards are .*esp32-devkitc"):
        deploy.load_board("esp33-typo")


def test_the_boards_config_is_kept_when_its_schema_is_current():
    config = fw.module("config")
    cfg = config.defaults(2)
    cfg["plots"][0]["dry_mv"] = 2150  # calibrated at the plot last spring
    dev = Flash({"config.json": json.dumps(cfg).encode()})
    assert deploy.config_for(dev, 2, False, quiet) is None


def test_reset_config_replaces_it_with_defaults():
    config = fw.module("config")
    cfg = config.defaults(2)
    cfg["plots"][0]["dry_mv"] = 2150
    dev = Flash({"config.json": json.dumps(cfg).encode()})
    new = json.loads(deploy.config_for(dev, 2, True, quiet))
    assert new == config.defaults(2)


def test_an_old_schema_is_migrated_with_the_users_values_kept():
    config = fw.module("config")
    if config.SCHEMA_VERSION < 2:
        pytest.skip("no older schema to migrate from")
    old = config.defaults(2)
    old["version"] = config.SCHEMA_VERSION - 1
    old["plots"][1]["wet_mv"] = 1234
    try:
        migrated = config.migrate(old)
    except ValueError:
        pytest.skip("defaults do not form an older-schema config")
    dev = Flash({"config.json": json.dumps(old).encode()})
    said = []
    new = json.loads(deploy.config_for(dev, 2, False, said.append))
    assert new["version"] == config.SCHEMA_VERSION and new["plots"][1]["wet_mv"] == 1234
    assert new == json.loads(json.dumps(migrated))
    assert "migrated" in said[0]


def test_a_missing_config_gets_defaults_so_the_board_does_not_latch_the_config_fault():
    new = deploy.config_for(Flash(), 3, False, quiet)
    assert json.loads(new) == fw.module("config").defaults(3)


def test_a_config_that_is_not_json_is_not_overwritten_silently():
    with pytest.raises(UserError, match="--reset-config"):
        deploy.config_for(Flash({"config.json": b"{\"version\": 2, "}), 2, False, quiet)


def test_the_rtc_is_set_to_utc_not_local_time():
    sent = []

    class Dev:
        def exec(self, code):
            sent.append(code)

    # 2025-06-21 05:30:00 UTC is 10:30 in Nukus (UTC+5): the board must get 5:30.
    deploy.set_rtc_utc(Dev(), now=1750483800)
    assert "datetime((2025,6,21,5,5,30,0,0))" in sent[0]


def test_package_json_installs_every_firmware_module():
    # `mpremote mip install github:OWNER/REPO` reads package.json at the top.
    pkg = json.load(open(os.path.join(ROOT, "package.json")))
    targets = sorted(t for t, _ in pkg["urls"])
    mods = sorted("saxaul/" + f for f in os.listdir(os.path.join(fw.FIRMWARE_DIR, "saxaul")) if f.endswith(".py"))
    assert targets == mods
    for target, url in pkg["urls"]:
        assert url == "firmware/" + target  # relative: mip resolves it against the repo
