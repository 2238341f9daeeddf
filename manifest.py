# Freezes Saxaul into a custom MicroPython build: FROZEN_MANIFEST=/path/to/saxaul/manifest.py.
#
# Frozen modules run from flash: no import-time RAM for the bytecode, which
# matters on a classic ESP32 (FIELD-NOTES: ~90 KB free heap). Only the
# board file and config.json then live on the filesystem.
metadata(version="0.1.0", description="Saxaul solar irrigation controller", license="MIT")

include("$(PORT_DIR)/boards/manifest.py")  # the port's own frozen modules stay
package("saxaul", base_path="firmware")
module("main.py", base_path="firmware")
