"""Saxaul host tools: the `saxaul` command for the laptop in the field."""
__version__ = "0.1.0"
