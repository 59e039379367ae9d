// The four files the demonstrator writes per image, named after the image's full file name:
// <name>_rawhm.txt, <name>_heatmap.png, <name>_as_inputted_into_the_dnn.png and <name>_top10scores.txt.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace demonstrator {

/// A relevance map as the toolbox writes it: channels × height × width, channel 0 red (RGB order).
struct RawHeatmap {
    int channels = 0, height = 0, width = 0;
    std::vector<double> values;  ///< channels × height × width, row-major
};

/// The outputs of one image.
struct ImageOutputs {
    RawHeatmap relevance;
    std::vector<double> shown;  ///< the input as the network saw it, height × width × 3 RGB in 0 … 1
    int shown_height = 0, shown_width = 0;
    std::vector<std::pair<int, double>> top_scores;  ///< (class index, score), highest first
};

/// outpath + "/" + the part of `image` from the first occurrence of `rootpath` on; throws Failure when
/// `image` does not contain rootpath.
std::string output_name(const std::string &image, const std::string &outpath, const std::string &rootpath);

/// The heatmap picture of `relevance`: v the mean over its channels divided by the largest v; v > 0 yellow
/// (R = G = v), v < 0 blue (B = −v, at most 1); black everywhere when no v is positive. height × width × 3.
std::vector<double> heatmap_picture(const RawHeatmap &relevance);

/// Writes the outputs of one image under `name` (folders created). Each file is written beside its final
/// name first and all four are renamed into place only when every one was written, so a failure leaves no
/// partial output. `pictures` false: only the two text files ("minimal output").
void write_outputs(const std::string &name, const ImageOutputs &outputs, bool pictures);

}  // namespace demonstrator
