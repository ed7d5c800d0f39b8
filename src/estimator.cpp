#include "klest/estimator.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <stdexcept>

#include <fmt/format.h>

#include "detail/text.hpp"
#include "klest/error.hpp"

namespace klest {

void Diagnostics::set(std::string key, double value) {
  for (auto& [k, v] : items_) {
    if (k == key) {
      v = value;
      return;
    }
  }
  items_.emplace_back(std::move(key), value);
}

std::optional<double> Diagnostics::get(std::string_view key) const {
  for (const auto& [k, v] : items_) {
    if (k == key) return v;
  }
  return std::nullopt;
}

namespace {

void check_sample(const Estimator& e, SampleView s, std::string_view side, std::size_t needed) {
  const std::string what = fmt::format("estimator '{}': sample from {}", e.label(), side);
  if (s.rows() == 0) throw InputError(what + " is empty");
  if (s.rows() < needed) {
    throw InputError(fmt::format("{} has {} point{}, but needs at least {}", what, s.rows(),
                                 s.rows() == 1 ? "" : "s", needed));
  }
  check_finite(s, what);
}

// An estimator for discrete data takes integers only (its categories or counts); continuous
// estimators take any finite values, integers included (ties are theirs to handle).
void check_integers(const Estimator& e, SampleView s, std::string_view side) {
  const auto v = s.values();
  const auto bad = std::find_if(v.begin(), v.end(), [](double x) { return x != std::floor(x); });
  if (bad == v.end()) return;
  const auto k = static_cast<std::size_t>(bad - v.begin());
  throw InputError(fmt::format(
      "estimator '{}': sample from {}: row {}, column {} is {}, but it accepts only integer "
      "values (discrete data)",
      e.label(), side, k / s.dim() + 1, k % s.dim() + 1, format_number(*bad)));
}

}  // namespace

Estimate Estimator::estimate(SampleView p, SampleView q, Rng& rng) const {
  const Requirements req = requirements();
  if (p.dim() != q.dim() && !p.empty() && !q.empty()) {
    throw InputError(fmt::format(
        "estimator '{}': samples differ in dimension: p is {} (d = {}), q is {} (d = {})",
        label(), shape_string(p), p.dim(), shape_string(q), q.dim()));
  }
  check_sample(*this, p, "p", req.min_p);
  check_sample(*this, q, "q", req.min_q);
  if (req.max_dim != 0 && p.dim() > req.max_dim) {
    throw InputError(fmt::format("estimator '{}': samples have dimension {}, but it supports at most {}",
                                 label(), p.dim(), req.max_dim));
  }
  if (req.support == Support::discrete) {
    check_integers(*this, p, "p");
    check_integers(*this, q, "q");
  }
  Estimate e = do_estimate(p, q, rng);
  if (e.value != e.value) {
    // A NaN is a defect in the estimator, never an answer.
    throw std::logic_error(fmt::format("estimator '{}' produced NaN", label()));
  }
  return e;
}

Estimate Estimator::estimate(SampleView p, SampleView q) const {
  Rng rng = rng_for(default_seed);
  return estimate(p, q, rng);
}

namespace {

struct Entry {
  EstimatorInfo info;
  EstimatorFactory make;
};

// Function-local statics: registrations run during static initialisation of other files.
std::map<std::string, Entry, std::less<>>& registry() {
  static std::map<std::string, Entry, std::less<>> r;
  return r;
}

}  // namespace

void register_estimator(EstimatorInfo info, EstimatorFactory make) {
  auto& r = registry();
  std::string name = info.name;
  if (r.contains(name)) throw std::logic_error("estimator '" + name + "' is registered twice");
  r.emplace(std::move(name), Entry{std::move(info), std::move(make)});
}

std::vector<const EstimatorInfo*> estimator_infos() {
  std::vector<const EstimatorInfo*> out;
  for (const auto& [name, entry] : registry()) out.push_back(&entry.info);
  return out;  // std::map keeps them sorted by name
}

const EstimatorInfo* find_estimator(std::string_view name) {
  auto& r = registry();
  auto it = r.find(name);
  return it == r.end() ? nullptr : &it->second.info;
}

std::unique_ptr<Estimator> make_estimator(const Spec& spec) {
  auto& r = registry();
  auto it = r.find(spec.name);
  if (it == r.end()) {
    std::vector<std::string> known;
    for (const auto& [name, entry] : r) known.push_back(name);
    std::string msg = fmt::format("unknown estimator '{}' (known: {})", spec.name, detail::join(known));
    if (const std::string near = detail::suggestion(spec.name, known); !near.empty()) {
      msg += "; did you mean '" + near + "'?";
    }
    throw InputError(msg);
  }
  Params params = bind_params("estimator", it->second.info.params, spec);
  return it->second.make(it->second.info, std::move(params));
}

std::unique_ptr<Estimator> make_estimator(std::string_view spec_text) {
  return make_estimator(parse_spec(spec_text));
}

std::unique_ptr<Estimator> make_estimator(std::string_view name, std::vector<SpecArg> args) {
  return make_estimator(Spec{std::string(name), std::move(args)});
}

}  // namespace klest
