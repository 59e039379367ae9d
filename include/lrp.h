/*
 * lrp.h — the C interface of liblrp: Layer-wise Relevance Propagation (LRP) for trained neural networks.
 *
 * Conventions (they hold for every declaration below):
 *  - Arrays are float64, C order (row-major), batch first: N×D for vectors, N×H×W×C for images. A model
 *    computes in float64 (the default, the toolbox's exact numbers) or float32 (lrp_model_set_precision);
 *    the functions ending in _f32 take and give float arrays, the others double arrays, for models of
 *    either precision (values are converted at the boundary; a float32 model with _f32 buffers converts
 *    nothing).
 *  - Every function that can fail returns an lrp_status and, on failure, sets the calling thread's
 *    last-error message (lrp_last_error). No function aborts, traps or prints on bad input or bad files.
 *  - On failure nothing the caller owns is modified: output buffers, shapes and out-pointers keep their
 *    contents, and a model keeps its previous forward pass.
 *  - Buffers passed in are caller-owned and never retained after the call returns. Objects the library
 *    creates (lrp_model, lrp_array) are freed with the matching lrp_*_free function.
 *  - Calls on one model from several threads take turns (each model has its own lock); distinct models run
 *    in parallel. A forward pass belongs to the model, so a thread that needs forward and relevance of its
 *    own inputs holds its own lock around the pair (or uses its own copy, lrp_model_copy).
 *  - Resources: every size taken from a file or an argument is overflow-checked, and every allocation it
 *    sizes is refused with LRP_ERR_MEMORY beyond LRP_MAX_ALLOC_MB (environment, MiB; default half the
 *    machine's memory). Files are read only when they are regular files (a FIFO, device or folder is
 *    LRP_ERR_IO). Compressed data inflates to its declared size at most.
 *  - HDF5 (.h5) files are parsed by a helper program, lrp-hdf5-reader, that liblrp starts beside itself
 *    (or in ../libexec, or LRP_HDF5_READER), so that no file can crash or hang the caller's process: its
 *    crash, hang (LRP_HDF5_TIMEOUT seconds, default 120) or memory limit becomes LRP_ERR_FORMAT naming the
 *    file. External links, soft links, external raw storage and virtual datasets are refused, not followed.
 *  - Threads: LRP_NUM_THREADS (default: all cores) threads per call, matrix products included; liblrp sets
 *    OpenBLAS to one thread of its own once and splits products itself.
 *  - Rule names (case-insensitive): "simple" (alias "none"), "epsilon", "alphabeta" (alias "alpha"),
 *    "ww" (alias "w^2"), "flat". The parameter is ε for epsilon and α for alphabeta (β = 1 − α); the other
 *    rules ignore it. The exact formulas are those of the LRP Toolbox (Lapuschkin et al., JMLR 2016).
 *  - Beyond the toolbox (spec/rules.md, in zennit's forms): "zplus", "gamma" (parameter γ), "norm" (ε),
 *    "pass", "gradient", "gradient_x_input", "sensitivity", "deconvnet", "guided_backprop", "unified".
 *    Wherever a rule name is taken, a rule spec may be given instead — the name, ':' and parameters:
 *    "epsilon:0.01", "alphabeta:2" (the toolbox's), "alphabeta:alpha=2,beta=1" (zennit's, ε = 1e-6),
 *    "gamma:0.25", "gamma:gamma=0.25,epsilon=1e-6", "zplus:epsilon=1e-6", "norm:epsilon=1e-6",
 *    "flat:epsilon=1e-6" and "ww:epsilon=1e-6" (zennit's Flat and WSquare), "zb:low=-1,high=1" or with
 *    per-channel lists "zb:low=[-2.1 -2.0 -1.8],high=[2.2 2.4 2.6]", "unified:alpha=2,beta=1,theta0=0,
 *    theta1=1,gamma0=0,gamma1=0,gamma1p=1,gamma1n=0,gamma2=0,epsilon=0" or a preset with changes
 *    "unified:gamma,gamma1p=0.5"; the param argument is then ignored.
 *  - "pattern_net" and "pattern_attribution" (Kindermans et al. 2018) read each kernel layer's pattern (see
 *    "PatternNet and PatternAttribution" below) and fail with LRP_ERR_STATE on a kernel layer without one.
 */
#ifndef LRP_H
#define LRP_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LRP_VERSION_MAJOR 1   /* bumped only when a declared function changes incompatibly */
#define LRP_VERSION_MINOR 10  /* bumped when functions are added */
#define LRP_VERSION_PATCH 0
#define LRP_VERSION_STRING "1.10.0"

typedef struct lrp_model lrp_model;          /* opaque; created by the library, freed with lrp_model_free */
typedef struct lrp_array lrp_array;          /* opaque float64 array read from a file; freed with lrp_array_free */
typedef struct lrp_pattern_statistics lrp_pattern_statistics; /* opaque; freed with lrp_pattern_statistics_free */

/* The precision a model computes in (lrp_model_precision, lrp_model_set_precision, lrp_model_read_as). */
#define LRP_FLOAT64 0
#define LRP_FLOAT32 1

typedef enum lrp_status {
    LRP_OK              = 0,
    LRP_ERR_ARGUMENT    = 1,  /* NULL where a value is required, unknown rule name, bad parameter, bad layer index */
    LRP_ERR_IO          = 2,  /* file missing, unreadable or unwritable */
    LRP_ERR_FORMAT      = 3,  /* malformed or truncated file content, unknown layer name */
    LRP_ERR_SHAPE       = 4,  /* an array does not fit the model, or a caller buffer is too small */
    LRP_ERR_STATE       = 5,  /* e.g. relevance asked for before any forward pass */
    LRP_ERR_UNSUPPORTED = 6,  /* a well-formed request the library does not implement (yet) */
    LRP_ERR_MEMORY      = 7
} lrp_status;

#define LRP_MAX_RANK 8

/* ---------------------------------------------------------------------------------------------------------
 * Library
 * ------------------------------------------------------------------------------------------------------ */

/** The library's version as "MAJOR.MINOR.PATCH" in static storage. A wrapper compares MAJOR with
 *  LRP_VERSION_MAJOR of the header it was written against and refuses a mismatch. */
const char *lrp_version(void);      /* "MAJOR.MINOR.PATCH"; static storage */

/** The message of the last failed call on the calling thread ("" if no call has failed yet). It names what
 *  was wrong and where (file and line, layer index, array shape). Successful calls leave it unchanged. */
const char *lrp_last_error(void);   /* message of the last failed call on the calling thread, "" if none;
                                       valid until that thread's next call into the library */

/* ---------------------------------------------------------------------------------------------------------
 * Models
 * ------------------------------------------------------------------------------------------------------ */

/** Reads a model from `path` into a new model stored in *out (free it with lrp_model_free).
 *  format: "txt" (the LRP Toolbox's plain-text format, both its current and its older form: the toolbox's
 *  eight layers), "npz" (liblrp's model archive: every layer and graphs), "keras" (a full Keras model saved
 *  as .h5) or NULL to infer it from the extension (.txt, .npz, .h5/.hdf5). Every layer's rule preset starts as
 *  "simple" (the archive stores presets). Files that need a second file (Keras weights with their JSON,
 *  Caffe prototxt with weights) are read with lrp_model_import.
 *  Fails with LRP_ERR_IO (missing or unreadable file), LRP_ERR_FORMAT (malformed content; the message names
 *  the line), LRP_ERR_ARGUMENT (NULL path/out, unknown format name) or LRP_ERR_UNSUPPORTED (extension not
 *  known); *out is then unchanged. */
