"""pyembed.bzl config files (docs/config.md). Layers, each importing only
those below it:

  commands    build/run/list-targets/init-config-file (template: the starter)
  to_spec     a PythonExecutable -> BuildSpec, resource callbacks at build time
  api         PyOxidizer's objects and functions; targets: register/resolve;
              allocators: allocator_backend -> the runtime's allocator
  starlark    parse, check (check.py), compile (compile.py), run, freeze, load()
  builtins, ops, values, errors   Starlark's values, operators and builtins
"""
