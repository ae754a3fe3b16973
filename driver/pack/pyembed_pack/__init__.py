"""pyembed-pack's packer: `pyembed-pack build|blob|run|...` (docs: README,
docs/compatibility.md, docs/config.md).

pack_main.c runs this package as `python -m pyembed_pack CMD ARGS` inside
pyembed-pack's embedded CPython. One module per concept; each layer only
imports the ones below it:

  __main__     entry: CLI (or config/ for pyembed.bzl) -> target -> build; exit statuses
  config/      pyembed.bzl: the Starlark dialect, PyOxidizer's API, targets -> BuildSpec
  cli          argparse -> BuildSpec (every flag validated here)
  build        the pipeline: pip -> candidates -> selection -> blob -> output
  selection    which modules are packed (stdlib policy, --include/--exclude, decisions)
  extfilter    --extension-module-filter: lib-dynload files, a driver's built-ins
  staging      a config's module sources as a module root
  trace        import tracing from the entry point
  blob         resources -> libpackrs's writer (_pyembed_pack.Writer)
  prefetch     the libraries start-up's read-ahead reads (extension modules' needs)
  output       the executable, the blob file, filesystem-relative files
  compiler     bytecode + import lists per module, cached by content hash
  pip          offline pip into a staging directory
  scan         modules, packages, data and dist-info found on disk
  target       TargetPython: the interpreter packed for, and how to compile
  in_target    code that runs in the target interpreter (compile, marshal)
  canonical_marshal, elf, fsutil, report, spec, errors   leaves

Nothing here is imported at package import time: tools (and the tests) may
import single leaf modules such as pyembed_pack.elf with any python3.
"""