lrp_status lrp_model_read(const char *path, const char *format, lrp_model **out);

/** Writes `model` to `path` in `format` (NULL: inferred from the extension). Numbers are written with
 *  round-trip precision, so reading the file back gives identical weights. The file is replaced atomically:
 *  on failure an existing file at `path` is left as it was. */
lrp_status lrp_model_write(const lrp_model *model, const char *path, const char *format);

/** Frees a model and everything it holds (including its stored forward pass). */
void       lrp_model_free(lrp_model *model);            /* NULL is allowed and does nothing */

/** The number of layers of `model`. */
int32_t    lrp_model_layer_count(const lrp_model *model);   /* -1 for NULL */

/** Writes a NUL-terminated description of layer `layer` (0 = first) into buf, in the form of the layer's
 *  header line in the plain-text format, e.g. "Convolution 5 5 1 10 1 1" or "Rect".
 *  Fails with LRP_ERR_ARGUMENT (NULL model/buf, layer out of range) or LRP_ERR_SHAPE (capacity too small,
 *  including the terminating NUL; buf is then unchanged). */
lrp_status lrp_model_layer_describe(const lrp_model *model, int32_t layer, char *buf, int64_t capacity);

/** Computes, without running the model, the output shape for an input of shape shape[0 .. rank).
 *  On success *out_rank and out_shape[0 .. *out_rank) hold it (out_shape needs room for LRP_MAX_RANK
 *  entries). Fails with LRP_ERR_SHAPE, naming the first layer the shape does not fit. */
lrp_status lrp_model_output_shape(const lrp_model *model, int32_t rank, const int64_t *shape,
                                  int32_t *out_rank, int64_t *out_shape);

/* ---------------------------------------------------------------------------------------------------------
 * Precision: float64 (default) or float32 models
 * ------------------------------------------------------------------------------------------------------ */

/** The precision `model` computes in, LRP_FLOAT64 or LRP_FLOAT32, into *precision. */
lrp_status lrp_model_precision(const lrp_model *model, int32_t *precision);

/** Converts every parameter of `model` to `precision` (LRP_FLOAT64 or LRP_FLOAT32); its forward passes, its
 *  relevance and all its workspaces are then computed in that precision, and no copy in the other is kept.
 *  Addresses from lrp_layer_parameter / lrp_layer_parameter_f32 become invalid and the stored forward pass is
 *  discarded; converting to the current precision changes nothing. float64 → float32 rounds each value to
 *  nearest; float32 → float64 is exact. Fails with LRP_ERR_ARGUMENT (unknown precision) or LRP_ERR_MEMORY;
 *  the model is then unchanged. */
lrp_status lrp_model_set_precision(lrp_model *model, int32_t precision);

/** lrp_model_read, with the model in `precision` (LRP_FLOAT64 or LRP_FLOAT32). */
lrp_status lrp_model_read_as(const char *path, const char *format, int32_t precision, lrp_model **out);

/* ---------------------------------------------------------------------------------------------------------
 * Models of other frameworks
 * ------------------------------------------------------------------------------------------------------ */

/** Reads a model that may need a second file into a new model in *out:
 *   - Keras: a full model .h5 (companion NULL), or a weights .h5 with companion = the architecture JSON
 *     (model.to_json()), from Keras 2.x, tf.keras or Keras 3; channels last;
 *   - Caffe: a .prototxt (new or V1 layers) with companion = its weights: a .caffemodel, liblrp's npz layout
 *     (arrays "<layer>/<blob index>" in Caffe's shapes) or caffe-tensorflow's .npy;
 *   - liblrp's own formats (txt, npz), companion NULL.
 *  The two files may be given either way round. format: "keras", "caffe", "txt", "npz" or NULL (from the
 *  extensions). options: NULL or comma-separated "batchnorm=keep" (BatchNorm layers stay separate instead
 *  of being merged into the Linear/Convolution before them). Inputs stay N×H×W×C; the loaders adapt
 *  weights so that outputs equal the source framework's. Activations fused into a layer become their own
 *  layer named "<layer>/<activation>"; Dropout and other identities disappear.
 *  Fails with LRP_ERR_IO, LRP_ERR_FORMAT (corrupt or truncated file, missing weights, config and weights
 *  that disagree: the message names the file, layer and problem), LRP_ERR_UNSUPPORTED (a layer type or
 *  option liblrp does not implement, named) or LRP_ERR_ARGUMENT; *out is then unchanged. */
lrp_status lrp_model_import(const char *path, const char *companion, const char *format, const char *options,
                            lrp_model **out);

/** Converts the weights of a .caffemodel into liblrp's npz layout for Caffe weights: one float64 array per
 *  blob named "<layer>/<blob index>" in Caffe's own shape, readable by numpy.load and by lrp_model_import with
 *  the prototxt. With a prototxt (may be NULL) the net is built first, so the weights are known to fit it,
 *  and only its layers are written. The output is replaced atomically. */
lrp_status lrp_caffe_convert_weights(const char *caffemodel, const char *prototxt, const char *output);

/** The layers of the Caffe net `prototxt` as Caffe numbers them (its TEST phase, with the Split layers Caffe
 *  inserts after every blob that several layers read), so that a layer index written for Caffe (e.g. the LRP
 *  Toolbox demonstrator's lastlayerindex) can be found in `model`, a model imported from that prototxt: one
 *  line per Caffe layer, line k for layer k, "name\ttype\tlayer" with the type as Caffe spells it and the
 *  index of the layer of `model` whose output is the Caffe layer's top (-1: the model input; -2: none, e.g. a
 *  layer the output does not depend on). Layers liblrp folds into another (BatchNorm, Scale) or leaves out
 *  (Dropout, Split, Silence) give the layer computing their bottom. Written into buf (NUL-terminated,
 *  `capacity` bytes) with *needed the bytes required; capacity 0 (buf may be NULL) only reports *needed.
 *  Fails with LRP_ERR_IO, LRP_ERR_FORMAT (the prototxt does not parse, a bottom no layer writes), LRP_ERR_SHAPE
 *  (a non-zero capacity too small; buf unchanged) or LRP_ERR_ARGUMENT. */
lrp_status lrp_caffe_layers(const char *prototxt, const lrp_model *model, char *buf, int64_t capacity, int64_t *needed);

/** The shape the Caffe net `prototxt` declares for its input blob, batch first as Caffe writes it (e.g.
 *  N×C×H×W from input_dim, input_shape or an Input layer's shape; N is how many images Caffe runs at once),
 *  into *rank and shape[0 .. *rank) (room for LRP_MAX_RANK entries). Fails with LRP_ERR_FORMAT when it
 *  declares none; nothing is written then. */
lrp_status lrp_caffe_input_shape(const char *prototxt, int32_t *rank, int64_t *shape);

