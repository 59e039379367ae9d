/*
 * C tests of graphs and imported models: building a graph node by node (relevance checked by hand),
 * reading the project's Keras and Caffe fixtures and matching the frameworks' outputs, the structure
 * queries, converting Caffe weights, and the errors of these functions.
 *
 *   test_graph FIXTURES TMPDIR      (FIXTURES: Tests/fixtures)
 */
#include <lrp.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

static char fixtures[2048], tmp[2048];

static const char *fixture(const char *relative) {
    static char paths[4][4200];
    static int next = 0;
    next = (next + 1) % 4;
    snprintf(paths[next], sizeof paths[next], "%s/%s", fixtures, relative);
    return paths[next];
}

/* Runs `model` on key "x" of `io` and compares the output with key `key` within `tolerance`. */
static void check_outputs(const char *what, lrp_model *model, const char *io, const char *key, double tolerance) {
    lrp_array *x = NULL, *y = NULL;
    if (lrp_array_read(io, NULL, "x", &x) != LRP_OK || lrp_array_read(io, NULL, key, &y) != LRP_OK) {
        CHECK(0, "%s: cannot read %s", what, io);
        lrp_array_free(x);
        return;
    }
    static double out[4096];
    int32_t rank = 0;
    int64_t shape[LRP_MAX_RANK];
    lrp_status s = lrp_forward(model, lrp_array_data(x), lrp_array_rank(x), lrp_array_shape(x), out, 4096, &rank, shape);
    CHECK(s == LRP_OK, "%s: forward", what);
    if (s == LRP_OK) {
        double error = relative_error(out, lrp_array_data(y), lrp_array_count(y));
        CHECK(error <= tolerance, "%s: relative error %g > %g", what, error, tolerance);
        printf("ok   %-44s outputs match within %.2g\n", what, error);
    }
    lrp_array_free(x);
    lrp_array_free(y);
}

