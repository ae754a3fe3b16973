/*
 * link.c — runs the compiler and linker for a pack-time driver link.
 *
 * Commands are started with posix_spawnp, their output appended to one
 * log file; objects and the executable are written under temporary names
 * and renamed when the command succeeded, so an interrupted build never
 * leaves a half-written file that a later run would take as done.
 */
#include "link_int.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Formats a message into err; returns -1. */
static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static size_t count(const char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

/* Writes argv as one line to the log (so the log shows what ran). */
static void log_argv(int fd, char *const *argv)
{
    dprintf(fd, "$");
    for (size_t i = 0; argv[i]; i++)
        dprintf(fd, " %s", argv[i]);
    dprintf(fd, "\n");
}

/* Starts argv with stdout/stderr on logfd; the child's pid or -1. */
static pid_t start(char *const *argv, int logfd)
{
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int rc;
    log_argv(logfd, argv);
    if (posix_spawn_file_actions_init(&fa))
        return -1;
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, logfd, 1);
    posix_spawn_file_actions_adddup2(&fa, logfd, 2);
    rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc) {
        errno = rc;
        return -1;
    }
    return pid;
}

/* Waits for pid; 0 when it exited with status 0. */
static int finish(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* argv for compiling c->source into tmp. Caller frees the array only. */
static char **compile_argv(const link_plan *p, const link_compile *c, const char *tmp)
{
    size_t nf = count(p->cflags), ne = count(c->extra_cflags), k = 0;
    char **argv = calloc(nf + ne + 6, sizeof *argv);
    if (!argv)
        return NULL;
    argv[k++] = (char *)p->cc;
    for (size_t i = 0; i < nf; i++)
        argv[k++] = (char *)p->cflags[i];
    for (size_t i = 0; i < ne; i++)
        argv[k++] = (char *)c->extra_cflags[i];
    argv[k++] = "-c";
    argv[k++] = (char *)c->source;
    argv[k++] = "-o";
    argv[k++] = (char *)tmp;
    return argv;
}

typedef struct job {
    pid_t pid;
    const link_compile *c;
    char tmp[4096];
} job;

/* Starts the next compilation whose object is missing in slot j; 1 when
 * one started, 0 when none is left, -1 on error. */
static int launch(const link_plan *p, size_t *next, job *j, int logfd, char *err,
                  size_t errlen)
{
    while (*next < p->ncompiles) {
        const link_compile *c = &p->compiles[(*next)++];
        char **argv;
        if (access(c->object, F_OK) == 0)
            continue; /* compiled by an earlier build */
        snprintf(j->tmp, sizeof j->tmp, "%s.tmp-%ld", c->object, (long)getpid());
        if (!(argv = compile_argv(p, c, j->tmp)))
            return fail(err, errlen, "out of memory");
        j->c = c;
        j->pid = start(argv, logfd);
        free(argv);
        if (j->pid < 0)
            return j->pid = 0, fail(err, errlen, "%s: %s", p->cc, strerror(errno));
        return 1;
    }
    return 0;
}

/* Handles the exit of the job in slot j with wait status st. */
static int settle(const link_plan *p, job *j, int st, char *err, size_t errlen)
{
    int ok = WIFEXITED(st) && WEXITSTATUS(st) == 0 && rename(j->tmp, j->c->object) == 0;
    j->pid = 0;
    if (ok)
        return 0;
    unlink(j->tmp);
    return fail(err, errlen, "compiling %s failed (see %s)", j->c->source, p->log_path);
}

/* Compiles every source whose object does not exist yet, jobs at a time;
 * after a failure it starts nothing more and waits for the rest. */
static int compile_all(const link_plan *p, int logfd, char *err, size_t errlen)
{
    job slots[16] = {{0}};
    int jobs = p->jobs < 1 ? 1 : p->jobs > 16 ? 16 : p->jobs, active = 0, rc = 0;
    size_t next = 0;
    for (;;) {
        for (int s = 0; s < jobs && rc == 0; s++) {
            int started;
            if (slots[s].pid)
                continue;
            started = launch(p, &next, &slots[s], logfd, err, errlen);
            if (started < 0)
                rc = -1;
            active += started > 0;
        }
        if (active == 0)
            return rc;
        int st;
        pid_t done = waitpid(-1, &st, 0);
        if (done < 0 && errno == EINTR)
            continue;
        for (int s = 0; s < jobs; s++)
            if (done > 0 && slots[s].pid == done) {
                active--;
                if (settle(p, &slots[s], st, err, errlen) && rc == 0)
                    rc = -1;
            }
        if (done < 0)
            return fail(err, errlen, "waitpid: %s", strerror(errno));
    }
}

/* Links all inputs into output (through a temporary name). */
static int link_output(const link_plan *p, int logfd, char *err, size_t errlen)
{
    size_t ni = count(p->inputs), nl = count(p->ldflags), k = 0;
    char tmp[4096];
    char **argv = calloc(ni + nl + 4, sizeof *argv);
    int rc;
    if (!argv)
        return fail(err, errlen, "out of memory");
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", p->output, (long)getpid());
    argv[k++] = (char *)p->cc;
    argv[k++] = "-o";
    argv[k++] = tmp;
    for (size_t i = 0; i < ni; i++)
        argv[k++] = (char *)p->inputs[i];
    for (size_t i = 0; i < nl; i++)
        argv[k++] = (char *)p->ldflags[i];
    pid_t pid = start(argv, logfd);
    free(argv);
    if (pid < 0)
        return fail(err, errlen, "%s: %s", p->cc, strerror(errno));
    rc = finish(pid) == 0 && rename(tmp, p->output) == 0 ? 0 : -1;
    if (rc) {
        unlink(tmp);
        return fail(err, errlen, "linking %s failed (see %s)", p->output, p->log_path);
    }
    return 0;
}

int link_run(const link_plan *p, char *err, size_t errlen)
{
    int logfd, rc;
    if (!p || !p->cc || !p->output || !p->log_path)
        return fail(err, errlen, "incomplete link plan");
    logfd = open(p->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (logfd < 0)
        return fail(err, errlen, "%s: %s", p->log_path, strerror(errno));
    rc = compile_all(p, logfd, err, errlen);
    if (rc == 0)
        rc = link_output(p, logfd, err, errlen);
    close(logfd);
    return rc;
}
