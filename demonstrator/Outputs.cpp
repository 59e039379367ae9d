#include "Outputs.hpp"

#include <Magick++.h>
#include <algorithm>
#include <cmath>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "Lrp.hpp"

namespace demonstrator {

std::string output_name(const std::string &image, const std::string &outpath, const std::string &rootpath) {
    const std::size_t at = image.find(rootpath);
    if (rootpath.empty() || at == std::string::npos) {
        throw Failure("the image path '" + image + "' does not contain standalone_rootpath '" + rootpath + "'");
    }
    const std::string kept = image.substr(at);
    for (const auto &part : std::filesystem::path(kept)) {
        if (part == "..") throw Failure("the image path '" + image + "' leaves standalone_rootpath with '..'");
    }
    return outpath + "/" + kept;
}

std::vector<double> heatmap_picture(const RawHeatmap &relevance) {
    const std::size_t plane = static_cast<std::size_t>(relevance.height) * relevance.width;
    std::vector<double> v(plane, 0.0), rgb(plane * 3, 0.0);
    double largest = 0;
    for (std::size_t i = 0; i < plane; ++i) {
        double sum = 0;
        for (int c = 0; c < relevance.channels; ++c) sum += relevance.values[c * plane + i];
        v[i] = sum / relevance.channels;
        largest = std::max(largest, v[i]);
    }
    if (!(largest > 0)) return rgb;
    for (std::size_t i = 0; i < plane; ++i) {
        const double s = v[i] / largest;
        if (s < 0) {
            rgb[3 * i + 2] = std::min(1.0, -s);
        } else {
            rgb[3 * i] = rgb[3 * i + 1] = s;
        }
    }
    return rgb;
}

namespace {

void write_png(const std::string &path, const std::vector<double> &rgb, int height, int width) {
    // Rounded to 8 bits here: ImageMagick's depth reduction truncates.
    std::vector<unsigned char> bytes(rgb.size());
    for (std::size_t i = 0; i < rgb.size(); ++i) bytes[i] = static_cast<unsigned char>(std::lround(255.0 * std::clamp(rgb[i], 0.0, 1.0)));
    try {
        Magick::Image picture(width, height, "RGB", Magick::CharPixel, bytes.data());
        picture.depth(8);
        picture.write("png:" + path);
    } catch (const Magick::Exception &e) {
        throw Failure("cannot write '" + path + "': " + e.what());
    }
}

std::ofstream open_text(const std::string &path) {
    std::ofstream file(path);
    if (!file) throw Failure("cannot write '" + path + "'");
    file.precision(17);
    return file;
}

void close_text(std::ofstream &file, const std::string &path) {
    file.close();
    if (!file) throw Failure("cannot write '" + path + "'");
}

void write_rawhm(const std::string &path, const RawHeatmap &r) {
    std::ofstream file = open_text(path);
    file << r.channels << "\n" << r.height << " " << r.width << "\n";
    std::size_t k = 0;
    for (int c = 0; c < r.channels; ++c) {
        for (int h = 0; h < r.height; ++h) {
            for (int w = 0; w < r.width; ++w) file << r.values[k++] << " ";
            file << "\n";
        }
    }
    close_text(file, path);
}

void write_scores(const std::string &path, const std::vector<std::pair<int, double>> &scores) {
    std::ofstream file = open_text(path);
    for (const auto &[index, score] : scores) file << index << " " << score << "\n";
    close_text(file, path);
}

}  // namespace

void write_outputs(const std::string &name, const ImageOutputs &outputs, bool pictures) {
    const std::filesystem::path folder = std::filesystem::path(name).parent_path();
    std::error_code error;
    if (!folder.empty()) std::filesystem::create_directories(folder, error);
    if (error) throw Failure("cannot make the folder '" + folder.string() + "': " + error.message());

    std::vector<std::string> suffixes = {"_rawhm.txt", "_top10scores.txt"};
    if (pictures) suffixes.insert(suffixes.end(), {"_heatmap.png", "_as_inputted_into_the_dnn.png"});
    const std::string partial = ".partial";
    for (const std::string &suffix : suffixes) {
        if (std::filesystem::is_directory(name + suffix, error)) throw Failure("cannot write '" + name + suffix + "': it is a directory");
    }
    try {
        write_rawhm(name + suffixes[0] + partial, outputs.relevance);
        write_scores(name + suffixes[1] + partial, outputs.top_scores);
        if (pictures) {
            const RawHeatmap &r = outputs.relevance;
            write_png(name + suffixes[2] + partial, heatmap_picture(r), r.height, r.width);
            write_png(name + suffixes[3] + partial, outputs.shown, outputs.shown_height, outputs.shown_width);
        }
    } catch (...) {
        for (const std::string &suffix : suffixes) std::remove((name + suffix + partial).c_str());
        throw;
    }
    for (std::size_t k = 0; k < suffixes.size(); ++k) {
        if (std::rename((name + suffixes[k] + partial).c_str(), (name + suffixes[k]).c_str()) != 0) {
            const std::string why = std::strerror(errno);
            for (std::size_t j = 0; j < suffixes.size(); ++j) std::remove((name + suffixes[j] + (j < k ? "" : partial)).c_str());
            throw Failure("cannot rename '" + name + suffixes[k] + partial + "' to '" + name + suffixes[k] + "': " + why);
        }
    }
}

}  // namespace demonstrator
