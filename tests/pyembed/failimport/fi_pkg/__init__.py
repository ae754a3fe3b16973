"""A package with a submodule and a data file (test_failimport.c)."""
NAME = "fi_pkg"
