/* What the C tests share: counters and CHECK(cond, printf-style message), which counts a check and reports a
 * failure with its place and the library's last error. */
#ifndef LRP_TEST_CHECK_H
#define LRP_TEST_CHECK_H

#include <stdio.h>

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

#endif
