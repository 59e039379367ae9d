/*
 * evaluation — the costs of issue 12's analyses against what they must not exceed, through the C API:
 *   - the region perturbation curve of LeNet-5 for N = 256, L = 100 against the L+1 batched forward passes of
 *     256 samples it needs (target ≤ 1.3×);
 *   - localization of 10⁴ samples of 224×224 pixel relevance (target < 1 s);
 *   - K = 8 conditional heatmaps at LeNet-5's second convolution against one forward and K backward passes.
 *
 *   evaluation SHARED_DIR
 *
 * Medians of repeated runs, in ms; figures swing with other load on the machine.
 */
#define _POSIX_C_SOURCE 200809L
#include <lrp.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void check(lrp_status s, const char *what) {
    if (s != LRP_OK) { fprintf(stderr, "evaluation: %s: %s\n", what, lrp_last_error()); exit(1); }
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int missed = 0;
static void target(int met, const char *text) {
    printf("  %s  %s\n", met ? "met   " : "MISSED", text);
    if (!met) missed++;
}

enum { N = 256, L = 100, K = 8, REPS = 5 };

int main(int argc, char **argv) {
    const char *shared = argc > 1 ? argv[1] : "../shared";
    char path[4096];
    snprintf(path, sizeof path, "%s/data/mnist/test_images.mat", shared);
    lrp_array *images = NULL;
    check(lrp_array_read(path, NULL, NULL, &images), path);
    const double *pixels = lrp_array_data(images);
    static double x[N * 1024], y[N * 10], r[N * 10], rx[N * 1024];
    for (int n = 0; n < N; n++)
        for (int i = 0; i < 32; i++)
            for (int j = 0; j < 32; j++) {
                int inside = i >= 2 && i < 30 && j >= 2 && j < 30;
                x[n * 1024 + i * 32 + j] = inside ? pixels[n * 784 + (i - 2) * 28 + (j - 2)] / 127.5 - 1 : -1;
            }
    lrp_model *m = NULL;
    snprintf(path, sizeof path, "%s/models/LeNet-5.txt", shared);
    check(lrp_model_read(path, NULL, &m), path);
    int64_t shape[4] = {N, 32, 32, 1};
    int32_t rank;
    int64_t ys[LRP_MAX_RANK];
    check(lrp_forward(m, x, 4, shape, y, N * 10, &rank, ys), "forward");
    for (int n = 0; n < N; n++) {
        int best = 0;
        for (int c = 1; c < 10; c++) if (y[n * 10 + c] > y[n * 10 + best]) best = c;
        r[n * 10 + best] = y[n * 10 + best];
    }
    check(lrp_relevance(m, r, N * 10, "epsilon", 0.01, rx, N * 1024), "relevance");

    /* L+1 forward passes of the batch, then the perturbation curve (regions of 4×4: 64 of them; 100 steps of
     * one region would need more, so region 3: 121 regions). */
    double forward[REPS], curve[REPS];
    lrp_perturbation_options o;
    lrp_perturbation_options_init(&o);
    o.region = 3;
    o.steps = L;
    static double curves[N * (L + 1)];
    for (int k = 0; k < REPS; k++) {
        double t0 = now();
        for (int s = 0; s <= L; s++) check(lrp_forward(m, x, 4, shape, y, N * 10, &rank, ys), "forward");
        forward[k] = now() - t0;
        t0 = now();
        check(lrp_perturbation(m, x, 4, shape, rx, N * 1024, NULL, &o, curves, N * (L + 1), NULL, 0, NULL, 0, NULL, 0, NULL, 0),
              "perturbation");
        curve[k] = now() - t0;
    }
    qsort(forward, REPS, sizeof *forward, compare);
    qsort(curve, REPS, sizeof *curve, compare);
    printf("LeNet-5, N = %d, L = %d (3×3 regions, uniform noise): %d forward passes of %d %.0f ms, the curve %.0f ms (%.2f×)\n",
           N, L, L + 1, N, forward[REPS / 2] * 1e3, curve[REPS / 2] * 1e3, curve[REPS / 2] / forward[REPS / 2]);
    char t[256];
    snprintf(t, sizeof t, "perturbation curve %.2f× the forward passes it needs (<= 1.3×)", curve[REPS / 2] / forward[REPS / 2]);
    target(curve[REPS / 2] <= 1.3 * forward[REPS / 2], t);

    /* Localization: 10⁴ samples of 224×224 pixel relevance in float32, one box each. */
    enum { S = 10000, P = 224 * 224 };
    float *heat = malloc((size_t)S * P * sizeof *heat);
    int64_t *boxes = malloc((size_t)S * 5 * sizeof *boxes);
    double *mu = malloc(S * sizeof *mu);
    if (!heat || !boxes || !mu) { fprintf(stderr, "evaluation: out of memory\n"); return 1; }
    uint64_t state = 7;
    for (size_t i = 0; i < (size_t)S * P; i++) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        heat[i] = (float)((double)(state >> 11) / 9007199254740992.0 - 0.3);
    }
    for (int s = 0; s < S; s++) {
        int64_t top = s % 100, left = (s * 7) % 100, size = 20 + s % 100;
        int64_t b[5] = {s, top, left, top + size, left + size};
        memcpy(boxes + s * 5, b, sizeof b);
    }
    int64_t hs[3] = {S, 224, 224};
    double times[REPS];
    for (int k = 0; k < REPS; k++) {
        double t0 = now();
        check(lrp_localization_f32(heat, 3, hs, boxes, S, mu, NULL, NULL, S), "localization");
        times[k] = now() - t0;
    }
    qsort(times, REPS, sizeof *times, compare);
    printf("localization of %d samples of 224×224 (float32 pixel relevance, one box each): %.0f ms\n", S, times[REPS / 2] * 1e3);
    snprintf(t, sizeof t, "localization of 10^4 samples of 224×224 in %.0f ms (< 1000 ms)", times[REPS / 2] * 1e3);
    target(times[REPS / 2] < 1, t);
    free(heat); free(boxes); free(mu);

    /* K conditional heatmaps of LeNet-5's second convolution (layer 3, 25 channels) against one forward and
     * K backward passes. */
    int32_t channels[K], sizes[K];
    for (int k = 0; k < K; k++) { channels[k] = k; sizes[k] = 1; }
    static double maps[K * N * 1024];
    double plain[REPS], conditional[REPS];
    for (int k = 0; k < REPS; k++) {
        double t0 = now();
        check(lrp_forward(m, x, 4, shape, y, N * 10, &rank, ys), "forward");
        for (int j = 0; j < K; j++) check(lrp_relevance(m, r, N * 10, "epsilon", 0.01, rx, N * 1024), "relevance");
        plain[k] = now() - t0;
        t0 = now();
        check(lrp_forward(m, x, 4, shape, y, N * 10, &rank, ys), "forward");
        check(lrp_relevance_conditional(m, r, N * 10, "epsilon", 0.01, 3, channels, sizes, K, maps, K * N * 1024), "conditional");
        conditional[k] = now() - t0;
    }
    qsort(plain, REPS, sizeof *plain, compare);
    qsort(conditional, REPS, sizeof *conditional, compare);
    printf("%d conditional heatmaps at LeNet-5's layer 3, N = %d: %.1f ms; one forward and %d relevance passes %.1f ms (%.2f×)\n",
           K, N, conditional[REPS / 2] * 1e3, K, plain[REPS / 2] * 1e3, conditional[REPS / 2] / plain[REPS / 2]);
    snprintf(t, sizeof t, "K conditional heatmaps %.2f× one forward and K backward passes (<= 1×, within noise)",
             conditional[REPS / 2] / plain[REPS / 2]);
    target(conditional[REPS / 2] <= 1.05 * plain[REPS / 2], t);

    /* PatternNet and PatternAttribution (issue 13): fitting on 10⁴ MNIST digits, batch by batch as fit_patterns
     * does, against one forward pass over them; PatternAttribution and PatternNet against a gradient pass. */
    enum { F = 10000, B = 256 };
    double *all = malloc(sizeof(double) * F * 1024), *out = malloc(sizeof(double) * B * 10);
    if (!all || !out) { fprintf(stderr, "evaluation: out of memory\n"); return 1; }
    for (int n = 0; n < F; n++)
        for (int i = 0; i < 32; i++)
            for (int j = 0; j < 32; j++) {
                int inside = i >= 2 && i < 30 && j >= 2 && j < 30;
                all[(int64_t)n * 1024 + i * 32 + j] = inside ? pixels[(int64_t)n * 784 + (i - 2) * 28 + (j - 2)] / 127.5 - 1 : -1;
            }
    double passes[REPS], fits[REPS];
    for (int k = 0; k < REPS; k++) {
        double t0 = now();
        for (int s = 0; s < F; s += B) {
            int64_t bs[4] = {F - s < B ? F - s : B, 32, 32, 1};
            check(lrp_forward(m, all + (int64_t)s * 1024, 4, bs, out, B * 10, &rank, ys), "forward");
        }
        passes[k] = now() - t0;
        t0 = now();
        lrp_pattern_statistics *total = NULL;
        for (int s = 0; s < F; s += B) {
            int64_t bs[4] = {F - s < B ? F - s : B, 32, 32, 1};
            lrp_pattern_statistics *part = NULL;
            check(lrp_pattern_statistics_compute(m, all + (int64_t)s * 1024, 4, bs, &part), "pattern statistics");
            if (total) { check(lrp_pattern_statistics_merge(total, part), "merge"); lrp_pattern_statistics_free(part); }
            else total = part;
        }
        check(lrp_model_set_patterns(m, total, "relu"), "set patterns");
        fits[k] = now() - t0;
        lrp_pattern_statistics_free(total);
    }
    qsort(passes, REPS, sizeof *passes, compare);
    qsort(fits, REPS, sizeof *fits, compare);
    printf("LeNet-5 patterns fitted on %d MNIST digits (batches of %d): %.0f ms; one forward pass over them %.0f ms (%.2f×)\n",
           F, B, fits[REPS / 2] * 1e3, passes[REPS / 2] * 1e3, fits[REPS / 2] / passes[REPS / 2]);
    snprintf(t, sizeof t, "fitting %.2f× one forward pass over the data (<= 3×)", fits[REPS / 2] / passes[REPS / 2]);
    target(fits[REPS / 2] <= 3 * passes[REPS / 2], t);
    const char *rules[3] = {"gradient", "pattern_attribution", "pattern_net"};
    double cost[3];
    check(lrp_forward(m, x, 4, shape, y, N * 10, &rank, ys), "forward");
    for (int q = 0; q < 3; q++) {
        double times[REPS];
        for (int k = 0; k < REPS; k++) {
            double t0 = now();
            check(lrp_relevance(m, r, N * 10, rules[q], 0, rx, N * 1024), rules[q]);
            times[k] = now() - t0;
        }
        qsort(times, REPS, sizeof *times, compare);
        cost[q] = times[REPS / 2];
    }
    printf("LeNet-5, N = %d: gradient %.1f ms, PatternAttribution %.1f ms (%.2f×), PatternNet %.1f ms (%.2f×)\n", N,
           cost[0] * 1e3, cost[1] * 1e3, cost[1] / cost[0], cost[2] * 1e3, cost[2] / cost[0]);
    snprintf(t, sizeof t, "PatternAttribution %.2f×, PatternNet %.2f× a gradient pass (<= 1.2×)", cost[1] / cost[0], cost[2] / cost[0]);
    target(cost[1] <= 1.2 * cost[0] && cost[2] <= 1.2 * cost[0], t);
    free(all);
    free(out);

    printf("%d target(s) missed\n", missed);
    lrp_model_free(m);
    lrp_array_free(images);
    return 0;
}
