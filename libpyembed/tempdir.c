/*
 * tempdir.c — the private temporary directory of the extension-module
 * fallback (extload.c writes a library there when it cannot use an
 * in-memory file, and unlinks it right after dlopen).
 *
 * The directory is made by mkdtemp: mode 0700, a name nobody can predict,
 * and never an existing directory or a planted symbolic link (mkdir fails
 * on any existing name, and mkdtemp tries another). The process holds an
 * exclusive flock() on it, through a close-on-exec descriptor, for its
 * whole life (a forked child shares that lock; an exec'd one does not).
 * The process that made it removes it at exit. One killed by -9 leaves
 * an empty (or nearly empty) directory behind, unlocked: the next process
 * that needs a directory, or `pyembed-pack clean-temp`
 * (_pyembed.clean_temp), removes such leftovers; none is ever reused.
 * Everything in a directory being removed is reached through descriptors
 * (openat, unlinkat), so a link planted meanwhile is never followed.
 *
 * SIGTERM and SIGHUP, whose default action ends the process without exit
 * handlers, would leave the directory too. So while it exists, and only
 * where the disposition was SIG_DFL when it was made, a handler removes
 * the files extload.c is using (their names recorded beforehand in a
 * fixed table, pyembed__tempdir_track) and the directory with unlink and
 * rmdir alone (async-signal-safe: no malloc, no stdio), then restores
 * SIG_DFL and raises the signal again, so the process still dies of it as
 * python3 does. A forked child inherits the handler but removes nothing
 * (the owner's pid is checked); a handler the app installs later (Python's
 * signal.signal) replaces ours, which is then no longer removed or
 * restored by us.
 * The bottom layer: calls only the C library.
 */
#include "tempdir_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256]; /* "" until made */
static int lock_fd = -1;
static pid_t owner;   /* the process that made dir */

/* What the signal handler may remove: dir while ready, and the files
 * whose slot is SLOT_NAMED (lock-free atomics: async-signal-safe, and
 * seen by a handler running on another thread). */
#define TRACK_SLOTS 8 /* files in flight at once: one per extension load */
#define TRACK_LEN 300
enum { SLOT_FREE, SLOT_WRITING, SLOT_NAMED };
static atomic_int ready;
static atomic_int tracked_state[TRACK_SLOTS];
static char tracked[TRACK_SLOTS][TRACK_LEN];
static const int cleanup_signals[] = {SIGTERM, SIGHUP};
#define N_CLEANUP_SIGNALS (sizeof cleanup_signals / sizeof *cleanup_signals)

/* $TMPDIR when it is a usable absolute path, else /tmp. */
static const char *base_dir(void)
{
    const char *base = getenv("TMPDIR");
    return base && base[0] == '/' && strlen(base) <= 200 ? base : "/tmp";
}

/* SIGTERM/SIGHUP while the directory exists: removes the tracked files
 * and the directory if this process made it, then dies of sig by its
 * default action. Async-signal-safe calls only. */
static void on_cleanup_signal(int sig)
{
    struct sigaction dfl;
    int e = errno;
    if (atomic_load(&ready) && getpid() == owner) {
        for (int i = 0; i < TRACK_SLOTS; i++)
            if (atomic_load(&tracked_state[i]) == SLOT_NAMED)
                unlink(tracked[i]);
        rmdir(dir);
    }
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    raise(sig); /* pending until the handler returns, then fatal */
    errno = e;
}

/* Installs on_cleanup_signal for each cleanup signal still at SIG_DFL. */
static void install_handlers(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_cleanup_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < N_CLEANUP_SIGNALS; i++)
        sigaddset(&sa.sa_mask, cleanup_signals[i]); /* one cleanup at a time */
    for (size_t i = 0; i < N_CLEANUP_SIGNALS; i++)
        if (sigaction(cleanup_signals[i], NULL, &old) == 0 && !(old.sa_flags & SA_SIGINFO) &&
            old.sa_handler == SIG_DFL)
            sigaction(cleanup_signals[i], &sa, NULL);
}

/* Puts SIG_DFL back where on_cleanup_signal is still the handler (one the
 * app installed since stays). */
static void remove_handlers(void)
{
    struct sigaction dfl, cur;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (size_t i = 0; i < N_CLEANUP_SIGNALS; i++)
        if (sigaction(cleanup_signals[i], NULL, &cur) == 0 && !(cur.sa_flags & SA_SIGINFO) &&
            cur.sa_handler == on_cleanup_signal)
            sigaction(cleanup_signals[i], &dfl, NULL);
}

void pyembed__tempdir_track(const char *path)
{
    size_t n = strlen(path);
    if (n >= TRACK_LEN)
        return;
    for (int i = 0; i < TRACK_SLOTS; i++) {
        int expected = SLOT_FREE;
        if (atomic_compare_exchange_strong(&tracked_state[i], &expected, SLOT_WRITING)) {
            memcpy(tracked[i], path, n + 1);
            atomic_store(&tracked_state[i], SLOT_NAMED); /* the name is complete */
            return;
        }
    }
}

