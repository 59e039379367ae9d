/*
 * bench — forward and relevance timings of liblrp on the toolbox's LeNet-5 and MLP at batch 256 on MNIST,
 * with GFLOP/s of the matrix products and the heap memory each phase needs.
 *
 *   bench SHARED_DIR [BATCH] [REPETITIONS]
 *
 * Timings are medians over repeated calls in steady state. Memory is measured in a second run of this
 * program (`--memory`, started automatically) with liblrp's block cache off (LRP_CACHE_MB=0) and malloc &
 * co. interposed here, so every allocation of liblrp, the Swift runtime and OpenBLAS is counted: "forward
 * keeps" is the live-heap growth of lrp_forward (the stored activations), "relevance peak" the highest
 * live-heap growth during lrp_relevance. Accounting is off while timing (it costs ~20 ms per pass).
 */
#define _GNU_SOURCE
#include <lrp.h>

#include <malloc.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- heap accounting ---------------------------------------------------------------------------- */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static long long live_bytes = 0, peak_bytes = 0;
static int accounting = 0;

static void account(long long delta) {
    if (!accounting) return;
    long long now = __atomic_add_fetch(&live_bytes, delta, __ATOMIC_RELAXED);
    long long peak = __atomic_load_n(&peak_bytes, __ATOMIC_RELAXED);
    while (now > peak && !__atomic_compare_exchange_n(&peak_bytes, &peak, now, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {}
}
void *malloc(size_t n) { void *p = __libc_malloc(n); if (p && accounting) account((long long)malloc_usable_size(p)); return p; }
void *calloc(size_t a, size_t b) { void *p = __libc_calloc(a, b); if (p && accounting) account((long long)malloc_usable_size(p)); return p; }
void free(void *p) { if (p) { if (accounting) account(-(long long)malloc_usable_size(p)); __libc_free(p); } }
void *realloc(void *p, size_t n) {
    if (!accounting) return __libc_realloc(p, n);
    long long before = p ? (long long)malloc_usable_size(p) : 0;
    void *q = __libc_realloc(p, n);
    if (q) account((long long)malloc_usable_size(q) - before);
    else if (n == 0) account(-before);
    return q;
}
void *memalign(size_t a, size_t n) { void *p = __libc_memalign(a, n); if (p && accounting) account((long long)malloc_usable_size(p)); return p; }
void *aligned_alloc(size_t a, size_t n) { return memalign(a, n); }
int posix_memalign(void **out, size_t a, size_t n) { void *p = memalign(a, n); if (!p) return 12; *out = p; return 0; }

/* ---- helpers ---------------------------------------------------------------------------------------- */
static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void check(lrp_status s, const char *what) {
    if (s != LRP_OK) { fprintf(stderr, "bench: %s: %s\n", what, lrp_last_error()); exit(1); }
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n) { qsort(v, (size_t)n, sizeof *v, compare); return v[n / 2]; }

/* Multiply-adds ×2 of the Linear and Convolution layers for input `shape`, following the layer headers. */
static double model_flops(lrp_model *m, const int64_t *input, int rank) {
    int64_t s[LRP_MAX_RANK];
    memcpy(s, input, (size_t)rank * sizeof *s);
    double flops = 0;
    for (int32_t i = 0; i < lrp_model_layer_count(m); i++) {
        char d[128];
        check(lrp_model_layer_describe(m, i, d, sizeof d), "describe");
        long a, b, c, e, f, g;
        if (sscanf(d, "Linear %ld %ld", &a, &b) == 2) {
            flops += 2.0 * (double)s[0] * (double)a * (double)b;
            s[1] = b;
        } else if (sscanf(d, "Convolution %ld %ld %ld %ld %ld %ld", &a, &b, &c, &e, &f, &g) == 6) {
            s[1] = (s[1] - a) / f + 1;
            s[2] = (s[2] - b) / g + 1;
            s[3] = e;
            flops += 2.0 * (double)(s[0] * s[1] * s[2]) * (double)(a * b * c * e);
        } else if (sscanf(d, "SumPool %ld %ld %ld %ld", &a, &b, &c, &e) == 4 || sscanf(d, "MaxPool %ld %ld %ld %ld", &a, &b, &c, &e) == 4) {
            s[1] = (s[1] - a) / c + 1;
            s[2] = (s[2] - b) / e + 1;
        }
    }
    return flops;
}

/* One relevance to time: a rule (with param) for every layer, or a composite (rule NULL, the presets). Targets:
 * forward+LRP within target_ms, LRP within max_ratio × forward, and for a composite no slower than the slowest
 * of the rules it assigns (indices `of`, -1 ends the list). */
typedef struct {
    const char *rule;
    double param;
    const char *label;
    double target_ms;
    double max_ratio;
    const char *composite;
    const char *composite_params;
    int of[4];
} rule_case;

static int memory_mode = 0;

/* K targets from one forward pass against K separate relevance calls, and relevance at four layers with sums
 * against the plain pass (LeNet-5; y holds the last forward's output). */
static void more_results(lrp_model *m, const double *y, int64_t ycount, double *rx, int64_t xcount, double forward, int reps,
                         double *times) {
    enum { K = 10 };
    int64_t batch = xcount / 1024, classes = ycount / batch;
    double *targets = calloc((size_t)(K * ycount), sizeof *targets), *many = malloc((size_t)(K * xcount) * sizeof *many);
    for (int k = 0; k < K; k++)
        for (int64_t n = 0; n < batch; n++) targets[k * ycount + n * classes + k % classes] = y[n * classes + k % classes];
    for (int i = 0; i < reps; i++) {
        double t0 = now();
        check(lrp_relevance_targets(m, targets, K, ycount, "epsilon", 1, many, K * xcount), "targets");
        times[i] = now() - t0;
    }
    double together = median(times, reps);
    for (int i = 0; i < reps; i++) {
        double t0 = now();
        for (int k = 0; k < K; k++) check(lrp_relevance(m, targets + k * ycount, ycount, "epsilon", 1, rx, xcount), "relevance");
        times[i] = now() - t0;
    }
    double apart = median(times, reps);
    printf("  %-26s %8.2f ms   %.2f ms per target = %.2f× forward   (10 separate calls %.2f ms; 10 forward+LRP %.2f ms)\n",
           "10 targets, LRP-epsilon", together * 1e3, together / K * 1e3, together / K / forward, apart * 1e3,
           (apart + K * forward) * 1e3);
    const int32_t layers[4] = {-1, 3, 6, 9};
    int64_t capacities[4] = {xcount, batch * 14 * 14 * 10, batch * 5 * 5 * 25, batch * 100};
    double *outs[4] = {rx, malloc((size_t)capacities[1] * sizeof(double)), malloc((size_t)capacities[2] * sizeof(double)),
                       malloc((size_t)capacities[3] * sizeof(double))};
    int64_t nsums = (lrp_model_layer_count(m) + 1) * batch;
    double *sums = malloc((size_t)nsums * sizeof *sums);
    for (int i = 0; i < reps; i++) {
        double t0 = now();
        check(lrp_relevance_at(m, targets, ycount, "epsilon", 1, -1, layers, 4, outs, capacities, sums, nsums), "relevance_at");
        times[i] = now() - t0;
    }
    printf("  %-26s %8.2f ms   %4.2f× forward\n", "LRP-eps at 4 layers + sums", median(times, reps) * 1e3, median(times, reps) / forward);
    for (int k = 1; k < 4; k++) free(outs[k]);
    free(sums);
    free(targets);
    free(many);
}

/* Times (or, in memory mode, measures the heap of) forward and each rule's relevance on one model. */
static void run(const char *name, const char *path, double *x, int rank, const int64_t *shape, int reps,
                const rule_case *rules, int nrules, int extras) {
    lrp_model *m = NULL;
    check(lrp_model_read(path, NULL, &m), path);
    int32_t yr;
    int64_t ys[LRP_MAX_RANK];
    check(lrp_model_output_shape(m, rank, shape, &yr, ys), "output shape");
    int64_t ycount = 1, xcount = 1;
    for (int i = 0; i < yr; i++) ycount *= ys[i];
    for (int i = 0; i < rank; i++) xcount *= shape[i];
    double *y = malloc((size_t)ycount * sizeof *y), *r = calloc((size_t)ycount, sizeof *r), *rx = malloc((size_t)xcount * sizeof *rx);
    double *times = malloc((size_t)reps * sizeof *times);
    double flops = model_flops(m, shape, rank);

    printf("\n%s, batch %lld, input ", name, (long long)shape[0]);
    for (int i = 0; i < rank; i++) printf(i ? "x%lld" : "%lld", (long long)shape[i]);
    printf(" — %.3f GFLOP per forward pass\n", flops * 1e-9);

    if (memory_mode) {
        accounting = 1;
        long long before = live_bytes;
        check(lrp_forward(m, x, rank, shape, y, ycount, &yr, ys), "forward");
        double stored = (double)(live_bytes - before);
        printf("  %-22s %9.1f MB\n", "forward keeps", stored / 1e6);
        for (int j = 0; j < nrules; j++) {
            if (rules[j].composite) check(lrp_set_composite(m, rules[j].composite, rules[j].composite_params), "composite");
            long long base = live_bytes;
            peak_bytes = live_bytes;
            check(lrp_relevance(m, y, ycount, rules[j].rule, rules[j].param, rx, xcount), "relevance");
            double peak = (double)(peak_bytes - base);
            printf("  %-22s relevance peak %7.1f MB = %.2f× forward keeps%s\n", rules[j].label, peak / 1e6, peak / stored,
                   peak / stored <= 3 ? "" : "  (above 3×)");
        }
        if (extras) {
            /* 10 targets from one forward pass: the library's own peak beside the caller's 10 result arrays. */
            enum { K = 10 };
            int64_t classes = ycount / shape[0];
            double *targets = calloc((size_t)(K * ycount), sizeof *targets), *many = malloc((size_t)(K * xcount) * sizeof *many);
            for (int k = 0; k < K; k++)
                for (int64_t n = 0; n < shape[0]; n++) targets[k * ycount + n * classes + k] = y[n * classes + k];
            long long base = live_bytes;
            peak_bytes = live_bytes;
            check(lrp_relevance_targets(m, targets, K, ycount, "epsilon", 1, many, K * xcount), "targets");
            double peak = (double)(peak_bytes - base);
            printf("  %-22s relevance peak %7.1f MB = %.2f× forward keeps (results: caller's %.1f MB)\n", "10 targets, epsilon",
                   peak / 1e6, peak / stored, (double)(K * xcount) * 8e-6);
            free(targets);
            free(many);
        }
        accounting = 0;
    } else {
        /* Warm-up (OpenBLAS threads, first-touch page faults, liblrp's block cache). */
        check(lrp_forward(m, x, rank, shape, y, ycount, &yr, ys), "forward");
        check(lrp_relevance(m, y, ycount, "epsilon", 1, rx, xcount), "relevance");
        for (int k = 0; k < reps; k++) {
            double t0 = now();
            check(lrp_forward(m, x, rank, shape, y, ycount, &yr, ys), "forward");
            times[k] = now() - t0;
        }
        double forward = median(times, reps);
        printf("  %-22s %9.2f ms   %6.1f GFLOP/s\n", "forward", forward * 1e3, flops / forward * 1e-9);
        /* R = Y masked to each sample's top class. */
        int64_t classes = ycount / shape[0];
        for (int64_t n = 0; n < shape[0]; n++) {
            int64_t best = 0;
            for (int64_t c = 1; c < classes; c++) if (y[n * classes + c] > y[n * classes + best]) best = c;
            r[n * classes + best] = y[n * classes + best];
        }
        double *lrp_times = malloc((size_t)nrules * sizeof *lrp_times);
        for (int j = 0; j < nrules; j++) {
            if (rules[j].composite) check(lrp_set_composite(m, rules[j].composite, rules[j].composite_params), "composite");
            for (int k = 0; k < reps; k++) {
                double t0 = now();
                check(lrp_relevance(m, r, ycount, rules[j].rule, rules[j].param, rx, xcount), "relevance");
                times[k] = now() - t0;
            }
            double lrp = median(times, reps), total = (forward + lrp) * 1e3;
            lrp_times[j] = lrp;
            char verdict[160] = "";
            if (rules[j].target_ms > 0)
                snprintf(verdict, sizeof verdict, "  (forward+LRP <= %.0f ms: %s)", rules[j].target_ms, total <= rules[j].target_ms ? "met" : "MISSED");
            if (rules[j].max_ratio > 0)
                snprintf(verdict + strlen(verdict), sizeof verdict - strlen(verdict), "  (<= %.1f× forward: %s)", rules[j].max_ratio,
                         lrp <= rules[j].max_ratio * forward ? "met" : "MISSED");
            if (rules[j].composite) {
                double slowest = 0;
                for (int q = 0; q < 4 && rules[j].of[q] >= 0; q++)
                    if (lrp_times[rules[j].of[q]] > slowest) slowest = lrp_times[rules[j].of[q]];
                /* Medians of runs minutes apart differ by a few per cent on this machine: 5 % is noise, not cost. */
                snprintf(verdict + strlen(verdict), sizeof verdict - strlen(verdict), "  (slowest of its rules %.2f ms: %s)",
                         slowest * 1e3, lrp <= slowest * 1.05 ? "met" : "MISSED");
            }
            printf("  %-26s %8.2f ms   %4.2f× forward   forward+LRP %7.2f ms%s\n", rules[j].label, lrp * 1e3, lrp / forward, total, verdict);
        }
        free(lrp_times);
        if (extras) more_results(m, y, ycount, rx, xcount, forward, reps, times);
    }
    lrp_model_free(m);
    free(y);
    free(r);
    free(rx);
    free(times);
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[argc - 1], "--memory") == 0) { memory_mode = 1; argc--; }
    const char *shared = argc > 1 ? argv[1] : "../shared";
    int batch = argc > 2 ? atoi(argv[2]) : 256;
    int reps = argc > 3 ? atoi(argv[3]) : 15;
    char path[4096];
    snprintf(path, sizeof path, "%s/data/mnist/test_images.mat", shared);
    lrp_array *images = NULL;
    check(lrp_array_read(path, NULL, NULL, &images), path);
    if (lrp_array_shape(images)[0] < batch) { fprintf(stderr, "bench: too few images\n"); return 1; }
    const double *pixels = lrp_array_data(images);
    if (memory_mode) printf("\nheap memory (second run, LRP_CACHE_MB=0, malloc interposed):\n");
    else printf("liblrp %s benchmark: MNIST test images 0–%d, median of %d runs, %ld cores\n", lrp_version(), batch - 1, reps,
                sysconf(_SC_NPROCESSORS_ONLN));

    /* LeNet-5: x/127.5 − 1, 28×28 padded to 32×32 with −1. */
    double *lenet = malloc((size_t)batch * 1024 * sizeof *lenet);
    for (int n = 0; n < batch; n++)
        for (int i = 0; i < 32; i++)
            for (int j = 0; j < 32; j++) {
                int inside = i >= 2 && i < 30 && j >= 2 && j < 30;
                lenet[n * 1024 + i * 32 + j] = inside ? pixels[n * 784 + (i - 2) * 28 + (j - 2)] / 127.5 - 1 : -1;
            }
    int64_t lenet_shape[4] = {batch, 32, 32, 1};
    rule_case lenet_rules[] = {
        /* 0 */ {"epsilon", 1, "LRP-epsilon (1)", 50, 1.5, NULL, NULL, {-1}},
        /* 1 */ {"alphabeta", 1, "LRP-alpha1-beta0", 100, 0, NULL, NULL, {-1}},
        /* 2 */ {"alphabeta", 2, "LRP-alpha2-beta1", 0, 4, NULL, NULL, {-1}},
        /* 3 */ {"simple", 0, "LRP-0 (simple)", 0, 0, NULL, NULL, {-1}},
        /* 4 */ {"alphabeta:alpha=2,beta=1", 0, "zennit alpha2-beta1", 0, 4, NULL, NULL, {-1}},
        /* 5 */ {"gamma:0.25", 0, "gamma (0.25)", 0, 4, NULL, NULL, {-1}},
        /* 6 */ {"zplus", 0, "z+", 0, 0, NULL, NULL, {-1}},
        /* 7 */ {"zb:low=-1,high=1", 0, "zB (-1, 1)", 0, 0, NULL, NULL, {-1}},
        /* 8 */ {"epsilon:1e-6", 0, "epsilon (1e-6)", 0, 0, NULL, NULL, {-1}},
        /* 9 */ {"flat:epsilon=1e-6", 0, "flat (zennit)", 0, 0, NULL, NULL, {-1}},
        /* 10 */ {"gradient", 0, "gradient", 0, 0, NULL, NULL, {-1}},
        /* 11 */ {"guided_backprop", 0, "guided backprop", 0, 0, NULL, NULL, {-1}},
        {NULL, 0, "epsilon_plus", 0, 0, "epsilon_plus", NULL, {6, 8, -1}},
        {NULL, 0, "epsilon_plus_flat", 0, 0, "epsilon_plus_flat", NULL, {6, 8, 9, -1}},
        {NULL, 0, "epsilon_alpha2_beta1", 0, 0, "epsilon_alpha2_beta1", NULL, {4, 8, -1}},
        {NULL, 0, "epsilon_gamma_box", 0, 0, "epsilon_gamma_box", "low=-1,high=1", {5, 7, 8, -1}},
    };
    snprintf(path, sizeof path, "%s/models/LeNet-5.txt", shared);
    run("LeNet-5", path, lenet, 4, lenet_shape, reps, lenet_rules, (int)(sizeof lenet_rules / sizeof lenet_rules[0]), 1);

    double *mlp = malloc((size_t)batch * 784 * sizeof *mlp);
    for (int i = 0; i < batch * 784; i++) mlp[i] = pixels[i] / 127.5 - 1;
    int64_t mlp_shape[2] = {batch, 784};
    rule_case mlp_rules[] = {{"epsilon", 0.01, "LRP-epsilon (0.01)", 8, 0, NULL, NULL, {-1}},
                             {"alphabeta", 1, "LRP-alpha1-beta0", 0, 0, NULL, NULL, {-1}},
                             {"alphabeta", 2, "LRP-alpha2-beta1", 0, 0, NULL, NULL, {-1}},
                             {"gamma:0.25", 0, "gamma (0.25)", 0, 0, NULL, NULL, {-1}}};
    snprintf(path, sizeof path, "%s/models/mlp-rect.txt", shared);
    run("MLP 784-300-100-10", path, mlp, 2, mlp_shape, reps, mlp_rules, 4, 0);
    free(lenet);
    free(mlp);
    lrp_array_free(images);
    if (memory_mode) return 0;

    /* The memory run: this program again, with the block cache off. */
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        char b[16], rp[16];
        snprintf(b, sizeof b, "%d", batch);
        snprintf(rp, sizeof rp, "%d", reps);
        setenv("LRP_CACHE_MB", "0", 1);
        execl("/proc/self/exe", argv[0], shared, b, rp, "--memory", (char *)NULL);
        _exit(127);
    }
    int status = 0;
    waitpid(child, &status, 0);
    printf("\ntargets (issue 2): LeNet-5 forward+LRP-epsilon <= 50 ms, forward+LRP-alpha1 <= 100 ms; MLP forward+LRP-epsilon <= 8 ms;\n"
           "LRP-epsilon alone <= 1.5x forward; relevance peak <= 3x forward keeps.\n"
           "targets (issue 6): gamma and alphabeta <= 4x forward on LeNet-5; a composite no slower than its slowest rule.\n"
           "for scale: reference toolbox ~2.8 s (LeNet-5) and ~0.4 s (MLP), zennit float64 CPU ~280 ms and ~13 ms (forward+LRP-epsilon).\n");
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
