// The mean image subtracted from every input, read in the three forms of use_mean_file_asbinaryprotoblob.
#pragma once

#include <string>
#include <vector>

namespace demonstrator {

/// A mean image, channels in the network's (Caffe's BGR) order.
struct MeanImage {
    int channels = 0, height = 0, width = 0;
    std::vector<double> values;  ///< channels × height × width, row-major

    /// The value of channel c at row h, column w.
    double at(int c, int h, int w) const {
        return values[(static_cast<std::size_t>(c) * height + h) * width + w];
    }

    /// Reads `path` in `form`: 0 the toolbox's text form ("C H W", then for each channel its values column by
    /// column: for each w, for each h; channel 0 first, in BGR order), 1 a Caffe .binaryproto (BGR, as
    /// compute_image_mean writes it), 2 a .binaryproto whose channels are RGB (reversed here). Throws Failure
    /// naming the file and what is wrong.
    static MeanImage read(const std::string &path, int form);
};

}  // namespace demonstrator
