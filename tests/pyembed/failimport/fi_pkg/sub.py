"""fi_pkg's submodule (test_failimport.c)."""
from . import NAME


def where():
    return NAME + ".sub"
