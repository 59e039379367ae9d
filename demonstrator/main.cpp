// lrp-demonstrator: the LRP Toolbox's Caffe demonstrator (lrp_demo CONFIGFILE FILELIST PREPENDPATH) on liblrp,
// without Caffe. Reads a configuration and a list of images with class codes, explains each image's
// classification and writes <image>_rawhm.txt, _heatmap.png, _as_inputted_into_the_dnn.png and _top10scores.txt
// under standalone_outpath. Written against include/lrp.h only; images are read with ImageMagick (Magick++).
#include <Magick++.h>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "Config.hpp"
#include "Explainer.hpp"
#include "FileList.hpp"
#include "Lrp.hpp"
#include "MeanImage.hpp"
#include "NetworkImage.hpp"
#include "Outputs.hpp"
#include "Text.hpp"

using namespace demonstrator;

namespace {

const char *kUsage =
    "usage: lrp-demonstrator [--parallel] [--minimal-output] CONFIGFILE FILELIST PREPENDPATH\n"
    "  Explains each image of FILELIST (lines \"<path> <class code>\", the image read from PREPENDPATH/<path>;\n"
    "  class code -1: the top class, -2: the five top classes together, k >= 0: class k) with the Caffe net and\n"
    "  the settings of CONFIGFILE (the LRP Toolbox demonstrator's config keys), writing <image>_rawhm.txt,\n"
    "  _heatmap.png, _as_inputted_into_the_dnn.png and _top10scores.txt under standalone_outpath.\n"
    "  --parallel        explain as many images at once as the prototxt's batch size (its first input dim)\n"
    "  --minimal-output  write only the two text files\n";

/// The first numclasses lines of the synset file.
std::vector<std::string> read_synsets(const std::string &path, int numclasses) {
    std::vector<std::string> lines = read_lines(path, "the synset file");
    if (static_cast<int>(lines.size()) < numclasses) {
        throw Failure("the synset file '" + path + "' has " + std::to_string(lines.size()) + " lines, numclasses is " + std::to_string(numclasses));
    }
    lines.resize(static_cast<std::size_t>(numclasses));
    return lines;
}

int run(const std::vector<std::string> &args, bool parallel, bool pictures) {
    const Config config = Config::read(args[0]);
    const std::vector<std::string> synsets = read_synsets(config.synsetfile, config.numclasses);
    const MeanImage mean = MeanImage::read(config.mean_file, config.use_mean_file_asbinaryprotoblob);
    Explainer explainer(config, mean);
    const std::vector<ListedImage> list = read_file_list(args[1], args[2], config.numclasses);
    // Every image's output name first: an image outside standalone_rootpath stops the run before any output.
    std::vector<std::string> names;
    for (const ListedImage &image : list) {
        try {
            names.push_back(output_name(image.path, config.standalone_outpath, config.standalone_rootpath));
        } catch (const Failure &e) {
            throw Failure(args[1] + ":" + std::to_string(image.line) + ": " + e.what());
        }
    }
    const std::size_t batch = parallel ? static_cast<std::size_t>(explainer.declared_batch()) : 1;
    std::cout << "lrp-demonstrator: " << list.size() << " images, net input " << explainer.input_height() << "×" << explainer.input_width()
              << "×" << explainer.input_channels() << ", relevance from Caffe layer " << explainer.start_index() << " ('"
              << explainer.caffe_layers()[explainer.start_index()].name << "') down to layer " << explainer.first_index()
              << ", relpropformulatype " << config.relpropformulatype << ", " << batch << " image" << (batch == 1 ? "" : "s") << " at once\n";
    for (std::size_t begin = 0; begin < list.size(); begin += batch) {
        const std::size_t end = std::min(list.size(), begin + batch);
        std::vector<NetworkImage> images;
        std::vector<int> codes;
        for (std::size_t i = begin; i < end; ++i) {
            try {
                images.push_back(NetworkImage::prepare(list[i].path, config.baseimgsize, explainer.input_height(), explainer.input_width(),
                                                       explainer.input_channels(), mean));
            } catch (const Failure &e) {
                throw Failure(args[1] + ":" + std::to_string(list[i].line) + ": " + e.what());
            }
            codes.push_back(list[i].class_code);
        }
        std::vector<ImageOutputs> outputs;
        try {
            outputs = explainer.explain(images, codes);
        } catch (const Failure &e) {
            throw Failure(args[1] + ":" + std::to_string(list[begin].line) + (end - begin > 1 ? "-" + std::to_string(list[end - 1].line) : "") +
                          ": " + e.what());
        }
        for (std::size_t i = begin; i < end; ++i) {
            const ImageOutputs &out = outputs[i - begin];
            write_outputs(names[i], out, pictures);
            const auto &[top, score] = out.top_scores.front();
            std::cout << list[i].path << ": top class " << top << " (" << synsets[static_cast<std::size_t>(top)] << ") score " << score
                      << " -> " << names[i] << "_rawhm.txt\n";
        }
    }
    std::cout << "finished\n";
    return 0;
}

}  // namespace

int main(int argc, char **argv) {
    Magick::InitializeMagick(argv[0]);
    bool parallel = false, pictures = true;
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--parallel") == 0) parallel = true;
        else if (std::strcmp(argv[i], "--minimal-output") == 0) pictures = false;
        else if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
            std::cout << kUsage;
            return 0;
        } else if (std::strncmp(argv[i], "--", 2) == 0) {
            std::cerr << "lrp-demonstrator: unknown option " << argv[i] << "\n" << kUsage;
            return 2;
        } else args.push_back(argv[i]);
    }
    if (args.size() != 3) {
        std::cerr << "lrp-demonstrator: " << args.size() << " arguments given, 3 needed\n" << kUsage;
        return 2;
    }
    try {
        return run(args, parallel, pictures);
    } catch (const std::exception &e) {
        std::cerr << "lrp-demonstrator: error: " << e.what() << "\n";
        return 1;
    }
}