/* ---------------------------------------------------------------------------------------------------------
 * Forward pass and relevance
 * ------------------------------------------------------------------------------------------------------ */

/** Runs the model on the batch x (`rank` dims in `shape`, batch first) and writes its output, C order, to
 *  the caller's buffer y of y_capacity doubles; *y_rank and y_shape[0 .. *y_rank) receive the output shape
 *  (y_shape needs room for LRP_MAX_RANK entries). The model keeps the activations that lrp_relevance needs
 *  (replacing those of any earlier pass).
 *  Fails with LRP_ERR_ARGUMENT (NULL pointers, rank outside 1 .. LRP_MAX_RANK, a dimension < 1),
 *  LRP_ERR_SHAPE (x does not fit the first layer, a layer's input does not fit the previous layer's output,
 *  or y_capacity is smaller than the output; the message gives the shapes) or LRP_ERR_MEMORY. */
lrp_status lrp_forward(lrp_model *model, const double *x, int32_t rank, const int64_t *shape,
                       double *y, int64_t y_capacity, int32_t *y_rank, int64_t *y_shape);
/** lrp_forward with float arrays (y_capacity counts floats). */
lrp_status lrp_forward_f32(lrp_model *model, const float *x, int32_t rank, const int64_t *shape,
                           float *y, int64_t y_capacity, int32_t *y_rank, int64_t *y_shape);

/** Propagates the relevance r (shaped like the last forward pass's output, e.g. the output masked to one
 *  class) from the last layer to the first and writes the input relevance to rx (shaped like that pass's
 *  input). With rule NULL each layer uses its preset; otherwise `rule` with `param` applies to every layer.
 *  Fails with LRP_ERR_STATE (no forward pass yet), LRP_ERR_SHAPE (r_count is not the output's element count,
 *  or rx_capacity is smaller than the input's), LRP_ERR_ARGUMENT (NULL pointers, unknown rule, bad param). */
lrp_status lrp_relevance(lrp_model *model, const double *r, int64_t r_count, const char *rule, double param,
                         double *rx, int64_t rx_capacity);
/** lrp_relevance with float arrays. */
lrp_status lrp_relevance_f32(lrp_model *model, const float *r, int64_t r_count, const char *rule, double param,
                             float *rx, int64_t rx_capacity);

/** Sets the rule preset of layer `layer` (0 = first; -1: every layer) that lrp_relevance uses when it is
 *  given no rule. Presets on layers without parameters (Rect, Tanh, SoftMax, Flatten) are kept but have no
 *  effect, as in the toolbox. Fails with LRP_ERR_ARGUMENT for a NULL model or rule, an unknown rule name,
 *  a bad parameter (non-finite; ε < 0) or a layer index out of range; no preset changes then. */
lrp_status lrp_set_rule(lrp_model *model, int32_t layer, const char *rule, double param);

/** Reads the rule preset of layer `layer`: its canonical name into rule (NUL-terminated, `capacity` bytes)
 *  and its parameter into *param (0 for rules without one). */
lrp_status lrp_get_rule(const lrp_model *model, int32_t layer, char *rule, int64_t capacity, double *param);

/** Presets the rule of layer `layer` (-1: every layer) from a rule spec, e.g. "gamma:0.25" or
 *  "zb:low=0,high=1" (see the conventions above). Fails with LRP_ERR_ARGUMENT naming the spec's problem. */
lrp_status lrp_set_rule_spec(lrp_model *model, int32_t layer, const char *spec);

/** Writes the canonical rule spec of layer `layer`'s preset into buf (e.g. "gamma:gamma=0.25,epsilon=1e-06");
 *  lrp_set_rule_spec reads it back to the same rule. Fails with LRP_ERR_SHAPE when capacity is too small. */
lrp_status lrp_get_rule_spec(const lrp_model *model, int32_t layer, char *buf, int64_t capacity);

/** Presets LRP-zᴮ on layer `layer` (-1: every layer) with per-channel bounds low[0 .. count) and
 *  high[0 .. count) (count 1: one bound for all channels; else one per input channel, the last axis) and the
 *  stabilizer epsilon (1e-6 in zennit). Fails with LRP_ERR_ARGUMENT (low > high, non-finite values) or
 *  LRP_ERR_SHAPE (count < 1); a count that does not fit a layer's channels fails at the relevance call. */
lrp_status lrp_set_rule_bounds(lrp_model *model, int32_t layer, const double *low, const double *high, int64_t count,
                               double epsilon);

/** Presets every layer's rule from a composite: a name — "epsilon_plus", "epsilon_plus_flat",
 *  "epsilon_alpha2_beta1", "epsilon_alpha2_beta1_flat", "epsilon_gamma_box", "sequential_preset_a",
 *  "sequential_preset_b" (and their "_flat" forms), "lrp_cmp" — with `params` (NULL or "key=value,…":
 *  epsilon, stabilizer; gamma, low, high for epsilon_gamma_box (low/high required, lists allowed); alpha and
 *  flat_layers for lrp_cmp), or the path of a composite file (".json", see lrp_write_composite) whose segments
 *  set the rules of their layers — also a model saved by VisLRPDesigner or liblrp's designer ({"configuration":
 *  [{"x0": 1, "x1": 11, "alpha": 1, "beta": 0, "theta0": 0, …, "eps": 0}, …]}: 1-based inclusive layers, the
 *  later segment winning, each the unified rule of its ten parameters; "rule" (a rule spec) replaces them,
 *  method "z_beta" takes "low" and "high"). Dense (Linear) layers, convolutions and the first Linear/Convolution layer
 *  get the rules of spec/rules.md; pools and Add get norm, MaxPool its maximum, the others pass.
 *  Nothing changes on failure. */
lrp_status lrp_set_composite(lrp_model *model, const char *name_or_path, const char *params);

/** Writes the presets as a composite file: {"format": "liblrp-composite", "version": 1, "segments":
 *  [{"first": 0, "last": 2, "rule": "flat:epsilon=1e-06"}, …]}, runs of equal rules as one segment. */
lrp_status lrp_write_composite(const lrp_model *model, const char *path);

/** One relevance pass with more results than lrp_relevance: r (r_count values) is the relevance of the output
 *  of layer `start` (-1: the model output; layers after `start` take no part), propagated back with `rule`
 *  (NULL: the presets) through the stored forward pass. For each k < layer_count, outs[k] (outs[k] may be
 *  NULL to skip it; capacities[k] values) receives the relevance at the input of layer layers[k] (-1: the
 *  model input; for a merge node, the relevance of each of its inputs one after the other). When sums is not
 *  NULL it receives (layer_count_of_model + 1)·N values, N the batch: sums[i·N + n] is the total relevance
 *  layer i passes to its input(s) for sample n (NaN for layers the pass does not reach), and the last N the
 *  totals of r — a conservation diagnostic. Every buffer is checked before anything is written. */
lrp_status lrp_relevance_at(lrp_model *model, const double *r, int64_t r_count, const char *rule, double param,
                            int32_t start, const int32_t *layers, int32_t layer_count, double *const *outs,
                            const int64_t *capacities, double *sums, int64_t sums_capacity);
