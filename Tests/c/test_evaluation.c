/*
 * C tests of the evaluation functions (region perturbation, masked flipping, localization, channels) through the
 * header, on the zennit fixtures' small CNN (10×10×3 inputs, 4 classes).
 *
 *   test_evaluation FIXTURES      (FIXTURES: Tests/fixtures)
 */
#include <lrp.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

enum { N = 3, H = 10, W = 10, C = 3, X = N * H * W * C, K = 4 };

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: test_evaluation FIXTURES\n"); return 2; }
    char path[4200];
    snprintf(path, sizeof path, "%s/zennit/cnn.npz", argv[1]);
    lrp_model *model = NULL;
    CHECK(lrp_model_read(path, NULL, &model) == LRP_OK, "read %s", path);
    if (!model) return 1;
    static double x[X], y[N * K], r[N * K], rx[X];
    for (int i = 0; i < X; i++) x[i] = sin(0.37 * i) * 0.8;
    int32_t rank;
    int64_t shape[LRP_MAX_RANK], xs[4] = {N, H, W, C};
    CHECK(lrp_forward(model, x, 4, xs, y, N * K, &rank, shape) == LRP_OK, "forward");
    int target[N];
    for (int n = 0; n < N; n++) {
        target[n] = 0;
        for (int k = 1; k < K; k++) if (y[n * K + k] > y[n * K + target[n]]) target[n] = k;
        r[n * K + target[n]] = y[n * K + target[n]];
    }
    CHECK(lrp_relevance(model, r, N * K, "epsilon", 0.01, rx, X) == LRP_OK, "relevance");

    /* Region perturbation: column 0 is the unperturbed score; the last column is the score of the image with
     * every region of the returned order replaced, computed here with lrp_forward. */
    lrp_perturbation_options o;
    lrp_perturbation_options_init(&o);
    CHECK(o.size == (int64_t)sizeof o && o.region == 9 && o.steps == 100 && isnan(o.low), "defaults");
    o.region = 3; o.steps = 5; o.regions_per_step = 2; o.fill = "constant"; o.value = 0.5;
    enum { L = 5, ORDER = N * L * 2 };
    double curves[N * (L + 1)], aopc[N], replacement[X];
    int32_t order[ORDER], scored[N];
    CHECK(lrp_perturbation(model, x, 4, xs, rx, X, NULL, &o, curves, N * (L + 1), aopc, N, order, ORDER, replacement, X,
                           scored, N) == LRP_OK, "perturbation");
    for (int n = 0; n < N; n++) {
        CHECK(scored[n] == target[n], "sample %d scored class %d, top class %d", n, scored[n], target[n]);
        /* (Equal to the rounding of products over other batch sizes.) */
        CHECK(fabs(curves[n * (L + 1)] - y[n * K + target[n]]) <= 1e-12 * fmax(1, fabs(y[n * K + target[n]])),
              "sample %d: column 0 is the unperturbed score", n);
        static double image[H * W * C], out[K];
        memcpy(image, x + n * H * W * C, sizeof image);
        for (int i = 0; i < L * 2; i++) {
            int region = order[n * L * 2 + i], top = region / 4 * 3, left = region % 4 * 3;
            for (int a = top; a < top + 3 && a < H; a++)
                for (int b = left; b < left + 3 && b < W; b++)
                    for (int c = 0; c < C; c++) image[(a * W + b) * C + c] = 0.5;
        }
        int64_t one[4] = {1, H, W, C};
        CHECK(lrp_forward(model, image, 4, one, out, K, &rank, shape) == LRP_OK, "forward of the perturbed image");
        CHECK(fabs(curves[n * (L + 1) + L] - out[target[n]]) <= 1e-12 * fmax(1, fabs(out[target[n]])),
              "sample %d: last column %.17g, forward %.17g", n, curves[n * (L + 1) + L], out[target[n]]);
        double area = 0;
        for (int k = 0; k <= L; k++) area += curves[n * (L + 1)] - curves[n * (L + 1) + k];
        CHECK(fabs(aopc[n] - area / (L + 1)) <= 1e-12, "sample %d: AOPC", n);
    }
    /* The checks above ran single images: the stored pass is the batch's again. */
    CHECK(lrp_forward(model, x, 4, xs, y, N * K, &rank, shape) == LRP_OK, "forward");
    double keep = curves[0];
    expect_status("curves_count wrong", lrp_perturbation(model, x, 4, xs, rx, X, NULL, &o, curves, 3, NULL, 0, NULL, 0, NULL, 0,
                                                         NULL, 0), LRP_ERR_SHAPE, "curves");
    CHECK(curves[0] == keep, "curves unchanged on failure");
    o.steps = 9;
    expect_status("too many steps", lrp_perturbation(model, x, 4, xs, rx, X, NULL, &o, curves, N * 10, NULL, 0, NULL, 0, NULL, 0,
                                                     NULL, 0), LRP_ERR_ARGUMENT, "9 steps of 2 region(s) need 18 regions");
    o.size = 8;
    expect_status("options size", lrp_perturbation(model, x, 4, xs, rx, X, NULL, &o, curves, N * 10, NULL, 0, NULL, 0, NULL, 0,
                                                   NULL, 0), LRP_ERR_ARGUMENT, "lrp_perturbation_options_init");

    /* Masked flipping with an empty mask changes nothing; the stored pass is kept for relevance. */
    static uint8_t mask[H * W];
    double before[N * K], after[N * K];
    int32_t top_before[N], top_after[N];
    CHECK(lrp_flip(model, x, 4, xs, mask, H * W, NULL, 1, before, after, N * K, top_before, top_after, N, NULL, 0) == LRP_OK, "flip");
    CHECK(memcmp(before, after, sizeof before) == 0 && top_before[0] == top_after[0], "nothing flipped, nothing changed");
    CHECK(lrp_relevance(model, r, N * K, "epsilon", 0.01, rx, X) == LRP_OK, "relevance after flipping");

    /* Localization by hand: pixel relevance [1 −1; 2 3], the top row inside: μ = 1/6, μ_w = 1/3. */
    const double pixels[4] = {1, -1, 2, 3};
    const int64_t ps[3] = {1, 2, 2}, box[5] = {0, 0, 0, 1, 2};
    double mu, mu_w, inside;
    CHECK(lrp_localization(pixels, 3, ps, box, 1, &mu, &mu_w, &inside, 1) == LRP_OK, "localization");
    CHECK(fabs(mu - 1.0 / 6) < 1e-15 && fabs(mu_w - 1.0 / 3) < 1e-15 && inside == 0.5, "μ %g, μ_w %g, inside %g", mu, mu_w, inside);
    const int64_t outside[5] = {0, 0, 0, 3, 2};
    expect_status("box outside", lrp_localization(pixels, 3, ps, outside, 1, &mu, &mu_w, &inside, 1), LRP_ERR_ARGUMENT,
                  "box 0 of sample 0");

    /* Channels of the first convolution (6): conditional relevance over all of them sums to the relevance. */
    double positive[N * 6], negative[N * 6], activation[N * 6];
    CHECK(lrp_channel_statistics(model, r, N * K, "epsilon", 0.01, 0, positive, negative, activation, N * 6) == LRP_OK, "statistics");
    int32_t channels[6] = {0, 1, 2, 3, 4, 5}, sizes[6] = {1, 1, 1, 1, 1, 1};
    static double parts[6 * X];
    CHECK(lrp_relevance_conditional(model, r, N * K, "epsilon", 0.01, 0, channels, sizes, 6, parts, 6 * X) == LRP_OK, "conditional");
    static double total[X];
    for (int k = 0; k < 6; k++) for (int i = 0; i < X; i++) total[i] += parts[k * X + i];
    CHECK(relative_error(total, rx, X) < 1e-10, "conditional relevance sums to the whole: %g", relative_error(total, rx, X));
    const int32_t layers[1] = {0}, counts[1] = {6};
    double ablated[N * K];
    CHECK(lrp_forward_ablated(model, x, 4, xs, layers, counts, channels, 1, ablated, N * K, &rank, shape) == LRP_OK, "ablation");
    const int32_t bad[1] = {6};
    expect_status("channel out of range", lrp_forward_ablated(model, x, 4, xs, layers, (const int32_t[]){1}, bad, 1, ablated,
                                                              N * K, &rank, shape), LRP_ERR_ARGUMENT, "channel 6 is out of range");
    lrp_model_free(model);
    printf("\n%d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
