/* fixture.c — scratch directory and test-time blob (see fixture.h). */
#include "fixture.h"

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char scratch[PATH_MAX];
static char blob[PATH_MAX + 16];

const char *fixture_blob(void)
{
    return blob;
}

const char *fixture_dir(void)
{
    return scratch;
}

/* Runs argv[0] with argv and waits; its exit status, or -1. */
static int spawn(char *const *argv)
{
    int status;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execv(argv[0], argv);
        perror(argv[0]);
        _exit(127);
    }
    if (waitpid(pid, &status, 0) < 0)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int fixture_setup(int argc, char **argv, const char *const *includes)
{
    return fixture_setup_with(argc, argv, includes, NULL);
}

int fixture_setup_with(int argc, char **argv, const char *const *includes,
                       const char *const *extra)
{
    char *cmd[96];
    size_t n = 0;
    const char *tmp = getenv("TMPDIR");
    if (argc < 5) {
        fprintf(stderr, "usage: %s PYEMBED_PACK FIXTURE_APP_DIR STDLIB_DIR DYNLOAD_DIR\n",
                argv[0]);
        return -1;
    }
    snprintf(scratch, sizeof scratch, "%s/pyembed-capi-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(scratch)) {
        perror("mkdtemp");
        return -1;
    }
    snprintf(blob, sizeof blob, "%s/app.blob", scratch);
    cmd[n++] = argv[1];
    cmd[n++] = "blob";
    cmd[n++] = "-q";
    cmd[n++] = "-o";
    cmd[n++] = blob;
    cmd[n++] = "--module-path";
    cmd[n++] = argv[2];
    cmd[n++] = "--stdlib-dir";
    cmd[n++] = argv[3];
    cmd[n++] = "--dynload-dir";
    cmd[n++] = argv[4];
    for (size_t i = 0; includes && includes[i] && n < 60; i++) {
        cmd[n++] = "--include";
        cmd[n++] = (char *)includes[i];
    }
    for (size_t i = 0; extra && extra[i] && n < 94; i++)
        cmd[n++] = (char *)extra[i];
    cmd[n] = NULL;
    if (spawn(cmd) != 0) {
        fprintf(stderr, "fixture: pyembed-pack blob failed\n");
        return -1;
    }
    return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void fixture_teardown(void)
{
    if (scratch[0])
        nftw(scratch, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

int fixture_maps_contain(const char *needle, const char *needle2)
{
    char line[4096];
    int found = 0;
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return 0;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, needle) && (!needle2 || strstr(line, needle2));
    fclose(f);
    return found;
}
