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

typedef struct { const char *rule; double param; const char *label; double target_ms; } rule_case;

static int memory_mode = 0;

/* Times (or, in memory mode, measures the heap of) forward and each rule's relevance on one model. */
static void run(const char *name, const char *path, double *x, int rank, const int64_t *shape, int reps,
                const rule_case *rules, int nrules) {
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
            long long base = live_bytes;
            peak_bytes = live_bytes;
            check(lrp_relevance(m, y, ycount, rules[j].rule, rules[j].param, rx, xcount), "relevance");
            double peak = (double)(peak_bytes - base);
            printf("  %-22s relevance peak %7.1f MB = %.2f× forward keeps%s\n", rules[j].label, peak / 1e6, peak / stored,
                   peak / stored <= 3 ? "" : "  (above 3×)");
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
        for (int j = 0; j < nrules; j++) {
            for (int k = 0; k < reps; k++) {
                double t0 = now();
                check(lrp_relevance(m, r, ycount, rules[j].rule, rules[j].param, rx, xcount), "relevance");
                times[k] = now() - t0;
            }
            double lrp = median(times, reps), total = (forward + lrp) * 1e3;
            const char *verdict = rules[j].target_ms <= 0 ? "" : total <= rules[j].target_ms ? "  (target met)" : "  (TARGET MISSED)";
            printf("  %-22s %9.2f ms   %4.2f× forward   forward+LRP %7.2f ms%s\n", rules[j].label, lrp * 1e3, lrp / forward, total, verdict);
        }
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
    rule_case lenet_rules[] = {{"epsilon", 1, "LRP-epsilon (1)", 50}, {"alphabeta", 1, "LRP-alpha1-beta0", 100},
                               {"alphabeta", 2, "LRP-alpha2-beta1", 0}, {"simple", 0, "LRP-0 (simple)", 0}};
    snprintf(path, sizeof path, "%s/models/LeNet-5.txt", shared);
    run("LeNet-5", path, lenet, 4, lenet_shape, reps, lenet_rules, 4);

    double *mlp = malloc((size_t)batch * 784 * sizeof *mlp);
    for (int i = 0; i < batch * 784; i++) mlp[i] = pixels[i] / 127.5 - 1;
    int64_t mlp_shape[2] = {batch, 784};
    rule_case mlp_rules[] = {{"epsilon", 0.01, "LRP-epsilon (0.01)", 8}, {"alphabeta", 1, "LRP-alpha1-beta0", 0},
                             {"alphabeta", 2, "LRP-alpha2-beta1", 0}};
    snprintf(path, sizeof path, "%s/models/mlp-rect.txt", shared);
    run("MLP 784-300-100-10", path, mlp, 2, mlp_shape, reps, mlp_rules, 3);
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
           "for scale: reference toolbox ~2.8 s (LeNet-5) and ~0.4 s (MLP), zennit float64 CPU ~280 ms and ~13 ms (forward+LRP-epsilon).\n");
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
