/*
 * bench_spawn.c — runs one command and reports its wall time, CPU time and
 * peak RSS, for run_bench.py.
 *
 * Why not time the command from Python directly: Linux carries the peak RSS
 * of the old address space into the new one at exec (exec_mmap), and
 * posix_spawn/fork children start from the parent's. A Python harness
 * would set a floor of its own RSS (15 MiB and more) under every
 * measurement. This process is small, so its fork+exec child starts near
 * zero, and the time spent starting Python's helper is not counted.
 *
 * Usage: bench_spawn PROGRAM [ARG...]     (PROGRAM is a path; no PATH search)
 * The child's stdin, stdout and stderr are /dev/null. Prints one line,
 * "wall_ns=N cpu_ns=N maxrss_kib=N status=N" (status: the child's exit code,
 * 128+signal if killed), and exits 0; 2 if the child could not be started.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long tv_ns(struct timeval tv)
{
    return (long long)tv.tv_sec * 1000000000LL + (long long)tv.tv_usec * 1000LL;
}

/* In the child: stdio on /dev/null, then exec; 127 if exec fails. */
static void child(char **argv)
{
    int fd = open("/dev/null", O_RDWR);
    if (fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
        _exit(127);
    execv(argv[0], argv);
    _exit(127);
}

int main(int argc, char **argv)
{
    struct rusage ru;
    int status;
    if (argc < 2) {
        fprintf(stderr, "usage: bench_spawn PROGRAM [ARG...]\n");
        return 2;
    }
    long long t0 = now_ns();
    pid_t pid = fork();
    if (pid == 0)
        child(argv + 1);
    if (pid < 0 || wait4(pid, &status, 0, &ru) != pid) {
        fprintf(stderr, "bench_spawn: %s: %s\n", argv[1], strerror(errno));
        return 2;
    }
    long long wall = now_ns() - t0;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    printf("wall_ns=%lld cpu_ns=%lld maxrss_kib=%ld status=%d\n", wall,
           tv_ns(ru.ru_utime) + tv_ns(ru.ru_stime), ru.ru_maxrss, code);
    return 0;
}
