"""Errors a user can act on: printed as one line, never as a traceback."""


class UserError(Exception):
    """Something the user can fix; the message says what to do."""

    exit_code = 2


class DeviceError(UserError):
    """The board did not answer as expected (not found, busy, not our firmware)."""

    exit_code = 3
