/*
 * C tests of the liblrp ABI: every error case returns the documented status with a message naming the
 * problem, the caller's buffers are untouched on failure, and the process survives.
 *
 *   test_capi TMPDIR      (writes its bad model files into TMPDIR)
 */
#include <lrp.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* The call returned `status` and the message contains every fragment (NULL-terminated list). */
static void expect_error(const char *what, lrp_status got, lrp_status want, const char *fragment1, const char *fragment2) {
    const char *message = lrp_last_error();
    checks++;
    if (got != want) {
        failures++;
        fprintf(stderr, "FAIL %s: status %d, expected %d (message: %s)\n", what, (int)got, (int)want, message);
        return;
    }
    if ((fragment1 && !strstr(message, fragment1)) || (fragment2 && !strstr(message, fragment2))) {
        failures++;
        fprintf(stderr, "FAIL %s: message \"%s\" lacks \"%s\" / \"%s\"\n", what, message, fragment1 ? fragment1 : "",
                fragment2 ? fragment2 : "");
        return;
    }
    printf("ok   %-46s %s\n", what, message);
}

static char dir[4096];

static const char *write_file(const char *name, const char *content) {
    static char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) { perror(path); exit(2); }
    fputs(content, f);
    fclose(f);
    return path;
}

static lrp_status read_text(const char *name, const char *content, lrp_model **model) {
    return lrp_model_read(write_file(name, content), NULL, model);
}

