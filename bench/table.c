/*
 * table — liblrp in float64 and float32 on the cases of issue 11: the toolbox's LeNet-5 and MLP on MNIST at batch
 * 1, 16 and 256, and a VGG-11 and a VGG-16 of 224×224×3 with fixed random weights (He-normal, seed 11 and 16,
 * generated here) at batch 1 and 8; forward, and forward + LRP-ε, LRP-α1β0, epsilon_plus, epsilon_alpha2_beta1.
 *
 *   table SHARED_DIR [--no-vgg | --memory]
 *
 * With VGG (or with --memory alone) it also writes the VGG-11 to a temporary model archive and measures, in a
 * fresh process per precision (`table --load PATH f64|f32`), the peak resident memory (VmHWM) of reading it with
 * lrp_model_read_as, a forward pass and LRP-ε at batch 1, against its parameters' size at that precision.
 *
 * Prints a markdown table (medians of repeated runs, ms; in brackets the relevance pass alone over the forward
 * pass) with the GFLOP/s of the forward pass against the dgemm/sgemm rate measured first in the same run (2048²,
 * OpenBLAS on all cores, before liblrp sets it to one thread of its own), then the targets, met or
 * missed, and the CPU time the process spends in an idle second afterwards (threads left spinning). Figures swing
 * with other load on the machine: compare only within one run.
 */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <lrp.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