/** lrp_relevance_at with float arrays for r and outs (the sums stay double). */
lrp_status lrp_relevance_at_f32(lrp_model *model, const float *r, int64_t r_count, const char *rule, double param,
                                int32_t start, const int32_t *layers, int32_t layer_count, float *const *outs,
                                const int64_t *capacities, double *sums, int64_t sums_capacity);

/** Relevance for `targets` initial relevances of the same forward pass (e.g. the output masked to each of K
 *  classes): r holds targets × r_count values (one output-sized array after another), rx receives targets
 *  input-sized results in the same order. Each extra target costs one backward pass, no forward pass. */
lrp_status lrp_relevance_targets(lrp_model *model, const double *r, int32_t targets, int64_t r_count,
                                 const char *rule, double param, double *rx, int64_t rx_capacity);
/** lrp_relevance_targets with float arrays. */
lrp_status lrp_relevance_targets_f32(lrp_model *model, const float *r, int32_t targets, int64_t r_count,
                                     const char *rule, double param, float *rx, int64_t rx_capacity);

/* ---------------------------------------------------------------------------------------------------------
 * Building models and reaching their parameters
 * ------------------------------------------------------------------------------------------------------ */

/** Creates an empty model in *out (free it with lrp_model_free); add layers with lrp_model_append. */
lrp_status lrp_model_new(lrp_model **out);

/** Appends a layer (its parameters converted to the model's precision), reading the model's current output,
 *  described by its header line — the toolbox's
 *  "Linear m n", "Convolution hf wf df nf sh sw", "SumPool ph pw sh sw", "MaxPool ph pw sh sw", "Flatten",
 *  "Rect", "Tanh", "SoftMax", and liblrp's "AvgPool ph pw sh sw", "BatchNorm c", "Sigmoid",
 *  "Pad top bottom left right", "GlobalAvgPool", "Reshape d1 d2 …", "LRN size alpha beta k"; Convolution and
 *  the pools take options "pad=same" or "pad=t,b,l,r", "round=up", Convolution "groups=g", AvgPool
 *  "divisor=window|inside|padded" — with its weights and bias in C order (W m×n, hf×wf×df×nf or c values,
 *  B n, nf or c values; NULL and 0 for layers without parameters). Its rule preset is "simple". Fails with
 *  LRP_ERR_ARGUMENT (malformed description, NULL model), LRP_ERR_UNSUPPORTED (a merge node: use
 *  lrp_model_add_node) or LRP_ERR_SHAPE (wrong number of values); the model is then unchanged. */
lrp_status lrp_model_append(lrp_model *model, const char *layer, const double *weights, int64_t weight_count,
                            const double *bias, int64_t bias_count);

/** The kinds of node a header line can describe, one per line: the name, a tab, the form of the header line
 *  (e.g. "MaxPool ph pw sh sw [pad=same|pad=t,b,l,r] [round=up]"), a tab and the flags, comma-separated:
 *  "toolbox" for the toolbox's eight layers, "merge" for nodes reading several inputs (may be empty). Written
 *  into buf (NUL-terminated, `capacity` bytes); *needed receives the bytes required. With capacity 0 (buf may
 *  be NULL) the call only reports *needed. Fails with LRP_ERR_SHAPE when a non-zero capacity is too small
 *  (buf unchanged). */
lrp_status lrp_layer_kinds(char *buf, int64_t capacity, int64_t *needed);

/** Adds a node that becomes the model's output: a layer (described and given parameters as for
 *  lrp_model_append) or a merge node "Add" (element-wise sum) or "Concatenate" (along the last axis), reading
 *  the outputs of inputs[0 .. input_count) — earlier layers by index, -1 for the model input. name (NULL:
 *  "layer<i>") must be unique. A model stays a chain while every node reads the one before; otherwise it
 *  becomes a graph, which the functions of this header handle alike (per-layer functions refuse merge nodes).
 *  Fails with LRP_ERR_ARGUMENT (bad description, name or input index; a layer with several inputs) or
 *  LRP_ERR_SHAPE (wrong number of values); the model is then unchanged. */
lrp_status lrp_model_add_node(lrp_model *model, const char *name, const char *layer, const int32_t *inputs,
                              int32_t input_count, const double *weights, int64_t weight_count,
                              const double *bias, int64_t bias_count);

/** Writes the NUL-terminated name of layer `layer` into buf: the name the source gave it ("conv2d_1" for a
 *  Keras layer, "conv2d_1/relu" for its fused activation, the Caffe layer name) or "layer<i>".
 *  Fails with LRP_ERR_ARGUMENT (layer out of range) or LRP_ERR_SHAPE (capacity too small). */
lrp_status lrp_model_layer_name(const lrp_model *model, int32_t layer, char *buf, int64_t capacity);

/** Writes the indices of the layers whose outputs layer `layer` reads into inputs[0 .. *count) (-1: the model
 *  input; a chain's layer i reads i-1). Fails with LRP_ERR_SHAPE when capacity is too small (nothing is
 *  written). */
lrp_status lrp_model_layer_inputs(const lrp_model *model, int32_t layer, int32_t *inputs, int32_t capacity,
                                  int32_t *count);

/** The index of the layer whose output is the model output (the last layer of a chain); -1 for NULL or an
 *  empty model. */
int32_t    lrp_model_output_layer(const lrp_model *model);

/** The shape of one input sample (without the batch dimension) as the model's source declared it — Keras'
 *  input shape, Caffe's input dims C×H×W given as H×W×C — in *rank and shape[0 .. *rank) (LRP_MAX_RANK
 *  entries); *rank is 0 when the source declared none. */
lrp_status lrp_model_input_shape(const lrp_model *model, int32_t *rank, int64_t *shape);

/** Copies a model into *out: its layers with parameters of their own, and its rule presets (not the
 *  stored passes). */
lrp_status lrp_model_copy(const lrp_model *model, lrp_model **out);

/** Gives access to parameter `name` ("W" or "B") of layer `layer`: *data receives the address of the layer's
 *  own storage, *rank and shape[0 .. *rank) its shape (shape needs LRP_MAX_RANK entries). The storage is
 *  valid until the model is freed or converted (lrp_model_set_precision); writing it changes the layer
 *  (between calls, not during one). Fails with LRP_ERR_ARGUMENT for a layer without that parameter, or for a
 *  float32 model (its storage holds floats: lrp_layer_parameter_f32). */
lrp_status lrp_layer_parameter(lrp_model *model, int32_t layer, const char *name, double **data, int32_t *rank,
                               int64_t *shape);
/** lrp_layer_parameter for a float32 model (LRP_ERR_ARGUMENT for a float64 one). */
lrp_status lrp_layer_parameter_f32(lrp_model *model, int32_t layer, const char *name, float **data, int32_t *rank,
                                   int64_t *shape);

/** Copies `count` values into parameter `name` ("W" or "B") of layer `layer` (rounded to float for a float32
 *  model); count must be its size (LRP_ERR_SHAPE otherwise, and nothing is written). */
lrp_status lrp_layer_set_parameter(lrp_model *model, int32_t layer, const char *name, const double *data,
                                   int64_t count);

/* ---------------------------------------------------------------------------------------------------------
 * One layer at a time (what each module of the toolbox does on its own)
 * ------------------------------------------------------------------------------------------------------ */

