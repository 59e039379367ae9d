// Reading the demonstrator's small text files (configuration, file list, synsets, text mean): whole files
// into lines, trimming, and strict number parsing that says what it could not read.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace demonstrator {

/// The lines of the regular file `path` ('\n' or "\r\n" ends a line); what names the file in messages.
/// Refuses files larger than max_bytes. Throws Failure when the file is missing, not regular or unreadable.
std::vector<std::string> read_lines(const std::string &path, const std::string &what,
                                    std::size_t max_bytes = std::size_t(1) << 26);

/// The whole regular file `path` as bytes (same checks as read_lines).
std::string read_file(const std::string &path, const std::string &what, std::size_t max_bytes = std::size_t(1) << 30);

/// `text` without leading and trailing spaces and tabs.
std::string trim(const std::string &text);

/// The whitespace-separated tokens of `text`.
std::vector<std::string> tokens(const std::string &text);

/// `token` as an int when all of it is one (sign and digits, in range); false otherwise.
bool parse_int(const std::string &token, int &value);

/// `token` as a finite double when all of it is one; false otherwise.
bool parse_double(const std::string &token, double &value);

/// True when `path` names a regular file (following links).
bool is_regular_file(const std::string &path);

}  // namespace demonstrator
