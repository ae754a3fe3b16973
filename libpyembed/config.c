/*
 * config.c — pyembed_config: defaults, versions, validation and the
 * interpreter's private copies.
 *
 * Versioning follows libgit2's git_clone_options_init(opts, version): a
 * caller compiled against config version v has a struct that ends after
 * the last field of v. pyembed_config_init() writes only that prefix, and
 * pyembed__config_adopt() reads only that prefix, over a config of the
 * current version filled with defaults.
 */
#include "pyembed_int.h"
#include "platform_int.h"

#include <stdlib.h>
#include <string.h>

#define END_OF(field) \
    (offsetof(pyembed_config, field) + sizeof(((pyembed_config *)0)->field))

/* Bytes of a version-v config, indexed by v: the end of v's last field.
 * A new version appends a line here (and to docs in pyembed.h). */
static const size_t config_end[] = {
    0,                       /* 0: no such version */
    END_OF(fast_exit),       /* 1 */
    END_OF(child_commands),  /* 2: + child_commands */
    END_OF(module_count),    /* 3: + allocator_backend .. module_count */
    END_OF(parse_argv),      /* 4: + parse_argv */
};

_Static_assert(sizeof config_end / sizeof config_end[0] == PYEMBED_CONFIG_VERSION + 1,
               "config_end needs one entry per config version");

/* Size of a caller's config of version v; 0 for an unknown version. */
static size_t config_size(unsigned v)
{
    return v >= 1 && v <= PYEMBED_CONFIG_VERSION ? config_end[v] : 0;
}

/* A complete current-version config holding the defaults. */
static void config_defaults(pyembed_config *c)
{
    memset(c, 0, sizeof *c);
    c->version = PYEMBED_CONFIG_VERSION;
    c->isolated = 1;
    c->sys_frozen = 1;
    c->install_signal_handlers = 1;
    c->child_commands = 1;
    c->allocator_backend = PYEMBED_BACKEND_DEFAULT; /* version 3: all 0/NULL */
}

int pyembed_config_init(pyembed_config *cfg, unsigned version)
{
    pyembed_config d;
    size_t n = config_size(version);
    if (!cfg || !n)
        return PYEMBED_EINVAL; /* nothing written: its size is unknown */
    config_defaults(&d);
    d.version = version;
    memcpy(cfg, &d, n);
    return PYEMBED_OK;
}

/* Copies s into *dst (NULL stays NULL); -1 on ENOMEM. */
static int dup_opt(char **dst, const char *s)
{
    *dst = NULL;
    return s && !(*dst = strdup(s)) ? -1 : 0;
}

int pyembed__module_name_ok(const char *s)
{
    size_t part = 0; /* length of the current dotted part */
    for (; *s; s++) {
        if (*s != '.')
            part++;
        else if (part == 0)
            return 0;
        else
            part = 0;
    }
    return part > 0;
}

/* Checks the run entry of c. */
static int check_run(pyembed_interp *it, const pyembed_config *c)
{
    if (c->run < PYEMBED_RUN_NONE || c->run > PYEMBED_RUN_BLOB)
        return pyembed__fail(it, PYEMBED_EINVAL, "bad run value %d", c->run);
    if (c->run == PYEMBED_RUN_MODULE && (!c->run_module || !*c->run_module))
        return pyembed__fail(it, PYEMBED_EINVAL, "run=MODULE needs run_module");
    if (c->run == PYEMBED_RUN_MODULE && !pyembed__module_name_ok(c->run_module))
        return pyembed__fail(it, PYEMBED_EINVAL, "'%s' is not a module name", c->run_module);
    if (c->run == PYEMBED_RUN_CODE && !c->run_code)
        return pyembed__fail(it, PYEMBED_EINVAL, "run=CODE needs run_code");
    if (c->run == PYEMBED_RUN_BLOB && c->resources == PYEMBED_RESOURCES_NONE)
        return pyembed__fail(it, PYEMBED_EINVAL, "run=BLOB needs resources");
    if (c->child_commands != 0 && c->child_commands != 1)
        return pyembed__fail(it, PYEMBED_EINVAL, "child_commands must be 0 or 1");
    if (c->parse_argv != 0 && c->parse_argv != 1)
        return pyembed__fail(it, PYEMBED_EINVAL, "parse_argv must be 0 or 1");
    return PYEMBED_OK;
}

static int check_alloc(pyembed_interp *it, const pyembed_config *c);
static int check_modules(pyembed_interp *it, const pyembed_config *c);

