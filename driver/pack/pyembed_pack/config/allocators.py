"""allocator_backend and allocator_raw/mem/obj/pymalloc_arena/debug -> the
runtime's allocator, the domains it serves and the debug hooks
(BuildSpec.allocator / allocator_domains / allocator_debug; --allocator,
--allocator-domains, --allocator-debug). One row per backend: a backend the
runtime gains is one more row here."""

# backend -> (the runtime's allocator, custom). A custom backend is
# PyOxidizer's kind: it serves the raw domain only unless allocator_mem /
# allocator_obj / allocator_pymalloc_arena say otherwise. The runtime's own
# names (malloc) serve raw, mem and obj, as --allocator does.
BACKENDS = {
    "default": ("pymalloc", False),
    "pymalloc": ("pymalloc", False),
    "malloc": ("malloc", False),
    "debug": ("debug", False),
    "jemalloc": ("jemalloc", True),
    "mimalloc": ("mimalloc", True),
    "rust": ("malloc", True),  # Rust's global allocator is the system malloc
}
# PyOxidizer's backends this build's runtime does not have.
PENDING = ("snmalloc", "tracking")
DOMAINS = ("raw", "mem", "obj", "arena")
ALL_DOMAINS = ("raw", "mem", "obj")  # a backend's default (allocator_domains None)


class AllocatorError(Exception):
    """A combination the runtime cannot do; field names the setting."""

    def __init__(self, field, msg):
        super().__init__(msg)
        self.field = field


def chosen_domains(values, custom):
    """The domains a malloc-like backend serves, from the allocator_* fields
    (None when unset: raw always, mem/obj unless custom, arena never)."""
    defaults = {"raw": True, "mem": not custom, "obj": not custom, "arena": False}
    field = {"arena": "allocator_pymalloc_arena"}
    picked = []
    for d in DOMAINS:
        v = values[field.get(d, "allocator_" + d)]
        if defaults[d] if v is None else v:
            picked.append(d)
    return tuple(picked)


def runtime_allocator(values):
    """(allocator, domains or None, debug hooks) for an interpreter config's
    values (dict with allocator_backend and the allocator_* fields, None
    when unset)."""
    runtime, custom = BACKENDS[values["allocator_backend"]]
    debug = bool(values["allocator_debug"])
    if runtime in ("pymalloc", "debug"):
        for f in ("allocator_mem", "allocator_obj", "allocator_pymalloc_arena"):
            if values[f]:
                raise AllocatorError(f, f"{f} = True needs a malloc-like allocator_backend "
                                     "(malloc, mimalloc, jemalloc or rust): "
                                     f"{values['allocator_backend']} is Python's own")
        return runtime, None, debug and runtime != "debug"
    domains = chosen_domains(values, custom)
    if not domains:
        return "pymalloc", None, debug  # the backend serves no domain at all
    return runtime, (None if domains == ALL_DOMAINS else domains), debug
