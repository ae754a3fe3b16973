"""allocator_backend and allocator_raw/mem/obj/debug -> the runtime's
allocator (BuildSpec.allocator, --allocator). One row per backend: a
backend the runtime gains is one more row here."""

# backend -> (the runtime's allocator, custom): a custom allocator is
# PyOxidizer's kind, replacing only the raw domain unless allocator_mem /
# allocator_obj say otherwise; the runtime's own names replace every
# domain, as --allocator does.
BACKENDS = {
    "default": ("pymalloc", False),
    "pymalloc": ("pymalloc", False),
    "malloc": ("malloc", False),
    "debug": ("debug", False),
    "rust": ("malloc", True),  # Rust's global allocator is the system malloc
}
# PyOxidizer's backends this build's runtime does not have (yet).
PENDING = ("jemalloc", "mimalloc", "snmalloc", "tracking")


class AllocatorError(Exception):
    """A combination the runtime cannot do; field names the setting."""

    def __init__(self, field, msg):
        super().__init__(msg)
        self.field = field


def runtime_allocator(values):
    """The runtime allocator for an interpreter config's values (dict with
    allocator_backend, allocator_mem/obj/debug, None when unset)."""
    runtime, custom = BACKENDS[values["allocator_backend"]]
    if runtime == "malloc":
        mem = (not custom) if values["allocator_mem"] is None else values["allocator_mem"]
        obj = (not custom) if values["allocator_obj"] is None else values["allocator_obj"]
        if mem != obj:
            field = "allocator_mem" if values["allocator_mem"] is not None else "allocator_obj"
            raise AllocatorError(field, "allocator_mem and allocator_obj differ: this build's "
                                 "runtime puts both domains on one allocator")
        # the raw domain is malloc's already: without mem/obj it is pymalloc
        runtime = "malloc" if mem else "pymalloc"
    if values["allocator_debug"]:
        if runtime == "malloc":
            raise AllocatorError("allocator_debug", "allocator_debug with a malloc backend is "
                                 "not available in this build (use allocator_backend = \"debug\")")
        runtime = "debug"
    return runtime
