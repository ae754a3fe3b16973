/*
 * fetch.c — downloading a distribution archive with libcurl.
 *
 * The body streams into a file the caller names (a temporary file in the
 * cache directory) and through SHA-256 (libcrypto's EVP) as it arrives;
 * the caller compares the digest and renames the file into place only
 * when it matches. Redirects are followed (http/https only), connect and
 * low-speed timeouts bound a stalled server, transient failures (connection
 * errors, timeouts, HTTP 408/429/5xx) are retried a bounded number of
 * times with backoff, proxies come from the environment as libcurl reads
 * them, and a progress bar is drawn on a terminal only.
 */
#include "dist_int.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Formats a message into err and returns code. */
static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return code;
}

void dist_fetch_options_init(dist_fetch_options *o)
{
    memset(o, 0, sizeof *o);
    o->version = DIST_FETCH_OPTIONS_VERSION;
    o->connect_timeout = 30;
    o->low_speed_time = 30;
    o->low_speed_limit = 1;
    o->retries = 3;
    o->backoff_ms = 500;
}

/* One attempt's sink: the output file and the running digest. */
typedef struct sink {
    int fd;
    EVP_MD_CTX *md;
    uint64_t size;
    int failed_errno;
} sink;

static size_t on_data(char *p, size_t sz, size_t n, void *user)
{
    sink *s = user;
    size_t len = sz * n, done = 0;
    if (EVP_DigestUpdate(s->md, p, len) != 1)
        return 0;
    while (done < len) {
        ssize_t w = write(s->fd, p + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            s->failed_errno = w < 0 ? errno : EIO;
            return 0; /* makes libcurl fail the transfer with WRITE_ERROR */
        }
        done += (size_t)w;
    }
    s->size += len;
    return len;
}

/* Progress bar on stderr (only installed when stderr is a terminal). */
static int on_progress(void *user, curl_off_t total, curl_off_t now, curl_off_t ut,
                       curl_off_t un)
{
    (void)ut;
    (void)un;
    (void)user;
    if (total > 0) {
        int width = 30, filled = (int)(width * now / total);
        fprintf(stderr, "\r  [%.*s%*s] %3d%% %lld/%lld MiB", filled,
                "##############################", width - filled, "",
                (int)(100 * now / total), (long long)(now >> 20), (long long)(total >> 20));
    } else if (now > 0) {
        fprintf(stderr, "\r  %lld MiB", (long long)(now >> 20));
    }
    return 0;
}

/* 1 when the outcome of an attempt is worth another try. */
static int transient(CURLcode cc, long http)
{
    if (cc == CURLE_OK)
        return http == 408 || http == 429 || (http >= 500 && http <= 599);
    return cc == CURLE_COULDNT_CONNECT || cc == CURLE_OPERATION_TIMEDOUT ||
           cc == CURLE_RECV_ERROR || cc == CURLE_SEND_ERROR || cc == CURLE_PARTIAL_FILE ||
           cc == CURLE_GOT_NOTHING || cc == CURLE_COULDNT_RESOLVE_HOST;
}

/* Sets the transfer options of h for o (the sink is attached per try). */
static void configure(CURL *h, const dist_fetch_options *o, char *curl_err)
{
    curl_easy_setopt(h, CURLOPT_URL, o->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https,file");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, o->connect_timeout);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, o->low_speed_time);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, o->low_speed_limit);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "pyembed-pack");
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (o->progress) {
        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    }
}

/* One attempt into o->dest (truncated first); fills the sink and status. */
static CURLcode attempt(CURL *h, const dist_fetch_options *o, sink *s, long *http)
{
    CURLcode cc;
    s->size = 0;
    s->failed_errno = 0;
    if (ftruncate(s->fd, 0) != 0 || lseek(s->fd, 0, SEEK_SET) != 0 ||
        EVP_DigestInit_ex(s->md, EVP_sha256(), NULL) != 1)
        return CURLE_WRITE_ERROR;
    curl_easy_setopt(h, CURLOPT_WRITEDATA, s);
    cc = curl_easy_perform(h);
    *http = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, http);
    if (o->progress)
        fprintf(stderr, "\r%60s\r", "");
    return cc;
}

/* The digest of the last attempt as lowercase hex into out (65 bytes). */
static void hex_digest(EVP_MD_CTX *md, char *out)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_DigestFinal_ex(md, d, &n);
    for (unsigned i = 0; i < n && i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* Sleeps ms milliseconds (retry backoff). */
static void pause_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) != 0 && errno == EINTR)
        ;
}

/* The final error message for a failed transfer. */
static int report(const dist_fetch_options *o, CURLcode cc, long http, const sink *s,
                  const char *curl_err, int tries, char *err, size_t errlen)
{
    const char *after = tries > 1 ? " (after retries)" : "";
    if (s->failed_errno)
        return fail(err, errlen, DIST_EIO, "%s: writing %s: %s", o->url, o->dest,
                    strerror(s->failed_errno));
    if (cc == CURLE_OK)
        return fail(err, errlen, DIST_EFETCH, "%s: HTTP %ld%s", o->url, http, after);
    return fail(err, errlen, DIST_EFETCH, "%s: %s (curl error %d)%s", o->url,
                curl_err[0] ? curl_err : curl_easy_strerror(cc), (int)cc, after);
}

int dist_fetch(const dist_fetch_options *o, char *sha256_hex, uint64_t *size, char *err,
               size_t errlen)
{
    char curl_err[CURL_ERROR_SIZE] = "";
    sink s = {-1, NULL, 0, 0};
    CURL *h = NULL;
    CURLcode cc = CURLE_OK;
    long http = 0, backoff;
    int rc = DIST_OK, tries = 0;
    if (!o || o->version < 1 || o->version > DIST_FETCH_OPTIONS_VERSION || !o->url || !o->dest)
        return fail(err, errlen, DIST_EIO, "bad fetch options");
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(h = curl_easy_init()) ||
        !(s.md = EVP_MD_CTX_new()))
        return curl_easy_cleanup(h), fail(err, errlen, DIST_ENOMEM, "cannot start libcurl");
    s.fd = open(o->dest, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (s.fd < 0)
        rc = fail(err, errlen, DIST_EIO, "%s: %s", o->dest, strerror(errno));
    configure(h, o, curl_err);
    for (backoff = o->backoff_ms; rc == DIST_OK; backoff *= 2) {
        curl_err[0] = 0;
        cc = attempt(h, o, &s, &http);
        tries++;
        if (cc == CURLE_OK && http < 400)
            break;
        if (s.failed_errno || !transient(cc, http) || tries > o->retries) {
            rc = report(o, cc, http, &s, curl_err, tries, err, errlen);
            break;
        }
        pause_ms(backoff);
    }
    if (rc == DIST_OK) {
        hex_digest(s.md, sha256_hex);
        *size = s.size;
        if (fsync(s.fd) != 0)
            rc = fail(err, errlen, DIST_EIO, "%s: %s", o->dest, strerror(errno));
    }
    if (s.fd >= 0 && close(s.fd) != 0 && rc == DIST_OK)
        rc = fail(err, errlen, DIST_EIO, "%s: %s", o->dest, strerror(errno));
    EVP_MD_CTX_free(s.md);
    curl_easy_cleanup(h);
    return rc;
}
