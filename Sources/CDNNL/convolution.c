/* oneDNN's float32 convolutions for liblrp (see cdnnl.h). Every oneDNN call is checked; a failure frees what
 * was made and returns an error with a message, never aborts. */
#include "cdnnl.h"

#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libgomp's, loaded with libdnnl (its OpenMP runtime); weak so that a runtime without it is no error. */
extern void omp_set_num_threads(int) __attribute__((weak));

struct cdnnl_convolution {
    dnnl_memory_desc_t user_src, user_wei, user_dst, bias;
    dnnl_memory_desc_t fwd_src, fwd_wei, fwd_dst, fwd_scratch;
    dnnl_memory_desc_t bwd_dst, bwd_wei, bwd_src, bwd_scratch;
    dnnl_primitive_t fwd, bwd;
    /* Reorders between liblrp's layouts and the primitives' (NULL where they agree); dx_add accumulates. */
    dnnl_primitive_t src_in, fwd_wei_in, dst_out, dy_in, bwd_wei_in, dx_out, dx_add;
};

static dnnl_engine_t engine;
static dnnl_status_t engine_status = dnnl_runtime_error;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;
static void make_engine(void) { engine_status = dnnl_engine_create(&engine, dnnl_cpu, 0); }

static int fail(char *message, size_t size, const char *what, dnnl_status_t status) {
    if (message && size) snprintf(message, size, "oneDNN: %s failed (status %d)", what, (int)status);
    return -1;
}

#define CHECK(call, what)                                                \
    do {                                                                 \
        dnnl_status_t status_ = (call);                                  \
        if (status_ != dnnl_success) {                                   \
            fail(message, size, what, status_);                          \
            goto failed;                                                 \
        }                                                                \
    } while (0)

/* A reorder from `from` to `to` (with dst += when `add`), or NULL in *out when they agree and !add. */
static dnnl_status_t reorder(const dnnl_memory_desc_t *from, const dnnl_memory_desc_t *to, int add, dnnl_primitive_t *out) {
    *out = NULL;
    if (!add && dnnl_memory_desc_equal(from, to)) return dnnl_success;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t ops = NULL;
    dnnl_primitive_desc_t pd = NULL;
    dnnl_status_t s = dnnl_primitive_attr_create(&attr);
    if (s == dnnl_success && add) s = dnnl_post_ops_create(&ops);
    if (s == dnnl_success && add) s = dnnl_post_ops_append_sum(ops, 1.0f);
    if (s == dnnl_success && add) s = dnnl_primitive_attr_set_post_ops(attr, ops);
    if (s == dnnl_success) s = dnnl_reorder_primitive_desc_create(&pd, from, engine, to, engine, attr);
    if (s == dnnl_success) s = dnnl_primitive_create(out, pd);
    if (pd) dnnl_primitive_desc_destroy(pd);
    if (ops) dnnl_post_ops_destroy(ops);
    if (attr) dnnl_primitive_attr_destroy(attr);
    return s;
}

static void copy_md(dnnl_memory_desc_t *out, const_dnnl_primitive_desc_t pd, dnnl_query_t what) {
    const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(pd, what, 0);
    if (md) *out = *md;
    else memset(out, 0, sizeof *out);
}

