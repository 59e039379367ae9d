// The list of images to explain: one "<image path> <class code>" per line, as the toolbox's demonstrator
// reads it. Lines of at most two characters are skipped.
#pragma once

#include <string>
#include <vector>

namespace demonstrator {

/// Class codes: which classes' scores the relevance explains.
enum : int {
    kTopClass = -1,   ///< the top-scoring class
    kTopFive = -2,    ///< the five top-scoring classes together (one backward pass of their summed scores)
};

/// One image of the list.
struct ListedImage {
    std::string path;        ///< PREPENDPATH + "/" + the listed path
    int class_code = kTopClass;  ///< -1, -2 or a class index >= 0
    std::size_t line = 0;    ///< its 1-based line in the list
};

/// Reads the list `path`, prepending `prepend` + "/" to each image path. Throws Failure naming the line for a
/// missing or malformed class code, a code below -2 or not below numclasses, and an image that is not a regular
/// file.
std::vector<ListedImage> read_file_list(const std::string &path, const std::string &prepend, int numclasses);

}  // namespace demonstrator
