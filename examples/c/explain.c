/*
 * explain — explain a classifier's decisions with LRP from the command line.
 *
 *   explain MODEL INPUT [--rule NAME[:PARAM]] [--class K] [--key KEY] [--shape D1xD2x...] [--out FILE]
 *
 * Reads a model (the LRP Toolbox's text format) and an input batch (.npy, .npz, .mat or .txt), runs the
 * forward pass, propagates relevance for each sample's top class (or class K) back to the input, prints a
 * summary and writes the input relevance to FILE (default relevance.npy).
 *
 * Built with -std=c99 -Wall -Wextra -Werror against include/lrp.h alone.
 */
#include <lrp.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what) {
    fprintf(stderr, "explain: %s: %s\n", what, lrp_last_error());
    return 1;
}

static void usage(void) {
    fprintf(stderr,
            "usage: explain MODEL INPUT [--rule NAME[:PARAM]] [--class K] [--key KEY] [--shape D1xD2x...] [--out FILE]\n"
            "  --rule   rule for every layer: simple, epsilon:EPS, alphabeta:ALPHA, ww, flat (default: simple)\n"
            "  --class  explain class K for every sample (default: each sample's top class)\n"
            "  --key    the array inside an .npz or .mat input\n"
            "  --shape  reshape the input batch, e.g. 4x28x28x1\n"
            "  --out    where to write the input relevance (default: relevance.npy)\n");
}

/* Parses "4x28x28x1" into dims; returns the rank or -1. */
static int parse_shape(const char *text, int64_t *dims) {
    int rank = 0;
    const char *p = text;
    while (*p != '\0') {
        char *end = NULL;
        long long d = strtoll(p, &end, 10);
        if (end == p || d < 1 || rank == LRP_MAX_RANK) return -1;
        dims[rank++] = (int64_t)d;
        if (*end == 'x') end++;
        else if (*end != '\0') return -1;
        p = end;
    }
    return rank;
}