/** Runs layer `layer` alone on x, writing its output to y as lrp_forward does. The layer keeps this input
 *  and output as its trace, replacing the one left by an earlier pass (full or single-layer). */
lrp_status lrp_layer_forward(lrp_model *model, int32_t layer, const double *x, int32_t rank, const int64_t *shape,
                             double *y, int64_t y_capacity, int32_t *y_rank, int64_t *y_shape);
/** lrp_layer_forward with float arrays. */
lrp_status lrp_layer_forward_f32(lrp_model *model, int32_t layer, const float *x, int32_t rank, const int64_t *shape,
                                 float *y, int64_t y_capacity, int32_t *y_rank, int64_t *y_shape);

/** The output shape of layer `layer` alone for an input of shape shape[0 .. rank) (no computation). */
lrp_status lrp_layer_output_shape(const lrp_model *model, int32_t layer, int32_t rank, const int64_t *shape,
                                  int32_t *out_rank, int64_t *out_shape);

/** Relevance through layer `layer` alone: r has as many values as the output of the layer's trace; rx
 *  receives relevance shaped like the trace's input. rule NULL: the layer's preset. */
lrp_status lrp_layer_relevance(lrp_model *model, int32_t layer, const double *r, int64_t r_count, const char *rule,
                               double param, double *rx, int64_t rx_capacity);
/** lrp_layer_relevance with float arrays. */
lrp_status lrp_layer_relevance_f32(lrp_model *model, int32_t layer, const float *r, int64_t r_count, const char *rule,
                                   double param, float *rx, int64_t rx_capacity);

/** The shape of the input (which = 0) or output (which = 1) of layer `layer`'s trace, into *rank and
 *  shape[0 .. *rank). Fails with LRP_ERR_STATE when the layer has not run. */
lrp_status lrp_layer_trace_shape(const lrp_model *model, int32_t layer, int32_t which, int32_t *rank, int64_t *shape);
/** The values of the input (which = 0) or output (which = 1) of layer `layer`'s trace — e.g. a layer's
 *  activations, or the logits entering a final SoftMax — into out (capacity values, at least the trace's count;
 *  lrp_layer_trace_shape gives its shape), converted to double. Fails with LRP_ERR_STATE when the layer has not
 *  run. */
lrp_status lrp_layer_trace(const lrp_model *model, int32_t layer, int32_t which, double *out, int64_t capacity);
/** lrp_layer_trace into a float array. */
lrp_status lrp_layer_trace_f32(const lrp_model *model, int32_t layer, int32_t which, float *out, int64_t capacity);

/* ---------------------------------------------------------------------------------------------------------
 * Training (the toolbox's backward and update, with its scaling factors)
 * ------------------------------------------------------------------------------------------------------ */

/** The backward pass through all layers for the gradient dy of the last output (dy_count values): keeps
 *  the parameter gradients in the traces and writes the gradient for the input to dx (shaped like the first
 *  layer's trace input). Linear layers scale it by sqrt(m)/sqrt(n) as the toolbox does. */
lrp_status lrp_backward(lrp_model *model, const double *dy, int64_t dy_count, double *dx, int64_t dx_capacity);

/** The backward pass of layer `layer` alone, through its trace. */
lrp_status lrp_layer_backward(lrp_model *model, int32_t layer, const double *dy, int64_t dy_count, double *dx,
                              int64_t dx_capacity);

/** One gradient step with learning rate `learning_rate` on layer `layer` (-1: every layer with parameters),
 *  from the gradients of the last backward pass: W −= lr·dW/sqrt(m), B −= lr·dB/n^(1/4) for Linear;
 *  W −= lr·DW/sqrt(hf·wf·df·Hout·Wout), B −= lr·DB/sqrt(Hout·Wout) for Convolution.
 *  Fails with LRP_ERR_STATE when a layer has no gradients. */
lrp_status lrp_update(lrp_model *model, int32_t layer, double learning_rate);

/** Forgets all traces and gradients (the stored activations), as the toolbox's clean() does. */
lrp_status lrp_model_clean(lrp_model *model);

/** What a training event reports (lrp_training_event.kind). */
typedef enum lrp_training_event_kind {
    LRP_TRAINING_BATCH      = 0,  /* every status/10 iterations: the batch's l1 loss */
    LRP_TRAINING_EVALUATION = 1,  /* every `status` iterations: accuracy and l1 loss on the evaluation data */
    LRP_TRAINING_PROGRESS   = 2,  /* at most ten times a second: message is a one-line progress bar */
    LRP_TRAINING_DONE       = 3   /* the end: the best state the model is left with */
} lrp_training_event_kind;

/** One report from lrp_train; `message` holds the toolbox's status line(s), valid during the callback. */
typedef struct lrp_training_event {
    int32_t kind;
    int64_t iteration, iterations;
    double loss, accuracy, learning_rate;
    double elapsed_seconds, remaining_seconds;
    const char *message;
} lrp_training_event;

/** Receives training events; returning non-zero stops training early (the best parameters are kept). */
typedef int32_t (*lrp_training_callback)(const lrp_training_event *event, void *context);

/** Transforms a batch of samples in place before its forward pass (e.g. adds noise); non-zero fails
 *  lrp_train with LRP_ERR_ARGUMENT. */
typedef int32_t (*lrp_batch_transform)(double *batch, int32_t rank, const int64_t *shape, void *context);

/** Options of lrp_train; lrp_training_options_init fills the toolbox's defaults. */
typedef struct lrp_training_options {
    int64_t size;                      /* sizeof(lrp_training_options), set by lrp_training_options_init */
    int64_t batch_size;                /* 25 */
    int64_t iterations;                /* 10000 */
    double learning_rate;              /* 0.005 */
    const char *learning_rate_decay;   /* NULL or "none", "sublinear" (1 - acc^2), "linear" (1 - acc) */
    double initial_factor;             /* 1.0 */
    int64_t status;                    /* 250: iterations between evaluations */
    int64_t convergence;               /* -1: evaluations without improvement before stopping (<= 0: never) */
    uint64_t seed;                     /* 0: the drawing of batches; same seed and data, same training */
    int32_t silent;                    /* without a callback: 0 prints status lines (and a progress bar on a
                                          terminal) to stdout, non-zero prints nothing */
    lrp_training_callback callback;    /* NULL, or receives every event (then nothing is printed) */
    void *callback_context;
    lrp_batch_transform transform;     /* NULL, or applied to each batch of samples */
    void *transform_context;
} lrp_training_options;

/** What lrp_train ended with. */
typedef struct lrp_training_result {
    int64_t best_iteration;            /* whose parameters the model has now (0: the initial ones) */
    double best_loss, best_accuracy;
    int64_t iterations_run;
} lrp_training_result;

/** Fills `options` with the toolbox's defaults (and its size). */
void lrp_training_options_init(lrp_training_options *options);

