#include "FileList.hpp"

#include "Lrp.hpp"
#include "Text.hpp"

namespace demonstrator {

std::vector<ListedImage> read_file_list(const std::string &path, const std::string &prepend, int numclasses) {
    const std::vector<std::string> lines = read_lines(path, "the file list");
    std::vector<ListedImage> images;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].size() <= 2) continue;
        const std::string where = path + ":" + std::to_string(i + 1) + ": ";
        for (const char ch : lines[i]) {
            if (static_cast<unsigned char>(ch) < 0x20 && ch != '\t' && ch != '\r') {
                throw Failure(where + "the line holds the control character " + std::to_string(static_cast<unsigned char>(ch)));
            }
        }
        const std::vector<std::string> words = tokens(lines[i]);
        if (words.empty()) continue;
        ListedImage image;
        image.line = i + 1;
        image.path = prepend + "/" + words[0];
        if (words.size() < 2) throw Failure(where + "no class code after '" + words[0] + "' (-1: top class, -2: top five, k >= 0: class k)");
        if (!parse_int(words[1], image.class_code)) throw Failure(where + "the class code '" + words[1] + "' is not an integer");
        if (image.class_code < kTopFive) {
            throw Failure(where + "the class code " + words[1] + " is neither -1 (top class), -2 (top five) nor a class index");
        }
        if (image.class_code >= numclasses) {
            throw Failure(where + "the class " + words[1] + " is not below numclasses (" + std::to_string(numclasses) + ")");
        }
        if (!is_regular_file(image.path)) throw Failure(where + "the image '" + image.path + "' is not a regular file");
        images.push_back(image);
    }
    return images;
}

}  // namespace demonstrator