/* A second thread's failure must not change this thread's message. */
static void *other_thread(void *unused) {
    (void)unused;
    lrp_model *m = NULL;
    lrp_model_read("/nonexistent/other-thread.txt", NULL, &m);
    return strstr(lrp_last_error(), "other-thread") ? (void *)1 : NULL;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: test_capi TMPDIR\n"); return 2; }
    snprintf(dir, sizeof dir, "%s", argv[1]);

    /* Version and NULL handling of the non-status functions. */
    CHECK(strcmp(lrp_version(), LRP_VERSION_STRING) == 0, "lrp_version %s != %s", lrp_version(), LRP_VERSION_STRING);
    CHECK(atoi(lrp_version()) == LRP_VERSION_MAJOR, "major version");
    CHECK(strcmp(lrp_last_error(), "") == 0, "no error yet: \"%s\"", lrp_last_error());
    lrp_model_free(NULL);
    lrp_array_free(NULL);
    CHECK(lrp_model_layer_count(NULL) == -1, "layer count of NULL");
    CHECK(lrp_array_rank(NULL) == -1 && lrp_array_count(NULL) == -1, "array queries of NULL");
    CHECK(lrp_array_shape(NULL) == NULL && lrp_array_data(NULL) == NULL, "array pointers of NULL");

    /* The kinds of layer: asked for the size, then written; too small a buffer is refused and left alone. */
    {
        int64_t needed = 0;
        CHECK(lrp_layer_kinds(NULL, 0, &needed) == LRP_OK && needed > 1, "kind list size: %s", lrp_last_error());
        char *kinds = malloc((size_t)needed);
        CHECK(kinds && lrp_layer_kinds(kinds, needed, &needed) == LRP_OK, "kind list: %s", lrp_last_error());
        CHECK(kinds && strlen(kinds) + 1 == (size_t)needed, "kind list length");
        CHECK(kinds && strstr(kinds, "Linear\tLinear m n\ttoolbox\n") == kinds, "Linear first, a toolbox layer: %s", kinds ? kinds : "(none)");
        CHECK(kinds && strstr(kinds, "\nAdd\tAdd\tmerge\n") && strstr(kinds, "\nBatchNorm\tBatchNorm c\t\n"), "Add a merge, BatchNorm neither");
        char small[8] = "unset";
        expect_error("lrp_layer_kinds: buffer too small", lrp_layer_kinds(small, sizeof small, &needed), LRP_ERR_SHAPE, "kind list", NULL);
        CHECK(strcmp(small, "unset") == 0, "buffer changed on failure");
        expect_error("lrp_layer_kinds: needed NULL", lrp_layer_kinds(NULL, 0, NULL), LRP_ERR_ARGUMENT, "needed", NULL);
        free(kinds);
    }

    /* Files. */
    lrp_model *model = (lrp_model *)0x1;  /* must stay untouched on failure */
    char missing[4200];
    snprintf(missing, sizeof missing, "%s/missing.txt", dir);
    expect_error("missing file", lrp_model_read(missing, NULL, &model), LRP_ERR_IO, "missing.txt", "No such file");
    CHECK(model == (lrp_model *)0x1, "out pointer changed on failure");
    expect_error("unreadable file (a directory)", lrp_model_read(dir, "txt", &model), LRP_ERR_IO, "is a directory", NULL);
    expect_error("unknown extension", lrp_model_read(write_file("m.onnx", "Rect\n"), NULL, &model), LRP_ERR_UNSUPPORTED, "extension", NULL);
    expect_error("unknown format name", lrp_model_read(missing, "onnx", &model), LRP_ERR_ARGUMENT, "unknown model format 'onnx'", NULL);
    expect_error("empty file", read_text("empty.txt", "", &model), LRP_ERR_FORMAT, "empty", NULL);
    expect_error("unknown layer name", read_text("l.txt", "Rect\nDense 3 4\n", &model), LRP_ERR_FORMAT, "line 2", "unknown layer name 'Dense'");
    expect_error("non-numeric token", read_text("n.txt", "Linear 2 1\n0.5 abc\n0\n", &model), LRP_ERR_FORMAT, "line 2", "'abc'");
    expect_error("too few weights", read_text("f.txt", "Linear 2 2\n1 2 3\n0 0\n", &model), LRP_ERR_FORMAT, "line 2", "too few weights");
    expect_error("too many weights", read_text("m.txt", "Rect\nLinear 2 2\n1 2 3 4 5\n0 0\n", &model), LRP_ERR_FORMAT, "line 3", "too many weights");
    expect_error("too many bias values", read_text("b.txt", "Linear 1 2\n1 2\n0 0 0\n", &model), LRP_ERR_FORMAT, "line 3", "too many bias");
    expect_error("truncated file", read_text("t.txt", "Convolution 2 2 1 1 1 1\n1 2 3 4\n", &model), LRP_ERR_FORMAT, "ends where the bias", NULL);
    expect_error("zero dimension", read_text("z.txt", "Linear 0 2\n\n", &model), LRP_ERR_FORMAT, "line 1", "got 0");
    expect_error("negative dimension", read_text("g.txt", "SumPool 2 -2 2 2\n", &model), LRP_ERR_FORMAT, "line 1", "got -2");
    expect_error("NULL path", lrp_model_read(NULL, NULL, &model), LRP_ERR_ARGUMENT, "path is NULL", NULL);
    expect_error("NULL out", lrp_model_read(missing, NULL, NULL), LRP_ERR_ARGUMENT, "out is NULL", NULL);
    CHECK(model == (lrp_model *)0x1, "out pointer changed on failure");

    /* The thread's message is its own. */
    pthread_t thread;
    void *seen = NULL;
    pthread_create(&thread, NULL, other_thread, NULL);
    pthread_join(thread, &seen);
    CHECK(seen != NULL, "the other thread did not see its own message");
    CHECK(strstr(lrp_last_error(), "out is NULL") != NULL, "this thread's message changed: %s", lrp_last_error());

    /* A model whose second Linear does not fit the first one's output: found at forward, with the shape. */
    lrp_model *broken = NULL;
    CHECK(read_text("broken.txt", "Linear 3 2\n1 2 3 4 5 6\n0 0\nRect\nLinear 4 1\n1 1 1 1\n0\n", &broken) == LRP_OK, "%s", lrp_last_error());
    double x3[6] = {1, 2, 3, 4, 5, 6}, y[16];
    int64_t shape2[2] = {2, 3}, y_shape[LRP_MAX_RANK];
    int32_t y_rank = -7;
    expect_error("layer input does not fit previous output", lrp_forward(broken, x3, 2, shape2, y, 16, &y_rank, y_shape), LRP_ERR_SHAPE,
                 "layer 2 (Linear 4 1)", "got 2×2");
    CHECK(y_rank == -7, "y_rank written on failure");
    lrp_model_free(broken);

    /* A working model: Convolution → Rect → SumPool → Flatten → Linear → SoftMax. */
    const char *good =
        "Convolution 2 2 1 2 1 1\n0.1 -0.2 0.3 0.4 -0.5 0.6 0.7 -0.8\n0.01 -0.02\nRect\nSumPool 2 2 1 1\nFlatten\n"
        "Linear 2 3\n1 -1 0.5 -0.5 2 1\n0 0.1 -0.1\nSoftMax\n";
    CHECK(read_text("good.txt", good, &model) == LRP_OK, "%s", lrp_last_error());
    CHECK(lrp_model_layer_count(model) == 6, "layer count %d", lrp_model_layer_count(model));
    double r3[3] = {0, 1, 0}, rx[9], out[3];
    int64_t img[4] = {1, 3, 3, 1};
    double x[9] = {1, -2, 3, 0.5, 0.25, -1, 2, 1, 0};

    expect_error("relevance before any forward", lrp_relevance(model, r3, 3, NULL, 0, rx, 9), LRP_ERR_STATE, "no forward pass", NULL);
    int64_t flat[2] = {1, 9};
    expect_error("input rank does not fit first layer", lrp_forward(model, x, 2, flat, out, 3, &y_rank, y_shape), LRP_ERR_SHAPE,
                 "layer 0 (Convolution 2 2 1 2 1 1)", "got 1×9");
    int64_t three_channels[4] = {1, 3, 1, 3};
    expect_error("input channels do not fit", lrp_forward(model, x, 4, three_channels, out, 3, &y_rank, y_shape), LRP_ERR_SHAPE,
                 "input channels", "1×3×1×3");
    int64_t zero[4] = {0, 3, 3, 1};
    expect_error("zero dimension in input", lrp_forward(model, x, 4, zero, out, 3, &y_rank, y_shape), LRP_ERR_ARGUMENT, "smaller than 1", NULL);
    expect_error("rank 0", lrp_forward(model, x, 0, img, out, 3, &y_rank, y_shape), LRP_ERR_ARGUMENT, "rank", NULL);
    expect_error("rank above LRP_MAX_RANK", lrp_forward(model, x, 9, img, out, 3, &y_rank, y_shape), LRP_ERR_ARGUMENT, "rank", NULL);
    out[0] = 42;
    expect_error("output buffer too small", lrp_forward(model, x, 4, img, out, 2, &y_rank, y_shape), LRP_ERR_SHAPE, "holds 2 values, 3 are needed", NULL);
    CHECK(out[0] == 42, "y written on failure");
    expect_error("NULL model", lrp_forward(NULL, x, 4, img, out, 3, &y_rank, y_shape), LRP_ERR_ARGUMENT, "model is NULL", NULL);
    expect_error("NULL x", lrp_forward(model, NULL, 4, img, out, 3, &y_rank, y_shape), LRP_ERR_ARGUMENT, "x is NULL", NULL);
    expect_error("NULL shape", lrp_forward(model, x, 4, NULL, out, 3, &y_rank, y_shape), LRP_ERR_ARGUMENT, "shape is NULL", NULL);
    expect_error("NULL y", lrp_forward(model, x, 4, img, NULL, 3, &y_rank, y_shape), LRP_ERR_ARGUMENT, "y is NULL", NULL);
    expect_error("NULL y_rank", lrp_forward(model, x, 4, img, out, 3, NULL, y_shape), LRP_ERR_ARGUMENT, "y_rank is NULL", NULL);
    expect_error("NULL y_shape", lrp_forward(model, x, 4, img, out, 3, &y_rank, NULL), LRP_ERR_ARGUMENT, "y_shape is NULL", NULL);

    CHECK(lrp_forward(model, x, 4, img, out, 3, &y_rank, y_shape) == LRP_OK, "%s", lrp_last_error());
    CHECK(y_rank == 2 && y_shape[0] == 1 && y_shape[1] == 3, "output shape");
    CHECK(out[0] + out[1] + out[2] > 0.999999 && out[0] + out[1] + out[2] < 1.000001, "softmax sums to 1");

    /* The traces' values: the first layer kept x, the SoftMax kept the logits whose softmax is the output. */
    double kept[9], logits[3] = {42, 42, 42};
    CHECK(lrp_layer_trace(model, 0, 0, kept, 9) == LRP_OK && memcmp(kept, x, sizeof x) == 0, "trace of layer 0's input");
    CHECK(lrp_layer_trace(model, 5, 0, logits, 3) == LRP_OK, "%s", lrp_last_error());
    double m = fmax(logits[0], fmax(logits[1], logits[2])), total = 0;
    for (int k = 0; k < 3; k++) total += exp(logits[k] - m);
    for (int k = 0; k < 3; k++) CHECK(fabs(exp(logits[k] - m) / total - out[k]) < 1e-15, "softmax of the kept logits, class %d", k);
    float kept32[3];
    CHECK(lrp_layer_trace_f32(model, 5, 1, kept32, 3) == LRP_OK && fabsf(kept32[1] - (float)out[1]) < 1e-7f, "float trace");
    logits[0] = 42;
    expect_error("trace buffer too small", lrp_layer_trace(model, 5, 0, logits, 2), LRP_ERR_SHAPE, "holds 2 values, 3 are needed", NULL);
    CHECK(logits[0] == 42, "trace written on failure");
    expect_error("trace which out of range", lrp_layer_trace(model, 5, 2, logits, 3), LRP_ERR_ARGUMENT, "which must be 0", NULL);
    expect_error("trace layer out of range", lrp_layer_trace(model, 6, 0, logits, 3), LRP_ERR_ARGUMENT, "layer 6 out of range", NULL);
    expect_error("trace NULL out", lrp_layer_trace(model, 5, 0, NULL, 3), LRP_ERR_ARGUMENT, "out is NULL", NULL);

    rx[0] = 42;
    expect_error("relevance of the wrong size", lrp_relevance(model, r3, 2, NULL, 0, rx, 9), LRP_ERR_SHAPE, "r has 2 values", "1×3");
    expect_error("relevance buffer too small", lrp_relevance(model, r3, 3, NULL, 0, rx, 8), LRP_ERR_SHAPE, "holds 8 values, 9 are needed", NULL);
    expect_error("unknown rule name", lrp_relevance(model, r3, 3, "gradient-ish", 0, rx, 9), LRP_ERR_ARGUMENT, "unknown rule 'gradient-ish'", NULL);
    expect_error("bad rule parameter", lrp_relevance(model, r3, 3, "epsilon", -1, rx, 9), LRP_ERR_ARGUMENT, "ε ≥ 0", NULL);
    expect_error("NULL r", lrp_relevance(model, NULL, 3, NULL, 0, rx, 9), LRP_ERR_ARGUMENT, "r is NULL", NULL);
    expect_error("NULL rx", lrp_relevance(model, r3, 3, NULL, 0, NULL, 9), LRP_ERR_ARGUMENT, "rx is NULL", NULL);
    CHECK(rx[0] == 42, "rx written on failure");

    /* A failed forward keeps the previous pass: relevance still works for it. */
    lrp_forward(model, x, 2, flat, out, 3, &y_rank, y_shape);
    CHECK(lrp_relevance(model, r3, 3, "epsilon", 0.01, rx, 9) == LRP_OK, "relevance after a failed forward: %s", lrp_last_error());

    /* Rule presets and layer indices. */
    expect_error("layer index out of range", lrp_set_rule(model, 6, "ww", 0), LRP_ERR_ARGUMENT, "layer 6 out of range", "6 layers");
    expect_error("negative layer index", lrp_set_rule(model, -2, "ww", 0), LRP_ERR_ARGUMENT, "layer -2 out of range", NULL);
    expect_error("unknown preset rule", lrp_set_rule(model, 0, "lrp", 0), LRP_ERR_ARGUMENT, "unknown rule 'lrp'", NULL);
    expect_error("NULL preset rule", lrp_set_rule(model, 0, NULL, 0), LRP_ERR_ARGUMENT, "rule is NULL", NULL);
    CHECK(lrp_set_rule(model, -1, "alpha", 2) == LRP_OK, "%s", lrp_last_error());
    CHECK(lrp_set_rule(model, 0, "W^2", 0) == LRP_OK, "%s", lrp_last_error());
    char name[32];
    double param = -1;
    CHECK(lrp_get_rule(model, 0, name, sizeof name, &param) == LRP_OK && strcmp(name, "ww") == 0, "preset 0: %s", name);
    CHECK(lrp_get_rule(model, 4, name, sizeof name, &param) == LRP_OK && strcmp(name, "alphabeta") == 0 && param == 2, "preset 4");
    expect_error("rule name buffer too small", lrp_get_rule(model, 4, name, 4, &param), LRP_ERR_SHAPE, "needs 10 bytes", NULL);
    expect_error("get_rule index out of range", lrp_get_rule(model, 99, name, sizeof name, &param), LRP_ERR_ARGUMENT, "layer 99", NULL);
    char description[64];
    CHECK(lrp_model_layer_describe(model, 0, description, sizeof description) == LRP_OK &&
          strcmp(description, "Convolution 2 2 1 2 1 1") == 0, "describe: %s", description);
    expect_error("describe index out of range", lrp_model_layer_describe(model, -1, description, 64), LRP_ERR_ARGUMENT, "layer -1", NULL);
    expect_error("describe buffer too small", lrp_model_layer_describe(model, 0, description, 5), LRP_ERR_SHAPE, "needs 24 bytes", NULL);
    int32_t out_rank;
    int64_t out_shape[LRP_MAX_RANK];
    CHECK(lrp_model_output_shape(model, 4, img, &out_rank, out_shape) == LRP_OK && out_rank == 2 && out_shape[1] == 3, "output shape");
    int64_t small[4] = {1, 1, 3, 1};
    expect_error("output shape of an input too small", lrp_model_output_shape(model, 4, small, &out_rank, out_shape), LRP_ERR_SHAPE,
                 "window 2×2 does not fit", NULL);

    /* Writing: an unwritable place and an unknown format. */
    char unwritable[4200];
    snprintf(unwritable, sizeof unwritable, "%s/no/such/folder/m.txt", dir);
    expect_error("unwritable model path", lrp_model_write(model, unwritable, NULL), LRP_ERR_IO, "cannot write", NULL);
    expect_error("NULL model to write", lrp_model_write(NULL, unwritable, NULL), LRP_ERR_ARGUMENT, "model is NULL", NULL);

    /* Arrays. */
    lrp_array *array = (lrp_array *)0x1;
    expect_error("array: missing file", lrp_array_read(missing, "npy", NULL, &array), LRP_ERR_IO, "No such file", NULL);
    expect_error("array: not an npy file", lrp_array_read(write_file("bad.npy", "hello"), NULL, NULL, &array), LRP_ERR_FORMAT, "not an npy file", NULL);
    expect_error("array: unknown format", lrp_array_read(missing, "hdf5", NULL, &array), LRP_ERR_ARGUMENT, "unknown array format", NULL);
    CHECK(array == (lrp_array *)0x1, "array out pointer changed on failure");
    char npz[4200];
    snprintf(npz, sizeof npz, "%s/a.npz", dir);
    int64_t ashape[2] = {3, 3};
    CHECK(lrp_array_write(npz, NULL, x, 2, ashape) == LRP_OK, "%s", lrp_last_error());
    expect_error("array: missing key", lrp_array_read(npz, NULL, "X", &array), LRP_ERR_ARGUMENT, "no array 'X'", "arr_0");
    CHECK(lrp_array_read(npz, NULL, NULL, &array) == LRP_OK, "%s", lrp_last_error());
    CHECK(lrp_array_rank(array) == 2 && lrp_array_shape(array)[0] == 3 && lrp_array_count(array) == 9, "array shape");
    CHECK(memcmp(lrp_array_data(array), x, sizeof x) == 0, "array values");
    lrp_array_free(array);
    expect_error("array: NULL data", lrp_array_write(npz, NULL, NULL, 2, ashape), LRP_ERR_ARGUMENT, "data is NULL", NULL);
    int64_t four[4] = {1, 3, 3, 1};
    char txt[4200];
    snprintf(txt, sizeof txt, "%s/a.txt", dir);
    expect_error("array: txt of rank 4", lrp_array_write(txt, NULL, x, 4, four), LRP_ERR_UNSUPPORTED, "at most 2 dimensions", NULL);

    /* Caffe layer numbering: the Split Caffe inserts for a blob two layers read, the shape input_dim declares */
    {
        const char *proto = write_file("net.prototxt",
            "input: \"data\"\ninput_dim: 2 input_dim: 1 input_dim: 3 input_dim: 3\n"
            "layer { name: \"fc\" type: \"InnerProduct\" bottom: \"data\" top: \"fc\" inner_product_param { num_output: 2 } }\n"
            "layer { name: \"a\" type: \"ReLU\" bottom: \"fc\" top: \"a\" }\n"
            "layer { name: \"b\" type: \"Sigmoid\" bottom: \"fc\" top: \"b\" }\n");
        int32_t rank = 0;
        int64_t dims[LRP_MAX_RANK] = {0};
        CHECK(lrp_caffe_input_shape(proto, &rank, dims) == LRP_OK && rank == 4 && dims[0] == 2 && dims[3] == 3,
              "input_dim shape: rank %d, %s", (int)rank, lrp_last_error());
        int64_t needed = 0;
        CHECK(lrp_caffe_layers(proto, model, NULL, 0, &needed) == LRP_OK && needed > 1, "layer list size: %s", lrp_last_error());
        char list[256] = "", small[4] = "abc";
        CHECK(needed <= (int64_t)sizeof list && lrp_caffe_layers(proto, model, list, sizeof list, &needed) == LRP_OK,
              "layer list: %s", lrp_last_error());
        CHECK(strcmp(list, "fc\tInnerProduct\t-2\nfc_fc_0_split\tSplit\t-2\na\tReLU\t-2\nb\tSigmoid\t-2") == 0,
              "layers of a model not read from it are -2: %s", list);
        expect_error("caffe layers: buffer too small", lrp_caffe_layers(proto, model, small, sizeof small, &needed),
                     LRP_ERR_SHAPE, "layer list", NULL);
        CHECK(strcmp(small, "abc") == 0, "buffer changed on failure");
        expect_error("caffe layers: NULL model", lrp_caffe_layers(proto, NULL, NULL, 0, &needed), LRP_ERR_ARGUMENT, "model is NULL", NULL);
        expect_error("caffe layers: bottom nobody writes",
                     lrp_caffe_layers(write_file("orphan.prototxt", "layer { name: \"r\" type: \"ReLU\" bottom: \"x\" top: \"r\" }\n"),
                                      model, NULL, 0, &needed), LRP_ERR_FORMAT, "'x'", NULL);
        rank = 7;
        expect_error("caffe input shape: none declared",
                     lrp_caffe_input_shape(write_file("noinput.prototxt", "name: \"n\"\n"), &rank, dims), LRP_ERR_FORMAT, "no input shape", NULL);
        CHECK(rank == 7, "rank changed on failure");
        double mean[2 * 3];
        int64_t mean_shape[4] = {1, 2, 1, 3};
        for (int i = 0; i < 6; i++) mean[i] = i / 4.0;
        char npy[4200];
        snprintf(npy, sizeof npy, "%s/mean.npy", dir);
        CHECK(lrp_array_write(npy, NULL, mean, 4, mean_shape) == LRP_OK, "%s", lrp_last_error());
        expect_error("binaryproto: not a blob", lrp_array_read(npy, "binaryproto", NULL, &array), LRP_ERR_FORMAT, "mean.npy", NULL);
        expect_error("binaryproto: writing", lrp_array_write(npy, "binaryproto", mean, 4, mean_shape), LRP_ERR_UNSUPPORTED, "binaryproto", NULL);
    }

    /* rendering for a person to read: relevance centred on zero, an all-zero map labelled, overlay, colour bar */
    {
        double r[4] = {-2, 0, 1, 2}, rgb[4 * 3], scale = -1, zero[16] = {0};
        CHECK(lrp_render_relevance(r, 2, 2, 1, NULL, rgb, 12, &scale) == LRP_OK, "relevance: %s", lrp_last_error());
        CHECK(scale == 2 && rgb[2] == 1 && rgb[0] == 0 && rgb[9] == 1 && rgb[11] == 0, "bwr: -2 blue, 2 red, scale %g", scale);
        CHECK(rgb[3] > 0.99 && rgb[4] > 0.99 && rgb[5] > 0.99, "bwr: 0 white");
        double *big = malloc(16 * 16 * 9 * 3 * sizeof *big);
        CHECK(big && lrp_render_relevance(zero, 4, 4, 12, "bwr", big, 16 * 16 * 9 * 3, &scale) == LRP_OK && scale == 0,
              "all-zero map: %s", lrp_last_error());
        int ink = 0;
        for (int i = 0; big && i < 48 * 48; i++) ink += big[3 * i] == 0 && big[3 * i + 1] == 0 && big[3 * i + 2] == 0;
        CHECK(ink > 50, "an all-zero map carries its label (%d black pixels)", ink);
        free(big);
        expect_error("relevance: toolbox custom map", lrp_render_relevance(r, 2, 2, 1, "gray-red", rgb, 12, NULL),
                     LRP_ERR_ARGUMENT, "not one for relevance", NULL);
        double blend[12];
        CHECK(lrp_render_overlay(rgb, rgb, 2, 2, 0.25, blend, 12) == LRP_OK && memcmp(blend, rgb, sizeof blend) == 0,
              "overlay of an image on itself: %s", lrp_last_error());
        expect_error("overlay: opacity", lrp_render_overlay(rgb, rgb, 2, 2, 2, blend, 12), LRP_ERR_ARGUMENT, "opacity", NULL);
        int64_t h = 0, w = 0;
        CHECK(lrp_render_colorbar("coldnhot", -1, 3, 120, 1, NULL, 0, &h, &w) == LRP_OK && h == 13 && w == 120,
              "colour bar size %lldx%lld: %s", (long long)h, (long long)w, lrp_last_error());
        expect_error("colour bar: too short", lrp_render_colorbar(NULL, -1234, 5678, 30, 2, NULL, 0, &h, &w),
                     LRP_ERR_ARGUMENT, "pixels wide", NULL);
        double grey[2] = {-1, 1}, shown[6];
        CHECK(lrp_render_image(grey, 1, 2, 1, -1, 1, 1, shown, 6) == LRP_OK && shown[0] == 0 && shown[5] == 1, "grey image");
        expect_error("image: 2 channels", lrp_render_image(grey, 1, 1, 2, 0, 1, 1, shown, 6), LRP_ERR_ARGUMENT, "1 or 3 channels", NULL);
    }

    lrp_model_free(model);
    printf("\n%d checks, %d failures\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
