// The few pieces of C++ the demonstrator wraps around include/lrp.h: an exception carrying liblrp's message,
// a status check, and an owning handle for a model. Nothing here knows about LRP itself.
#pragma once

#include <stdexcept>
#include <string>

#include "lrp.h"

namespace demonstrator {

/// A failure the demonstrator reports and stops at: the message names the file, line or setting at fault.
struct Failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Throws a Failure "<what>: <liblrp's message>" unless status is LRP_OK.
inline void check(lrp_status status, const std::string &what) {
    if (status != LRP_OK) throw Failure(what + ": " + lrp_last_error());
}

/// Owns an lrp_model and frees it.
class Model {
public:
    Model() = default;
    explicit Model(lrp_model *model) : model_(model) {}
    Model(const Model &) = delete;
    Model &operator=(const Model &) = delete;
    Model(Model &&other) noexcept : model_(other.model_) { other.model_ = nullptr; }
    Model &operator=(Model &&other) noexcept {
        std::swap(model_, other.model_);
        return *this;
    }
    ~Model() { lrp_model_free(model_); }

    /// The handle for liblrp calls.
    lrp_model *get() const { return model_; }

private:
    lrp_model *model_ = nullptr;
};

}  // namespace demonstrator
