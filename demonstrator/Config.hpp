// The demonstrator's configuration file, as the LRP Toolbox's Caffe demonstrator reads it: pairs of lines, a
// line whose trimmed text starts with a key and the line after it holding the value; every other line is a
// comment.
#pragma once

#include <string>

namespace demonstrator {

/// Every setting of a configuration file.
struct Config {
    std::string param_file;       ///< the net definition (.prototxt)
    std::string model_file;       ///< its weights (.caffemodel, or liblrp's npz of them)
    std::string mean_file;        ///< the mean image subtracted from every input
    int use_mean_file_asbinaryprotoblob = 0;  ///< 0 text "C H W" + values, 1 binaryproto (BGR), 2 binaryproto (RGB)
    std::string synsetfile;       ///< one class label per line
    int lastlayerindex = -1;      ///< Caffe layer whose output starts the relevance (-1, -2: found, see Explainer)
    int firstlayerindex = 0;      ///< Caffe layer at whose input the relevance is taken (0: the pixels)
    int numclasses = 0;           ///< classes of the classifier (the scores ranked)
    int baseimgsize = 0;          ///< the longer image side after resizing
    std::string standalone_outpath;   ///< where the outputs go
    std::string standalone_rootpath;  ///< the part of each image path from which on it is kept under outpath
    int relpropformulatype = 0;   ///< the explanation method (FormulaType.hpp)
    double epsstab = 0;           ///< ε of the ε-type formulas
    double alphabeta_beta = 0;    ///< β of the αβ-type formulas (α = 1 + β)
    /// The highest Caffe layer index that gets the flat / w² rule (formula types 54 … 104) or αβ (114);
    /// needed only by those types.
    int auxiliaryvariable_maxlayerindexforflatdistinconv = 0;
    bool has_auxiliary = false;   ///< whether the file sets the auxiliary index

    /// Reads and checks `path`: every required key present with a value of its type, the four input files
    /// regular files, numbers in range. Throws Failure naming the file, key and line.
    static Config read(const std::string &path);
};

}  // namespace demonstrator
