// relpropformulatype: the explanation method of the toolbox's Caffe demonstrator, as liblrp rules per layer.
//
//  type  Convolution                         InnerProduct
//   0    ε (epsilon:epsstab)                 ε
//   2    αβ, α = 1 + β (alphabeta:1+β)       αβ
//   6    zB on the first layer, else αβ      αβ
//   8    zB on the first layer, else ε       ε
//  54    flat where index ≤ aux, else ε      same
//  56    w² where index ≤ aux, else ε        same
//  58    flat where index ≤ aux, else αβ     same
//  60    w² where index ≤ aux, else αβ       same
// 100    αβ                                  ε
// 102    flat where index ≤ aux, else αβ     flat where index ≤ aux, else ε
// 104    w² where index ≤ aux, else αβ       w² where index ≤ aux, else ε
// 114    αβ where index ≤ aux, else ε        same
//  11, 99  sensitivity: the gradient of the selected scores, its L2 norm over the colour channels per pixel
//  26    deconvnet (Zeiler & Fergus)         166  guided backprop (Springenberg et al.)
//
// "index" is the layer's Caffe layer index, aux is auxiliaryvariable_maxlayerindexforflatdistinconv, and "the
// first layer" is the lowest Convolution/InnerProduct at or above firstlayerindex. Pooling layers ignore the type,
// as in the original: MaxPool gives all relevance to the window's maximum, AvgPool shares it in proportion to
// the inputs. ReLU, Tanh, Sigmoid, Softmax and LRN pass relevance through.
#pragma once

#include <string>
#include <vector>

#include "Config.hpp"

namespace demonstrator {

/// What a formula type asks of each kind of layer.
struct FormulaType {
    int type = 0;
    /// Whether the heatmap is the per-pixel L2 norm of a gradient (11, 99).
    bool sensitivity = false;
    /// One rule for every layer ("gradient", "deconvnet", "guided_backprop"), or empty: per-layer rules.
    std::string every_layer;
    /// Whether the first layer gets the zB rule (6, 8).
    bool first_layer_zb = false;

    /// The formula type of `config`; throws Failure for an unsupported type (naming it and the supported ones)
    /// and for a type that needs the auxiliary index when the config lacks it or it is negative.
    static FormulaType of(const Config &config);

    /// The rule spec of a Convolution (convolution true) or InnerProduct layer at Caffe index `index`.
    std::string kernel_rule(const Config &config, bool convolution, int index) const;
};

}  // namespace demonstrator