static int has_layer(lrp_model *model, const char *name) {
    char buf[256];
    for (int32_t i = 0; i < lrp_model_layer_count(model); i++) {
        if (lrp_model_layer_name(model, i, buf, sizeof buf) == LRP_OK && strcmp(buf, name) == 0) return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: test_graph FIXTURES TMPDIR\n"); return 2; }
    snprintf(fixtures, sizeof fixtures, "%s", argv[1]);
    snprintf(tmp, sizeof tmp, "%s", argv[2]);

    /* A graph built by hand: x → Add(x, x) → Concatenate(·, x) → Linear 4 1 (weights 1). For x = (1, 2):
     * y = 2 + 4 + 1 + 2 = 9; with the simple rule and R = y, Linear gives (2, 4, 1, 2); the concatenation
     * splits it into (2, 4) for the sum and (1, 2) for x; the sum gives each summand half, (1, 2) twice;
     * the input receives (1, 2) + (1, 2) + (1, 2) = (3, 6). */
    lrp_model *g = NULL;
    CHECK(lrp_model_new(&g) == LRP_OK, "new");
    const int32_t twice[2] = {-1, -1}, joined[2] = {0, -1}, last[1] = {1};
    const double w[4] = {1, 1, 1, 1}, b[1] = {0};
    CHECK(lrp_model_add_node(g, "sum", "Add", twice, 2, NULL, 0, NULL, 0) == LRP_OK, "add Add");
    CHECK(lrp_model_add_node(g, "joined", "Concatenate", joined, 2, NULL, 0, NULL, 0) == LRP_OK, "add Concatenate");
    CHECK(lrp_model_add_node(g, "out", "Linear 4 1", last, 1, w, 4, b, 1) == LRP_OK, "add Linear");
    CHECK(lrp_model_layer_count(g) == 3 && lrp_model_output_layer(g) == 2, "3 nodes, output 2");
    int32_t inputs[4] = {0}, count = 0;
    CHECK(lrp_model_layer_inputs(g, 1, inputs, 4, &count) == LRP_OK && count == 2 && inputs[0] == 0 && inputs[1] == -1,
          "inputs of node 1");
    char name[64], header[64];
    CHECK(lrp_model_layer_name(g, 1, name, sizeof name) == LRP_OK && strcmp(name, "joined") == 0, "name of node 1");
    CHECK(lrp_model_layer_describe(g, 0, header, sizeof header) == LRP_OK && strcmp(header, "Add") == 0, "Add header");
    const double x[2] = {1, 2};
    const int64_t xshape[2] = {1, 2};
    double y[1] = {0}, r[2] = {0};
    int32_t yrank = 0;
    int64_t yshape[LRP_MAX_RANK];
    CHECK(lrp_forward(g, x, 2, xshape, y, 1, &yrank, yshape) == LRP_OK && y[0] == 9, "graph forward: %g", y[0]);
    CHECK(lrp_relevance(g, y, 1, "simple", 0, r, 2) == LRP_OK && fabs(r[0] - 3) < 1e-12 && fabs(r[1] - 6) < 1e-12,
          "graph relevance: (%g, %g), expected (3, 6)", r[0], r[1]);
    printf("ok   %-44s y = %g, R = (%g, %g)\n", "hand-built graph", y[0], r[0], r[1]);
    int32_t rank = -1;
    int64_t shape[LRP_MAX_RANK];
    CHECK(lrp_model_input_shape(g, &rank, shape) == LRP_OK && rank == 0, "no declared input shape");

    /* Errors of graph building; the model stays as it was. */
    const int32_t later[1] = {7};
    expect_status("node reading a later node", lrp_model_add_node(g, "bad", "Rect", later, 1, NULL, 0, NULL, 0),
                 LRP_ERR_ARGUMENT, "reads [7]");
    expect_status("node name used twice", lrp_model_add_node(g, "out", "Rect", last, 1, NULL, 0, NULL, 0), LRP_ERR_ARGUMENT,
                 "'out'");
    expect_status("layer with two inputs", lrp_model_add_node(g, "two", "Rect", joined, 2, NULL, 0, NULL, 0),
                 LRP_ERR_ARGUMENT, "a layer with 2 inputs");
    expect_status("merge appended as a layer", lrp_model_append(g, "Add", NULL, 0, NULL, 0), LRP_ERR_UNSUPPORTED,
                 "merges several inputs");
    expect_status("merge node run alone", lrp_layer_forward(g, 0, x, 2, xshape, y, 1, &yrank, yshape), LRP_ERR_UNSUPPORTED,
                 "run the whole graph");
    expect_status("inputs buffer too small", lrp_model_layer_inputs(g, 1, inputs, 1, &count), LRP_ERR_SHAPE, "reads 2 inputs");
    CHECK(lrp_model_layer_count(g) == 3, "the graph is unchanged after the failures");
    lrp_model_free(g);

    /* Imported models reproduce the frameworks' outputs. */
    lrp_model *m = NULL;
    CHECK(lrp_model_import(fixture("keras/residual_graph.h5"), NULL, NULL, NULL, &m) == LRP_OK, "import Keras graph");
    check_outputs("Keras residual graph", m, fixture("keras/residual_graph.io.npz"), "y", 1e-5);
    CHECK(has_layer(m, "conv_a/relu") && has_layer(m, "residual") && !has_layer(m, "bn_merged"), "Keras layer names");
    CHECK(lrp_model_input_shape(m, &rank, shape) == LRP_OK && rank == 3 && shape[0] == 12 && shape[2] == 3, "Keras input shape");
    lrp_model_free(m);
    m = NULL;
    CHECK(lrp_model_import(fixture("keras/grouped_sequential.json"), fixture("keras/grouped_sequential.weights.h5"), NULL,
                           "batchnorm=keep", &m) == LRP_OK, "import Keras weights + JSON (JSON first), BatchNorm kept");
    check_outputs("Keras 3 weights with JSON", m, fixture("keras/grouped_sequential.io.npz"), "y", 1e-5);
    CHECK(has_layer(m, "bn_no_center"), "BatchNorm kept as its own layer");
    lrp_model_free(m);
    m = NULL;
    CHECK(lrp_model_import(fixture("caffe/branchy_deploy.prototxt"), fixture("caffe/branchy.caffemodel"), NULL, NULL, &m) == LRP_OK,
          "import Caffe prototxt + caffemodel");
    check_outputs("Caffe branchy net", m, fixture("caffe/branchy.io.npz"), "prob", 1e-12);
    lrp_model_free(m);

    /* Caffe weights converted to the npz layout give the same net. */
    char converted[4200];
    snprintf(converted, sizeof converted, "%s/v1net-weights.npz", tmp);
    CHECK(lrp_caffe_convert_weights(fixture("caffe/v1net.caffemodel"), fixture("caffe/v1net_deploy.prototxt"), converted) == LRP_OK,
          "convert Caffe weights");
    m = NULL;
    CHECK(lrp_model_import(converted, fixture("caffe/v1net_deploy.prototxt"), NULL, NULL, &m) == LRP_OK,
          "import npz weights + prototxt (weights first)");
    check_outputs("Caffe V1 net from converted weights", m, fixture("caffe/v1net.io.npz"), "prob", 1e-12);
    char archive[4200];
    snprintf(archive, sizeof archive, "%s/v1net.npz", tmp);
    CHECK(lrp_model_write(m, archive, NULL) == LRP_OK, "write the model archive");
    lrp_model_free(m);
    m = NULL;
    CHECK(lrp_model_read(archive, NULL, &m) == LRP_OK, "read the model archive");
    check_outputs("the archive of the Caffe net", m, fixture("caffe/v1net.io.npz"), "prob", 1e-12);
    lrp_model_free(m);

    /* Import errors leave *out alone. */
    lrp_model *untouched = (lrp_model *)&failures;
    expect_status("import of NULL", lrp_model_import(NULL, NULL, NULL, NULL, &untouched), LRP_ERR_ARGUMENT, "path is NULL");
    expect_status("unknown import option", lrp_model_import(fixture("keras/residual_graph.h5"), NULL, NULL, "batchnorm=maybe", &untouched),
                 LRP_ERR_ARGUMENT, "unknown import option 'batchnorm=maybe'");
    expect_status("prototxt without weights", lrp_model_import(fixture("caffe/v1net_deploy.prototxt"), NULL, NULL, NULL, &untouched),
                 LRP_ERR_ARGUMENT, "needs its prototxt and its weights");
    expect_status("Keras weights without JSON", lrp_model_import(fixture("keras/grouped_sequential.weights.h5"), NULL, NULL, NULL, &untouched),
                 LRP_ERR_ARGUMENT, "weights only");
    expect_status("weights that do not fit", lrp_model_import(fixture("caffe/v1net_deploy.prototxt"), fixture("caffe/branchy.caffemodel"),
                                                             NULL, NULL, &untouched), LRP_ERR_FORMAT, "layer 'conv' (Convolution");
    expect_status("txt with a companion", lrp_model_import(fixture("caffe/branchy.io.npz"), fixture("keras/residual_graph.h5"), "txt",
                                                          NULL, &untouched), LRP_ERR_ARGUMENT, "takes no second file");
    CHECK(untouched == (lrp_model *)&failures, "*out unchanged after failed imports");

    printf("\n%d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