/** Trains the model in place as the toolbox's Sequential.train: each iteration draws batch_size distinct
 *  samples of x (N×…), runs forward, backward(Ypred − Y) and update(rate·factor); every `status` iterations
 *  it evaluates accuracy and l1 loss on (x_val, y_val) — or on (x, y) when x_val is NULL — and keeps the
 *  parameters with the lowest loss; the model ends with those — as in the toolbox, the parameters before the
 *  first iteration count as a state with loss +inf, so with fewer iterations than `status` the model ends
 *  unchanged (best iteration 0). y (and y_val) hold one row of targets per
 *  sample, shaped like the model's output. options NULL: the defaults. result may be NULL.
 *  If training fails part way, the best parameters so far are restored before the error is returned. */
lrp_status lrp_train(lrp_model *model, const double *x, int32_t x_rank, const int64_t *x_shape,
                     const double *y, int32_t y_rank, const int64_t *y_shape,
                     const double *x_val, int32_t x_val_rank, const int64_t *x_val_shape,
                     const double *y_val, int32_t y_val_rank, const int64_t *y_val_shape,
                     const lrp_training_options *options, lrp_training_result *result);

/** Accuracy (agreement of the row-wise argmax) and l1 loss Σ|Ypred − Y| / N of the model on (x, y). */
lrp_status lrp_evaluate(lrp_model *model, const double *x, int32_t x_rank, const int64_t *x_shape,
                        const double *y, int32_t y_rank, const int64_t *y_shape, double *accuracy, double *loss);

/* ---------------------------------------------------------------------------------------------------------
 * Evaluating explanations (spec/evaluation.md)
 * ------------------------------------------------------------------------------------------------------ */

/** Options of lrp_perturbation; lrp_perturbation_options_init fills the defaults. */
typedef struct lrp_perturbation_options {
    int64_t size;              /* sizeof(lrp_perturbation_options), set by lrp_perturbation_options_init */
    int64_t region;            /* 9: the side k of the k×k regions in pixels (1: pixel flipping) */
    int64_t steps;             /* 100: L; steps·regions_per_step must not exceed the number of regions */
    int64_t regions_per_step;  /* 1 */
    const char *order;         /* NULL or "morf" (most relevant first), "lerf", "random" (seeded) */
    const char *fill;          /* NULL or "uniform" (noise in [low, high]), "constant" (value), "mean" (the
                                  image's per-channel mean), "invert" (the value times −1) */
    double value;              /* the constant of "constant" */
    double low, high;          /* bounds of "uniform"; NaN (the default): the batch's smallest / largest input */
    uint64_t seed;             /* 0: seeds the random order and the noise */
    int32_t probabilities;     /* 0: score the logits (the input of a final SoftMax), non-zero: the output */
    int64_t batch_size;        /* perturbed inputs per forward pass; 0: 256, fewer for large inputs */
} lrp_perturbation_options;

/** Fills `options` with the defaults of spec/evaluation.md (and its size). */
void lrp_perturbation_options_init(lrp_perturbation_options *options);

/** Region perturbation (Samek et al. 2017): x is N×H×W×C, r its relevance (r_count N·H·W·C, or N·H·W pixel
 *  relevance); regions are replaced step by step in the order the options give and the target class's score
 *  recorded. targets: N class indices, or NULL for each sample's top class of the unperturbed input.
 *  Writes curves[N·(L+1)] (row n: sample n's scores, column 0 unperturbed; curves_count must be N·(L+1)) and,
 *  where not NULL, aopc[N] (1/(L+1)·Σ_k (s_0 − s_k) per sample), order[N·L·regions_per_step] (the regions in the
 *  order replaced, numbered row by row), replacement[N·H·W·C] (the values perturbed pixels take) and scored[N]
 *  (the class scored per sample); each count must be its size. All N·(L+1) inputs run through the model in
 *  batches; the model's stored pass is kept. */
lrp_status lrp_perturbation(lrp_model *model, const double *x, int32_t rank, const int64_t *shape, const double *r,
                            int64_t r_count, const int32_t *targets, const lrp_perturbation_options *options,
                            double *curves, int64_t curves_count, double *aopc, int64_t aopc_count, int32_t *order,
                            int64_t order_count, double *replacement, int64_t replacement_count, int32_t *scored,
                            int64_t scored_count);

/** Masked flipping (VisLRPDesigner 2.4): the pixels of x (N×H×W×C) where mask (mask_count N·H·W, or H·W: one
 *  mask for every sample; non-zero flips) is set are replaced in all channels as options->fill says — NULL
 *  options or fill: "invert" (×−1); value, low, high, seed and probabilities as for lrp_perturbation; no other
 *  field is read. Writes before[N·classes] and after[N·classes] (the scores for x and for the flipped x: logits,
 *  or the model's output with probabilities;
 *  output_count must be N·classes), and where not NULL top_before[N·top] and top_after[N·top] (each sample's
 *  `top` best classes, best first, ties to the lower class; top_count must be N·top, 1 ≤ top ≤ classes) and
 *  flipped[N·H·W·C]. The model's stored pass is kept. */
lrp_status lrp_flip(lrp_model *model, const double *x, int32_t rank, const int64_t *shape, const uint8_t *mask,
                    int64_t mask_count, const lrp_perturbation_options *options, int32_t top, double *before,
                    double *after, int64_t output_count, int32_t *top_before, int32_t *top_after, int64_t top_count,
                    double *flipped, int64_t flipped_count);

/** Localization scores (Kohlbrenner et al. 2020, spec/evaluation.md) of relevance r — N×H×W×C (rank 4) or pixel
 *  relevance N×H×W (rank 3), read in place — against boxes: box_count rows of five values (sample, top, left,
 *  bottom, right) in pixels, bottom and right exclusive; every sample needs at least one box and several are
 *  united. With R⁺ = max(Σ_c r, 0), writes where not NULL mu[N] = Σ_inside R⁺ / Σ R⁺ (NaN without positive
 *  relevance), mu_w[N] = μ · S_tot / S_in and inside[N] = S_in / S_tot (the uniform attribution's μ); count
 *  must be N. A box that is empty, outside the image or of no sample is an error naming it. */
lrp_status lrp_localization(const double *r, int32_t rank, const int64_t *shape, const int64_t *boxes, int64_t box_count,
                            double *mu, double *mu_w, double *inside, int64_t count);
/** lrp_localization for float relevance. */
lrp_status lrp_localization_f32(const float *r, int32_t rank, const int64_t *shape, const int64_t *boxes,
                                int64_t box_count, double *mu, double *mu_w, double *inside, int64_t count);

/* Neurons and channels (VisLRPDesigner 2.5, Concept Relevance Propagation). A channel of a layer is one entry of
 * the last axis of its output: a unit of a Linear layer, a feature map of a convolution. These functions use the
 * stored forward pass; r is the relevance of the model output (as for lrp_relevance; rule NULL: the presets). */

/** Per sample and channel of `layer` (count = N·channels, row-major N×C), where not NULL: positive[] = Σ max(R_l, 0),
 *  negative[] = Σ min(R_l, 0) over the channel's positions, with R_l the relevance at the layer's output, and
 *  activation[] = Σ of the layer's output. One backward pass, from the output down to the layer. */
lrp_status lrp_channel_statistics(lrp_model *model, const double *r, int64_t r_count, const char *rule, double param,
                                  int32_t layer, double *positive, double *negative, double *activation, int64_t count);