cdnnl_convolution *cdnnl_convolution_create(const cdnnl_geometry *g, char *message, size_t size) {
    pthread_once(&engine_once, make_engine);
    if (engine_status != dnnl_success) {
        fail(message, size, "creating the CPU engine", engine_status);
        return NULL;
    }
    cdnnl_convolution *c = calloc(1, sizeof *c);
    if (!c) {
        if (message && size) snprintf(message, size, "oneDNN: out of memory");
        return NULL;
    }
    dnnl_primitive_attr_t attr = NULL;
    dnnl_primitive_desc_t fwd_pd = NULL, hint_pd = NULL, bwd_pd = NULL;
    dnnl_dims_t src_dims = {g->batch, g->ic, g->ih, g->iw}, wei_dims = {g->oc, g->ic, g->kh, g->kw};
    dnnl_dims_t dst_dims = {g->batch, g->oc, g->oh, g->ow}, bias_dims = {g->oc};
    dnnl_dims_t strides = {g->sh, g->sw}, pad_l = {g->pt, g->pl}, pad_r = {g->pb, g->pr};
    dnnl_memory_desc_t src_any, wei_any, dst_any;
    CHECK(dnnl_memory_desc_init_by_tag(&c->user_src, 4, src_dims, dnnl_f32, dnnl_nhwc), "describing the input");
    CHECK(dnnl_memory_desc_init_by_tag(&c->user_wei, 4, wei_dims, dnnl_f32, dnnl_hwio), "describing the weights");
    CHECK(dnnl_memory_desc_init_by_tag(&c->user_dst, 4, dst_dims, dnnl_f32, dnnl_nhwc), "describing the output");
    CHECK(dnnl_memory_desc_init_by_tag(&c->bias, 1, bias_dims, dnnl_f32, dnnl_x), "describing the bias");
    CHECK(dnnl_memory_desc_init_by_tag(&src_any, 4, src_dims, dnnl_f32, dnnl_format_tag_any), "describing the input");
    CHECK(dnnl_memory_desc_init_by_tag(&wei_any, 4, wei_dims, dnnl_f32, dnnl_format_tag_any), "describing the weights");
    CHECK(dnnl_memory_desc_init_by_tag(&dst_any, 4, dst_dims, dnnl_f32, dnnl_format_tag_any), "describing the output");
    /* Scratchpads are the caller's, one per call, so that several threads may run one primitive at once. */
    CHECK(dnnl_primitive_attr_create(&attr), "creating attributes");
    CHECK(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "setting the scratchpad mode");
    dnnl_convolution_desc_t fwd_desc, hint_desc, bwd_desc;
    /* The forward pass is inference (oneDNN's fastest kernels); backward-data needs a training one as its hint. */
    CHECK(dnnl_convolution_forward_desc_init(&fwd_desc, dnnl_forward_inference, dnnl_convolution_direct, &src_any, &wei_any,
                                             &c->bias, &dst_any, strides, pad_l, pad_r), "describing the forward convolution");
    CHECK(dnnl_primitive_desc_create(&fwd_pd, &fwd_desc, attr, engine, NULL), "choosing a forward convolution");
    CHECK(dnnl_convolution_forward_desc_init(&hint_desc, dnnl_forward_training, dnnl_convolution_direct, &src_any, &wei_any,
                                             &c->bias, &dst_any, strides, pad_l, pad_r), "describing the forward convolution");
    CHECK(dnnl_primitive_desc_create(&hint_pd, &hint_desc, attr, engine, NULL), "choosing a forward convolution");
    CHECK(dnnl_convolution_backward_data_desc_init(&bwd_desc, dnnl_convolution_direct, &src_any, &wei_any, &dst_any, strides,
                                                   pad_l, pad_r), "describing the backward-data convolution");
    CHECK(dnnl_primitive_desc_create(&bwd_pd, &bwd_desc, attr, engine, hint_pd), "choosing a backward-data convolution");
    copy_md(&c->fwd_src, fwd_pd, dnnl_query_src_md);
    copy_md(&c->fwd_wei, fwd_pd, dnnl_query_weights_md);
    copy_md(&c->fwd_dst, fwd_pd, dnnl_query_dst_md);
    copy_md(&c->fwd_scratch, fwd_pd, dnnl_query_scratchpad_md);
    copy_md(&c->bwd_dst, bwd_pd, dnnl_query_diff_dst_md);
    copy_md(&c->bwd_wei, bwd_pd, dnnl_query_weights_md);
    copy_md(&c->bwd_src, bwd_pd, dnnl_query_diff_src_md);
    copy_md(&c->bwd_scratch, bwd_pd, dnnl_query_scratchpad_md);
    CHECK(dnnl_primitive_create(&c->fwd, fwd_pd), "creating the forward convolution");
    CHECK(dnnl_primitive_create(&c->bwd, bwd_pd), "creating the backward-data convolution");
    CHECK(reorder(&c->user_src, &c->fwd_src, 0, &c->src_in), "creating the input reorder");
    CHECK(reorder(&c->user_wei, &c->fwd_wei, 0, &c->fwd_wei_in), "creating the weight reorder");
    CHECK(reorder(&c->fwd_dst, &c->user_dst, 0, &c->dst_out), "creating the output reorder");
    CHECK(reorder(&c->user_dst, &c->bwd_dst, 0, &c->dy_in), "creating the relevance reorder");
    CHECK(reorder(&c->user_wei, &c->bwd_wei, 0, &c->bwd_wei_in), "creating the weight reorder");
    CHECK(reorder(&c->bwd_src, &c->user_src, 0, &c->dx_out), "creating the result reorder");
    CHECK(reorder(&c->bwd_src, &c->user_src, 1, &c->dx_add), "creating the accumulating reorder");
    dnnl_primitive_desc_destroy(fwd_pd);
    dnnl_primitive_desc_destroy(hint_pd);
    dnnl_primitive_desc_destroy(bwd_pd);
    dnnl_primitive_attr_destroy(attr);
    return c;
failed:
    if (fwd_pd) dnnl_primitive_desc_destroy(fwd_pd);
    if (hint_pd) dnnl_primitive_desc_destroy(hint_pd);
    if (bwd_pd) dnnl_primitive_desc_destroy(bwd_pd);
    if (attr) dnnl_primitive_attr_destroy(attr);
    cdnnl_convolution_free(c);
    return NULL;
}

