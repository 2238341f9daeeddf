"""A stand-in for host_tools.device.Device over a folder that holds the board's flash."""
import contextlib
import os

from host_tools import fw


class FolderBoard:
    """Maintenance, info, files and listing as the device offers them; no serial line.

    read_file answers in pieces of at most `piece` bytes (None: whole), as a
    serial link may; every read and write is recorded for the tests.
    """

    def __init__(self, root, schema=None, piece=None):
        self.root = str(root)
        self.schema = fw.module("config").SCHEMA_VERSION if schema is None else schema
        self.piece = piece
        self.reads = []  # (path, offset) of every read_file
        self.writes = []  # path of every write_file
        self.in_maintenance = False
        os.makedirs(self.root, exist_ok=True)

    def _local(self, path):
        return os.path.join(self.root, path.lstrip("/"))

    def _put(self, path, data):
        with open(self._local(path), "wb") as f:
            f.write(data)

    @contextlib.contextmanager
    def maintenance(self):
        self.in_maintenance = True
        try:
            yield self
        finally:
            self.in_maintenance = False

    def info(self):
        assert self.in_maintenance
        return {"firmware": "0.1.0", "board": "bench", "schema": self.schema, "device_id": "5aa100000001"}

    def listdir(self, path):
        assert self.in_maintenance
        d = self._local(path)
        return [(n, os.path.getsize(os.path.join(d, n))) for n in sorted(os.listdir(d))]

    def read_file(self, path, offset=0):
        assert self.in_maintenance
        self.reads.append((path, offset))
        with open(self._local(path), "rb") as f:
            f.seek(offset)
            return f.read() if self.piece is None else f.read(self.piece)

    def write_file(self, path, data):
        assert self.in_maintenance
        self.writes.append(path)
        self._put(path, data)

    def close(self):
        pass