extern void openblas_set_num_threads(int);

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void check(lrp_status s, const char *what) {
    if (s != LRP_OK) { fprintf(stderr, "table: %s: %s\n", what, lrp_last_error()); exit(1); }
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* ---- the BLAS rate ---------------------------------------------------------------------------------- */

/* GFLOP/s of C = A·B for 2048² matrices (median of 5), in double or single precision. */
static double gemm_rate(int single) {
    const int n = 2048;
    double times[5];
    void *a = malloc((size_t)n * n * 8), *b = malloc((size_t)n * n * 8), *c = malloc((size_t)n * n * 8);
    for (size_t i = 0; i < (size_t)n * n; i++) {
        if (single) { ((float *)a)[i] = (float)(i % 7) * 0.1f; ((float *)b)[i] = (float)(i % 5) * 0.1f; }
        else { ((double *)a)[i] = (double)(i % 7) * 0.1; ((double *)b)[i] = (double)(i % 5) * 0.1; }
    }
    for (int k = -1; k < 5; k++) {
        double t0 = now();
        if (single) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
        else cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
        if (k >= 0) times[k] = now() - t0;
    }
    free(a); free(b); free(c);
    qsort(times, 5, sizeof *times, compare);
    return 2.0 * n * n * (double)n / times[2] * 1e-9;
}

/* ---- models ---------------------------------------------------------------------------------------- */

static uint64_t rng_state;
static double normal(void) {
    /* xorshift64* and Box–Muller: the same weights on every machine. */
    double u[2];
    for (int i = 0; i < 2; i++) {
        rng_state ^= rng_state >> 12; rng_state ^= rng_state << 25; rng_state ^= rng_state >> 27;
        u[i] = ((double)((rng_state * 2685821657736338717ULL) >> 11) + 0.5) / 9007199254740992.0;
    }
    return sqrt(-2 * log(u[0])) * cos(6.283185307179586 * u[1]);
}

static void append(lrp_model *m, const char *header, int64_t fan_in, int64_t wcount, int64_t bcount) {
    double *w = wcount ? malloc((size_t)wcount * sizeof *w) : NULL, *b = bcount ? malloc((size_t)bcount * sizeof *b) : NULL;
    double scale = sqrt(2.0 / (double)fan_in);
    for (int64_t i = 0; i < wcount; i++) w[i] = scale * normal();
    for (int64_t i = 0; i < bcount; i++) b[i] = 0.01 * normal();
    check(lrp_model_append(m, header, w, wcount, b, bcount), header);
    free(w);
    free(b);
}

/* VGG-11 (depth 11) or VGG-16 (depth 16) for 224×224×3, 1000 classes, without a softmax. */
static lrp_model *vgg(int depth) {
    static const int v11[] = {64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0, -1};
    static const int v16[] = {64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0, -1};
    const int *plan = depth == 11 ? v11 : v16;
    rng_state = (uint64_t)depth * 0x9E3779B97F4A7C15ULL;
    lrp_model *m = NULL;
    check(lrp_model_new(&m), "new");
    int channels = 3;
    char h[128];
    for (int i = 0; plan[i] >= 0; i++) {
        if (plan[i] == 0) { check(lrp_model_append(m, "MaxPool 2 2 2 2", NULL, 0, NULL, 0), "pool"); continue; }
        snprintf(h, sizeof h, "Convolution 3 3 %d %d 1 1 pad=same", channels, plan[i]);
        append(m, h, 9 * channels, 9LL * channels * plan[i], plan[i]);
        check(lrp_model_append(m, "Rect", NULL, 0, NULL, 0), "rect");
        channels = plan[i];
    }
    check(lrp_model_append(m, "Flatten", NULL, 0, NULL, 0), "flatten");
    append(m, "Linear 25088 4096", 25088, 25088LL * 4096, 4096);
    check(lrp_model_append(m, "Rect", NULL, 0, NULL, 0), "rect");
    append(m, "Linear 4096 4096", 4096, 4096LL * 4096, 4096);
    check(lrp_model_append(m, "Rect", NULL, 0, NULL, 0), "rect");
    append(m, "Linear 4096 1000", 4096, 4096LL * 1000, 1000);
    return m;
}

/* Multiply-adds ×2 of the Linear and Convolution layers for input `shape` (NHWC, rank 4 or 2). */
static double model_flops(lrp_model *m, const int64_t *input, int rank) {
    int64_t s[LRP_MAX_RANK] = {0};
    memcpy(s, input, (size_t)rank * sizeof *s);
    double flops = 0;
    for (int32_t i = 0; i < lrp_model_layer_count(m); i++) {
        int32_t r;
        int64_t out[LRP_MAX_RANK];
        char d[128];
        check(lrp_model_layer_describe(m, i, d, sizeof d), "describe");
        check(lrp_layer_output_shape(m, i, rank, s, &r, out), "layer shape");
        long a, b, c, e;
        if (sscanf(d, "Linear %ld %ld", &a, &b) == 2) flops += 2.0 * (double)s[0] * (double)a * (double)b;
        else if (sscanf(d, "Convolution %ld %ld %ld %ld", &a, &b, &c, &e) == 4)
            flops += 2.0 * (double)(out[0] * out[1] * out[2]) * (double)(a * b * c * e);
        rank = r;
        memcpy(s, out, (size_t)r * sizeof *s);
    }
    return flops;
}

/* ---- timing ---------------------------------------------------------------------------------------- */

enum { OPS = 5 };
static const char *op_names[OPS] = {"forward", "+ ε", "+ α1β0", "+ epsilon_plus", "+ epsilon_alpha2_beta1"};

typedef struct {
    double ms[OPS];     /* forward, and forward + each relevance (medians) */
    double lrp_ms[OPS]; /* the relevance pass alone */
    double gflops;
} result;

/* Median seconds of `run(context)` over at least 3 and at most 25 repetitions or about `budget` seconds. */
typedef void (*body)(void *);
static double timed(body run, void *context, double budget) {
    double times[25];
    int n = 0;
    double start = now();
    run(context); /* warm-up */
    while (n < 25 && (n < 3 || now() - start < budget)) {
        double t0 = now();
        run(context);
        times[n++] = now() - t0;
    }
    qsort(times, (size_t)n, sizeof *times, compare);
    return times[n / 2];
}

typedef struct {
    lrp_model *m;
    int single, rank;
    const int64_t *shape;
    void *x, *y, *r, *rx;
    int64_t ycount, xcount;
    const char *rule;
    double param;
} job;

static void forward(void *p) {
    job *j = p;
    int32_t yr;
    int64_t ys[LRP_MAX_RANK];
    if (j->single) check(lrp_forward_f32(j->m, j->x, j->rank, j->shape, j->y, j->ycount, &yr, ys), "forward");
    else check(lrp_forward(j->m, j->x, j->rank, j->shape, j->y, j->ycount, &yr, ys), "forward");
}

static void relevance(void *p) {
    job *j = p;
    if (j->single) check(lrp_relevance_f32(j->m, j->r, j->ycount, j->rule, j->param, j->rx, j->xcount), "relevance");
    else check(lrp_relevance(j->m, j->r, j->ycount, j->rule, j->param, j->rx, j->xcount), "relevance");
}

static void both(void *p) { forward(p); relevance(p); }

/* Times the five operations on `m` (already in its precision) for the batch x (doubles, converted here). */
static result measure(lrp_model *m, int single, const double *x, int rank, const int64_t *shape, double budget) {
    result out = {{0}, {0}, 0};
    int32_t yr;
    int64_t ys[LRP_MAX_RANK], xcount = 1, ycount = 1;
    check(lrp_model_output_shape(m, rank, shape, &yr, ys), "output shape");
    for (int i = 0; i < rank; i++) xcount *= shape[i];
    for (int i = 0; i < yr; i++) ycount *= ys[i];
    size_t size = single ? sizeof(float) : sizeof(double);
    job j = {m, single, rank, shape, malloc((size_t)xcount * size), malloc((size_t)ycount * size),
             calloc((size_t)ycount, size), malloc((size_t)xcount * size), ycount, xcount, NULL, 0};
    for (int64_t i = 0; i < xcount; i++) {
        if (single) ((float *)j.x)[i] = (float)x[i];
        else ((double *)j.x)[i] = x[i];
    }
    forward(&j);
    /* R = the output masked to each sample's top class. */
    int64_t classes = ycount / shape[0];
    for (int64_t n = 0; n < shape[0]; n++) {
        int64_t best = 0;
        for (int64_t c = 1; c < classes; c++) {
            double v = single ? ((float *)j.y)[n * classes + c] : ((double *)j.y)[n * classes + c];
            double w = single ? ((float *)j.y)[n * classes + best] : ((double *)j.y)[n * classes + best];
            if (v > w) best = c;
        }
        if (single) ((float *)j.r)[n * classes + best] = ((float *)j.y)[n * classes + best];
        else ((double *)j.r)[n * classes + best] = ((double *)j.y)[n * classes + best];
    }
    double f = timed(forward, &j, budget);
    out.ms[0] = f * 1e3;
    out.gflops = model_flops(m, shape, rank) / f * 1e-9;
    for (int op = 1; op < OPS; op++) {
        j.rule = NULL;
        j.param = 0;
        if (op == 1) { j.rule = "epsilon"; j.param = 0.01; }
        else if (op == 2) { j.rule = "alphabeta"; j.param = 1; }
        else check(lrp_set_composite(m, op == 3 ? "epsilon_plus" : "epsilon_alpha2_beta1", NULL), "composite");
        out.ms[op] = timed(both, &j, budget) * 1e3;
        out.lrp_ms[op] = timed(relevance, &j, budget) * 1e3;
    }
    free(j.x); free(j.y); free(j.r); free(j.rx);
    return out;
}

/* ---- the table -------------------------------------------------------------------------------------- */

static double dgemm_rate, sgemm_rate;
static int missed = 0;

static void row(const char *name, int batch, int single, result r) {
    double rate = single ? sgemm_rate : dgemm_rate;
    printf("| %s | %d | %s | %.3g | %.1f (%.0f %%) |", name, batch, single ? "f32" : "f64", r.ms[0], r.gflops, 100 * r.gflops / rate);
    for (int op = 1; op < OPS; op++) printf(" %.3g (%.2f×) |", r.ms[op], r.lrp_ms[op] / r.ms[0]);
    printf("\n");
    fflush(stdout);
}

static void target(int met, const char *text) {
    printf("  %s  %s\n", met ? "met   " : "MISSED", text);
    if (!met) missed++;
}

/* Reads a model file and times it at each batch size in both precisions. */
static void model_case(const char *name, lrp_model *m64, const double *x, int rank, int64_t *shape, const int *batches,
                       int nbatches, double budget, result out[][2]) {
    lrp_model *m32 = NULL;
    check(lrp_model_copy(m64, &m32), "copy");
    check(lrp_model_set_precision(m32, LRP_FLOAT32), "float32");
    for (int b = 0; b < nbatches; b++) {
        shape[0] = batches[b];
        for (int single = 0; single < 2; single++) {
            out[b][single] = measure(single ? m32 : m64, single, x, rank, shape, budget);
            row(name, batches[b], single, out[b][single]);
        }
    }
    lrp_model_free(m32);
}

/* ---- memory ---------------------------------------------------------------------------------------- */

/* This process's peak resident set (VmHWM of /proc/self/status) in bytes, or -1. */
static double peak_resident(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    double kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0) kb = atof(line + 6);
    if (f) fclose(f);
    return kb * 1024;
}

