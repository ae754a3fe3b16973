"""pyembed.bzl config files (docs/config.md). Layers, each importing only
those below it:

  commands    build/run/list-targets/init-config-file (template: the starter)
  to_spec     a PythonExecutable -> BuildSpec, resource callbacks at build time
  api         distributions, the evaluation's Context and predeclared names
  executable, policy, interpreter, resources, files   PyOxidizer's objects
  settings    argument checks; attributes with defaults and checks
  targets     register_target/resolve_target; allocators: the allocator table
  starlark    parse, check (check.py), compile (compile.py), run, freeze, load()
  builtins, ops, values, errors   Starlark's values, operators and builtins
"""
