#include "Explainer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <sstream>

namespace demonstrator {

namespace {

/// The first word of a layer's description ("Convolution", "MaxPool", …).
std::string layer_kind(lrp_model *model, int layer) {
    char text[512] = {0};
    check(lrp_model_layer_describe(model, layer, text, sizeof text), "describing layer " + std::to_string(layer));
    std::istringstream words(text);
    std::string kind;
    words >> kind;
    return kind;
}

std::int64_t product(const std::int64_t *shape, int rank) {
    std::int64_t n = 1;
    for (int i = 0; i < rank; ++i) n *= shape[i];
    return n;
}

std::string describe(const CaffeLayer &layer, int index) {
    return "layer " + std::to_string(index) + " '" + layer.name + "' (" + layer.type + ")";
}

}  // namespace

Explainer::Explainer(const Config &config, const MeanImage &mean) : numclasses_(config.numclasses) {
    lrp_model *model = nullptr;
    check(lrp_model_import(config.param_file.c_str(), config.model_file.c_str(), "caffe", nullptr, &model),
          "reading the net '" + config.param_file + "' with '" + config.model_file + "'");
    model_ = Model(model);
    int32_t rank = 0;
    int64_t shape[LRP_MAX_RANK] = {0};
    check(lrp_model_input_shape(model_.get(), &rank, shape), "the net's input shape");
    if (rank != 3) throw Failure("the net '" + config.param_file + "' does not read images (its input has rank " + std::to_string(rank) + ")");
    if (shape[0] > 65536 || shape[1] > 65536) throw Failure("the net's input of " + std::to_string(shape[0]) + "×" + std::to_string(shape[1]) + " pixels is too large");
    height_ = static_cast<int>(shape[0]), width_ = static_cast<int>(shape[1]), channels_ = static_cast<int>(shape[2]);
    if (channels_ != 3 && channels_ != 1) {
        throw Failure("the net '" + config.param_file + "' reads " + std::to_string(channels_) +
                      " channels; the demonstrator feeds images as BGR (3) or grey (1)");
    }
    int64_t declared[LRP_MAX_RANK] = {0};
    check(lrp_caffe_input_shape(config.param_file.c_str(), &rank, declared), "the net's declared input");
    declared_batch_ = static_cast<int>(std::clamp<int64_t>(declared[0], 1, 4096));

    if (config.baseimgsize < std::max(height_, width_)) {
        throw Failure("baseimgsize " + std::to_string(config.baseimgsize) + " is smaller than the net's input (" + std::to_string(height_) +
                      "×" + std::to_string(width_) + "): images would not fill it");
    }
    if (mean.channels != channels_) {
        throw Failure("the mean image has " + std::to_string(mean.channels) + " channels, the net reads " + std::to_string(channels_));
    }
    if (mean.height < height_ || mean.width < width_) {
        throw Failure("the mean image (" + std::to_string(mean.height) + "×" + std::to_string(mean.width) +
                      ") is smaller than the net's input (" + std::to_string(height_) + "×" + std::to_string(width_) + ")");
    }
    formula_ = FormulaType::of(config);
    read_numbering(config);
    resolve_layers(config);
    set_rules(config, mean);
}

void Explainer::read_numbering(const Config &config) {
    int64_t needed = 0;
    check(lrp_caffe_layers(config.param_file.c_str(), model_.get(), nullptr, 0, &needed), "numbering the net's layers");
    std::string text(static_cast<std::size_t>(needed), '\0');
    check(lrp_caffe_layers(config.param_file.c_str(), model_.get(), text.data(), needed, &needed), "numbering the net's layers");
    text.resize(text.find('\0'));
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        const std::size_t a = line.find('\t'), b = line.rfind('\t');
        if (a == std::string::npos || b == a) throw Failure("unexpected layer line from liblrp: " + line);
        CaffeLayer layer;
        layer.name = line.substr(0, a);
        layer.type = line.substr(a + 1, b - a - 1);
        layer.model_layer = std::stoi(line.substr(b + 1));
        caffe_.push_back(layer);
    }
}

