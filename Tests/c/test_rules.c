/*
 * C tests of rule specs, zᴮ bounds, composites, relevance at chosen layers and many targets, on the zennit
 * fixtures (Tests/fixtures/zennit: models as liblrp archives, zennit's relevance in references.npz).
 *
 *   test_rules FIXTURES TMPDIR      (FIXTURES: Tests/fixtures)
 */
#include <lrp.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

static char fixtures[2048], tmp[2048];

static const char *path_in(const char *folder, const char *name) {
    static char paths[4][4200];
    static int next = 0;
    next = (next + 1) % 4;
    snprintf(paths[next], sizeof paths[next], "%s/%s", folder, name);
    return paths[next];
}

/* An array of references.npz (NULL on failure, recorded). */
static lrp_array *reference(const char *key) {
    lrp_array *a = NULL;
    CHECK(lrp_array_read(path_in(fixtures, "zennit/references.npz"), NULL, key, &a) == LRP_OK, "read reference %s", key);
    return a;
}

/* A model of the zennit fixtures with a forward pass on its key "<name>.x" done, and its initial relevance
 * "<name>.r" in *r; NULL (and *r NULL) on failure. */
static lrp_model *load(const char *name, int64_t *output_count, lrp_array **r) {
    char file[64], key[64];
    snprintf(file, sizeof file, "zennit/%s.npz", name);
    snprintf(key, sizeof key, "%s.x", name);
    lrp_model *model = NULL;
    lrp_array *x = reference(key);
    if (lrp_model_read(path_in(fixtures, file), NULL, &model) != LRP_OK || !x) {
        CHECK(0, "load %s", name);
        lrp_array_free(x);
        return NULL;
    }
    static double y[4096];
    int32_t rank = 0;
    int64_t shape[LRP_MAX_RANK];
    CHECK(lrp_forward(model, lrp_array_data(x), lrp_array_rank(x), lrp_array_shape(x), y, 4096, &rank, shape) == LRP_OK,
          "forward %s", name);
    *output_count = 1;
    for (int32_t i = 0; i < rank; i++) *output_count *= shape[i];
    lrp_array_free(x);
    snprintf(key, sizeof key, "%s.r", name);
    *r = reference(key);
    CHECK(*r && lrp_array_count(*r) == *output_count, "%s.r fits the output of %s", name, name);
    if (!*r || lrp_array_count(*r) != *output_count) {
        lrp_array_free(*r);
        lrp_model_free(model);
        *r = NULL;
        return NULL;
    }
    return model;
}

/* Relevance with the presets (rule NULL) or `rule`, compared with zennit's `key` within 1e-10. */
static void compare(const char *what, lrp_model *model, const lrp_array *r, const char *rule, const char *key) {
    lrp_array *expected = reference(key);
    if (!expected) return;
    static double rx[8192];
    int64_t n = lrp_array_count(expected);
    lrp_status s = lrp_relevance(model, lrp_array_data(r), lrp_array_count(r), rule, 0, rx, 8192);
    double error = s == LRP_OK ? relative_error(rx, lrp_array_data(expected), n) : INFINITY;
    CHECK(s == LRP_OK && error <= 1e-10, "%s: relative error %g against zennit", what, error);
    if (s == LRP_OK && error <= 1e-10) printf("ok   %-44s %.2e against zennit\n", what, error);
    lrp_array_free(expected);
}

