/*
 * C tests of PatternNet and PatternAttribution through the header: statistics of two batches merged (and through a
 * file) against one pass; patterns set, read back and used by the rules, checked against the products written
 * here; the quality call; errors that name what is wrong.
 *
 *   test_patterns TMPDIR
 */
#include <lrp.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

enum { N = 40, D = 5, M = 4, OUT = 2 };

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: test_patterns TMPDIR\n"); return 2; }
    lrp_model *model = NULL;
    CHECK(lrp_model_new(&model) == LRP_OK, "new model");
    if (!model) return 1;
    static double w1[D * M], b1[M], w2[M * OUT], b2[OUT], x[N * D];
    for (int i = 0; i < D * M; i++) w1[i] = sin(1.3 * i + 0.2);
    for (int i = 0; i < M; i++) b1[i] = 0.1 * cos(i);
    for (int i = 0; i < M * OUT; i++) w2[i] = cos(0.7 * i);
    for (int i = 0; i < OUT; i++) b2[i] = 0.05 * i;
    for (int i = 0; i < N * D; i++) x[i] = sin(0.37 * i) + 0.1 * cos(2.1 * i);
    CHECK(lrp_model_append(model, "Linear 5 4", w1, D * M, b1, M) == LRP_OK, "append");
    CHECK(lrp_model_append(model, "Rect", NULL, 0, NULL, 0) == LRP_OK, "append");
    CHECK(lrp_model_append(model, "Linear 4 2", w2, M * OUT, b2, OUT) == LRP_OK, "append");

    int32_t kernels[4], count = 0;
    CHECK(lrp_model_kernel_layers(model, kernels, 4, &count) == LRP_OK && count == 2 && kernels[0] == 0 && kernels[1] == 2,
          "kernel layers 0 and 2, got %d", count);

    /* Two halves merged, and one half through a file, equal the whole (sums of the same products). */
    int64_t all[2] = {N, D}, half[2] = {N / 2, D};
    lrp_pattern_statistics *whole = NULL, *first = NULL, *second = NULL, *reread = NULL;
    CHECK(lrp_pattern_statistics_compute(model, x, 2, all, &whole) == LRP_OK, "statistics");
    CHECK(lrp_pattern_statistics_compute(model, x, 2, half, &first) == LRP_OK, "first half");
    CHECK(lrp_pattern_statistics_compute(model, x + N / 2 * D, 2, half, &second) == LRP_OK, "second half");
    char file[4200];
    snprintf(file, sizeof file, "%s/statistics.npz", argv[1]);
    CHECK(lrp_pattern_statistics_write(first, file) == LRP_OK, "write");
    CHECK(lrp_pattern_statistics_read(file, &reread) == LRP_OK, "read");
    CHECK(lrp_pattern_statistics_merge(reread, second) == LRP_OK, "merge");
    CHECK(lrp_pattern_statistics_samples(reread) == N && lrp_pattern_statistics_samples(whole) == N, "samples");
    static double a_whole[D * M], a_merged[D * M];
    CHECK(lrp_pattern_statistics_pattern(whole, model, "relu", 0, a_whole, D * M) == LRP_OK, "pattern");
    CHECK(lrp_pattern_statistics_pattern(reread, model, "relu", 0, a_merged, D * M) == LRP_OK, "pattern");
    CHECK(relative_error(a_merged, a_whole, D * M) <= 1e-13, "merged patterns differ by %g", relative_error(a_merged, a_whole, D * M));
    /* w_jᵀa_j = 1 for every neuron with a non-zero denominator. */
    for (int j = 0; j < M; j++) {
        double dot = 0;
        for (int i = 0; i < D; i++) dot += w1[i * M + j] * a_whole[i * M + j];
        CHECK(fabs(dot - 1) < 1e-12, "neuron %d: wᵀa = %.17g", j, dot);
    }

    /* Without patterns the rules refuse; with them PatternAttribution is R·(A⊙W)ᵀ through both layers. */
    static double y[N * OUT], r[N * OUT], rx[N * D], expected[N * D];
    int32_t rank;
    int64_t shape[LRP_MAX_RANK];
    CHECK(lrp_forward(model, x, 2, all, y, N * OUT, &rank, shape) == LRP_OK, "forward");
    for (int i = 0; i < N * OUT; i++) r[i] = y[i];
    expect_status("pattern_attribution without patterns", lrp_relevance(model, r, N * OUT, "pattern_attribution", 0, rx, N * D),
                  LRP_ERR_STATE, "pattern");
    CHECK(lrp_model_set_patterns(model, whole, "relu") == LRP_OK, "set patterns");
    static double a1[D * M], a2[M * OUT];
    int32_t present = 0;
    CHECK(lrp_model_pattern(model, 0, a1, D * M, &present) == LRP_OK && present == 1, "pattern 0");
    CHECK(lrp_model_pattern(model, 1, a2, M * OUT, &present) == LRP_OK && present == 1, "pattern 1");
    CHECK(relative_error(a1, a_whole, D * M) == 0, "the set pattern is the computed one");
    CHECK(lrp_relevance(model, r, N * OUT, "pattern_attribution", 0, rx, N * D) == LRP_OK, "pattern_attribution");
    for (int n = 0; n < N; n++) {
        double hidden[M];
        for (int j = 0; j < M; j++) {
            double z = b1[j], g = 0;
            for (int i = 0; i < D; i++) z += x[n * D + i] * w1[i * M + j];
            for (int k = 0; k < OUT; k++) g += r[n * OUT + k] * a2[j * OUT + k] * w2[j * OUT + k];
            hidden[j] = z > 0 ? g : 0;
        }
        for (int i = 0; i < D; i++) {
            double v = 0;
            for (int j = 0; j < M; j++) v += hidden[j] * a1[i * M + j] * w1[i * M + j];
            expected[n * D + i] = v;
        }
    }
    CHECK(relative_error(rx, expected, N * D) <= 1e-13, "pattern_attribution differs by %g", relative_error(rx, expected, N * D));

    /* Quality: one value per neuron of both layers. */
    double rho[M + OUT];
    CHECK(lrp_pattern_quality(model, x, 2, all, "relu", whole, 0, 0, rho, M + OUT) == LRP_OK, "quality");
    for (int j = 0; j < M + OUT; j++) CHECK(isnan(rho[j]) || (rho[j] >= 0 && rho[j] <= 1), "rho[%d] = %g", j, rho[j]);
    expect_status("quality, wrong count", lrp_pattern_quality(model, x, 2, all, "relu", whole, 0, 0, rho, M), LRP_ERR_SHAPE,
                  "6 neurons");
    expect_status("quality, unknown estimator", lrp_pattern_quality(model, x, 2, all, "deconv", whole, 0, 0, rho, M + OUT),
                  LRP_ERR_ARGUMENT, "estimator");
    expect_status("quality, relu without statistics", lrp_pattern_quality(model, x, 2, all, "relu", NULL, 0, 0, rho, M + OUT),
                  LRP_ERR_ARGUMENT, "statistics");

    /* Errors. */
    expect_status("pattern, wrong count", lrp_model_pattern(model, 0, a1, 3, &present), LRP_ERR_SHAPE, "20 values");
    expect_status("pattern, kernel out of range", lrp_model_pattern(model, 2, a1, D * M, &present), LRP_ERR_ARGUMENT,
                  "out of range");
    double bad[D * M];
    for (int i = 0; i < D * M; i++) bad[i] = i == 3 ? NAN : 1;
    expect_status("set pattern, not finite", lrp_model_set_pattern(model, 0, bad, D * M), LRP_ERR_ARGUMENT, "not finite");
    expect_status("set pattern, wrong count", lrp_model_set_pattern(model, 0, bad, D), LRP_ERR_SHAPE, "kernel");
    CHECK(lrp_model_pattern(model, 0, a_merged, D * M, &present) == LRP_OK && relative_error(a_merged, a1, D * M) == 0,
          "failed calls leave the pattern");
    expect_status("unknown pattern type", lrp_model_set_patterns(model, whole, "tanh"), LRP_ERR_ARGUMENT, "pattern type");
    int64_t wrong[2] = {N, D + 1};
    lrp_pattern_statistics *none = NULL;
    expect_status("statistics, wrong input", lrp_pattern_statistics_compute(model, x, 2, wrong, &none), LRP_ERR_SHAPE, "expects");
    CHECK(none == NULL, "out unchanged on failure");
    lrp_model *other = NULL;
    CHECK(lrp_model_new(&other) == LRP_OK, "new model");
    CHECK(lrp_model_append(other, "Linear 5 3", w1, 15, b1, 3) == LRP_OK, "append");
    expect_status("merge, other model", lrp_pattern_statistics_compute(other, x, 2, all, &none), LRP_OK, NULL);
    expect_status("merge statistics of another model", lrp_pattern_statistics_merge(whole, none), LRP_ERR_SHAPE, "cannot merge");
    expect_status("read a missing file", lrp_pattern_statistics_read("/nonexistent/s.npz", &reread), LRP_ERR_IO, NULL);
    CHECK(lrp_model_set_patterns(model, NULL, NULL) == LRP_OK, "clear patterns");
    CHECK(lrp_model_pattern(model, 0, a1, D * M, &present) == LRP_OK && present == 0, "cleared");

    lrp_pattern_statistics_free(whole);
    lrp_pattern_statistics_free(first);
    lrp_pattern_statistics_free(second);
    lrp_pattern_statistics_free(reread);
    lrp_pattern_statistics_free(none);
    lrp_pattern_statistics_free(NULL);
    lrp_model_free(other);
    lrp_model_free(model);
    printf("%d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