void Explainer::resolve_layers(const Config &config) {
    const int count = static_cast<int>(caffe_.size());
    if (config.lastlayerindex == -1) {
        const auto softmax = std::find_if(caffe_.begin(), caffe_.end(), [](const CaffeLayer &l) { return l.type == "Softmax"; });
        if (softmax == caffe_.end()) throw Failure("lastlayerindex -1 asks for the layer below the lowest Softmax, and the net has no Softmax");
        last_ = static_cast<int>(softmax - caffe_.begin()) - 1;
    } else if (config.lastlayerindex == -2) {
        last_ = -1;
        for (int i = 0; i < count; ++i) if (caffe_[i].type == "InnerProduct") last_ = i;
        if (last_ < 0) throw Failure("lastlayerindex -2 asks for the highest InnerProduct layer, and the net has none");
    } else {
        last_ = config.lastlayerindex;
        if (last_ >= count) {
            throw Failure("lastlayerindex " + std::to_string(last_) + " is not a layer of the net (Caffe numbers its layers 0 … " +
                          std::to_string(count - 1) + ")");
        }
    }
    first_ = config.firstlayerindex;
    if (last_ < 0 || first_ >= last_) {
        throw Failure("firstlayerindex " + std::to_string(first_) + " must be below the start layer " + std::to_string(last_) +
                      (last_ >= 0 ? " " + describe(caffe_[last_], last_) : std::string()));
    }
    start_ = caffe_[last_].model_layer;
    if (start_ < 0) throw Failure("the start layer, " + describe(caffe_[last_], last_) + ", computes nothing the net's output depends on");
    target_ = caffe_[first_].model_layer;
    if (target_ == -2 || target_ > start_) {
        throw Failure("firstlayerindex " + std::to_string(first_) + ", " + describe(caffe_[first_], first_) +
                      ", is not a layer the relevance from the start layer passes");
    }
    if (target_ >= 0) {
        int32_t inputs[8], read = 0;
        check(lrp_model_layer_inputs(model_.get(), target_, inputs, 8, &read), "the inputs of " + describe(caffe_[first_], first_));
        if (read != 1) throw Failure("firstlayerindex " + std::to_string(first_) + ", " + describe(caffe_[first_], first_) + ", reads several blobs");
    }
}

void Explainer::set_rules(const Config &config, const MeanImage &mean) {
    lrp_model *model = model_.get();
    if (!formula_.every_layer.empty()) {
        check(lrp_set_rule_spec(model, -1, formula_.every_layer.c_str()), "setting the rule " + formula_.every_layer);
        return;
    }
    check(lrp_set_rule_spec(model, -1, "simple"), "setting the rules");
    const int layers = lrp_model_layer_count(model);
    // Each liblrp layer's Caffe index: the lowest Caffe layer whose top it computes.
    std::vector<int> caffe_index(layers, -1);
    for (int k = static_cast<int>(caffe_.size()) - 1; k >= 0; --k) {
        const int l = caffe_[k].model_layer;
        if (l >= 0 && l < layers) caffe_index[l] = k;
    }
    int zb_layer = -1;
    for (int l = 0; l < layers; ++l) {
        const std::string kind = layer_kind(model, l);
        if (kind != "Convolution" && kind != "Linear") continue;
        if (caffe_index[l] < 0) throw Failure("layer " + std::to_string(l) + " of the model (" + kind + ") is no layer of the prototxt");
        if (formula_.first_layer_zb && zb_layer < 0 && caffe_index[l] >= first_) {
            zb_layer = l;
            continue;
        }
        const std::string rule = formula_.kernel_rule(config, kind == "Convolution", caffe_index[l]);
        check(lrp_set_rule_spec(model, l, rule.c_str()), "setting the rule " + rule + " on " + describe(caffe_[caffe_index[l]], caffe_index[l]));
    }
    if (formula_.first_layer_zb) {
        if (target_ != -1 || zb_layer < 0) {
            throw Failure("relpropformulatype " + std::to_string(formula_.type) + " puts zB on the layer reading the pixels; firstlayerindex " +
                          std::to_string(first_) + " does not take the relevance there");
        }
        // The box every input lies in: pixel values 0 … 255 less the mean, per channel over the crop.
        std::vector<double> low(channels_, 0.0), high(channels_, 0.0);
        const int top = (mean.height - height_) / 2, left = (mean.width - width_) / 2;
        for (int c = 0; c < channels_; ++c) {
            double lo = mean.at(c, top, left), hi = lo;
            for (int h = 0; h < height_; ++h) {
                for (int w = 0; w < width_; ++w) {
                    lo = std::min(lo, mean.at(c, top + h, left + w));
                    hi = std::max(hi, mean.at(c, top + h, left + w));
                }
            }
            low[c] = -hi;
            high[c] = 255.0 - lo;
        }
        check(lrp_set_rule_bounds(model, zb_layer, low.data(), high.data(), channels_, 1e-12), "setting zB on the first layer");
    }
}

