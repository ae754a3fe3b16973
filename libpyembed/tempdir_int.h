/*
 * tempdir_int.h — the private temporary directory of the extension-module
 * fallback (tempdir.c; used by extload.c). Needs only the C library.
 */
#ifndef PYEMBED_TEMPDIR_INT_H
#define PYEMBED_TEMPDIR_INT_H

#include <stddef.h>

/* Name of the directories under $TMPDIR: PREFIX followed by mkdtemp's six
 * random characters; the files in them are "ext-<n>.so". */
#define PYEMBED_TEMPDIR_PREFIX "pyembed-ext-"

/* Copies into out[n] the path of this process's private directory,
 * making it first if there is none: $TMPDIR (absolute, else /tmp)/
 * pyembed-ext-XXXXXX by mkdtemp (mode 0700, unpredictable, never an
 * existing name), locked while the process lives, and removed by a
 * SIGTERM or SIGHUP handler where those were at SIG_DFL when it was made.
 * Leftovers of ended processes there are removed first. 0, or -1 with
 * errno set and out naming the directory that could not be made. */
int pyembed__tempdir_get(char *out, size_t n);

/* Records path (a file extload.c is about to create in the directory),
 * until pyembed__tempdir_untrack(path), for removal if SIGTERM or SIGHUP
 * ends the process (tempdir.c). Never fails: with all slots in use the
 * file is not recorded (a signal then leaves it and the directory to the
 * next run's cleaning). */
void pyembed__tempdir_track(const char *path);
/* The file path recorded by pyembed__tempdir_track is gone (or was never
 * made). Preserves errno. */
void pyembed__tempdir_untrack(const char *path);

/* Forgets the directory (someone removed it): the next get makes a new
 * one. */
void pyembed__tempdir_forget(void);

/* Removes the directory and what is left in it, if this process made it
 * (a forked child leaves its parent's alone). Safe to call again. */
void pyembed__tempdir_remove(void);

/* Removes, in directory base, the private directories that ended
 * processes left behind (killed -9, or ended by os._exit): real
 * directories named PREFIX*, owned by this user, mode 0700, holding only
 * ext-<n>.so files, and not locked by a live process. Returns how many
 * were removed, or -1 with errno set when base cannot be read. */
int pyembed__tempdir_clean(const char *base);

#endif
