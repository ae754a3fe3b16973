/* bench_util.h — helpers the C benchmarks share (bench_util.c). */
#ifndef PYEMBED_BENCH_UTIL_H
#define PYEMBED_BENCH_UTIL_H

#include <stddef.h>

/* Name printed in die() messages; each benchmark sets it in main(). */
extern const char *bench_name;

/* Prints "NAME: what: detail" and exits with status 2. */
void die(const char *what, const char *detail);
/* malloc that never returns NULL (dies instead); n == 0 allowed. */
void *xmalloc(size_t n);
/* CLOCK_MONOTONIC in nanoseconds. */
double now_ns(void);
/* Median of v[0..n-1]; sorts v. */
double median(double *v, size_t n);

#endif
