#include "NetworkImage.hpp"

#include <Magick++.h>
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "Lrp.hpp"

namespace demonstrator {

namespace {

constexpr std::int64_t kMaxPixels = std::int64_t(1) << 28;

/// The source position of output position p along an axis of `size` cropped or padded to `target`.
int source(int p, int size, int target) {
    if (size >= target) return p + (size - target) / 2;
    return std::clamp(p - (target - size) / 2, 0, size - 1);
}

/// Pings (size only) or reads `path`. A corrupt-image warning (a truncated JPEG, a broken PNG chunk) fails like an
/// error; other warnings (e.g. an incorrect colour profile) leave the image as read.
void load(Magick::Image &image, const std::string &path, bool ping) {
    try {
        if (ping) image.ping(path);
        else image.read(path);
    } catch (const Magick::WarningCorruptImage &e) {
        throw Failure("the image '" + path + "' is corrupt: " + e.what());
    } catch (const Magick::Warning &) {
    }
}

}  // namespace

NetworkImage NetworkImage::prepare(const std::string &path, int baseimgsize, int height, int width, int channels,
                                   const MeanImage &mean) {
    Magick::Image image;
    std::vector<double> pixels;
    int rows = 0, columns = 0;
    try {
        load(image, path, true);
        const std::int64_t area = std::int64_t(image.columns()) * std::int64_t(image.rows());
        if (image.columns() < 1 || image.rows() < 1 || area > kMaxPixels) {
            throw Failure("the image '" + path + "' has " + std::to_string(image.columns()) + "×" + std::to_string(image.rows()) +
                          " pixels (at most 2^28 are read)");
        }
        load(image, path, false);
        if (image.columns() < 1 || image.rows() < 1) throw Failure("the image '" + path + "' holds no pixels");
        image.colorSpace(Magick::sRGBColorspace);  // CMYK, Lab, … as the RGB they show
        // The longer side becomes baseimgsize, the other keeps the aspect ratio, rounded.
        const double scale = baseimgsize / double(std::max(image.columns(), image.rows()));
        Magick::Geometry size(static_cast<size_t>(std::lround(image.columns() * scale)),
                              static_cast<size_t>(std::lround(image.rows() * scale)));
        size.aspect(false);
        image.resize(size);
        rows = static_cast<int>(image.rows());
        columns = static_cast<int>(image.columns());
        pixels.resize(static_cast<std::size_t>(rows) * columns * 3);
        image.write(0, 0, columns, rows, "RGB", Magick::DoublePixel, pixels.data());
    } catch (const Magick::Exception &e) {
        throw Failure("the image '" + path + "' does not decode: " + e.what());
    }
    if (rows < 1 || columns < 1) throw Failure("the image '" + path + "' is empty after resizing");

    NetworkImage out;
    out.height = height, out.width = width, out.channels = channels;
    const std::size_t count = static_cast<std::size_t>(height) * width;
    out.input.resize(count * channels);
    out.shown.resize(count * 3);
    const int mean_row = (mean.height - height) / 2, mean_column = (mean.width - width) / 2;
    for (int h = 0; h < height; ++h) {
        const int r = source(h, rows, height);
        for (int w = 0; w < width; ++w) {
            const int c = source(w, columns, width);
            const double *rgb = &pixels[(static_cast<std::size_t>(r) * columns + c) * 3];
            double *shown = &out.shown[(static_cast<std::size_t>(h) * width + w) * 3];
            double *input = &out.input[(static_cast<std::size_t>(h) * width + w) * channels];
            for (int k = 0; k < 3; ++k) shown[k] = rgb[k];
            if (channels == 3) {
                // Caffe's order: B, G, R.
                for (int k = 0; k < 3; ++k) input[k] = 255.0 * rgb[2 - k] - mean.at(k, h + mean_row, w + mean_column);
            } else {
                // A grey image has R = G = B; a colour one is made grey by luminance (ITU-R BT.601), as Caffe's
                // image tools do when asked for one channel.
                const bool plain = rgb[0] == rgb[1] && rgb[1] == rgb[2];
                const double grey = plain ? rgb[0] : 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2];
                input[0] = 255.0 * grey - mean.at(0, h + mean_row, w + mean_column);
                for (int k = 0; k < 3; ++k) shown[k] = grey;
            }
        }
    }
    return out;
}

}  // namespace demonstrator
