"""`Model`: a liblrp model handle with numpy in and out. Every method is one C call plus marshalling."""

import ctypes
from ctypes import POINTER, byref, c_double, c_float, c_int32, c_void_p

import numpy as np

from . import _capi
from ._capi import INT32, INT64, check, dims, doubles, integer, integers, lib, new_shape, read_shape, shape_of, text


def _layer(layer, name="layer"):
    """A layer index checked for the int32_t the C functions take (an LRPArgumentError otherwise)."""
    return integer(layer, name, INT32)


class Model:
    """A network held by liblrp: layers, rule presets and what each layer kept from its last pass.

    A model computes in float64 (the default) or float32 (`dtype`, `astype`): its passes take arrays of any
    float dtype, convert them once to the model's, and return arrays of the model's dtype."""

    def __init__(self, handle):
        self._handle = c_void_p(handle)

    def __del__(self):
        handle = getattr(self, "_handle", None)
        if handle is not None and handle.value:
            lib.lrp_model_free(handle)
            self._handle = None

    # -- creating ---------------------------------------------------------------------------------------

    @classmethod
    def read(cls, path, fmt=None, dtype=None):
        """Reads a model file ("txt": the toolbox's plain-text format, "npz": liblrp's model archive, "keras":
        a full Keras .h5; None: from the extension), in `dtype` (None: float64)."""
        handle = c_void_p()
        if dtype is None:
            check(lib.lrp_model_read(_capi.path(path), text(fmt), byref(handle)))
        else:
            check(lib.lrp_model_read_as(_capi.path(path), text(fmt), _capi.precision(dtype), byref(handle)))
        return cls(handle.value)

    @classmethod
    def import_(cls, path, companion=None, fmt=None, options=None):
        """Reads a model that may come in two files (lrp_model_import): a Keras .h5 (with its architecture
        JSON as `companion` for weights-only files), a Caffe prototxt with its weights, or liblrp's formats.
        options: None or "batchnorm=keep"."""
        handle = c_void_p()
        check(lib.lrp_model_import(_capi.path(path), None if companion is None else _capi.path(companion), text(fmt),
                                   text(options), byref(handle)))
        return cls(handle.value)

    @classmethod
    def new(cls, dtype=None):
        """An empty model (in `dtype`, None: float64; appended layers are converted to it)."""
        handle = c_void_p()
        check(lib.lrp_model_new(byref(handle)))
        model = cls(handle.value)
        if dtype is not None:
            model.set_precision(dtype)
        return model

    # -- precision --------------------------------------------------------------------------------------

    @property
    def dtype(self):
        """The numpy dtype the model computes in: float64 or float32."""
        value = c_int32(0)
        check(lib.lrp_model_precision(self._handle, byref(value)))
        return _capi.DTYPE[value.value]

    def set_precision(self, dtype):
        """Converts the model in place to `dtype` (np.float64 or np.float32); parameter views taken before
        (`parameter`) no longer belong to it."""
        check(lib.lrp_model_set_precision(self._handle, _capi.precision(dtype)))
        self._output = None

    def astype(self, dtype):
        """A copy of the model in `dtype` (presets kept, no stored passes), as numpy's astype."""
        model = self.copy()
        model.set_precision(dtype)
        return model

    def _reals(self, array):
        """`array` as a C-contiguous array of the model's dtype, with the C functions taking it."""
        single = self.dtype == np.float32
        return np.ascontiguousarray(array, dtype=np.float32 if single else np.float64), single

    def append(self, header, *parameters):
        """Appends a layer given by its text-format header line ("Linear 3 2", "Rect") and its parameters."""
        arrays = [doubles(p) for p in parameters] + [None, None]
        w, b = arrays[0], arrays[1]
        check(lib.lrp_model_append(self._handle, text(header),
                                   None if w is None else w.ctypes.data, 0 if w is None else w.size,
                                   None if b is None else b.ctypes.data, 0 if b is None else b.size))

    def add_node(self, name, header, inputs, *parameters):
        """Adds a node reading the layers `inputs` (indices, -1: the model input) that becomes the output:
        a layer given by its header line and parameters, or a merge ("Add", "Concatenate")."""
        arrays = [doubles(p) for p in parameters] + [None, None]
        w, b = arrays[0], arrays[1]
        inputs = integers(inputs, "inputs", INT32)
        sources = (ctypes.c_int32 * max(1, len(inputs)))(*inputs)
        check(lib.lrp_model_add_node(self._handle, text(name), text(header), sources, len(inputs),
                                     None if w is None else w.ctypes.data, 0 if w is None else w.size,
                                     None if b is None else b.ctypes.data, 0 if b is None else b.size))

    def copy(self):
        """A copy with parameters of its own (and the same presets), without the stored passes."""
        handle = c_void_p()
        check(lib.lrp_model_copy(self._handle, byref(handle)))
        return Model(handle.value)

    def write(self, path, fmt=None):
        """Writes the model ("txt", "npz", or None: from the extension)."""
        check(lib.lrp_model_write(self._handle, _capi.path(path), text(fmt)))

    # -- describing -------------------------------------------------------------------------------------

    def __len__(self):
        return lib.lrp_model_layer_count(self._handle)

    def describe(self, layer):
        """Layer `layer`'s header line, e.g. "Convolution 5 5 1 10 1 1"."""
        buffer = ctypes.create_string_buffer(256)
        check(lib.lrp_model_layer_describe(self._handle, _layer(layer), buffer, len(buffer)))
        return buffer.value.decode()

    def name(self, layer):
        """Layer `layer`'s name ("conv2d_1", or "layer<i>")."""
        buffer = ctypes.create_string_buffer(1024)
        check(lib.lrp_model_layer_name(self._handle, _layer(layer), buffer, len(buffer)))
        return buffer.value.decode()

    def inputs(self, layer):
        """The layers layer `layer` reads (-1: the model input)."""
        buffer = (ctypes.c_int32 * 4096)()
        count = ctypes.c_int32(0)
        check(lib.lrp_model_layer_inputs(self._handle, _layer(layer), buffer, len(buffer), byref(count)))
        return [int(buffer[i]) for i in range(count.value)]

    def output_layer(self):
        """The index of the layer whose output is the model output."""
        return lib.lrp_model_output_layer(self._handle)

    def final_softmax(self):
        """The index of the output layer when it is a SoftMax with one input (whose scores, the logits, LRP
        explains), else None."""
        last = self.output_layer()
        return last if self.describe(last).split()[0] == "SoftMax" and len(self.inputs(last)) == 1 else None

    def is_chain(self):
        """True when every layer reads the one before and the last one is the output."""
        n = len(self)
        return self.output_layer() == n - 1 and all(self.inputs(i) == [i - 1] for i in range(n))

    def input_shape(self):
        """The shape of one input sample the model's source declared (None if it declared none)."""
        rank, shape = new_shape()
        check(lib.lrp_model_input_shape(self._handle, byref(rank), shape))
        return read_shape(rank, shape) or None

    def output_shape(self, input_shape):
        """The output shape for an input of `input_shape` (no computation)."""
        rank, shape = new_shape()
        input_dims = dims(input_shape, "input_shape")
        check(lib.lrp_model_output_shape(self._handle, len(input_dims), input_dims, byref(rank), shape))
        return read_shape(rank, shape)

    def trace_shape(self, layer, which):
        """The shape of the input (which=0) or output (which=1) layer `layer` kept from its last pass."""
        rank, shape = new_shape()
        check(lib.lrp_layer_trace_shape(self._handle, _layer(layer), integer(which, "which"), byref(rank), shape))
        return read_shape(rank, shape)

    def trace(self, layer, which=1):
        """The values layer `layer` kept from its last pass: its input (which=0) or output (which=1, the
        default — e.g. a layer's activations), in the model's dtype."""
        layer = _layer(layer)
        shape = self.trace_shape(layer, which)
        single = self.dtype == np.float32
        out = np.empty(shape, dtype=np.float32 if single else np.float64)
        function = lib.lrp_layer_trace_f32 if single else lib.lrp_layer_trace
        check(function(self._handle, layer, integer(which, "which"), out, out.size))
        return out

    # -- parameters and presets -------------------------------------------------------------------------

    def parameter(self, layer, name):
        """Parameter `name` ("W", "B") of layer `layer` as a numpy view of the layer's own storage: writing
        it changes the model. The view keeps the model alive."""
        single = self.dtype == np.float32
        element = c_float if single else c_double
        data = POINTER(element)()
        rank, shape = new_shape()
        function = lib.lrp_layer_parameter_f32 if single else lib.lrp_layer_parameter
        check(function(self._handle, _layer(layer), text(name), byref(data), byref(rank), shape))
        parameter_shape = read_shape(rank, shape)
        count = int(np.prod(parameter_shape))
        buffer = (element * count).from_address(ctypes.addressof(data.contents))
        buffer._owner = self  # the numpy array's base holds the buffer, which holds the model
        return np.frombuffer(buffer, dtype=np.float32 if single else np.float64).reshape(parameter_shape)

    def set_parameter(self, layer, name, values):
        """Copies `values` (exactly the parameter's size) into parameter `name` of layer `layer`."""
        values = doubles(values)
        check(lib.lrp_layer_set_parameter(self._handle, _layer(layer), text(name), values, values.size))

    def set_rule(self, layer, rule, param=0.0):
        """Presets layer `layer`'s rule (-1: every layer)."""
        check(lib.lrp_set_rule(self._handle, _layer(layer), text(rule), float(param)))

    def rule(self, layer):
        """Layer `layer`'s preset as (name, parameter)."""
        buffer = ctypes.create_string_buffer(64)
        param = c_double()
        check(lib.lrp_get_rule(self._handle, _layer(layer), buffer, len(buffer), byref(param)))
        return buffer.value.decode(), param.value

    def set_rule_spec(self, layer, spec):
        """Presets layer `layer`'s rule from a rule spec (-1: every layer)."""
        check(lib.lrp_set_rule_spec(self._handle, _layer(layer), text(spec)))

    def rule_spec(self, layer):
        """Layer `layer`'s preset as its canonical rule spec."""
        buffer = ctypes.create_string_buffer(1 << 16)
        check(lib.lrp_get_rule_spec(self._handle, _layer(layer), buffer, len(buffer)))
        return buffer.value.decode()

    def set_composite(self, name_or_path, params=None):
        """Presets every layer from a named composite (params "key=value,…") or a composite file."""
        check(lib.lrp_set_composite(self._handle, text(name_or_path), text(params)))

    def write_composite(self, path):
        """Writes the presets as a composite file."""
        check(lib.lrp_write_composite(self._handle, _capi.path(path)))

    # -- passes -----------------------------------------------------------------------------------------

    def forward(self, x, layer=None, ablate=None):
        """The output for the batch x (of all layers, or of layer `layer` alone); the layers keep their traces.
        `ablate` ({layer: channels, …}) sets those channels of those layers' outputs to 0 for this pass only
        (the model and its stored pass are not changed)."""
        if ablate is not None:
            if layer is not None:
                from .errors import LRPArgumentError
                raise LRPArgumentError("ablate runs the whole model; it cannot be combined with layer", 1)
            return self._forward_ablated(x, ablate)
        if layer is not None:
            layer = _layer(layer)
        x, single = self._reals(x)
        x_dims = shape_of(x)
        rank, shape = new_shape()
        if layer is None:
            y = np.empty(int(np.prod(self.output_shape(x.shape))), dtype=x.dtype)
            function = lib.lrp_forward_f32 if single else lib.lrp_forward
            check(function(self._handle, x, x.ndim, x_dims, y, y.size, byref(rank), shape))
        else:
            y = np.empty(int(np.prod(self.layer_output_shape(layer, x.shape))), dtype=x.dtype)
            function = lib.lrp_layer_forward_f32 if single else lib.lrp_layer_forward
            check(function(self._handle, layer, x, x.ndim, x_dims, y, y.size, byref(rank), shape))
        y = y.reshape(read_shape(rank, shape))
        if layer is None:
            self._output = y
        return y

    def _forward_ablated(self, x, ablate):
        x = doubles(x)
        layers, counts, channels = [], [], []
        for layer, chosen in dict(ablate).items():
            chosen = [chosen] if np.isscalar(chosen) else list(chosen)
            layers.append(_layer(layer))
            counts.append(len(chosen))
            channels.extend(integers(chosen, "channels of layer %r" % (layer,)))
        layers, counts = np.asarray(layers, dtype=np.int32), np.asarray(counts, dtype=np.int32)
        channels = np.asarray(channels, dtype=np.int32)
        y = np.empty(int(np.prod(self.output_shape(x.shape))))
        rank, shape = new_shape()
        check(lib.lrp_forward_ablated(self._handle, x, x.ndim, shape_of(x), layers.ctypes.data_as(c_void_p),
                                      counts.ctypes.data_as(c_void_p), channels.ctypes.data_as(c_void_p), layers.size, y,
                                      y.size, byref(rank), shape))
        return y.reshape(read_shape(rank, shape)).astype(self.dtype, copy=False)

    def channel_statistics(self, r, layer, rule=None, param=0.0):
        """Per sample and channel of `layer` (N×C arrays): positive and negative relevance and activation sums
        (VisLRPDesigner's neuron charts), for the relevance r of the output of the last forward pass."""
        from .evaluate import ChannelStatistics
        r = doubles(r)
        layer = _layer(layer)
        n = self.forward_output().shape[0]
        channels = self.trace_shape(layer, 1)[-1]
        out = [np.empty((n, channels)) for _ in range(3)]
        check(lib.lrp_channel_statistics(self._handle, r, r.size, text(rule), float(param), layer,
                                         *[o.ctypes.data_as(c_void_p) for o in out], out[0].size))
        return ChannelStatistics(*out)

    def relevance_conditional(self, r, layer, channels, rule=None, param=0.0):
        """Conditional relevance (CRP): for each entry of `channels` — a channel, or a list of channels — the
        input relevance flowing only through those channels of `layer`; an array K×(input shape)."""
        r = doubles(r)
        layer = _layer(layer)
        sets = [[c] if np.isscalar(c) else list(c) for c in channels]
        if not sets:
            from .errors import LRPArgumentError
            raise LRPArgumentError("channels is empty: give at least one channel or channel set", 1)
        sizes = np.asarray([len(c) for c in sets], dtype=np.int32)
        flat = np.asarray([v for c in sets for v in integers(c, "channels")], dtype=np.int32)
        input_shape = self.trace_shape(0, 0)
        out = np.empty((len(sets),) + tuple(input_shape))
        check(lib.lrp_relevance_conditional(self._handle, r, r.size, text(rule), float(param), layer,
                                            flat.ctypes.data_as(c_void_p), sizes.ctypes.data_as(c_void_p), len(sets),
                                            out, out.size))
        return out.astype(self.dtype, copy=False)

    # PatternNet and PatternAttribution (lrp.patterns)

    def kernel_layers(self):
        """The indices of the kernel layers (Linear, Convolution): the layers with patterns."""
        from . import patterns
        return patterns.kernel_layers(self)

    def pattern_statistics(self, batch):
        """The pattern statistics (lrp.patterns.PatternStatistics) of one batch; merge them with .merge."""
        from . import patterns
        return patterns.pattern_statistics(self, batch)

    def fit_patterns(self, data, pattern_type="relu", batch_size=256, progress=None):
        """Fits and sets the patterns on an array or an iterable of batches (lrp.patterns.fit_patterns)."""
        from . import patterns
        return patterns.fit_patterns(self, data, pattern_type, batch_size, progress)

    @property
    def patterns(self):
        """The patterns, one per kernel layer (None where unset)."""
        from . import patterns
        return patterns.patterns(self)

    def set_patterns(self, values):
        """Sets the patterns (one array or None per kernel layer, each in its kernel's shape)."""
        from . import patterns
        patterns.set_patterns(self, values)

    def save_patterns(self, file):
        """Writes the patterns as iNNvestigate does: np.savez(file, *patterns)."""
        from . import patterns
        patterns.save_patterns(self, file)

    def load_patterns(self, file):
        """Reads and sets patterns from iNNvestigate's layout or a liblrp model archive."""
        from . import patterns
        return patterns.load_patterns(self, file)

    def pattern_quality(self, x, estimator, statistics=None, seed=0, neurons=None):
        """ρ(S) per kernel layer and neuron on held-out x (lrp.patterns.pattern_quality)."""
        from . import patterns
        return patterns.pattern_quality(self, x, estimator, statistics, seed, neurons)

    def forward_output(self):
        """The output of the last full forward pass."""
        output = getattr(self, "_output", None)
        if output is None:
            from .errors import LRPStateError
            raise LRPStateError("no forward pass yet: call forward first", 5)
        return output

    def layer_output_shape(self, layer, input_shape):
        """The output shape of layer `layer` alone for an input of `input_shape`."""
        rank, shape = new_shape()
        input_dims = dims(input_shape, "input_shape")
        check(lib.lrp_layer_output_shape(self._handle, _layer(layer), len(input_dims), input_dims, byref(rank), shape))
        return read_shape(rank, shape)

    def relevance(self, r, rule=None, param=0.0, layer=None):
        """Relevance of the input for the relevance r of the output, through all layers or layer `layer`.
        rule None: the presets (lrp_set_rule)."""
        layer = None if layer is None else _layer(layer)
        r, single = self._reals(r)
        first = 0 if layer is None else layer
        out = np.empty(self.trace_shape(first, 0), dtype=r.dtype)
        rule_text, param = text(rule), float(param)
        if layer is None:
            function = lib.lrp_relevance_f32 if single else lib.lrp_relevance
            check(function(self._handle, r, r.size, rule_text, param, out, out.size))
        else:
            function = lib.lrp_layer_relevance_f32 if single else lib.lrp_layer_relevance
            check(function(self._handle, layer, r, r.size, rule_text, param, out, out.size))
        return out

    def relevance_at(self, r, layers, rule=None, param=0.0, start=-1, sums=False):
        """One relevance pass from layer `start`'s output (-1: the model output) returning the relevance at the
        input of each of `layers` (-1: the model input), and with sums=True also the per-layer totals
        ((layers + 1) × N: each layer's input, then the start)."""
        layers = integers(layers, "layers", INT32)
        start = _layer(start, "start")
        r, single = self._reals(r)
        shapes = []
        for i in layers:
            if i == -1:
                shapes.append(self.trace_shape(0, 0))
            else:
                n_inputs = len(self.inputs(i))
                shapes.append(self.trace_shape(i, 0) if n_inputs == 1 else None)
        outs = []
        for i, shape in zip(layers, shapes):
            if shape is None:  # a merge node: the relevance of all its inputs, flat
                total = sum(int(np.prod(self.trace_shape(j, 1))) if j >= 0 else int(np.prod(self.trace_shape(0, 0)))
                            for j in self.inputs(i))
                outs.append(np.empty(total, dtype=r.dtype))
            else:
                outs.append(np.empty(shape, dtype=r.dtype))
        pointers = (c_void_p * max(1, len(outs)))(*[o.ctypes.data for o in outs])
        capacities = (ctypes.c_int64 * max(1, len(outs)))(*[o.size for o in outs])
        indices = (ctypes.c_int32 * max(1, len(layers)))(*layers)
        batch = self.trace_shape(0, 0)[0]
        totals = np.empty((len(self) + 1) * batch, dtype=np.float64) if sums else None
        function = lib.lrp_relevance_at_f32 if single else lib.lrp_relevance_at
        check(function(self._handle, r, r.size, text(rule), float(param), start, indices, len(layers),
                       pointers, capacities, None if totals is None else totals.ctypes.data,
                       0 if totals is None else totals.size))
        if sums:
            return outs, totals.reshape(len(self) + 1, batch)
        return outs

    def relevance_targets(self, rs, rule=None, param=0.0):
        """Relevance for several initial relevances (K × output shape) of the last forward pass: K × input shape."""
        rs, single = self._reals(rs)
        k = rs.shape[0]
        out = np.empty((k,) + self.trace_shape(0, 0), dtype=rs.dtype)
        function = lib.lrp_relevance_targets_f32 if single else lib.lrp_relevance_targets
        check(function(self._handle, rs, k, rs.size // k, text(rule), float(param), out, out.size))
        return out

    def backward(self, dy, layer=None):
        """The gradient for the input (through all layers or layer `layer`), keeping parameter gradients."""
        layer = None if layer is None else _layer(layer)
        dy = doubles(dy)
        out = np.empty(self.trace_shape(0 if layer is None else layer, 0), dtype=np.float64)
        if layer is None:
            check(lib.lrp_backward(self._handle, dy, dy.size, out, out.size))
        else:
            check(lib.lrp_layer_backward(self._handle, layer, dy, dy.size, out, out.size))
        return out

    def update(self, learning_rate, layer=-1):
        """One gradient step (layer -1: every layer with parameters)."""
        check(lib.lrp_update(self._handle, _layer(layer), float(learning_rate)))

    def clean(self):
        """Forgets every layer's trace and gradients."""
        check(lib.lrp_model_clean(self._handle))



class _Training:
    """The callbacks of one lrp_train call: status output into sys.stdout, the batch transform, and any
    exception raised in them (re-raised after the call)."""

    def __init__(self, silent, transform):
        import sys
        self.out = sys.stdout
        self.silent = silent
        self.terminal = hasattr(self.out, "isatty") and self.out.isatty()
        self.bar = False
        self.error = None
        self.transform = transform
        self.on_event = _capi.TRAINING_CALLBACK(self._event)
        self.on_batch = _capi.BATCH_TRANSFORM(self._batch) if transform is not None else _capi.BATCH_TRANSFORM()

    def _event(self, event, context):
        try:
            e = event.contents
            message = e.message.decode("utf-8", "replace")
            if self.silent:
                return 0
            if e.kind == 2:  # progress bar, on terminals only
                if self.terminal:
                    self.out.write("\r" + message)
                    self.out.flush()
                    self.bar = True
                return 0
            if self.bar:
                self.out.write("\r\x1b[K")
                self.bar = False
            print(message, file=self.out, flush=True)
            return 0
        except BaseException as error:  # e.g. KeyboardInterrupt: stop training, re-raise afterwards
            self.error = self.error or error
            return 1

    def _batch(self, data, rank, shape, context):
        try:
            dims = tuple(shape[i] for i in range(rank))
            batch = np.ctypeslib.as_array(data, shape=dims)
            result = np.asarray(self.transform(batch.copy()), dtype=np.float64)
            if result.shape != dims:
                raise ValueError("transform returned shape %s for a batch of shape %s" % (result.shape, dims))
            batch[...] = result
            return 0
        except BaseException as error:
            self.error = self.error or error
            return 1


def train(model, x, y, x_val=None, y_val=None, batch_size=25, iterations=10000, learning_rate=0.005,
          learning_rate_decay=None, initial_factor=1.0, status=250, convergence=-1, seed=0, transform=None,
          silent=False):
    """Trains `model` (a Model) in place with lrp_train; returns (best iteration, loss, accuracy, iterations run)."""
    x, y = doubles(x), doubles(y)
    options = _capi.TrainingOptions()
    lib.lrp_training_options_init(byref(options))
    options.batch_size = integer(batch_size, "batch_size", INT64)
    options.iterations = integer(iterations, "iterations", INT64)
    options.learning_rate = float(learning_rate)
    options.learning_rate_decay = text(learning_rate_decay)
    options.initial_factor = float(initial_factor)
    options.status = integer(status, "status", INT64)
    options.convergence = integer(convergence, "convergence", INT64)
    options.seed = integer(seed, "seed", (INT64[0], (1 << 64) - 1)) % (1 << 64)
    options.silent = 1 if silent else 0
    session = _Training(silent, transform)
    options.callback = session.on_event
    options.transform = session.on_batch
    result = _capi.TrainingResult()
    if x_val is not None and y_val is not None:
        # Named locals keep the arrays and their shape vectors alive during the call.
        xv, yv = doubles(x_val), doubles(y_val)
        xv_shape, yv_shape = shape_of(xv), shape_of(yv)
        validation = (xv.ctypes.data, xv.ndim, xv_shape.ctypes.data, yv.ctypes.data, yv.ndim, yv_shape.ctypes.data)
    else:
        validation = (None, 0, None, None, 0, None)
    status_code = lib.lrp_train(model._handle, x, x.ndim, shape_of(x), y, y.ndim, shape_of(y), *validation,
                                byref(options), byref(result))
    if session.error is not None:
        raise session.error
    check(status_code)
    return result.best_iteration, result.best_loss, result.best_accuracy, result.iterations_run


def evaluate(model, x, y):
    """(accuracy, l1 loss) of `model` on (x, y)."""
    x, y = doubles(x), doubles(y)
    accuracy, loss = c_double(), c_double()
    check(lib.lrp_evaluate(model._handle, x, x.ndim, shape_of(x), y, y.ndim, shape_of(y), byref(accuracy), byref(loss)))
    return accuracy.value, loss.value
