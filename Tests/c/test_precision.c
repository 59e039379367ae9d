/*
 * C tests of float32 models: lrp_model_precision, lrp_model_set_precision, lrp_model_read_as and the _f32 forms of
 * forward, relevance, relevance at layers, many targets, one layer, and parameter access, on the zennit fixtures'
 * CNN (Convolution with padding and stride, BatchNorm, pools, Linear). float32 results agree with float64 within
 * 1e-4 relative; double buffers on a float32 model and float buffers on a float64 one work too.
 *
 *   test_precision FIXTURES      (FIXTURES: Tests/fixtures)
 */
#include <lrp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

enum { N = 2, X = 2 * 16 * 16 * 3 };  /* room for the CNN's input (checked) */

static double relative_error_f(const float *a, const double *b, int64_t n) {
    double *d = malloc((size_t)n * sizeof *d);
    for (int64_t i = 0; i < n; i++) d[i] = a[i];
    double e = relative_error(d, b, n);
    free(d);
    return e;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: test_precision FIXTURES\n"); return 2; }
    char path[4200];
    snprintf(path, sizeof path, "%s/zennit/cnn.npz", argv[1]);

    lrp_model *m64 = NULL, *m32 = NULL;
    CHECK(lrp_model_read(path, NULL, &m64) == LRP_OK, "read %s", path);
    CHECK(lrp_model_read_as(path, NULL, LRP_FLOAT32, &m32) == LRP_OK, "read_as float32");
    if (!m64 || !m32) return 1;
    int32_t p = -1;
    CHECK(lrp_model_precision(m64, &p) == LRP_OK && p == LRP_FLOAT64, "a model is float64 by default (%d)", p);
    CHECK(lrp_model_precision(m32, &p) == LRP_OK && p == LRP_FLOAT32, "read_as gives float32 (%d)", p);
    lrp_model *untouched = (lrp_model *)0x1;
    expect_status("read_as with precision 7", lrp_model_read_as(path, NULL, 7, &untouched), LRP_ERR_ARGUMENT, "precision must be");
    CHECK(untouched == (lrp_model *)0x1, "out pointer changed on failure");
    expect_status("set_precision 2", lrp_model_set_precision(m64, 2), LRP_ERR_ARGUMENT, "LRP_FLOAT32");
    expect_status("precision of NULL", lrp_model_precision(NULL, &p), LRP_ERR_ARGUMENT, "model is NULL");

    /* Inputs: the same values as doubles and floats. */
    int32_t rank = 0;
    int64_t in[LRP_MAX_RANK], shape[LRP_MAX_RANK] = {N};
    CHECK(lrp_model_input_shape(m64, &rank, in) == LRP_OK && rank == 3, "input shape");
    int64_t xn = N;
    for (int i = 0; i < rank; i++) { shape[i + 1] = in[i]; xn *= in[i]; }
    CHECK(xn <= X, "the input (%lld values) fits the buffers", (long long)xn);
    if (xn > X) return 1;
    double x[X], y64[N * 10], y32d[N * 10];
    float xf[X], y32[N * 10];
    for (int i = 0; i < xn; i++) { x[i] = (double)((i * 37) % 101) / 50.0 - 1.0; xf[i] = (float)x[i]; }
    int32_t yr;
    int64_t ys[LRP_MAX_RANK], yn = 0;
    CHECK(lrp_forward(m64, x, rank + 1, shape, y64, N * 10, &yr, ys) == LRP_OK, "forward f64");
    yn = ys[0] * ys[1];
    CHECK(lrp_forward_f32(m32, xf, rank + 1, shape, y32, N * 10, &yr, ys) == LRP_OK, "forward_f32");
    CHECK(relative_error_f(y32, y64, yn) <= 1e-4, "float32 forward within 1e-4: %g", relative_error_f(y32, y64, yn));
    /* Double buffers on the float32 model: its float results, converted. */
    CHECK(lrp_forward(m32, x, rank + 1, shape, y32d, N * 10, &yr, ys) == LRP_OK, "forward with doubles on float32");
    int same = 1;
    for (int64_t i = 0; i < yn; i++) same &= y32d[i] == (double)y32[i];
    CHECK(same, "double buffers of a float32 model hold its float results");
    /* Float buffers on the float64 model: its results rounded. */
    float y64f[N * 10];
    CHECK(lrp_forward_f32(m64, xf, rank + 1, shape, y64f, N * 10, &yr, ys) == LRP_OK, "forward_f32 on float64");
    CHECK(relative_error_f(y64f, y64, yn) <= 1e-6, "float buffers of a float64 model: %g", relative_error_f(y64f, y64, yn));
    CHECK(lrp_forward(m64, x, rank + 1, shape, y64, N * 10, &yr, ys) == LRP_OK, "forward f64 again");

    /* Relevance, every form, for LRP-ε, α1β0 and a composite. */
    double r[N * 10] = {0}, rx64[X], rx64b[2 * X];
    float rf[N * 10] = {0}, rx32[X], rx32b[2 * X];
    for (int n = 0; n < N; n++) { r[n * 10 + 3] = y64[n * 10 + 3]; rf[n * 10 + 3] = (float)r[n * 10 + 3]; }
    const char *rules[] = {"epsilon:0.01", "alphabeta:1", "zplus", "gamma:0.25"};
    for (int k = 0; k < 4; k++) {
        CHECK(lrp_relevance(m64, r, yn, rules[k], 0, rx64, xn) == LRP_OK, "relevance %s", rules[k]);
        CHECK(lrp_relevance_f32(m32, rf, yn, rules[k], 0, rx32, xn) == LRP_OK, "relevance_f32 %s", rules[k]);
        CHECK(relative_error_f(rx32, rx64, xn) <= 1e-4, "%s in float32: %g", rules[k], relative_error_f(rx32, rx64, xn));
    }
    CHECK(lrp_set_composite(m64, "epsilon_plus", NULL) == LRP_OK && lrp_set_composite(m32, "epsilon_plus", NULL) == LRP_OK, "composite");
    CHECK(lrp_relevance(m64, r, yn, NULL, 0, rx64, xn) == LRP_OK && lrp_relevance_f32(m32, rf, yn, NULL, 0, rx32, xn) == LRP_OK,
          "composite relevance");
    CHECK(relative_error_f(rx32, rx64, xn) <= 1e-4, "epsilon_plus in float32: %g", relative_error_f(rx32, rx64, xn));

    /* Many targets. */
    double rr[2 * N * 10] = {0};
    float rrf[2 * N * 10] = {0};
    for (int n = 0; n < N; n++) {
        rr[n * 10 + 1] = 1; rr[N * 10 + n * 10 + 7] = 1;
        rrf[n * 10 + 1] = 1; rrf[N * 10 + n * 10 + 7] = 1;
    }
    CHECK(lrp_relevance_targets(m64, rr, 2, yn, "epsilon", 0.01, rx64b, 2 * xn) == LRP_OK, "targets");
    CHECK(lrp_relevance_targets_f32(m32, rrf, 2, yn, "epsilon", 0.01, rx32b, 2 * xn) == LRP_OK, "targets_f32");
    CHECK(relative_error_f(rx32b, rx64b, 2 * xn) <= 1e-4, "targets in float32: %g", relative_error_f(rx32b, rx64b, 2 * xn));

    /* Relevance at the model input and with sums. */
    int32_t layers[1] = {-1};
    double *outs64[1] = {rx64}, sums64[64], sums32[64];
    float *outs32[1] = {rx32};
    int64_t capacities[1] = {xn};
    int64_t nsums = (lrp_model_layer_count(m64) + 1) * N;
    CHECK(nsums <= 64, "sums fit");
    CHECK(lrp_relevance_at(m64, r, yn, "alphabeta", 2, -1, layers, 1, outs64, capacities, sums64, 64) == LRP_OK, "relevance_at");
    CHECK(lrp_relevance_at_f32(m32, rf, yn, "alphabeta", 2, -1, layers, 1, outs32, capacities, sums32, 64) == LRP_OK, "relevance_at_f32");
    CHECK(relative_error_f(rx32, rx64, xn) <= 1e-4, "relevance_at in float32: %g", relative_error_f(rx32, rx64, xn));
    double worst = 0;
    for (int64_t i = 0; i < nsums; i++) {
        if (sums64[i] != sums64[i]) continue;  /* NaN: a layer the pass does not reach */
        double d = sums32[i] - sums64[i];
        if (d < 0) d = -d;
        if (d > worst) worst = d;
    }
    CHECK(worst <= 1e-4, "sums in float32 differ by %g", worst);

    /* One layer: the first (a Convolution), forward and relevance. */
    int64_t l_rank_shape[LRP_MAX_RANK];
    int32_t l_rank;
    CHECK(lrp_layer_output_shape(m64, 0, rank + 1, shape, &l_rank, l_rank_shape) == LRP_OK, "layer 0 output shape");
    int64_t l_count = 1;
    for (int i = 0; i < l_rank; i++) l_count *= l_rank_shape[i];
    double *l64 = malloc((size_t)l_count * sizeof *l64), *lr64 = malloc((size_t)xn * sizeof *lr64);
    float *l32 = malloc((size_t)l_count * sizeof *l32), *lr32 = malloc((size_t)xn * sizeof *lr32);
    CHECK(lrp_layer_forward(m64, 0, x, rank + 1, shape, l64, l_count, &yr, ys) == LRP_OK, "layer_forward");
    CHECK(lrp_layer_forward_f32(m32, 0, xf, rank + 1, shape, l32, l_count, &yr, ys) == LRP_OK, "layer_forward_f32");
    CHECK(relative_error_f(l32, l64, l_count) <= 1e-4, "layer 0 forward in float32");
    /* R = the layer's positive outputs (where α1β0's denominators are at least the output). */
    for (int64_t i = 0; i < l_count; i++) { l64[i] = l64[i] > 0 ? l64[i] : 0; l32[i] = (float)l64[i]; }
    CHECK(lrp_layer_relevance(m64, 0, l64, l_count, "alphabeta", 1, lr64, xn) == LRP_OK, "layer_relevance");
    CHECK(lrp_layer_relevance_f32(m32, 0, l32, l_count, "alphabeta", 1, lr32, xn) == LRP_OK, "layer_relevance_f32");
    CHECK(relative_error_f(lr32, lr64, xn) <= 1e-4, "layer 0 relevance in float32: %g", relative_error_f(lr32, lr64, xn));
    free(l64); free(lr64); free(l32); free(lr32);

    /* Parameters: the float32 storage itself through _f32 only; writes through it change the model. */
    double *wd = NULL;
    float *wf = NULL;
    int32_t prank;
    int64_t pshape[LRP_MAX_RANK];
    expect_status("lrp_layer_parameter on float32", lrp_layer_parameter(m32, 0, "W", &wd, &prank, pshape), LRP_ERR_ARGUMENT,
                  "lrp_layer_parameter_f32");
    expect_status("lrp_layer_parameter_f32 on float64", lrp_layer_parameter_f32(m64, 0, "W", &wf, &prank, pshape), LRP_ERR_ARGUMENT,
                  "lrp_layer_parameter");
    CHECK(lrp_layer_parameter_f32(m32, 0, "W", &wf, &prank, pshape) == LRP_OK && wf, "parameter_f32");
    CHECK(lrp_layer_parameter(m64, 0, "W", &wd, &prank, pshape) == LRP_OK && wd, "parameter");
    if (wf && wd) {
        CHECK(wf[5] == (float)wd[5], "float32 weights are the float64 ones rounded");
        int64_t count = 1;
        for (int i = 0; i < prank; i++) count *= pshape[i];
        for (int64_t i = 0; i < count; i++) { wf[i] = 0; wd[i] = 0; }
        CHECK(lrp_forward(m64, x, rank + 1, shape, y64, N * 10, &yr, ys) == LRP_OK, "forward after zeroing");
        CHECK(lrp_forward_f32(m32, xf, rank + 1, shape, y32, N * 10, &yr, ys) == LRP_OK, "forward_f32 after zeroing");
        CHECK(relative_error_f(y32, y64, yn) <= 1e-4, "writes through the float32 address change the model");
    }

    /* Converting in place, both ways, and building a float32 model. */
    CHECK(lrp_model_set_precision(m32, LRP_FLOAT64) == LRP_OK && lrp_model_precision(m32, &p) == LRP_OK && p == LRP_FLOAT64,
          "float32 → float64");
    CHECK(lrp_model_set_precision(m32, LRP_FLOAT64) == LRP_OK, "converting to the current precision");
    expect_status("relevance after converting", lrp_relevance(m32, r, yn, "epsilon", 0.01, rx64, xn), LRP_ERR_STATE, "forward");
    lrp_model *built = NULL;
    CHECK(lrp_model_new(&built) == LRP_OK && lrp_model_set_precision(built, LRP_FLOAT32) == LRP_OK, "a new float32 model");
    double w[6] = {1, -2, 3, -4, 5, -6}, b[2] = {0.5, -0.5};
    CHECK(lrp_model_append(built, "Linear 3 2", w, 6, b, 2) == LRP_OK, "append to a float32 model");
    CHECK(lrp_model_precision(built, &p) == LRP_OK && p == LRP_FLOAT32, "appending keeps float32");
    CHECK(lrp_layer_parameter_f32(built, 0, "W", &wf, &prank, pshape) == LRP_OK && wf && wf[3] == -4.0f, "appended weights in float32");
    float bx[3] = {1, 2, 3}, by[2];
    int64_t bshape[2] = {1, 3};
    CHECK(lrp_forward_f32(built, bx, 2, bshape, by, 2, &yr, ys) == LRP_OK && by[0] == 22.5f && by[1] == -28.5f, "its forward");

    lrp_model_free(built);
    lrp_model_free(m64);
    lrp_model_free(m32);
    printf("%d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
