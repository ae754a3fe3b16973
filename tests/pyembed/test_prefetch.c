/*
 * test_prefetch.c — the start-up read-ahead's pieces (libpyembed/
 * prefetch.c and its platform calls), without an interpreter: a thread's
 * private descriptor table (no fork of another thread inherits its files,
 * it holds none of theirs), reading a file into the page cache, the
 * loader's directories, and a read-ahead thread that meets a FIFO and bad
 * library names and still ends.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../libpyembed/platform_int.h"
#include "../../libpyembed/prefetch_int.h"

static char tmpdir[] = "/tmp/pyembed-prefetch-XXXXXX";

/* tmpdir/name in out[4096]. */
static void tmp_path(char *out, const char *name)
{
    snprintf(out, 4096, "%s/%s", tmpdir, name);
}

/* 1 when a descriptor of this process names path. */
static int have_open(const char *path)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    char link[320], target[4096];
    int found = 0;
    assert_non_null(d);
    while ((e = readdir(d))) {
        ssize_t n;
        snprintf(link, sizeof link, "/proc/self/fd/%s", e->d_name);
        n = readlink(link, target, sizeof target - 1);
        if (n > 0) {
            target[n] = 0;
            found |= !strcmp(target, path);
        }
    }
    closedir(d);
    return found;
}

/* Shared by the main thread and the private-files thread. */
typedef struct rendezvous {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int stage;      /* 1: the thread has its file open; 2: it may close it */
    int pipe_seen;  /* the thread could use the main thread's pipe */
    const char *path;
    int read_end;
} rendezvous;

/* Waits until r->stage >= stage. */
static void wait_stage(rendezvous *r, int stage)
{
    pthread_mutex_lock(&r->lock);
    while (r->stage < stage)
        pthread_cond_wait(&r->cond, &r->lock);
    pthread_mutex_unlock(&r->lock);
}

static void set_stage(rendezvous *r, int stage)
{
    pthread_mutex_lock(&r->lock);
    r->stage = stage;
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->lock);
}

/* The thread: a private table, a file open in it until stage 2. */
static void *private_thread(void *arg)
{
    rendezvous *r = arg;
    int fd;
    if (pyembed__platform_private_files() != 0)
        return (void *)1;
    r->pipe_seen = fcntl(r->read_end, F_GETFD) != -1 || errno != EBADF;
    fd = open(r->path, O_RDONLY | O_CLOEXEC);
    set_stage(r, 1);
    wait_stage(r, 2);
    if (fd >= 0)
        close(fd);
    return fd >= 0 ? NULL : (void *)2;
}

static void test_private_files_are_the_threads_alone(void **state)
{
    rendezvous r = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, NULL, -1};
    char path[4096];
    int p[2], fd, status;
    pthread_t t;
    void *result;
    pid_t pid;
    (void)state;
    tmp_path(path, "private");
    assert_true((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0);
    close(fd);
    assert_int_equal(pipe(p), 0);
    r.path = path;
    r.read_end = p[0];
    assert_int_equal(pthread_create(&t, NULL, private_thread, &r), 0);
    wait_stage(&r, 1);
    /* its table holds no copy of the pipe: closing the write end here is
     * an end of file at once, while the thread lives */
    close(p[1]);
    {
        struct pollfd pf = {p[0], POLLIN, 0};
        char c;
        assert_int_equal(poll(&pf, 1, 5000), 1);
        assert_int_equal(read(p[0], &c, 1), 0);
    }
    /* the thread's file is open, but not in this thread's table ... */
    assert_false(have_open(path));
    /* ... nor in a child forked now */
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(have_open(path) ? 1 : 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    set_stage(&r, 2);
    assert_int_equal(pthread_join(t, &result), 0);
    assert_null(result);
    assert_false(r.pipe_seen); /* the pipe's descriptor is not open in its table */
    close(p[0]);
    unlink(path);
}

/* Pages of fd's first len bytes in the page cache. */
static size_t resident(int fd, size_t len)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE), n = (len + page - 1) / page, in = 0;
    unsigned char *vec = calloc(n, 1);
    void *m = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    assert_non_null(vec);
    assert_true(m != MAP_FAILED);
    assert_int_equal(mincore(m, len, vec), 0);
    for (size_t i = 0; i < n; i++)
        in += vec[i] & 1;
    munmap(m, len);
    free(vec);
    return in;
}