void pyembed__tempdir_untrack(const char *path)
{
    for (int i = 0; i < TRACK_SLOTS; i++)
        if (atomic_load(&tracked_state[i]) == SLOT_NAMED && !strcmp(tracked[i], path)) {
            atomic_store(&tracked_state[i], SLOT_FREE);
            return;
        }
}

/* 1 when name is "ext-<digits>.so", a file extload.c writes. */
static int ext_file_name(const char *name)
{
    size_t n = strlen(name);
    return n > 7 && !strncmp(name, "ext-", 4) && !strcmp(name + n - 3, ".so") &&
           strspn(name + 4, "0123456789") == n - 7;
}

/* Unlinks the ext files of open directory d; with check_only, only says
 * whether every entry is one (a regular file). 1 all are, 0 not. */
static int ext_files(DIR *d, int check_only)
{
    struct dirent *de;
    struct stat st;
    int all = 1;
    rewinddir(d);
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (!ext_file_name(de->d_name) ||
            fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
            all = 0;
        else if (!check_only)
            unlinkat(dirfd(d), de->d_name, 0);
    }
    return all;
}

/* Removes leftover name in directory basefd if it is one (see
 * pyembed__tempdir_clean). 1 removed, 0 left alone. */
static int remove_leftover(int basefd, const char *name)
{
    struct stat st;
    DIR *d;
    int fd = openat(basefd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), done = 0;
    if (fd < 0)
        return 0;
    if (fstat(fd, &st) || st.st_uid != geteuid() || (st.st_mode & 07777) != 0700 ||
        flock(fd, LOCK_EX | LOCK_NB) || !(d = fdopendir(fd))) {
        close(fd); /* a live process holds it, or it is not ours */
        return 0;
    }
    if (ext_files(d, 1)) {
        ext_files(d, 0);
        done = unlinkat(basefd, name, AT_REMOVEDIR) == 0;
    }
    closedir(d); /* releases the lock */
    return done;
}

int pyembed__tempdir_clean(const char *base)
{
    int basefd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC), removed = 0;
    DIR *d;
    struct dirent *de;
    if (basefd < 0)
        return -1;
    if (!(d = fdopendir(basefd))) {
        close(basefd);
        return -1;
    }
    while ((de = readdir(d)))
        if (!strncmp(de->d_name, PYEMBED_TEMPDIR_PREFIX, sizeof PYEMBED_TEMPDIR_PREFIX - 1) &&
            strlen(de->d_name) == sizeof PYEMBED_TEMPDIR_PREFIX - 1 + 6)
            removed += remove_leftover(dirfd(d), de->d_name);
    closedir(d);
    return removed;
}

void pyembed__tempdir_forget(void)
{
    if (atomic_exchange(&ready, 0))
        remove_handlers();
    if (lock_fd >= 0)
        close(lock_fd);
    lock_fd = -1;
    dir[0] = 0;
}

void pyembed__tempdir_remove(void)
{
    DIR *d;
    if (!dir[0] || getpid() != owner)
        return;
    if (lock_fd >= 0 && (d = fdopendir(dup(lock_fd)))) {
        ext_files(d, 0); /* normally none: each is unlinked after dlopen */
        closedir(d);
    }
    rmdir(dir);
    pyembed__tempdir_forget();
}

/* Makes and locks dir under base. 0, or -1 with errno set. */
static int make(const char *base)
{
    int e;
    if (snprintf(dir, sizeof dir, "%s/" PYEMBED_TEMPDIR_PREFIX "XXXXXX", base) >=
        (int)sizeof dir)
        return dir[0] = 0, errno = ENAMETOOLONG, -1;
    if (!mkdtemp(dir))
        return e = errno, dir[0] = 0, errno = e, -1;
    lock_fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB)) {
        e = errno;
        rmdir(dir);
        pyembed__tempdir_forget();
        return errno = e, -1;
    }
    owner = getpid();
    atomic_store(&ready, 1); /* dir and owner are set: a handler may use them */
    install_handlers();
    return 0;
}

int pyembed__tempdir_get(char *out, size_t n)
{
    static int registered;
    const char *base = base_dir();
    if (!dir[0]) {
        int e = errno;
        (void)pyembed__tempdir_clean(base); /* best effort */
        errno = e;
        if (make(base)) {
            e = errno;
            snprintf(out, n, "%s/" PYEMBED_TEMPDIR_PREFIX "XXXXXX", base);
            return errno = e, -1;
        }
        if (!registered) /* exit() without the interpreter freed */
            registered = atexit(pyembed__tempdir_remove) == 0;
    }
    if (snprintf(out, n, "%s", dir) >= (int)n)
        return errno = ENAMETOOLONG, -1;
    return 0;
}
