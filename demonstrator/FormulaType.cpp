#include "FormulaType.hpp"

#include <sstream>

#include "Lrp.hpp"

namespace demonstrator {

namespace {

std::string number(double value) {
    std::ostringstream text;
    text.precision(17);
    text << value;
    return text.str();
}

}  // namespace

FormulaType FormulaType::of(const Config &config) {
    FormulaType f;
    f.type = config.relpropformulatype;
    switch (f.type) {
    case 0: case 2: case 100: break;
    case 6: case 8: f.first_layer_zb = true; break;
    case 54: case 56: case 58: case 60: case 102: case 104: case 114:
        if (!config.has_auxiliary) {
            throw Failure("relpropformulatype " + std::to_string(f.type) +
                          " needs the key auxiliaryvariable_maxlayerindexforflatdistinconv (the highest layer index of its lower rule)");
        }
        if (config.auxiliaryvariable_maxlayerindexforflatdistinconv < 0) {
            throw Failure("relpropformulatype " + std::to_string(f.type) + " needs auxiliaryvariable_maxlayerindexforflatdistinconv >= 0, got " +
                          std::to_string(config.auxiliaryvariable_maxlayerindexforflatdistinconv));
        }
        break;
    case 11: case 99: f.sensitivity = true; f.every_layer = "gradient"; break;
    case 26: f.every_layer = "deconvnet"; break;
    case 166: f.every_layer = "guided_backprop"; break;
    default:
        throw Failure("relpropformulatype " + std::to_string(f.type) +
                      " is not supported (supported: 0 ε, 2 αβ, 6 and 8 with zB, 11 and 99 sensitivity, 26 deconvnet, "
                      "54 56 58 60 102 104 114 with the auxiliary index, 100 αβ/ε, 166 guided backprop)");
    }
    return f;
}

std::string FormulaType::kernel_rule(const Config &config, bool convolution, int index) const {
    const std::string epsilon = "epsilon:" + number(config.epsstab);
    const std::string alphabeta = "alphabeta:" + number(1 + config.alphabeta_beta);
    const bool low = index <= config.auxiliaryvariable_maxlayerindexforflatdistinconv;
    switch (type) {
    case 0: case 8: return epsilon;
    case 2: case 6: return alphabeta;
    case 54: return low ? "flat" : epsilon;
    case 56: return low ? "ww" : epsilon;
    case 58: return low ? "flat" : alphabeta;
    case 60: return low ? "ww" : alphabeta;
    case 100: return convolution ? alphabeta : epsilon;
    case 102: return low ? "flat" : (convolution ? alphabeta : epsilon);
    case 104: return low ? "ww" : (convolution ? alphabeta : epsilon);
    case 114: return low ? alphabeta : epsilon;
    default: return every_layer;
    }
}

}  // namespace demonstrator