/* The child of the memory case: read `path` in `precision`, forward + LRP-ε at batch 1; prints the peak RSS. */
static int load_case(const char *path, const char *precision) {
    int single = strcmp(precision, "f32") == 0;
    lrp_model *m = NULL;
    check(lrp_model_read_as(path, "npz", single ? LRP_FLOAT32 : LRP_FLOAT64, &m), path);
    int64_t shape[4] = {1, 224, 224, 3};
    size_t size = single ? sizeof(float) : sizeof(double);
    void *x = malloc((size_t)224 * 224 * 3 * size), *rx = malloc((size_t)224 * 224 * 3 * size);
    void *y = malloc(1000 * size), *r = calloc(1000, size);
    rng_state = 42;
    for (int i = 0; i < 224 * 224 * 3; i++) {
        if (single) ((float *)x)[i] = (float)normal();
        else ((double *)x)[i] = normal();
    }
    job j = {m, single, 4, shape, x, y, r, rx, 1000, 224 * 224 * 3, "epsilon", 0.01};
    forward(&j);
    if (single) ((float *)r)[0] = ((float *)y)[0];
    else ((double *)r)[0] = ((double *)y)[0];
    relevance(&j);
    printf("%.0f\n", peak_resident());
    free(x); free(y); free(r); free(rx);
    lrp_model_free(m);
    return 0;
}