int main(int argc, char **argv) {
    const char *model_path = NULL, *input_path = NULL, *key = NULL, *out_path = "relevance.npy";
    char rule[64] = "simple";
    double param = 0;
    long target = -1;
    int64_t shape[LRP_MAX_RANK];
    int rank = -1;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(arg, "--rule") == 0 && value) {
            const char *colon = strchr(value, ':');
            size_t length = colon ? (size_t)(colon - value) : strlen(value);
            if (length >= sizeof rule) { usage(); return 2; }
            memcpy(rule, value, length);
            rule[length] = '\0';
            param = colon ? strtod(colon + 1, NULL) : 0;
            i++;
        } else if (strcmp(arg, "--class") == 0 && value) {
            target = strtol(value, NULL, 10);
            i++;
        } else if (strcmp(arg, "--key") == 0 && value) {
            key = value;
            i++;
        } else if (strcmp(arg, "--shape") == 0 && value) {
            rank = parse_shape(value, shape);
            if (rank < 1) { usage(); return 2; }
            i++;
        } else if (strcmp(arg, "--out") == 0 && value) {
            out_path = value;
            i++;
        } else if (arg[0] == '-') {
            usage();
            return 2;
        } else if (!model_path) {
            model_path = arg;
        } else if (!input_path) {
            input_path = arg;
        } else {
            usage();
            return 2;
        }
    }
    if (!model_path || !input_path) { usage(); return 2; }

    lrp_model *model = NULL;
    if (lrp_model_read(model_path, NULL, &model) != LRP_OK) return fail("reading the model");
    printf("liblrp %s — model %s (%d layers)\n", lrp_version(), model_path, lrp_model_layer_count(model));
    for (int32_t i = 0; i < lrp_model_layer_count(model); i++) {
        char description[128];
        if (lrp_model_layer_describe(model, i, description, sizeof description) == LRP_OK)
            printf("  %2d  %s\n", i, description);
    }

    lrp_array *input = NULL;
    if (lrp_array_read(input_path, NULL, key, &input) != LRP_OK) return fail("reading the input");
    if (rank < 0) {
        rank = lrp_array_rank(input);
        if (rank == 1) { shape[0] = 1; shape[1] = lrp_array_shape(input)[0]; rank = 2; }  /* one sample */
        else memcpy(shape, lrp_array_shape(input), (size_t)rank * sizeof shape[0]);
    }

    int32_t out_rank = 0;
    int64_t out_shape[LRP_MAX_RANK];
    if (lrp_model_output_shape(model, rank, shape, &out_rank, out_shape) != LRP_OK) return fail("checking the input shape");
    int64_t out_count = 1, in_count = lrp_array_count(input);
    for (int32_t i = 0; i < out_rank; i++) out_count *= out_shape[i];
    int64_t batch = shape[0], classes = out_count / batch;

    double *y = malloc((size_t)out_count * sizeof *y);
    double *r = calloc((size_t)out_count, sizeof *r);
    double *rx = malloc((size_t)in_count * sizeof *rx);
    if (!y || !r || !rx) { fprintf(stderr, "explain: out of memory\n"); return 1; }

    if (lrp_forward(model, lrp_array_data(input), rank, shape, y, out_count, &out_rank, out_shape) != LRP_OK)
        return fail("forward pass");
    if (target >= classes) { fprintf(stderr, "explain: --class %ld, but the model has %lld classes\n", target, (long long)classes); return 2; }

    /* Initial relevance: the output masked to the explained class, R = Y · onehot(class). */
    for (int64_t n = 0; n < batch; n++) {
        int64_t best = 0;
        for (int64_t c = 1; c < classes; c++) if (y[n * classes + c] > y[n * classes + best]) best = c;
        int64_t k = target >= 0 ? target : best;
        r[n * classes + k] = y[n * classes + k];
    }
    if (lrp_relevance(model, r, out_count, rule, param, rx, in_count) != LRP_OK) return fail("relevance");

    printf("input %s: ", input_path);
    for (int i = 0; i < rank; i++) printf(i ? "x%lld" : "%lld", (long long)shape[i]);
    printf(", rule %s", rule);
    if (strcmp(rule, "epsilon") == 0 || strcmp(rule, "alphabeta") == 0) printf(" (%g)", param);
    int64_t per_sample = in_count / batch;
    const double *input_values = lrp_array_data(input);
    printf("\n\n  sample  predicted  score       relevance sum  %s\n",
           per_sample <= 8 ? "input values -> their relevance" : "most relevant input (index: relevance)");
    for (int64_t n = 0; n < batch && n < 20; n++) {
        int64_t best = 0, top = 0;
        double total = 0, explained = 0;
        for (int64_t c = 0; c < classes; c++) {
            if (y[n * classes + c] > y[n * classes + best]) best = c;
            explained += r[n * classes + c];
        }
        for (int64_t i = 0; i < per_sample; i++) {
            double v = rx[n * per_sample + i];
            total += v;
            if (fabs(v) > fabs(rx[n * per_sample + top])) top = i;
        }
        printf("  %6lld  %9lld  %-10.4g  %-13.4g  ", (long long)n, (long long)best, y[n * classes + best], total);
        if (per_sample <= 8) {
            for (int64_t i = 0; i < per_sample; i++) printf("%s%g", i ? ", " : "(", input_values[n * per_sample + i]);
            printf(") -> ");
            for (int64_t i = 0; i < per_sample; i++) printf("%s%.4f", i ? ", " : "(", rx[n * per_sample + i]);
            printf(")");
        } else {
            printf("%lld: %.4g", (long long)top, rx[n * per_sample + top]);
        }
        printf("   (explained %.4g)\n", explained);
    }
    if (batch > 20) printf("  … %lld more samples\n", (long long)(batch - 20));

    if (lrp_array_write(out_path, NULL, rx, rank, shape) != LRP_OK) return fail("writing the relevance");
    printf("\nwrote the input relevance (%lld values) to %s\n", (long long)in_count, out_path);

    free(y);
    free(r);
    free(rx);
    lrp_array_free(input);
    lrp_model_free(model);
    return 0;
}