/* Checks the enum and range fields of c (a complete current config). */
static int check_fields(pyembed_interp *it, const pyembed_config *c)
{
    if (c->resources < PYEMBED_RESOURCES_NONE || c->resources > PYEMBED_RESOURCES_EXE)
        return pyembed__fail(it, PYEMBED_EINVAL, "bad resources value %d", c->resources);
    if (c->resources == PYEMBED_RESOURCES_MEMORY && !c->blob)
        return pyembed__fail(it, PYEMBED_EINVAL, "resources=MEMORY needs blob");
    if (c->resources == PYEMBED_RESOURCES_FILE && !c->path)
        return pyembed__fail(it, PYEMBED_EINVAL, "resources=FILE needs path");
    if (check_run(it, c))
        return PYEMBED_EINVAL;
    if (c->optimize < 0 || c->optimize > 2)
        return pyembed__fail(it, PYEMBED_EINVAL, "optimize must be 0, 1 or 2");
    if (c->argc < 0 || (c->argc > 0 && !c->argv))
        return pyembed__fail(it, PYEMBED_EINVAL, "argc %d without argv", c->argc);
    if (c->extension_loading < 0 || c->extension_loading > PYEMBED_EXTLOAD_TEMPDIR)
        return pyembed__fail(it, PYEMBED_EINVAL, "bad extension_loading value");
    if (c->fast_exit != 0 && c->fast_exit != 1)
        return pyembed__fail(it, PYEMBED_EINVAL, "fast_exit must be 0 or 1");
    if (c->allocator < PYEMBED_ALLOCATOR_DEFAULT || c->allocator > PYEMBED_ALLOCATOR_DEBUG)
        return pyembed__fail(it, PYEMBED_EINVAL, "bad allocator value %d", c->allocator);
    if (c->resources == PYEMBED_RESOURCES_NONE && !c->filesystem_importer)
        return pyembed__fail(it, PYEMBED_EINVAL, "no resources and no filesystem "
                             "importer: nothing could be imported");
    return check_alloc(it, c) || check_modules(it, c) ? PYEMBED_EINVAL : PYEMBED_OK;
}

/* 1 when v is 0 or 1. */
static int is_flag(int v)
{
    return v == 0 || v == 1;
}

/* Checks the version-3 allocator fields of c (their combination with the
 * blob's choice is checked by alloc.c). */
static int check_alloc(pyembed_interp *it, const pyembed_config *c)
{
    const pyembed_allocator_funcs *a = c->allocator_custom;
    if (c->allocator_backend < PYEMBED_BACKEND_DEFAULT ||
        c->allocator_backend > PYEMBED_BACKEND_CUSTOM)
        return pyembed__fail(it, PYEMBED_EINVAL, "bad allocator_backend value %d",
                             c->allocator_backend);
    if (c->allocator_domains & ~0xFu)
        return pyembed__fail(it, PYEMBED_EINVAL, "allocator_domains has unknown bits 0x%x",
                             c->allocator_domains & ~0xFu);
    if (!is_flag(c->allocator_debug) || !is_flag(c->allocator_tracking))
        return pyembed__fail(it, PYEMBED_EINVAL,
                             "allocator_debug and allocator_tracking must be 0 or 1");
    if (c->allocator_backend == PYEMBED_BACKEND_CUSTOM &&
        (!a || !a->malloc || !a->calloc || !a->realloc || !a->free))
        return pyembed__fail(it, PYEMBED_EINVAL, "allocator_backend CUSTOM needs "
                             "allocator_custom with all four functions");
    return PYEMBED_OK;
}

/* Checks config.modules entry m (i: its index). */
static int check_module(pyembed_interp *it, const pyembed_module *m, size_t i)
{
    if (!m->name || !pyembed__module_name_ok(m->name) || strchr(m->name, '.'))
        return pyembed__fail(it, PYEMBED_EINVAL, "modules[%zu]: name must be a top-level "
                             "module name", i);
    if (!m->init == !m->function_count || (m->function_count && !m->functions))
        return pyembed__fail(it, PYEMBED_EINVAL, "modules[%zu] '%s': give either init or "
                             "functions", i, m->name);
    for (size_t j = 0; j < m->function_count; j++)
        if (!m->functions[j].name || !*m->functions[j].name || !m->functions[j].fn)
            return pyembed__fail(it, PYEMBED_EINVAL, "modules[%zu] '%s': function %zu needs "
                                 "a name and fn", i, m->name, j);
    return PYEMBED_OK;
}

/* Checks config.modules: valid entries, no name twice. */
static int check_modules(pyembed_interp *it, const pyembed_config *c)
{
    if (c->module_count && !c->modules)
        return pyembed__fail(it, PYEMBED_EINVAL, "module_count %zu without modules",
                             c->module_count);
    for (size_t i = 0; i < c->module_count; i++) {
        if (check_module(it, &c->modules[i], i))
            return PYEMBED_EINVAL;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(c->modules[j].name, c->modules[i].name))
                return pyembed__fail(it, PYEMBED_EINVAL, "module '%s' given twice",
                                     c->modules[i].name);
    }
    return PYEMBED_OK;
}

