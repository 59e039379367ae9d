/* What the C tests share: counters and CHECK(cond, printf-style message), which counts a check and reports a
 * failure with its place and the library's last error; expect_status for expected errors; relative_error. */
#ifndef LRP_TEST_CHECK_H
#define LRP_TEST_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <lrp.h>

static int failures = 0, checks = 0;

#define CHECK(cond, ...)                                                         \
    do {                                                                         \
        checks++;                                                                \
        if (!(cond)) {                                                           \
            failures++;                                                          \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                 \
            fprintf(stderr, __VA_ARGS__);                                        \
            fprintf(stderr, " (last error: %s)\n", lrp_last_error());           \
        }                                                                        \
    } while (0)

/* Counts a check that `got` is `want` and the last error mentions `fragment` (NULL: anything). */
static inline void expect_status(const char *what, lrp_status got, lrp_status want, const char *fragment) {
    const char *message = lrp_last_error();
    checks++;
    if (got != want || (fragment && !strstr(message, fragment))) {
        failures++;
        fprintf(stderr, "FAIL %s: status %d (expected %d), message \"%s\" (expected to mention \"%s\")\n", what,
                (int)got, (int)want, message, fragment ? fragment : "");
        return;
    }
    printf("ok   %-44s %s\n", what, message);
}

/* max |a - b| / max(1e-12, max |b|), the goldens' relative error. */
static inline double relative_error(const double *a, const double *b, int64_t n) {
    double worst = 0, scale = 1e-12;
    for (int64_t i = 0; i < n; i++) {
        if (fabs(a[i] - b[i]) > worst) worst = fabs(a[i] - b[i]);
        if (fabs(b[i]) > scale) scale = fabs(b[i]);
        if (isnan(a[i]) != isnan(b[i])) return INFINITY;
    }
    return worst / scale;
}

#endif