/** Conditional relevance: for each of `sets` channel sets of `layer` (set k holds set_sizes[k] entries of
 *  `channels`, the sets one after the other), the relevance at the model input that flows through those channels
 *  only — R_l masked to them and propagated down (relevance passing the layer by on parallel branches of a graph
 *  is left out). out[k·input count …] receives set k's; out_count must hold sets × the input's values. One
 *  backward pass to the layer, then one per set. */
lrp_status lrp_relevance_conditional(lrp_model *model, const double *r, int64_t r_count, const char *rule, double param,
                                     int32_t layer, const int32_t *channels, const int32_t *set_sizes, int32_t sets,
                                     double *out, int64_t out_count);

/** A forward pass with the outputs of chosen channels set to 0: for i < layer_count, channel_counts[i] entries of
 *  `channels` (the lists one after the other) of layer layers[i]; every later layer sees 0 there. Output as for
 *  lrp_forward; the model and its stored pass are not changed. */
lrp_status lrp_forward_ablated(lrp_model *model, const double *x, int32_t rank, const int64_t *shape,
                               const int32_t *layers, const int32_t *channel_counts, const int32_t *channels,
                               int32_t layer_count, double *y, int64_t y_capacity, int32_t *y_rank, int64_t *y_shape);

/* ---------------------------------------------------------------------------------------------------------
 * PatternNet and PatternAttribution (spec/patterns.md; iNNvestigate 1.0.8's numerics)
 *
 * A kernel layer is a Linear or Convolution layer; kernel k is the model's k-th (0 = first) in layer order.
 * Its pattern A has the kernel's shape (Linear m×n, Convolution hf×wf×df×nf) and holds one signal direction per
 * output neuron (a convolution's neuron is its output channel, each output position and image one sample).
 * Fitting is one pass over data: compute statistics per batch, merge them (exactly: they are sums), then set
 * the patterns. The rules "pattern_net" (the gradient with A in place of W; an image-shaped signal at a kernel
 * layer's input is divided per sample by its largest magnitude, as iNNvestigate projects it) and
 * "pattern_attribution" (the gradient with A ⊙ W) then run wherever a rule is taken. Patterns travel in the
 * model archive (lrp_model_write, format "npz").
 * ------------------------------------------------------------------------------------------------------ */

/** The pattern statistics of the batch x (shaped as for lrp_forward) in a new object *out: per kernel layer, over
 *  all samples n (images × output positions) with input patch x, y_j = w_j·x and m_j = [w_j·x + b_j > 0]:
 *  N, Σ m_j, Σ x, Σ y_j, Σ m_j·x, Σ m_j·x·y_j and Σ x·y_j. One forward pass; the model's stored pass is kept.
 *  Fails with LRP_ERR_ARGUMENT for a model without kernel layers. */
lrp_status lrp_pattern_statistics_compute(lrp_model *model, const double *x, int32_t rank, const int64_t *shape,
                                          lrp_pattern_statistics **out);
/** lrp_pattern_statistics_compute with a float batch. */
lrp_status lrp_pattern_statistics_compute_f32(lrp_model *model, const float *x, int32_t rank, const int64_t *shape,
                                              lrp_pattern_statistics **out);

/** Adds the sums of `other` (the same model's statistics of other data) to `into`; LRP_ERR_SHAPE when their
 *  layers differ. */
lrp_status lrp_pattern_statistics_merge(lrp_pattern_statistics *into, const lrp_pattern_statistics *other);

/** The samples N the statistics hold for the first kernel layer (-1 for NULL). */
int64_t    lrp_pattern_statistics_samples(const lrp_pattern_statistics *statistics);

/** Writes statistics to `path` as an npz (layers.npy, kernel{k}/samples.npy, …; replaced atomically), and reads
 *  them back into a new object: fitting split over processes or machines merges the files. */
lrp_status lrp_pattern_statistics_write(const lrp_pattern_statistics *statistics, const char *path);
lrp_status lrp_pattern_statistics_read(const char *path, lrp_pattern_statistics **out);

/** Frees statistics (NULL is allowed and does nothing). */
void       lrp_pattern_statistics_free(lrp_pattern_statistics *statistics);

/** The patterns of `type` — "relu" (NULL; alias "relu.positive": fitted on the samples with m_j = 1),
 *  "relu.negative" (m_j = 0) or "linear" (all samples) — computed from `statistics` as a_j = cov_j / (w_jᵀcov_j),
 *  cov_j = E_m[x·y_j] − E_m[x]·E[y_j] (E[y_j] over all samples; a zero count or denominator counts as 1; zero
 *  outside a neuron's channel group), set as the model's patterns. statistics NULL clears every pattern. */
lrp_status lrp_model_set_patterns(lrp_model *model, const lrp_pattern_statistics *statistics, const char *type);

/** Writes kernel `kernel`'s pattern of `type` computed from `statistics` for `model` to out (count: the kernel's
 *  element count) without setting it. */
lrp_status lrp_pattern_statistics_pattern(const lrp_pattern_statistics *statistics, lrp_model *model, const char *type,
                                          int32_t kernel, double *out, int64_t count);

/** The layer indices of the kernel layers into layers[0 .. *count) (capacity 0: only *count is reported). */
lrp_status lrp_model_kernel_layers(lrp_model *model, int32_t *layers, int32_t capacity, int32_t *count);

/** Kernel `kernel`'s pattern into out (count: the kernel's element count, C order of its shape); *present is 1,
 *  or 0 (out unchanged) when the layer has none. */
lrp_status lrp_model_pattern(lrp_model *model, int32_t kernel, double *out, int64_t count, int32_t *present);

/** Sets kernel `kernel`'s pattern from values (count: the kernel's element count, finite), or clears it for
 *  values NULL. */
lrp_status lrp_model_set_pattern(lrp_model *model, int32_t kernel, const double *values, int64_t count);

/** The quality ρ(S) = 1 − max_v corr(vᵀ(x − S(x)), y) (seed 003, section 4) of a signal estimator on the data x
 *  (held out from fitting), per neuron: rho[count] with count the total neurons of all kernel layers, kernel by
 *  kernel. estimator: "identity" (S_x: ρ = 1), "filter" (S_w), "linear" (S_a) and "relu" (S_a+−, both components)
 *  from `statistics` (required for these two), or "random" (a standard normal direction per neuron from `seed`).
 *  ρ = 1 − √R² with R² the multiple correlation of the least-squares regression (with intercept) of y on the
 *  distractor over all samples, a neuron's inputs restricted to its channel group. neurons > 0 scores that many
 *  neurons per layer (chosen from seed) and writes NaN for the others; a neuron constant on x is NaN. */
lrp_status lrp_pattern_quality(lrp_model *model, const double *x, int32_t rank, const int64_t *shape,
                               const char *estimator, const lrp_pattern_statistics *statistics, uint64_t seed,
                               int32_t neurons, double *rho, int64_t count);

/* ---------------------------------------------------------------------------------------------------------
 * Arrays in files (inputs, relevance maps, data sets)
 * ------------------------------------------------------------------------------------------------------ */

