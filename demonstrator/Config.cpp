#include "Config.hpp"

#include <algorithm>
#include <vector>

#include "Lrp.hpp"
#include "Text.hpp"

namespace demonstrator {

namespace {

/// The configuration's lines and the lookups of the toolbox's key/value-line pairs.
class Pairs {
public:
    Pairs(const std::string &path) : path_(path), lines_(read_lines(path, "the config file", 1 << 20)) {}

    /// The value token of `key` and its 1-based line; false when no line starts with the key.
    bool find(const std::string &key, std::string &value, std::size_t &line) const {
        for (std::size_t i = 0; i < lines_.size(); ++i) {
            if (trim(lines_[i]).compare(0, key.size(), key) != 0) continue;
            line = i + 2;
            const std::vector<std::string> words = i + 1 < lines_.size() ? tokens(lines_[i + 1]) : std::vector<std::string>();
            if (words.empty()) {
                throw Failure(path_ + ":" + std::to_string(i + 1) + ": the key " + key + " has no value on the line after it");
            }
            value = words[0];
            return true;
        }
        return false;
    }

    std::string required(const std::string &key, std::size_t &line) const {
        std::string value;
        if (!find(key, value, line)) throw Failure(path_ + ": the key " + key + " is missing");
        return value;
    }

    void text(const std::string &key, std::string &out) const {
        std::size_t line = 0;
        out = required(key, line);
    }

    void integer(const std::string &key, int &out) const {
        std::size_t line = 0;
        const std::string value = required(key, line);
        if (!parse_int(value, out)) throw bad(key, line, value, "an integer");
    }

    void number(const std::string &key, double &out) const {
        std::size_t line = 0;
        const std::string value = required(key, line);
        if (!parse_double(value, out)) throw bad(key, line, value, "a finite number");
    }

    /// A regular file named by `key`.
    void file(const std::string &key, std::string &out) const {
        std::size_t line = 0;
        out = required(key, line);
        if (!is_regular_file(out)) {
            throw Failure(path_ + ":" + std::to_string(line) + ": " + key + " '" + out + "' is not a regular file");
        }
    }

    Failure bad(const std::string &key, std::size_t line, const std::string &value, const std::string &want) const {
        return Failure(path_ + ":" + std::to_string(line) + ": " + key + " '" + value + "' is not " + want);
    }

    /// Throws unless `ok`, naming the key's line.
    void require(bool ok, const std::string &key, const std::string &why) const {
        if (ok) return;
        std::string value;
        std::size_t line = 0;
        find(key, value, line);
        throw Failure(path_ + ":" + std::to_string(line) + ": " + key + " " + value + ": " + why);
    }

private:
    std::string path_;
    std::vector<std::string> lines_;
};

}  // namespace

Config Config::read(const std::string &path) {
    const Pairs pairs(path);
    Config c;
    pairs.file("param_file", c.param_file);
    pairs.file("model_file", c.model_file);
    pairs.file("mean_file", c.mean_file);
    pairs.integer("use_mean_file_asbinaryprotoblob", c.use_mean_file_asbinaryprotoblob);
    pairs.integer("lastlayerindex", c.lastlayerindex);
    pairs.integer("firstlayerindex", c.firstlayerindex);
    pairs.file("synsetfile", c.synsetfile);
    pairs.integer("baseimgsize", c.baseimgsize);
    pairs.text("standalone_outpath", c.standalone_outpath);
    pairs.text("standalone_rootpath", c.standalone_rootpath);
    pairs.integer("relpropformulatype", c.relpropformulatype);
    pairs.number("epsstab", c.epsstab);
    pairs.number("alphabeta_beta", c.alphabeta_beta);
    pairs.integer("numclasses", c.numclasses);
    std::string aux;
    std::size_t line = 0;
    const std::string aux_key = "auxiliaryvariable_maxlayerindexforflatdistinconv";
    if (pairs.find(aux_key, aux, line)) {
        if (!parse_int(aux, c.auxiliaryvariable_maxlayerindexforflatdistinconv)) throw pairs.bad(aux_key, line, aux, "an integer");
        c.has_auxiliary = true;
    }

    const int mean_form = c.use_mean_file_asbinaryprotoblob;
    pairs.require(mean_form >= 0 && mean_form <= 2, "use_mean_file_asbinaryprotoblob",
                  "must be 0 (text), 1 (binaryproto, BGR) or 2 (binaryproto, RGB)");
    pairs.require(c.lastlayerindex >= -2, "lastlayerindex", "must be -1 (below the lowest Softmax), -2 (the highest InnerProduct) or a layer index >= 0");
    pairs.require(c.firstlayerindex >= 0, "firstlayerindex", "must be a layer index >= 0");
    pairs.require(c.numclasses >= 1, "numclasses", "must be at least 1");
    pairs.require(c.baseimgsize >= 1 && c.baseimgsize <= 65536, "baseimgsize", "must be between 1 and 65536");
    pairs.require(c.epsstab >= 0, "epsstab", "must not be negative");
    pairs.require(c.alphabeta_beta >= 0, "alphabeta_beta", "must not be negative");
    pairs.require(!c.standalone_rootpath.empty(), "standalone_rootpath", "must not be empty");
    return c;
}

}  // namespace demonstrator
