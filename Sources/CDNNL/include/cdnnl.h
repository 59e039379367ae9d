/* oneDNN's float32 convolutions behind four functions for liblrp's core: NHWC activations and HWIO weights
 * (liblrp's layouts) in and out, oneDNN's blocked layouts inside (reordered on the way in and out). */
#ifndef LIBLRP_CDNNL_H
#define LIBLRP_CDNNL_H

#include <stddef.h>
#include <stdint.h>

/* One convolution's sizes: input batch×ih×iw×ic, weights kh×kw×ic×oc, output batch×oh×ow×oc, strides, and
 * the padding before (pt, pl) and after (pb, pr) the input. */
typedef struct {
    int64_t batch, ih, iw, ic, oh, ow, oc, kh, kw, sh, sw, pt, pl, pb, pr;
} cdnnl_geometry;

/* The forward and backward-data primitives of one geometry. */
typedef struct cdnnl_convolution cdnnl_convolution;

/* The primitives for `g`, or NULL with a reason in message[0 .. size) when oneDNN has none for it. */
cdnnl_convolution *cdnnl_convolution_create(const cdnnl_geometry *g, char *message, size_t size);

/* Frees what create made (NULL is ignored). */
void cdnnl_convolution_free(cdnnl_convolution *c);

/* y = conv(x, w) + b (b may be NULL: no bias) on `threads` OpenMP threads. 0, or -1 with a message. */
int cdnnl_convolution_forward(const cdnnl_convolution *c, const float *x, const float *w, const float *b, float *y,
                              int threads, char *message, size_t size);

/* dx = convᵀ(dy, w) — the product with the transposed weights followed by col2im — or dx += it when
 * `accumulate`. 0, or -1 with a message. */
int cdnnl_convolution_backward_data(const cdnnl_convolution *c, const float *dy, const float *w, float *dx,
                                    int accumulate, int threads, char *message, size_t size);

#endif
