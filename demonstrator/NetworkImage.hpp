// An image file made into the network's input as the toolbox's demonstrator makes it: resized so that its
// longer side is baseimgsize (ImageMagick's resize), cropped at the centre to the network's input size (a side
// that is too short is padded by repeating its edge pixels), values in 0 … 255, the mean image's centre
// subtracted, channels in Caffe's BGR order (or grey for a one-channel network).
#pragma once

#include <string>
#include <vector>

#include "MeanImage.hpp"

namespace demonstrator {

/// One prepared image.
struct NetworkImage {
    int height = 0, width = 0, channels = 0;  ///< the network's input size
    std::vector<double> input;  ///< height × width × channels, BGR (or grey), mean subtracted: what the net reads
    std::vector<double> shown;  ///< height × width × 3, RGB in 0 … 1: the crop before the mean is subtracted

    /// Prepares the image file `path` for an input of height × width × channels (1 or 3) with `mean` (at least
    /// as large as the input, `channels` channels). Throws Failure naming the file when it does not decode or
    /// is larger than 2^28 pixels.
    static NetworkImage prepare(const std::string &path, int baseimgsize, int height, int width, int channels,
                                const MeanImage &mean);
};

}  // namespace demonstrator
