"""What pip_install() and the like return (PythonResources: collected at
build time), and the resource objects callbacks see (docs/config.md 4.5)."""
from .errors import EvalError
from .settings import want_bool, want_location
from .values import Object


ITERATION_NOTE = ("the resources of {what} are collected when the executable is built: "
                  "pass them to add_python_resources(), and decide per resource with "
                  "policy.register_resource_callback()")


class Resources(Object):
    """What pip_install(), read_package_root() and the like return: a
    description of resources, collected at build time."""

    TYPE = "PythonResources"

    def __init__(self, what, source):
        self.what, self.source = what, source

    def __repr__(self):
        return f"<PythonResources of {self.what}>"

    def starlark_iter(self):
        raise EvalError(ITERATION_NOTE.format(what=self.what + "()"))



class Resource(Object):
    """One resource offered to a resource callback (at build time), or made
    by make_python_module_source(): its facts and add_* attributes."""

    FREEZABLE = False
    ADD = ("add_include", "add_location", "add_location_fallback", "add_source",
           "add_bytecode_optimization_level_zero", "add_bytecode_optimization_level_one",
           "add_bytecode_optimization_level_two")

    def __init__(self, type_, facts, attrs, ctx):
        self.TYPE = type_
        self.facts = facts            # name -> value or a function returning it
        self.attrs = attrs            # add_* name -> value
        self.changes = {}             # add_* names assigned by the config
        self.ctx = ctx
        self.ATTRS = tuple(attrs)
        self.READONLY = tuple(facts)

    def read_attr(self, name):
        if name in self.attrs:
            return self.attrs[name]
        v = self.facts[name]
        return v() if callable(v) else v

    def set_attr(self, name, value):
        if name not in self.attrs:
            return Object.set_attr(self, name, value)
        if name in ("add_location",):
            value = want_location(name, value, self.ctx)
        elif name == "add_location_fallback":
            value = want_location(name, value, self.ctx, fallback=True)
        else:
            want_bool(name, value)
        self.attrs[name] = value
        self.changes[name] = value


def module_source(ctx, name, source, is_package, policy):
    """The PythonModuleSource of make_python_module_source()."""
    attrs = {"add_include": policy.values["include_classified_resources"],
             "add_location": policy.values["resources_location"],
             "add_location_fallback": policy.values["resources_location_fallback"],
             "add_source": policy.values["include_non_distribution_sources"]}
    for lvl, word in enumerate(("zero", "one", "two")):
        attrs["add_bytecode_optimization_level_" + word] = policy.values[
            "bytecode_optimize_level_" + word]
    r = Resource("PythonModuleSource", {"name": name, "source": source,
                                        "is_package": is_package, "is_stdlib": False}, attrs, ctx)
    r.FREEZABLE = True
    return r
