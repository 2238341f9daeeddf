# CPython stand-in for MicroPython's `micropython` module (const, mem_info).


def const(x):
    return x


def mem_info(verbose=False):
    print("mem: n/a on CPython")


def heap_lock():
    return 0


def heap_unlock():
    return 0


def alloc_emergency_exception_buf(n):
    pass


def kbd_intr(ch):
    pass
