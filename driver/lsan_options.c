/*
 * lsan_options.c — linked into the executables that embed CPython.
 *
 * In sanitizer builds only: CPython leaves objects allocated at exit by
 * design, so LeakSanitizer would fail every run of a packed app or of the
 * pack tool — also under `env -i`, where ASAN_OPTIONS cannot reach them.
 * libpackrs' own leak checks run in its unit tests.
 */
#if defined(__SANITIZE_ADDRESS__)
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
    return "detect_leaks=0";
}
#else
typedef int lsan_options_unused; /* ISO C forbids an empty unit */
#endif