void cdnnl_convolution_free(cdnnl_convolution *c) {
    if (!c) return;
    dnnl_primitive_t all[] = {c->fwd, c->bwd, c->src_in, c->fwd_wei_in, c->dst_out, c->dy_in, c->bwd_wei_in, c->dx_out, c->dx_add};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (all[i]) dnnl_primitive_destroy(all[i]);
    free(c);
}

/* The memories of one call: wrapped caller buffers and oneDNN-allocated temporaries, destroyed together. */
typedef struct {
    dnnl_memory_t memory[12];
    int count;
} memories;

static dnnl_status_t memory(memories *m, const dnnl_memory_desc_t *md, const void *data, dnnl_memory_t *out) {
    if (m->count >= (int)(sizeof m->memory / sizeof m->memory[0])) return dnnl_out_of_memory;
    dnnl_status_t s = dnnl_memory_create(out, md, engine, data ? (void *)data : DNNL_MEMORY_ALLOCATE);
    if (s == dnnl_success) m->memory[m->count++] = *out;
    return s;
}

static void release(memories *m) {
    for (int i = 0; i < m->count; i++) dnnl_memory_destroy(m->memory[i]);
}

static dnnl_status_t run(dnnl_primitive_t p, dnnl_stream_t stream, int n, const dnnl_exec_arg_t *args) {
    return dnnl_primitive_execute(p, stream, n, args);
}

/* `data` as memory of the primitive's layout `md`: the caller's buffer itself when no reorder is needed,
 * else a temporary filled through `r` (from the caller's layout `user`) when `fill`. */
static dnnl_status_t input(memories *m, dnnl_stream_t stream, dnnl_primitive_t r, const dnnl_memory_desc_t *user,
                           const dnnl_memory_desc_t *md, const void *data, dnnl_memory_t *out) {
    if (!r) return memory(m, md, data, out);
    dnnl_memory_t from;
    dnnl_status_t s = memory(m, user, data, &from);
    if (s == dnnl_success) s = memory(m, md, NULL, out);
    if (s != dnnl_success) return s;
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, *out}};
    return run(r, stream, 2, args);
}

/* Runs `p` with `args` (the scratchpad last, left out when there is none), then the reorder `after` (if any)
 * from `result` to `out`, and waits for both. 0, or -1 with a message naming `what`. */
static int execute(dnnl_stream_t stream, dnnl_primitive_t p, int n, const dnnl_exec_arg_t *args, int scratched,
                   dnnl_primitive_t after, dnnl_memory_t result, dnnl_memory_t out, const char *what, char *message,
                   size_t size) {
    CHECK(run(p, stream, scratched ? n : n - 1, args), what);
    if (after) {
        dnnl_exec_arg_t back[2] = {{DNNL_ARG_FROM, result}, {DNNL_ARG_TO, out}};
        CHECK(run(after, stream, 2, back), "reordering the result");
    }
    CHECK(dnnl_stream_wait(stream), "waiting for the stream");
    return 0;
failed:
    return -1;
}

