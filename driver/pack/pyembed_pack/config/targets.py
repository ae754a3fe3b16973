"""Targets: register_target(name, fn, depends=[], default=False) and their
resolution. A target resolves once: its dependencies first (their values
are fn's arguments), then fn. The graph is checked after the file's top
level ran (unknown dependencies and cycles are errors at the
register_target call); when several targets are asked for, one that fails
is reported and the others still resolve and build.
"""
import sys

from ..errors import PackError
from .errors import EvalError, StarlarkError, did_you_mean, exhausted
from .values import Builtin, Function, SList, call, type_name


class TargetFailed(Exception):
    """Target name failed; its error has been reported."""

    def __init__(self, name):
        super().__init__(name)
        self.name = name


class Target:
    def __init__(self, name, fn, depends, default, where):
        self.name, self.fn, self.depends, self.default, self.where = \
            name, fn, depends, default, where
        self.state, self.value = "new", None


class Registry:
    """The targets of one evaluation, in registration order."""

    def __init__(self):
        self.targets = {}
        self.default = None
        self.explicit_default = False
        self.resolve_targets_at = None
        self.report = self.print_failure

    # ---- the config's functions ----

    def register(self, name, fn, depends=None, default=False, default_build_script=False,
                 _where=None):
        """register_target(): checks the arguments and records the target."""
        if type(name) is not str or not name:
            raise EvalError(f"register_target: name must be a non-empty string, not "
                            f"{type_name(name)}")
        if type(fn) not in (Function, Builtin):
            raise EvalError(f"register_target: fn must be a function, not {type_name(fn)}")
        deps = () if depends is None else depends
        if type(deps) not in (SList, tuple) or any(type(d) is not str for d in deps):
            raise EvalError("register_target: depends must be a list of target names")
        for flag, v in (("default", default), ("default_build_script", default_build_script)):
            if type(v) is not bool:
                raise EvalError(f"register_target: {flag} must be a bool, not {type_name(v)}")
        if name in self.targets:
            raise EvalError(f"register_target: target '{name}' is already registered "
                            f"(at {self.targets[name].where})")
        self.targets[name] = Target(name, fn, tuple(deps), default, _where)
        # the last default=True, else the first registered (PyOxidizer's rule)
        if default or self.default is None:
            self.default = name if default or not self.explicit_default else self.default
        self.explicit_default = self.explicit_default or default

    def resolve_target(self, name, _where=None):
        if type(name) is not str:
            raise EvalError(f"resolve_target: name must be a string, not {type_name(name)}")
        self.known(name)
        return self.resolve_reporting(name)

    def resolve_targets(self, _where=None):
        self.resolve_targets_at = _where

    # ---- checks ----

    def known(self, name):
        if name not in self.targets:
            raise EvalError(f"unknown target '{name}'" + did_you_mean(name, self.targets)
                            + (f"; targets: {', '.join(self.targets)}" if self.targets else
                               "; the file registers no targets"))

    def check(self):
        """StarlarkError for an unknown dependency or a dependency cycle."""
        for t in self.targets.values():
            for d in t.depends:
                if d not in self.targets:
                    raise t.where.error(f"target '{t.name}' depends on unknown target '{d}'"
                                        + did_you_mean(d, self.targets))
        state = {}
        for t in self.targets.values():
            self.visit(t, state, [])

    def visit(self, t, state, path):
        """Depth-first walk of t's dependencies; StarlarkError on a cycle."""
        if state.get(t.name) == "done":
            return
        if state.get(t.name) == "open":
            cycle = path[path.index(t.name):] + [t.name]
            raise t.where.error("dependency cycle: " + " -> ".join(cycle))
        state[t.name] = "open"
        for d in t.depends:
            self.visit(self.targets[d], state, path + [t.name])
        state[t.name] = "done"

    def requested(self, names, where_for_errors):
        """The targets to build: names (each must exist), else the default."""
        if not self.targets:
            raise where_for_errors.error("the file registers no targets (call "
                                         "register_target(\"name\", fn))")
        for n in names:
            if n not in self.targets:
                raise where_for_errors.error(
                    f"unknown target '{n}'" + did_you_mean(n, self.targets)
                    + f"; targets: {', '.join(self.targets)}")
        return list(dict.fromkeys(names)) or [self.default]

    # ---- resolution ----

    def resolve(self, name):
        """The value of target name (resolved once)."""
        t = self.targets[name]
        if t.state == "done":
            return t.value
        if t.state == "failed":
            raise TargetFailed(name)
        if t.state == "resolving":
            raise EvalError(f"dependency cycle: target '{name}' is being resolved")
        t.state = "resolving"
        try:
            args = [self.resolve_reporting(d) for d in t.depends]
            try:
                t.value = call(t.fn, args, {})
            except EvalError as e:
                raise t.where.error(f"target '{name}': {e}") from None
            except (RecursionError, MemoryError) as e:
                raise t.where.error(f"target '{name}': {exhausted(e)}") from None
            t.state = "done"
            return t.value
        finally:
            if t.state != "done":
                t.state = "failed"

    def resolve_reporting(self, name):
        """resolve(name); when name itself fails, its error is reported and
        TargetFailed(name) raised."""
        try:
            return self.resolve(name)
        except TargetFailed:
            raise
        except PackError as e:
            self.report(name, e)
            raise TargetFailed(name) from None

    def print_failure(self, name, e):
        if isinstance(e, StarlarkError):
            print(e.with_note(f"while resolving target '{name}'"), file=sys.stderr)
        else:
            print(f"pyembed-pack: target '{name}': {e}", file=sys.stderr)
