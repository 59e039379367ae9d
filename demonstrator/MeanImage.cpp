#include "MeanImage.hpp"

#include <cmath>
#include <cstdint>
#include <sstream>

#include "Lrp.hpp"
#include "Text.hpp"

namespace demonstrator {

namespace {

/// Mean images larger than this many values are refused (a 16384² RGB mean is 2^29·1.5).
constexpr std::int64_t kMaxValues = std::int64_t(1) << 28;

MeanImage read_text(const std::string &path) {
    const std::vector<std::string> words = tokens(read_file(path, "the mean file", std::size_t(1) << 28));
    MeanImage mean;
    if (words.size() < 3 || !parse_int(words[0], mean.channels) || !parse_int(words[1], mean.height) ||
        !parse_int(words[2], mean.width) || mean.channels < 1 || mean.height < 1 || mean.width < 1) {
        throw Failure("the mean file '" + path + "' does not start with its size \"C H W\" (three integers >= 1)");
    }
    if (mean.channels > 4096 || mean.height > 65536 || mean.width > 65536 ||
        std::int64_t(mean.channels) * mean.height * mean.width > kMaxValues) {
        throw Failure("the mean file '" + path + "' declares " + words[0] + "×" + words[1] + "×" + words[2] + " values, more than " +
                      std::to_string(kMaxValues));
    }
    const std::int64_t count = std::int64_t(mean.channels) * mean.height * mean.width;
    if (static_cast<std::int64_t>(words.size()) - 3 != count) {
        throw Failure("the mean file '" + path + "' holds " + std::to_string(words.size() - 3) + " values, its size " + words[0] + " " +
                      words[1] + " " + words[2] + " needs " + std::to_string(count));
    }
    mean.values.assign(static_cast<std::size_t>(count), 0.0);
    std::size_t k = 3;
    for (int c = 0; c < mean.channels; ++c) {
        for (int w = 0; w < mean.width; ++w) {
            for (int h = 0; h < mean.height; ++h, ++k) {
                double v = 0;
                if (!parse_double(words[k], v)) {
                    throw Failure("the mean file '" + path + "': value " + std::to_string(k - 2) + " '" + words[k] + "' is not a finite number");
                }
                mean.values[(static_cast<std::size_t>(c) * mean.height + h) * mean.width + w] = v;
            }
        }
    }
    return mean;
}

MeanImage read_blob(const std::string &path, bool reversed) {
    lrp_array *array = nullptr;
    check(lrp_array_read(path.c_str(), "binaryproto", nullptr, &array), "the mean file");
    struct Free {
        lrp_array *a;
        ~Free() { lrp_array_free(a); }
    } owned{array};
    const int rank = lrp_array_rank(array);
    const std::int64_t *shape = lrp_array_shape(array);
    std::int64_t dims[3] = {0, 0, 0};
    if (rank == 4 && shape[0] == 1) {
        dims[0] = shape[1], dims[1] = shape[2], dims[2] = shape[3];
    } else if (rank == 3) {
        dims[0] = shape[0], dims[1] = shape[1], dims[2] = shape[2];
    } else {
        std::ostringstream text;
        for (int i = 0; i < rank; ++i) text << (i ? "×" : "") << shape[i];
        throw Failure("the mean file '" + path + "' holds a blob of shape " + text.str() + ", not one C×H×W image");
    }
    if (dims[0] < 1 || dims[1] < 1 || dims[2] < 1 || dims[0] > 4096 || dims[1] > 65536 || dims[2] > 65536) {
        throw Failure("the mean file '" + path + "' has an image of size " + std::to_string(dims[0]) + "×" + std::to_string(dims[1]) +
                      "×" + std::to_string(dims[2]));
    }
    MeanImage mean;
    mean.channels = static_cast<int>(dims[0]);
    mean.height = static_cast<int>(dims[1]);
    mean.width = static_cast<int>(dims[2]);
    const double *data = lrp_array_data(array);
    const std::size_t plane = static_cast<std::size_t>(mean.height) * mean.width;
    mean.values.resize(plane * mean.channels);
    for (int c = 0; c < mean.channels; ++c) {
        const int from = reversed ? mean.channels - 1 - c : c;
        for (std::size_t i = 0; i < plane; ++i) {
            const double v = data[from * plane + i];
            if (!std::isfinite(v)) {
                throw Failure("the mean file '" + path + "': value " + std::to_string(from * plane + i + 1) + " is not a finite number");
            }
            mean.values[c * plane + i] = v;
        }
    }
    return mean;
}

}  // namespace

MeanImage MeanImage::read(const std::string &path, int form) {
    switch (form) {
    case 0: return read_text(path);
    case 1: return read_blob(path, false);
    case 2: return read_blob(path, true);
    default: throw Failure("use_mean_file_asbinaryprotoblob " + std::to_string(form) + " is not 0, 1 or 2");
    }
}

}  // namespace demonstrator