/** Reads an array from `path` into a new array object (free it with lrp_array_free), converting its numbers
 *  to float64 and its layout to C order. format: "npy", "npz", "mat" (MATLAB v5, compressed or not), "txt"
 *  (whitespace-separated rows, as numpy.loadtxt reads them), "binaryproto" (a Caffe BlobProto such as a mean
 *  image, in the blob's shape: N×C×H×W for the legacy fields; reading only) or NULL to infer it from the
 *  extension.
 *  key: the member of an npz or mat file (NULL: the only array of an npz, "data" for a mat file); ignored
 *  for npy and txt. Fails with LRP_ERR_IO, LRP_ERR_FORMAT (the message says what is malformed),
 *  LRP_ERR_ARGUMENT (NULL path/out, unknown format, key not found: the message lists the keys) or
 *  LRP_ERR_UNSUPPORTED (e.g. object arrays, complex numbers). */
lrp_status lrp_array_read(const char *path, const char *format, const char *key, lrp_array **out);

/** Writes the float64 array data (shape shape[0 .. rank), C order) to `path` in `format` ("npy", "npz" with
 *  the member name "arr_0", "mat" with the variable name "data", "txt" for rank 1 or 2; NULL: from the
 *  extension). The file is replaced atomically. */
lrp_status lrp_array_write(const char *path, const char *format, const double *data, int32_t rank,
                           const int64_t *shape);

/** The names of the arrays in an npz or mat file, one per line, into buf (NUL-terminated, `capacity` bytes);
 *  *needed receives the bytes required. With capacity 0 (buf may be NULL) the call only reports *needed.
 *  For npy and txt files the list is empty. Fails with LRP_ERR_SHAPE when a non-zero capacity is too small
 *  (buf unchanged). */
lrp_status lrp_array_keys(const char *path, const char *format, char *buf, int64_t capacity, int64_t *needed);

/** Frees an array read by lrp_array_read. */
void       lrp_array_free(lrp_array *array);            /* NULL is allowed and does nothing */

/** The rank of `array`. */
int32_t    lrp_array_rank(const lrp_array *array);      /* -1 for NULL */

/** The shape of `array`: lrp_array_rank(array) entries, owned by the array. */
const int64_t *lrp_array_shape(const lrp_array *array); /* NULL for NULL */

/** The number of elements of `array` (the product of its shape). */
int64_t    lrp_array_count(const lrp_array *array);     /* -1 for NULL */

/** The elements of `array` in C order, owned by the array and valid until lrp_array_free. */
const double *lrp_array_data(const lrp_array *array);   /* NULL for NULL */

/* ---------------------------------------------------------------------------------------------------------
 * Rendering (the LRP Toolbox's render module): images are RGB, height×width×3 doubles in [0, 1]
 * ------------------------------------------------------------------------------------------------------ */

/** Renders a relevance map as the toolbox's hm_to_rgb: r (height×width values) is, for named colour maps
 *  and when `normalize` is non-zero, divided by its largest magnitude and shifted to [0, 1]; enlarged so each
 *  value becomes a scaling×scaling block; and coloured with `cmap` (NULL: "jet"; also "binary", "gray",
 *  "bwr", "seismic", "coolwarm", "hot", zennit's "coldnhot" (cyan, blue, black at 0, red, yellow, white) and
 *  the toolbox's "gray-red", "black-green", "blue-black-yellow", "black-firered", "gray-red2"). With x (height×width, else NULL) the Canny edges of the enlarged x, with
 *  `sigma`, are painted black on top. rgb receives (height·scaling)·(width·scaling)·3 values. */
lrp_status lrp_render_heatmap(const double *r, int64_t height, int64_t width, const double *x, int32_t scaling,
                              double sigma, const char *cmap, int32_t normalize, double *rgb, int64_t rgb_capacity);

/** Renders an input as the toolbox's digit_to_rgb: x (height×width values) enlarged by `scaling` and
 *  coloured with `cmap` (NULL: "binary"). */
lrp_status lrp_render_digit(const double *x, int64_t height, int64_t width, int32_t scaling, const char *cmap,
                            double *rgb, int64_t rgb_capacity);

/** Renders `text` (capitals, digits, common punctuation; lower case as capitals) black on white in a 5×7
 *  pixel font scaled by `scale`, into rgb (height×width×3 values). *height and *width receive the size;
 *  with capacity 0 (rgb may be NULL) the call only reports them. */
lrp_status lrp_render_text(const char *text, int32_t scale, double *rgb, int64_t capacity, int64_t *height,
                           int64_t *width);

/* Rendering for a person to read (1.9): relevance centred on zero, inputs in their colours, overlays, colour bars.
 * Colour maps for relevance: "bwr" (NULL), "seismic", "coldnhot", "coolwarm" and "jet"; each maps zero relevance to
 * its centre colour. */

/** Renders a relevance map centred on zero: r (height×width values) divided by its largest finite magnitude,
 *  shifted to [0, 1], enlarged by `scaling` and coloured with `cmap` (NULL: "bwr"); non-finite values are black.
 *  A map without a non-zero finite value is drawn in the centre colour with "ALL ZERO" (or "0" where that does
 *  not fit) written across it. rgb receives (height·scaling)·(width·scaling)·3 values; *scale (if not NULL) the
 *  largest magnitude, the value the map's ends stand for (0 for an all-zero map). */
lrp_status lrp_render_relevance(const double *r, int64_t height, int64_t width, int32_t scaling, const char *cmap,
                                double *rgb, int64_t rgb_capacity, double *scale);

/** Renders an input image: x (height×width×channels values, channels 1 for grey or 3 for RGB, row-major)
 *  mapped linearly from [low, high] to [0, 1] (clamped; NaN black) and enlarged by `scaling`; rgb receives
 *  (height·scaling)·(width·scaling)·3 values. */
lrp_status lrp_render_image(const double *x, int64_t height, int64_t width, int32_t channels, double low, double high,
                            int32_t scaling, double *rgb, int64_t rgb_capacity);

/** Lays a rendered heatmap over its rendered image (both height×width×3): rgb = (1 − opacity)·image +
 *  opacity·heatmap, opacity from 0 to 1. rgb may be either input. */
lrp_status lrp_render_overlay(const double *heatmap, const double *image, int64_t height, int64_t width, double opacity,
                              double *rgb, int64_t rgb_capacity);

/** Renders a horizontal colour bar `length` pixels long for relevance from `low` to `high`, coloured as
 *  lrp_render_relevance colours it (v / max(|low|, |high|)), with the values low, 0 (where inside and room) and
 *  high written below it in the 5×7 font at `scale` (three significant digits). *height and *width receive the
 *  size (width = length); with capacity 0 (rgb may be NULL) the call only reports them. Fails when the labels do
 *  not fit the length. */
lrp_status lrp_render_colorbar(const char *cmap, double low, double high, int64_t length, int32_t scale, double *rgb,
                               int64_t rgb_capacity, int64_t *height, int64_t *width);

/** Writes an RGB image (height×width×3 values in [0, 1]) as a PNG file, each value times 255 truncated to 8
 *  bits as the toolbox's save_image does; when `bytes` is not NULL it receives those height·width·3 bytes.
 *  The file is replaced atomically. */
lrp_status lrp_image_write(const char *path, const double *rgb, int64_t height, int64_t width, uint8_t *bytes);

#ifdef __cplusplus
}
#endif

#endif /* LRP_H */