int cdnnl_convolution_forward(const cdnnl_convolution *c, const float *x, const float *w, const float *b, float *y,
                              int threads, char *message, size_t size) {
    if (omp_set_num_threads && threads > 0) omp_set_num_threads(threads);
    memories m = {{0}, 0};
    dnnl_stream_t stream = NULL;
    dnnl_memory_t src = NULL, wei = NULL, bias = NULL, dst = NULL, scratch = NULL, out = NULL;
    int scratched = dnnl_memory_desc_get_size(&c->fwd_scratch) > 0;
    int status = -1;
    float zero = 0;
    CHECK(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags), "creating a stream");
    CHECK(input(&m, stream, c->src_in, &c->user_src, &c->fwd_src, x, &src), "reordering the input");
    CHECK(input(&m, stream, c->fwd_wei_in, &c->user_wei, &c->fwd_wei, w, &wei), "reordering the weights");
    CHECK(memory(&m, &c->bias, b ? (const void *)b : NULL, &bias), "wrapping the bias");
    if (!b) {
        /* No bias: zeros (oneDNN allocated the memory). */
        void *handle = NULL;
        CHECK(dnnl_memory_get_data_handle(bias, &handle), "reading the bias");
        for (size_t i = 0; handle && i < dnnl_memory_desc_get_size(&c->bias) / sizeof zero; i++) ((float *)handle)[i] = zero;
    }
    CHECK(memory(&m, &c->user_dst, y, &out), "wrapping the output");
    if (c->dst_out) CHECK(memory(&m, &c->fwd_dst, NULL, &dst), "allocating the output");
    else dst = out;
    if (scratched) CHECK(memory(&m, &c->fwd_scratch, NULL, &scratch), "allocating the scratchpad");
    dnnl_exec_arg_t args[5] = {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_BIAS, bias}, {DNNL_ARG_DST, dst},
                               {DNNL_ARG_SCRATCHPAD, scratched ? scratch : NULL}};
    status = execute(stream, c->fwd, 5, args, scratched, c->dst_out, dst, out, "the forward convolution", message, size);
failed:
    if (stream) dnnl_stream_destroy(stream);
    release(&m);
    return status;
}

int cdnnl_convolution_backward_data(const cdnnl_convolution *c, const float *dy, const float *w, float *dx,
                                    int accumulate, int threads, char *message, size_t size) {
    if (omp_set_num_threads && threads > 0) omp_set_num_threads(threads);
    memories m = {{0}, 0};
    dnnl_stream_t stream = NULL;
    dnnl_memory_t diff_dst = NULL, wei = NULL, diff_src = NULL, scratch = NULL, out = NULL;
    int scratched = dnnl_memory_desc_get_size(&c->bwd_scratch) > 0;
    int status = -1;
    dnnl_primitive_t finish = accumulate ? c->dx_add : c->dx_out;
    CHECK(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags), "creating a stream");
    CHECK(input(&m, stream, c->dy_in, &c->user_dst, &c->bwd_dst, dy, &diff_dst), "reordering the relevance");
    CHECK(input(&m, stream, c->bwd_wei_in, &c->user_wei, &c->bwd_wei, w, &wei), "reordering the weights");
    CHECK(memory(&m, &c->user_src, dx, &out), "wrapping the result");
    if (finish) CHECK(memory(&m, &c->bwd_src, NULL, &diff_src), "allocating the result");
    else diff_src = out;
    if (scratched) CHECK(memory(&m, &c->bwd_scratch, NULL, &scratch), "allocating the scratchpad");
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_DIFF_DST, diff_dst}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DIFF_SRC, diff_src},
                               {DNNL_ARG_SCRATCHPAD, scratched ? scratch : NULL}};
    status = execute(stream, c->bwd, 4, args, scratched, finish, diff_src, out, "the backward-data convolution", message,
                     size);
failed:
    if (stream) dnnl_stream_destroy(stream);
    release(&m);
    return status;
}
