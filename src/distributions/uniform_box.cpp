// Uniform distribution on the box [low_1, high_1] x ... x [low_d, high_d] (d >= 1), and its
// closed-form KL with another box.
//   log p(x) = -sum_i log(high_i - low_i) inside the box, -inf elsewhere
// Sampling: low_i + (high_i - low_i) U_i coordinate by coordinate, U_i = klest::uniform01.
// Closed form: the box is a product of independent uniforms, so the KL is the sum of the
// coordinate KLs, log((b2 - a2)/(b1 - a1)) each, and +inf unless every interval of P lies
// inside that of Q (KL is additive over independent coordinates; the uniform||uniform form per
// coordinate).

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "klest/distribution.hpp"
#include "klest/error.hpp"
#include "klest/truth.hpp"

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

class UniformBox final : public klest::Distribution {
 public:
  static constexpr std::string_view key = "uniform_box";
  static constexpr std::string_view summary =
      "uniform on the box [low_1, high_1] x ... x [low_d, high_d]";
  static constexpr klest::Support family_kind = klest::Support::continuous;
  static constexpr std::string_view example = "uniform_box(low=[0, 0], high=[1, 1])";
  static klest::ParamSpec schema() {
    return {klest::param_value("low", klest::ParamType::list, "lower corner (d numbers)"),
            klest::param_value("high", klest::ParamType::list, "upper corner (d numbers, > low)")};
  }
  explicit UniformBox(klest::Params p)
      : Distribution(std::move(p)), low_(corner("low")), high_(corner("high")) {
    if (low_.empty()) fail("parameter 'low' is [], but must have at least one number");
    if (high_.size() != low_.size()) {
      fail("parameter 'high' has " + std::to_string(high_.size()) +
           " numbers, but must have as many as 'low' (" + std::to_string(low_.size()) + ")");
    }
    for (std::size_t i = 0; i < low_.size(); ++i) {
      if (!(high_[i] > low_[i])) {
        fail("parameter 'high[" + std::to_string(i) + "]' is " + klest::format_number(high_[i]) +
             ", but must be > low[" + std::to_string(i) + "] (" +
             klest::format_number(low_[i]) + ")");
      }
      if (!std::isfinite(high_[i] - low_[i])) {
        fail("parameter 'high[" + std::to_string(i) + "]' is " + klest::format_number(high_[i]) +
             ", but high[" + std::to_string(i) + "] - low[" + std::to_string(i) +
             "] must be finite (low[" + std::to_string(i) + "] = " +
             klest::format_number(low_[i]) + ")");
      }
      log_volume_ += std::log(high_[i] - low_[i]);
    }
  }

  std::size_t dim() const override { return low_.size(); }
  klest::Support kind() const override { return klest::Support::continuous; }
  double log_density(std::span<const double> x) const override {
    for (std::size_t i = 0; i < low_.size(); ++i) {
      if (!(x[i] >= low_[i] && x[i] <= high_[i])) return -inf;
    }
    return -log_volume_;
  }
  void sample(klest::Rng& rng, std::span<double> out) const override {
    for (std::size_t i = 0; i < low_.size(); ++i) {
      out[i] = low_[i] + (high_[i] - low_[i]) * klest::uniform01(rng);
    }
  }
  std::vector<klest::Interval> support() const override {
    std::vector<klest::Interval> box;
    for (std::size_t i = 0; i < low_.size(); ++i) box.push_back({low_[i], high_[i]});
    return box;
  }
  std::pair<klest::Tail, klest::Tail> tails() const override { return {}; }  // both bounded
  std::vector<double> landmarks() const override {
    if (low_.size() != 1) return {};
    return {low_[0], high_[0]};
  }
  double scale() const override {
    double widest = 0;
    for (std::size_t i = 0; i < low_.size(); ++i) widest = std::max(widest, high_[i] - low_[i]);
    return widest / std::sqrt(12.0);
  }

 private:
  [[noreturn]] static void fail(const std::string& what) {
    throw klest::InputError("distribution 'uniform_box': " + what);
  }
  // A list of lists passes the schema's list check, but a corner must be flat.
  std::vector<double> corner(const char* name) const {
    try {
      return params().get<std::vector<double>>(name);
    } catch (const std::invalid_argument&) {
      fail("parameter '" + std::string(name) + "' is " + klest::to_string(params().at(name)) +
           ", but must be a list of numbers");
    }
  }

  std::vector<double> low_, high_;
  double log_volume_ = 0;
};

}  // namespace

KLEST_REGISTER_DISTRIBUTION(UniformBox);

KLEST_REGISTER_KL("uniform_box", "uniform_box",
                  "uniform KL log(w2/w1) per coordinate, summed (independent); inf unless nested",
                  [](const klest::Distribution& p, const klest::Distribution& q) {
                    const auto a = p.support(), b = q.support();
                    if (a.size() != b.size()) {
                      throw klest::InputError(
                          "KL(uniform_box || uniform_box): dimensions " +
                          std::to_string(a.size()) + " and " + std::to_string(b.size()) +
                          " differ");
                    }
                    double kl = 0;
                    for (std::size_t i = 0; i < a.size(); ++i) {
                      if (!b[i].contains(a[i])) return inf;
                      kl += std::log((b[i].hi - b[i].lo) / (a[i].hi - a[i].lo));
                    }
                    return kl;
                  });
