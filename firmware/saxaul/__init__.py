# Saxaul: the irrigation controller package (on the board at /lib/saxaul).
__version__ = "0.1.0"