static void rule_specs(void) {
    int64_t ny = 0;
    lrp_array *r = NULL;
    lrp_model *conv = load("conv", &ny, &r);
    if (!conv) return;

    /* Presets from specs, and specs given as the rule of one call. */
    static const char *cases[][2] = {
        {"gamma:0.25", "conv.gamma"}, {"zplus", "conv.zplus"}, {"alphabeta:alpha=2,beta=1", "conv.alpha2beta1"},
        {"flat:epsilon=1e-6", "conv.flat"}, {"ww:epsilon=1e-6", "conv.wsquare"}, {"zb:low=-1,high=1", "conv.zb"},
        {"epsilon:0.1", "conv.epsilon"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char what[96];
        CHECK(lrp_set_rule_spec(conv, -1, cases[i][0]) == LRP_OK, "set %s", cases[i][0]);
        snprintf(what, sizeof what, "preset %s", cases[i][0]);
        compare(what, conv, r, NULL, cases[i][1]);
        snprintf(what, sizeof what, "rule argument %s", cases[i][0]);
        compare(what, conv, r, cases[i][0], cases[i][1]);
    }

    /* The canonical spec reads back to the same rule; a small buffer is an error that writes nothing. */
    char spec[256], small[8];
    CHECK(lrp_set_rule_spec(conv, 0, "gamma:0.25") == LRP_OK, "set gamma");
    CHECK(lrp_get_rule_spec(conv, 0, spec, sizeof spec) == LRP_OK && strcmp(spec, "gamma:gamma=0.25,epsilon=1e-06") == 0,
          "canonical spec: %s", spec);
    memset(small, 'x', sizeof small);
    expect_status("spec into 8 bytes", lrp_get_rule_spec(conv, 0, small, sizeof small), LRP_ERR_SHAPE, "bytes");
    CHECK(small[0] == 'x', "nothing written into a buffer that is too small");

    /* Bad specs are refused with their problem named, and the preset stays. */
    expect_status("unknown rule", lrp_set_rule_spec(conv, 0, "gama:0.25"), LRP_ERR_ARGUMENT, "unknown rule 'gama'");
    expect_status("negative gamma", lrp_set_rule_spec(conv, 0, "gamma:-1"), LRP_ERR_ARGUMENT, "γ ≥ 0");
    expect_status("zb without high", lrp_set_rule_spec(conv, 0, "zb:low=-1"), LRP_ERR_ARGUMENT, "zb needs low and high");
    expect_status("unknown key", lrp_set_rule_spec(conv, 0, "zplus:delta=1"), LRP_ERR_ARGUMENT, "delta");
    expect_status("layer out of range", lrp_set_rule_spec(conv, 7, "zplus"), LRP_ERR_ARGUMENT, "7");
    expect_status("NULL spec", lrp_set_rule_spec(conv, 0, NULL), LRP_ERR_ARGUMENT, NULL);
    CHECK(lrp_get_rule_spec(conv, 0, spec, sizeof spec) == LRP_OK && strcmp(spec, "gamma:gamma=0.25,epsilon=1e-06") == 0,
          "preset unchanged after refused specs: %s", spec);

    /* zᴮ bounds as arrays: one pair for all channels equals zennit's scalar ZBox; per-channel arrays equal the
     * spec with the same lists. */
    const double low1 = -1, high1 = 1;
    CHECK(lrp_set_rule_bounds(conv, -1, &low1, &high1, 1, 1e-6) == LRP_OK, "scalar bounds");
    compare("lrp_set_rule_bounds, one pair", conv, r, NULL, "conv.zb");
    const double low[3] = {-1.5, -1.25, -2}, high[3] = {1.1, 1.9, 1.3};
    static double by_bounds[8192], by_spec[8192];
    CHECK(lrp_set_rule_bounds(conv, -1, low, high, 3, 1e-6) == LRP_OK, "per-channel bounds");
    CHECK(lrp_relevance(conv, lrp_array_data(r), ny, NULL, 0, by_bounds, 8192) == LRP_OK, "relevance with bounds");
    CHECK(lrp_get_rule_spec(conv, 0, spec, sizeof spec) == LRP_OK && strstr(spec, "low=[-1.5 -1.25 -2]"), "bounds in the spec: %s", spec);
    CHECK(lrp_relevance(conv, lrp_array_data(r), ny, "zb:low=[-1.5 -1.25 -2],high=[1.1 1.9 1.3]", 0, by_spec, 8192) == LRP_OK,
          "relevance with the spec");
    CHECK(memcmp(by_bounds, by_spec, 2 * 7 * 7 * 3 * sizeof(double)) == 0, "bounds by array == bounds by spec");
    const double inverted[3] = {2, 0, 0};
    expect_status("low above high", lrp_set_rule_bounds(conv, -1, inverted, high, 3, 1e-6), LRP_ERR_ARGUMENT, "low");
    expect_status("bounds count 0", lrp_set_rule_bounds(conv, -1, low, high, 0, 1e-6), LRP_ERR_SHAPE, "low has 0 values");
    CHECK(lrp_set_rule_bounds(conv, -1, low, high, 2, 1e-6) == LRP_OK, "two bounds accepted until they meet the layer");
    static double untouched[8192];
    untouched[0] = 12345;
    expect_status("2 bounds for 3 channels", lrp_relevance(conv, lrp_array_data(r), ny, NULL, 0, untouched, 8192),
                  LRP_ERR_SHAPE, "3");
    CHECK(untouched[0] == 12345, "nothing written on failure");
    lrp_array_free(r);
    lrp_model_free(conv);
}

static void composites(void) {
    int64_t ny = 0;
    lrp_array *r = NULL;
    lrp_model *cnn = load("cnn", &ny, &r);
    if (!cnn) return;
    int32_t layers = lrp_model_layer_count(cnn);
    static const char *cases[][3] = {
        {"epsilon_plus", NULL, "cnn.epsilon_plus"}, {"epsilon_plus_flat", NULL, "cnn.epsilon_plus_flat"},
        {"epsilon_alpha2_beta1", NULL, "cnn.epsilon_alpha2_beta1"},
        {"epsilon_alpha2_beta1_flat", NULL, "cnn.epsilon_alpha2_beta1_flat"},
        {"epsilon_gamma_box", "low=-1,high=1", "cnn.epsilon_gamma_box"}, {"epsilon_plus", "epsilon=0.01", "cnn.epsilon_plus_eps"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char what[96];
        CHECK(lrp_set_composite(cnn, cases[i][0], cases[i][1]) == LRP_OK, "composite %s", cases[i][0]);
        snprintf(what, sizeof what, "composite %s%s%s", cases[i][0], cases[i][1] ? " " : "", cases[i][1] ? cases[i][1] : "");
        compare(what, cnn, r, NULL, cases[i][2]);
    }
    /* The layers' presets as zennit's EpsilonGammaBox sets them. */
    CHECK(lrp_set_composite(cnn, "epsilon_gamma_box", "low=-1,high=1,gamma=0.5") == LRP_OK, "epsilon_gamma_box γ 0.5");
    static const char *expected[] = {
        "zb:low=-1,high=1,epsilon=1e-06", "pass", "pass", "norm:epsilon=1e-06", "gamma:gamma=0.5,epsilon=1e-06", "pass",
        "norm:epsilon=1e-06", "pass", "epsilon:1e-06", "pass", "epsilon:1e-06"};
    char spec[256];
    CHECK(layers == 11, "the CNN has 11 layers, got %d", layers);
    for (int32_t i = 0; i < layers && i < 11; i++) {
        CHECK(lrp_get_rule_spec(cnn, i, spec, sizeof spec) == LRP_OK && strcmp(spec, expected[i]) == 0,
              "layer %d: %s, expected %s", i, spec, expected[i]);
    }

    /* A composite file: written, rules changed, read back to the same relevance. */
    char file[4200];
    snprintf(file, sizeof file, "%s/cnn-composite.json", tmp);
    CHECK(lrp_set_composite(cnn, "epsilon_gamma_box", "low=-1,high=1") == LRP_OK, "epsilon_gamma_box again");
    CHECK(lrp_write_composite(cnn, file) == LRP_OK, "write composite");
    CHECK(lrp_set_rule_spec(cnn, -1, "epsilon:1") == LRP_OK, "every layer epsilon");
    CHECK(lrp_set_composite(cnn, file, NULL) == LRP_OK, "read composite file");
    compare("composite file round trip", cnn, r, NULL, "cnn.epsilon_gamma_box");

    /* Errors change nothing. */
    expect_status("unknown composite", lrp_set_composite(cnn, "epsilon_minus", NULL), LRP_ERR_ARGUMENT, "unknown composite 'epsilon_minus'");
    expect_status("zb bounds missing", lrp_set_composite(cnn, "epsilon_gamma_box", NULL), LRP_ERR_ARGUMENT, "needs low");
    expect_status("parameter it does not take", lrp_set_composite(cnn, "epsilon_plus", "gamma=1"), LRP_ERR_ARGUMENT, "gamma");
    expect_status("missing composite file", lrp_set_composite(cnn, path_in(tmp, "none.json"), NULL), LRP_ERR_IO, "none.json");
    FILE *f = fopen(path_in(tmp, "bad.json"), "w");
    if (f) {
        fputs("{\"format\": \"liblrp-composite\", \"version\": 1, \"segments\": [{\"first\": 0, \"last\": 40, \"rule\": \"zplus\"}]}", f);
        fclose(f);
    }
    expect_status("segment past the layers", lrp_set_composite(cnn, path_in(tmp, "bad.json"), NULL), LRP_ERR_ARGUMENT, "0 … 40");
    compare("presets unchanged after refused composites", cnn, r, NULL, "cnn.epsilon_gamma_box");
    lrp_array_free(r);
    lrp_model_free(cnn);
}

static void layers_and_targets(void) {
    int64_t ny = 0;
    lrp_array *r = NULL;
    lrp_model *cnn = load("cnn", &ny, &r);
    if (!cnn) return;
    const int64_t nx = 3 * 10 * 10 * 3, n_dense = 3 * 32;
    CHECK(lrp_set_composite(cnn, "epsilon_plus", NULL) == LRP_OK, "epsilon_plus");

    /* One pass: the input, the input of dense1 (layer 8) and of conv2 (layer 4), with the sums. */
    static double at_input[900], at_dense[96], at_conv2[3 * 5 * 5 * 6], full[900], sums[12 * 3];
    const int32_t chosen[3] = {-1, 8, 4};
    double *outs[3] = {at_input, at_dense, at_conv2};
    const int64_t capacities[3] = {nx, n_dense, 3 * 5 * 5 * 6};
    CHECK(lrp_relevance_at(cnn, lrp_array_data(r), ny, NULL, 0, -1, chosen, 3, outs, capacities, sums, 12 * 3) == LRP_OK,
          "relevance at three layers");
    CHECK(lrp_relevance(cnn, lrp_array_data(r), ny, NULL, 0, full, nx) == LRP_OK, "plain relevance");
    CHECK(memcmp(at_input, full, nx * sizeof(double)) == 0, "the input's relevance equals lrp_relevance's");
    compare("relevance at the input, epsilon_plus", cnn, r, NULL, "cnn.epsilon_plus");
    /* Conservation diagnostics: the totals of r are the last N; dense1 (ε = 1e-6) passes on its outputs' sums
     * less what its bias absorbs; layers that pass (flatten, layer 7) keep the total exactly. */
    const double *rp = lrp_array_data(r);
    for (int n = 0; n < 3; n++) {
        double total = 0, dense = 0;
        for (int c = 0; c < 4; c++) total += rp[n * 4 + c];
        for (int i = 0; i < 32; i++) dense += at_dense[n * 32 + i];
        CHECK(fabs(sums[11 * 3 + n] - total) <= 1e-12 * fabs(total), "sample %d: total of r %g vs %g", n, sums[11 * 3 + n], total);
        CHECK(fabs(sums[8 * 3 + n] - dense) <= 1e-12 * (1 + fabs(dense)), "sample %d: dense1's sum %g vs its relevance %g", n,
              sums[8 * 3 + n], dense);
        CHECK(sums[7 * 3 + n] == sums[8 * 3 + n], "sample %d: Flatten keeps the total", n);
    }
    /* Starting at layer 3's output with the relevance at conv2's input gives the same input relevance. */
    static double restarted[900];
    const int32_t input_only[1] = {-1};
    double *restart_outs[1] = {restarted};
    const int64_t restart_capacity[1] = {nx};
    CHECK(lrp_relevance_at(cnn, at_conv2, 3 * 5 * 5 * 6, NULL, 0, 3, input_only, 1, restart_outs, restart_capacity, NULL, 0) == LRP_OK,
          "start at layer 3");
    double error = relative_error(restarted, full, nx);
    CHECK(error <= 1e-13, "starting inside the network: relative error %g", error);
    /* Errors write nothing. */
    static double sentinel[900];
    sentinel[0] = 777;
    double *small_outs[1] = {sentinel};
    const int64_t too_small[1] = {nx - 1};
    expect_status("capacity too small", lrp_relevance_at(cnn, rp, ny, NULL, 0, -1, input_only, 1, small_outs, too_small, NULL, 0),
                  LRP_ERR_SHAPE, "900");
    const int32_t beyond[1] = {11};
    expect_status("layer beyond the model", lrp_relevance_at(cnn, rp, ny, NULL, 0, -1, beyond, 1, small_outs, restart_capacity, NULL, 0),
                  LRP_ERR_ARGUMENT, "11");
    expect_status("sums too small", lrp_relevance_at(cnn, rp, ny, NULL, 0, -1, input_only, 1, small_outs, restart_capacity, sums, 5),
                  LRP_ERR_SHAPE, "36");
    CHECK(sentinel[0] == 777, "nothing written on failure");

    /* K targets from one forward pass: the output masked to each class equals K separate relevance calls. */
    static double y[12], targets[4 * 12], rx[4 * 900], one[900];
    const double *x = NULL;
    lrp_array *xa = reference("cnn.x");
    x = xa ? lrp_array_data(xa) : NULL;
    int32_t rank = 0;
    int64_t shape[LRP_MAX_RANK];
    CHECK(x && lrp_forward(cnn, x, 4, lrp_array_shape(xa), y, 12, &rank, shape) == LRP_OK, "forward");
    for (int k = 0; k < 4; k++) {
        for (int i = 0; i < 12; i++) targets[k * 12 + i] = i % 4 == k ? y[i] : 0;
    }
    CHECK(lrp_relevance_targets(cnn, targets, 4, 12, "gamma:0.25", 0, rx, 4 * 900) == LRP_OK, "four targets");
    for (int k = 0; k < 4; k++) {
        CHECK(lrp_relevance(cnn, targets + k * 12, 12, "gamma:0.25", 0, one, 900) == LRP_OK, "target %d alone", k);
        error = relative_error(rx + k * 900, one, 900);
        CHECK(error <= 1e-14, "target %d: relative error %g", k, error);
    }
    printf("ok   %-44s 4 targets == 4 runs\n", "lrp_relevance_targets");
    rx[0] = 4242;
    expect_status("targets: output too small", lrp_relevance_targets(cnn, targets, 4, 12, NULL, 0, rx, 4 * 900 - 1), LRP_ERR_SHAPE, "3600");
    expect_status("targets: 0 targets", lrp_relevance_targets(cnn, targets, 0, 12, NULL, 0, rx, 4 * 900), LRP_ERR_ARGUMENT, NULL);
    CHECK(rx[0] == 4242, "nothing written on failure");
    lrp_array_free(xa);
    lrp_array_free(r);
    lrp_model_free(cnn);
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: test_rules FIXTURES TMPDIR\n"); return 2; }
    snprintf(fixtures, sizeof fixtures, "%s", argv[1]);
    snprintf(tmp, sizeof tmp, "%s", argv[2]);
    rule_specs();
    composites();
    layers_and_targets();
    printf("\n%d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
