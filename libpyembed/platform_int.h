/*
 * platform_int.h — what libpyembed needs from the operating system beyond
 * ISO C and POSIX (private). One platform_<system>.c implements it;
 * libpyembed/meson.build picks it by host_machine.system(). The policies
 * (which path, memfd or temporary file) stay with the callers.
 */
#ifndef PYEMBED_PLATFORM_INT_H
#define PYEMBED_PLATFORM_INT_H

#include <stddef.h>

/* Absolute path of the running executable as a malloc'd string (also
 * without /proc: the path it was started by); when the system cannot
 * tell, a path that still opens it. NULL: out of memory. */
char *pyembed__platform_exe_path(void);

/* An anonymous in-memory file called name (close-on-exec); path receives
 * a file name by which dlopen() opens it, never one given before in this
 * process (the loader matches loaded libraries by name), so the caller
 * may close fd once the library is loaded. Returns its fd, or -1 with
 * errno set when the platform has no such files, they cannot be made or
 * cannot be opened by name (/proc not mounted, descriptor numbers used up). */
int pyembed__platform_memfile(const char *name, char *path, size_t pathlen);

/* 1 when the pages of file fd can be mapped executable (a memfd on a
 * noexec mount cannot), else 0. */
int pyembed__platform_exec_mappable(int fd);

/* Ends the process by SIGINT's default action, as python3 does after an
 * uncaught KeyboardInterrupt (so a parent sees the signal); returns the
 * exit status to use if it could not (130). */
int pyembed__platform_die_by_sigint(void);

/* Asks the system to read [off, off+len) of file fd into its cache and
 * returns once it is there (or could not be: advice only, no result). */
void pyembed__platform_read_ahead(int fd, unsigned long long off, unsigned long long len);

/* Gives the calling thread a descriptor table of its own, with nothing
 * open in it: what it opens then is invisible to the other threads and
 * never inherited by a fork() of theirs. 0, or -1 (the thread must then
 * open nothing). */
int pyembed__platform_private_files(void);

/* The directories the dynamic loader searches for a library by name, as
 * far as this process can tell: LD_LIBRARY_PATH's (unless the process is
 * set-id), then those of the shared objects loaded so far, each once; a
 * malloc'd string of NUL-terminated names ended by an empty one, or NULL
 * (out of memory). */
char *pyembed__platform_library_dirs(void);

/* 1 when a loaded shared object is called soname (its file name), else 0. */
int pyembed__platform_library_loaded(const char *soname);

#endif