static void test_read_ahead_fills_the_page_cache(void **state)
{
    const size_t len = 6u << 20; /* three chunks */
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    char path[4096], *buf = malloc(1 << 20);
    int fd;
    (void)state;
    tmp_path(path, "data");
    assert_non_null(buf);
    memset(buf, 'x', 1 << 20);
    assert_true((fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600)) >= 0);
    for (size_t i = 0; i < len; i += 1 << 20)
        assert_int_equal(write(fd, buf, 1 << 20), 1 << 20);
    free(buf);
    assert_int_equal(fsync(fd), 0);
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    if (resident(fd, len) > len / page / 2) {
        close(fd);
        unlink(path);
        skip(); /* a tmpfs /tmp keeps its pages: nothing to read ahead */
    }
    pyembed__platform_read_ahead(fd, 0, len);
    assert_int_equal(resident(fd, len), len / page);
    pyembed__platform_read_ahead(fd, len - 1, 100); /* past the end: no harm */
    pyembed__platform_read_ahead(-1, 0, len);       /* a bad descriptor: none */
    close(fd);
    unlink(path);
}

/* The index of dir in the name list l, or -1. */
static int dir_index(const char *l, const char *dir)
{
    for (int i = 0; *l; l += strlen(l) + 1, i++)
        if (!strcmp(l, dir))
            return i;
    return -1;
}

static void test_library_dirs_follow_the_loader(void **state)
{
    char *l;
    (void)state;
    assert_int_equal(setenv("LD_LIBRARY_PATH", "/opt/a:relative/b::/opt/a;/opt/c", 1), 0);
    l = pyembed__platform_library_dirs();
    unsetenv("LD_LIBRARY_PATH");
    assert_non_null(l);
    assert_int_equal(dir_index(l, "/opt/a"), 0); /* once, first */
    assert_int_equal(dir_index(l, "/opt/c"), 1);
    assert_int_equal(dir_index(l, "relative/b"), -1);
    /* then the directories of what is loaded: libc's among them */
    {
        int found = 0;
        for (const char *d = l; *d; d += strlen(d) + 1) {
            char p[4096];
            struct stat st;
            snprintf(p, sizeof p, "%s/libc.so.6", d);
            found |= stat(p, &st) == 0;
        }
        assert_true(found);
    }
    free(l);
    assert_true(pyembed__platform_library_loaded("libc.so.6"));
    assert_false(pyembed__platform_library_loaded("libpyembed-not-there.so.9"));
    assert_false(pyembed__platform_library_loaded(""));
}

static void test_whole_executable_when_start_up_reads_half(void **state)
{
    (void)state;
    /* 8 MB driver, 8 MB blob: read whole from 0 start-up bytes on */
    assert_true(pyembed__prefetch_whole(16, 8, 0));
    /* 7 MB driver, 9 MB blob: 1 MB of start-up data makes half */
    assert_false(pyembed__prefetch_whole(16, 9, 0));
    assert_true(pyembed__prefetch_whole(16, 9, 1));
    /* a 300 MB app starting on 2 MB of its blob */
    assert_false(pyembed__prefetch_whole(307, 300, 2));
    /* odd counts from the metadata: more than the blob, a blob past the file */
    assert_true(pyembed__prefetch_whole(16, 9, 1000));
    assert_true(pyembed__prefetch_whole(16, 1000, 16));
    assert_false(pyembed__prefetch_whole(16, 1000, 7));
    assert_true(pyembed__prefetch_whole(0, 0, 0));
}

/* Threads of this process ( /proc/self/task entries). */
static int thread_count(void)
{
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    int n = 0;
    assert_non_null(d);
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void test_prefetch_thread_ends_on_odd_input(void **state)
{
    char fifo[4096];
    struct timespec pause = {0, 10 * 1000 * 1000};
    int before = thread_count(), waited = 0;
    (void)state;
    tmp_path(fifo, "fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    /* a FIFO for the executable (opened without blocking, not read),
     * names that are no file names, one loaded already, one missing */
    pyembed__prefetch_start(fifo, 0, 0, "../../etc/passwd,a/b.so,,.hidden.so,libc.so.6,"
                                        "libpyembed-missing.so.1,\001bad");
    pyembed__prefetch_start(fifo, 0, 0, "libc.so.6"); /* a second start does nothing */
    while (thread_count() > before && waited++ < 500)
        nanosleep(&pause, NULL);
    assert_int_equal(thread_count(), before);
    unlink(fifo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_private_files_are_the_threads_alone),
        cmocka_unit_test(test_read_ahead_fills_the_page_cache),
        cmocka_unit_test(test_library_dirs_follow_the_loader),
        cmocka_unit_test(test_whole_executable_when_start_up_reads_half),
        cmocka_unit_test(test_prefetch_thread_ends_on_odd_input),
    };
    int rc;
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    rmdir(tmpdir);
    return rc;
}