std::vector<ImageOutputs> Explainer::explain(const std::vector<NetworkImage> &images, const std::vector<int> &class_codes) {
    lrp_model *model = model_.get();
    const int64_t n = static_cast<int64_t>(images.size());
    const int64_t per_image = int64_t(height_) * width_ * channels_;
    std::vector<double> x;
    x.reserve(static_cast<std::size_t>(n * per_image));
    for (const NetworkImage &image : images) x.insert(x.end(), image.input.begin(), image.input.end());
    const int64_t shape[4] = {n, height_, width_, channels_};
    int32_t rank = 0;
    int64_t out_shape[LRP_MAX_RANK] = {0};
    check(lrp_model_output_shape(model, 4, shape, &rank, out_shape), "the net's output");
    std::vector<double> y(static_cast<std::size_t>(product(out_shape, rank)));
    check(lrp_forward(model, x.data(), 4, shape, y.data(), static_cast<int64_t>(y.size()), &rank, out_shape), "the forward pass");
    const int64_t outputs = static_cast<int64_t>(y.size()) / n;
    if (numclasses_ > outputs) {
        throw Failure("numclasses " + std::to_string(numclasses_) + " is more than the net's " + std::to_string(outputs) + " outputs");
    }

    // The start layer's output holds the scores that initialize the relevance.
    check(lrp_layer_trace_shape(model, start_, 1, &rank, out_shape), "the start layer's output");
    std::vector<double> scores(static_cast<std::size_t>(product(out_shape, rank)));
    check(lrp_layer_trace(model, start_, 1, scores.data(), static_cast<int64_t>(scores.size())), "the start layer's output");
    const int64_t width = static_cast<int64_t>(scores.size()) / n;

    std::vector<ImageOutputs> results(images.size());
    std::vector<double> r(scores.size(), 0.0);
    for (int64_t i = 0; i < n; ++i) {
        const double *values = &y[static_cast<std::size_t>(i * outputs)];
        std::vector<int> order(numclasses_);
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return values[a] > values[b]; });
        for (int k = 0; k < std::min(10, numclasses_); ++k) results[i].top_scores.emplace_back(order[k], values[order[k]]);
        std::vector<int> classes;
        const int code = class_codes[static_cast<std::size_t>(i)];
        if (code == -1) classes = {order[0]};
        else if (code == -2) classes.assign(order.begin(), order.begin() + std::min(5, numclasses_));
        else classes = {code};
        for (int c : classes) {
            if (c >= width) {
                throw Failure("class " + std::to_string(c) + " is not an output of the start layer " + describe(caffe_[last_], last_) + ", which has " +
                              std::to_string(width));
            }
            r[static_cast<std::size_t>(i * width + c)] = scores[static_cast<std::size_t>(i * width + c)];
        }
    }

    int64_t target_shape[LRP_MAX_RANK] = {0};
    int32_t target_rank = 4;
    if (target_ < 0) {
        std::copy(shape, shape + 4, target_shape);
    } else {
        check(lrp_layer_trace_shape(model, target_, 0, &target_rank, target_shape), "the relevance layer's input");
    }
    std::vector<double> relevance(static_cast<std::size_t>(product(target_shape, target_rank)));
    double *outs[1] = {relevance.data()};
    const int64_t capacities[1] = {static_cast<int64_t>(relevance.size())};
    const int32_t layers[1] = {target_};
    check(lrp_relevance_at(model, r.data(), static_cast<int64_t>(r.size()), nullptr, 0, start_, layers, 1, outs, capacities, nullptr, 0),
          "the relevance pass");

    for (const double v : relevance) {
        if (!std::isfinite(v)) {
            throw Failure("the relevance is not finite (relpropformulatype " + std::to_string(formula_.type) +
                          "; an extreme epsstab or alphabeta_beta overflows)");
        }
    }
    // Per image: channels last (liblrp) to channel planes in RGB order (Caffe's BGR reversed).
    int C = 1, H = 1, W = static_cast<int>(relevance.size() / n);
    if (target_rank == 4) C = static_cast<int>(target_shape[3]), H = static_cast<int>(target_shape[1]), W = static_cast<int>(target_shape[2]);
    const std::size_t plane = static_cast<std::size_t>(H) * W;
    for (int64_t i = 0; i < n; ++i) {
        RawHeatmap &map = results[i].relevance;
        map.channels = C, map.height = H, map.width = W;
        map.values.assign(plane * C, 0.0);
        const double *from = &relevance[static_cast<std::size_t>(i) * plane * C];
        for (std::size_t p = 0; p < plane; ++p) {
            double norm = 0;
            for (int c = 0; c < C; ++c) norm += from[p * C + c] * from[p * C + c];
            norm = std::sqrt(norm);
            for (int c = 0; c < C; ++c) map.values[c * plane + p] = formula_.sensitivity ? norm : from[p * C + (C - 1 - c)];
        }
        results[i].shown = images[static_cast<std::size_t>(i)].shown;
        results[i].shown_height = height_, results[i].shown_width = width_;
    }
    return results;
}

}  // namespace demonstrator