/* Reads the caller's config c into it->cfg: only the bytes c's version
 * has, over the defaults of the current version. */
static int read_versioned(pyembed_interp *it, const pyembed_config *c)
{
    size_t n = config_size(c->version); /* version: first field of all */
    if (!n)
        return pyembed__fail(it, PYEMBED_EINVAL, "config version %u unknown: this "
                             "library knows 1 to %d (call pyembed_config_init(cfg, "
                             "PYEMBED_CONFIG_VERSION))", c->version, PYEMBED_CONFIG_VERSION);
    config_defaults(&it->cfg);
    memcpy(&it->cfg, c, n);
    /* Before version 4, child_commands = 1 also meant any `-c CODE` and
     * `-m MOD`: what parse_argv = 1 does now. */
    if (c->version < 4)
        it->cfg.parse_argv = it->cfg.child_commands;
    it->cfg.version = PYEMBED_CONFIG_VERSION; /* complete from here on */
    return PYEMBED_OK;
}

/* Directory part of path as a malloc'd string. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;
    char *d = malloc(n + 2);
    if (!d)
        return NULL;
    if (slash == path)
        n = 1; /* "/x" -> "/" */
    memcpy(d, slash ? path : ".", slash ? n : 1);
    d[slash ? n : 1] = 0;
    return d;
}

/* Copies argv. */
static int copy_argv(pyembed_interp *it, const pyembed_config *c)
{
    if (!(it->argv = calloc((size_t)c->argc + 1, sizeof *it->argv)))
        return -1;
    for (int i = 0; i < c->argc; i++)
        if (dup_opt(&it->argv[i], c->argv[i] ? c->argv[i] : ""))
            return -1;
    return 0;
}

/* Copies module m into *dst (strings and the function table). */
static int copy_module(pyembed_cmodule *dst, const pyembed_module *m)
{
    memset(dst, 0, sizeof *dst);
    dst->init = m->init;
    if (!(dst->name = strdup(m->name)))
        return -1;
    if (!m->function_count)
        return 0;
    if (!(dst->functions = calloc(m->function_count, sizeof *dst->functions)))
        return -1;
    for (size_t j = 0; j < m->function_count; dst->function_count = ++j) {
        dst->functions[j] = m->functions[j];
        if (!(dst->functions[j].name = strdup(m->functions[j].name)))
            return -1; /* function_count covers the names copied so far */
    }
    return 0;
}

/* Copies config.modules into it->modules. */
static int copy_modules(pyembed_interp *it, const pyembed_config *c)
{
    if (!c->module_count)
        return 0;
    if (!(it->modules = calloc(c->module_count, sizeof *it->modules)))
        return -1;
    for (size_t i = 0; i < c->module_count; i++) {
        it->module_count = i + 1; /* freed by pyembed__config_free_modules */
        if (copy_module(&it->modules[i], &c->modules[i]))
            return -1;
    }
    return 0;
}

void pyembed__config_free_modules(pyembed_interp *it)
{
    for (size_t i = 0; i < it->module_count; i++) {
        pyembed_cmodule *m = &it->modules[i];
        for (size_t j = 0; j < m->function_count; j++)
            free((char *)m->functions[j].name);
        free(m->functions);
        free(m->defs);
        free(m->name);
    }
    free(it->modules);
    it->modules = NULL;
    it->module_count = 0;
}

int pyembed__config_adopt(pyembed_interp *it, const pyembed_config *cfg)
{
    const pyembed_config *c = &it->cfg;
    int rc = read_versioned(it, cfg);
    if (rc || (rc = check_fields(it, c)))
        return rc;
    it->exe = c->executable ? strdup(c->executable) : pyembed__platform_exe_path();
    if (!it->exe || (c->origin ? dup_opt(&it->origin, c->origin) :
                     !(it->origin = dir_of(it->exe))) ||
        dup_opt(&it->run_module, c->run_module) || dup_opt(&it->run_code, c->run_code) ||
        dup_opt(&it->module_search_path, c->module_search_path) || copy_argv(it, c) ||
        copy_modules(it, c))
        return pyembed__fail(it, PYEMBED_ENOMEM, "out of memory");
    if (c->allocator_custom) /* borrowed: only the copy is used later */
        it->alloc.custom = *c->allocator_custom;
    it->cfg.allocator_custom = NULL;
    it->cfg.modules = NULL;
    return PYEMBED_OK;
}
