/* config.c — pyembed_config defaults, validation and private copies. */
#include "pyembed_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int pyembed_config_init(pyembed_config *cfg)
{
    if (!cfg)
        return PYEMBED_EINVAL;
    memset(cfg, 0, sizeof *cfg);
    cfg->version = PYEMBED_CONFIG_VERSION;
    cfg->isolated = 1;
    cfg->sys_frozen = 1;
    cfg->install_signal_handlers = 1;
    return PYEMBED_OK;
}

/* Copies s into *dst (NULL stays NULL); -1 on ENOMEM. */
static int dup_opt(char **dst, const char *s)
{
    *dst = NULL;
    return s && !(*dst = strdup(s)) ? -1 : 0;
}

/* 1 when s can be a dotted module name: no quote, backslash, space or
 * control character (it is quoted into a command by python_init.c). */
int pyembed__module_name_ok(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || *s == '\'' || *s == '"' || *s == '\\' ||
            *s == 0x7f)
            return 0;
    return 1;
}

/* Checks the enum and range fields of cfg. */
static int check_fields(pyembed_interp *it, const pyembed_config *c)
{
    if (c->version != PYEMBED_CONFIG_VERSION)
        return pyembed__fail(it, PYEMBED_EINVAL, "config version %u unknown (call "
                             "pyembed_config_init)", c->version);
    if (c->resources < PYEMBED_RESOURCES_NONE || c->resources > PYEMBED_RESOURCES_EXE)
        return pyembed__fail(it, PYEMBED_EINVAL, "bad resources value %d", c->resources);
    if (c->resources == PYEMBED_RESOURCES_MEMORY && !c->blob)
        return pyembed__fail(it, PYEMBED_EINVAL, "resources=MEMORY needs blob");
    if (c->resources == PYEMBED_RESOURCES_FILE && !c->path)
        return pyembed__fail(it, PYEMBED_EINVAL, "resources=FILE needs path");
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
    return PYEMBED_OK;
}

/* Absolute path of this process's executable into a malloc'd string. */
static char *self_exe(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return strdup("/proc/self/exe");
    buf[n] = 0;
    return strdup(buf);
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

int pyembed__config_adopt(pyembed_interp *it, const pyembed_config *c)
{
    int rc = check_fields(it, c);
    if (rc)
        return rc;
    it->cfg = *c;
    it->exe = c->executable ? strdup(c->executable) : self_exe();
    if (!it->exe || (c->origin ? dup_opt(&it->origin, c->origin) :
                     !(it->origin = dir_of(it->exe))) ||
        dup_opt(&it->run_module, c->run_module) || dup_opt(&it->run_code, c->run_code) ||
        dup_opt(&it->module_search_path, c->module_search_path) || copy_argv(it, c))
        return pyembed__fail(it, PYEMBED_ENOMEM, "out of memory");
    return PYEMBED_OK;
}
