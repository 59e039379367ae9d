// A Caffe net read by liblrp, set up as the configuration asks: the layer to start from and the layer to take
// the relevance at (Caffe layer indices), and the formula type's rules on every layer. Explains batches of
// prepared images.
#pragma once

#include <string>
#include <vector>

#include "Config.hpp"
#include "FormulaType.hpp"
#include "Lrp.hpp"
#include "MeanImage.hpp"
#include "NetworkImage.hpp"
#include "Outputs.hpp"

namespace demonstrator {

/// One layer of the Caffe net as Caffe numbers it.
struct CaffeLayer {
    std::string name, type;
    int model_layer = -2;  ///< the liblrp layer computing its top (-1: the input; -2: none)
};

class Explainer {
public:
    /// Reads the net and its weights and prepares the relevance pass; throws Failure naming the setting or
    /// file at fault.
    Explainer(const Config &config, const MeanImage &mean);

    int input_height() const { return height_; }
    int input_width() const { return width_; }
    int input_channels() const { return channels_; }
    /// The batch size the prototxt declares (the parallel mode's batch).
    int declared_batch() const { return declared_batch_; }
    /// Caffe's layer index of the start layer and of the layer whose input relevance is taken.
    int start_index() const { return last_; }
    int first_index() const { return first_; }
    const std::vector<CaffeLayer> &caffe_layers() const { return caffe_; }

    /// The outputs of each image with its class code (-1, -2, k), one forward and one relevance pass for the
    /// batch. Throws Failure for a class index the start layer does not have.
    std::vector<ImageOutputs> explain(const std::vector<NetworkImage> &images, const std::vector<int> &class_codes);

private:
    void read_numbering(const Config &config);
    void resolve_layers(const Config &config);
    void set_rules(const Config &config, const MeanImage &mean);

    Model model_;
    FormulaType formula_;
    std::vector<CaffeLayer> caffe_;
    int height_ = 0, width_ = 0, channels_ = 0, declared_batch_ = 1;
    int numclasses_ = 0;
    int last_ = 0, first_ = 0;     ///< Caffe layer indices
    int start_ = 0, target_ = -1;  ///< liblrp layers: where relevance starts, at whose input it is taken
};

}  // namespace demonstrator
