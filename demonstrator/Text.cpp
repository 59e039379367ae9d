#include "Text.hpp"

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include "Lrp.hpp"

namespace demonstrator {

bool is_regular_file(const std::string &path) {
    struct stat info;
    return stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

std::string read_file(const std::string &path, const std::string &what, std::size_t max_bytes) {
    struct stat info;
    if (stat(path.c_str(), &info) != 0) throw Failure(what + " '" + path + "' does not exist");
    if (!S_ISREG(info.st_mode)) throw Failure(what + " '" + path + "' is not a regular file");
    if (info.st_size < 0 || static_cast<unsigned long long>(info.st_size) > max_bytes) {
        throw Failure(what + " '" + path + "' is larger than " + std::to_string(max_bytes) + " bytes");
    }
    std::ifstream file(path, std::ios::binary);
    if (!file) throw Failure(what + " '" + path + "' cannot be opened");
    std::ostringstream bytes;
    bytes << file.rdbuf();
    if (file.bad()) throw Failure(what + " '" + path + "' cannot be read");
    return bytes.str();
}

std::vector<std::string> read_lines(const std::string &path, const std::string &what, std::size_t max_bytes) {
    const std::string bytes = read_file(path, what, max_bytes);
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < bytes.size()) {
        std::size_t end = bytes.find('\n', start);
        if (end == std::string::npos) end = bytes.size();
        std::string line = bytes.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        lines.push_back(line);
        start = end + 1;
    }
    return lines;
}

std::string trim(const std::string &text) {
    const char *blank = " \t";
    const std::size_t first = text.find_first_not_of(blank);
    if (first == std::string::npos) return "";
    const std::size_t last = text.find_last_not_of(blank);
    return text.substr(first, last - first + 1);
}

std::vector<std::string> tokens(const std::string &text) {
    std::vector<std::string> out;
    std::istringstream stream(text);
    std::string token;
    while (stream >> token) out.push_back(token);
    return out;
}

bool parse_int(const std::string &token, int &value) {
    if (token.empty()) return false;
    errno = 0;
    char *end = nullptr;
    const long parsed = std::strtol(token.c_str(), &end, 10);
    if (errno != 0 || end != token.c_str() + token.size() || parsed < INT_MIN || parsed > INT_MAX) return false;
    value = static_cast<int>(parsed);
    return true;
}

bool parse_double(const std::string &token, double &value) {
    if (token.empty()) return false;
    errno = 0;
    char *end = nullptr;
    const double parsed = std::strtod(token.c_str(), &end);
    if (errno != 0 || end != token.c_str() + token.size() || !std::isfinite(parsed)) return false;
    value = parsed;
    return true;
}

}  // namespace demonstrator