/* Peak RSS in bytes of `table --load path precision`, run as a fresh process, or -1. */
static double load_memory(const char *self, const char *path, const char *precision) {
    char command[8192];
    snprintf(command, sizeof command, "'%s' --load '%s' %s", self, path, precision);
    FILE *p = popen(command, "r");
    double bytes = -1;
    if (p && fscanf(p, "%lf", &bytes) != 1) bytes = -1;
    if (p && pclose(p) != 0) bytes = -1;
    return bytes;
}

/* The memory targets: VGG-11 read + forward + ε at batch 1 within 1.3 GB (f64) and 0.7 GB (f32) of RSS. */
static void memory_case(const char *self) {
    char path[] = "/tmp/liblrp-bench-vgg11-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) { perror("table: temporary file"); exit(1); }
    close(fd);
    lrp_model *net = vgg(11);
    check(lrp_model_write(net, path, "npz"), path);
    int64_t parameters = 0;
    for (int32_t i = 0; i < lrp_model_layer_count(net); i++) {
        for (int k = 0; k < 2; k++) {
            double *data;
            int32_t rank;
            int64_t shape[LRP_MAX_RANK], count = 1;
            if (lrp_layer_parameter(net, i, k ? "B" : "W", &data, &rank, shape) != LRP_OK) continue;
            for (int a = 0; a < rank; a++) count *= shape[a];
            parameters += count;
        }
    }
    lrp_model_free(net);
    printf("\nmemory: VGG-11 (%.1f M parameters) read from a model archive + forward + LRP-ε at batch 1, fresh process:\n",
           (double)parameters * 1e-6);
    for (int s = 0; s < 2; s++) {
        const char *p = s ? "f32" : "f64";
        double bytes = load_memory(self, path, p), limit = s ? 0.7e9 : 1.3e9;
        double size = (double)parameters * (s ? 4 : 8);
        char t[256];
        snprintf(t, sizeof t, "VGG-11 %s peak RSS %.2f GB (%.2f× its %.2f GB of parameters) <= %.1f GB", p, bytes * 1e-9,
                 bytes / size, size * 1e-9, limit * 1e-9);
        target(bytes > 0 && bytes <= limit, t);
    }
    unlink(path);
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "--load") == 0) return load_case(argv[2], argv[3]);
    const char *shared = argc > 1 ? argv[1] : "../shared";
    int with_vgg = !(argc > 2 && strcmp(argv[2], "--no-vgg") == 0);
    if (argc > 2 && strcmp(argv[2], "--memory") == 0) {
        memory_case(argv[0]);
        return 0;
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    openblas_set_num_threads((int)cores);
    dgemm_rate = gemm_rate(0);
    sgemm_rate = gemm_rate(1);
    const char *threads = getenv("LRP_NUM_THREADS");
    printf("liblrp %s, %ld cores, LRP_NUM_THREADS=%s; 2048² products on %ld threads: dgemm %.1f GFLOP/s, sgemm %.1f GFLOP/s\n\n",
           lrp_version(), cores, threads ? threads : "(all cores)", cores, dgemm_rate, sgemm_rate);
    printf("| model | batch | precision | forward ms | GFLOP/s (%% of BLAS) |");
    for (int op = 1; op < OPS; op++) printf(" %s ms (LRP/fwd) |", op_names[op]);
    printf("\n|---|---|---|---|---|---|---|---|---|\n");

    char path[4096];
    snprintf(path, sizeof path, "%s/data/mnist/test_images.mat", shared);
    lrp_array *images = NULL;
    check(lrp_array_read(path, NULL, NULL, &images), path);
    const double *pixels = lrp_array_data(images);
    enum { N = 256 };
    double *lenet = malloc((size_t)N * 1024 * sizeof *lenet), *mlp = malloc((size_t)N * 784 * sizeof *mlp);
    for (int n = 0; n < N; n++)
        for (int i = 0; i < 32; i++)
            for (int j = 0; j < 32; j++) {
                int inside = i >= 2 && i < 30 && j >= 2 && j < 30;
                lenet[n * 1024 + i * 32 + j] = inside ? pixels[n * 784 + (i - 2) * 28 + (j - 2)] / 127.5 - 1 : -1;
            }
    for (int i = 0; i < N * 784; i++) mlp[i] = pixels[i] / 127.5 - 1;

    const int small[] = {1, 16, 256};
    result lenet_r[3][2], mlp_r[3][2];
    int64_t lenet_shape[4] = {1, 32, 32, 1}, mlp_shape[2] = {1, 784};
    lrp_model *m = NULL;
    snprintf(path, sizeof path, "%s/models/LeNet-5.txt", shared);
    check(lrp_model_read(path, NULL, &m), path);
    model_case("LeNet-5", m, lenet, 4, lenet_shape, small, 3, 0.5, lenet_r);
    lrp_model_free(m);
    snprintf(path, sizeof path, "%s/models/mlp-rect.txt", shared);
    check(lrp_model_read(path, NULL, &m), path);
    model_case("MLP 784-300-100-10", m, mlp, 2, mlp_shape, small, 3, 0.5, mlp_r);
    lrp_model_free(m);

    result vgg_r[2][2][2];
    if (with_vgg) {
        const int big[] = {1, 8};
        int64_t vgg_shape[4] = {8, 224, 224, 3};
        double *image = malloc((size_t)8 * 224 * 224 * 3 * sizeof *image);
        rng_state = 42;
        for (int i = 0; i < 8 * 224 * 224 * 3; i++) image[i] = normal();
        for (int v = 0; v < 2; v++) {
            lrp_model *net = vgg(v ? 16 : 11);
            model_case(v ? "VGG-16" : "VGG-11", net, image, 4, vgg_shape, big, 2, 2.0, vgg_r[v]);
            lrp_model_free(net);
        }
        free(image);
    }

    printf("\ntargets of issue 11 (medians above):\n");
    char t[256];
    for (int s = 0; s < 2; s++) {
        const char *p = s ? "f32" : "f64";
        snprintf(t, sizeof t, "MLP b=1 %s forward+α1β0 %.3g ms <= 0.5 ms", p, mlp_r[0][s].ms[2]);
        target(mlp_r[0][s].ms[2] <= 0.5, t);
        snprintf(t, sizeof t, "MLP b=256 %s forward+α1β0 %.3g ms <= 3× forward (%.3g ms)", p, mlp_r[2][s].ms[2], 3 * mlp_r[2][s].ms[0]);
        target(mlp_r[2][s].ms[2] <= 3 * mlp_r[2][s].ms[0], t);
        double worst = 0;
        for (int op = 1; op < OPS; op++) if (lenet_r[0][s].ms[op] > worst) worst = lenet_r[0][s].ms[op];
        snprintf(t, sizeof t, "LeNet-5 b=1 %s forward + any rule <= 1 ms (slowest %.3g ms)", p, worst);
        target(worst <= 1, t);
        double rate = s ? sgemm_rate : dgemm_rate;
        snprintf(t, sizeof t, "LeNet-5 b=256 %s forward %.1f GFLOP/s >= 70 %% of %s (%.1f)", p, lenet_r[2][s].gflops, s ? "sgemm" : "dgemm", 0.7 * rate);
        target(lenet_r[2][s].gflops >= 0.7 * rate, t);
        snprintf(t, sizeof t, "LeNet-5 b=256 %s LRP-ε %.3g ms <= 1.5× forward (%.3g ms)", p, lenet_r[2][s].lrp_ms[1], 1.5 * lenet_r[2][s].ms[0]);
        target(lenet_r[2][s].lrp_ms[1] <= 1.5 * lenet_r[2][s].ms[0], t);
        for (int op = 2; op < OPS; op++) {
            snprintf(t, sizeof t, "LeNet-5 b=256 %s LRP %s %.3g ms <= 2.5× forward (%.3g ms)", p, op_names[op] + 2,
                     lenet_r[2][s].lrp_ms[op], 2.5 * lenet_r[2][s].ms[0]);
            target(lenet_r[2][s].lrp_ms[op] <= 2.5 * lenet_r[2][s].ms[0], t);
        }
        if (with_vgg)
            for (int v = 0; v < 2; v++) {
                snprintf(t, sizeof t, "%s b=8 %s forward %.1f GFLOP/s >= 80 %% of %s (%.1f)", v ? "VGG-16" : "VGG-11", p,
                         vgg_r[v][1][s].gflops, s ? "sgemm" : "dgemm", 0.8 * rate);
                target(vgg_r[v][1][s].gflops >= 0.8 * rate, t);
            }
    }
    if (with_vgg) memory_case(argv[0]);
    /* Threads left behind: CPU time of the whole process during one idle second after all the runs. */
    struct rusage before, after;
    getrusage(RUSAGE_SELF, &before);
    struct timespec second = {1, 0};
    nanosleep(&second, NULL);
    getrusage(RUSAGE_SELF, &after);
    double idle = (double)(after.ru_utime.tv_sec - before.ru_utime.tv_sec + after.ru_stime.tv_sec - before.ru_stime.tv_sec) * 1e3 +
                  (double)(after.ru_utime.tv_usec - before.ru_utime.tv_usec + after.ru_stime.tv_usec - before.ru_stime.tv_usec) * 1e-3;
    snprintf(t, sizeof t, "no spinning threads: %.1f ms of CPU in an idle second after the runs (<= 10 ms)", idle);
    target(idle <= 10, t);
    printf("%d target(s) missed\n", missed);
    free(lenet);
    free(mlp);
    lrp_array_free(images);
    return 0;
}
