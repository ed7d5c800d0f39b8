#include "klest/distribution.hpp"

#include <map>
#include <stdexcept>

#include "detail/text.hpp"
#include "klest/error.hpp"

namespace klest {

Samples Distribution::sample(Rng& rng, std::size_t n) const {
  Samples s(n, dim());
  for (std::size_t i = 0; i < n; ++i) sample(rng, s.row(i));
  return s;
}

namespace {

struct Entry {
  DistributionInfo info;
  DistributionFactory make;
};

std::map<std::string, Entry, std::less<>>& registry() {
  static std::map<std::string, Entry, std::less<>> r;
  return r;
}

}  // namespace

void register_distribution(DistributionInfo info, DistributionFactory make) {
  auto& r = registry();
  std::string name = info.name;
  if (r.contains(name)) throw std::logic_error("distribution '" + name + "' is registered twice");
  r.emplace(std::move(name), Entry{std::move(info), std::move(make)});
}

std::vector<const DistributionInfo*> distribution_infos() {
  std::vector<const DistributionInfo*> out;
  for (const auto& [name, entry] : registry()) out.push_back(&entry.info);
  return out;
}

const DistributionInfo* find_distribution(std::string_view name) {
  auto& r = registry();
  auto it = r.find(name);
  return it == r.end() ? nullptr : &it->second.info;
}

std::unique_ptr<Distribution> make_distribution(const Spec& spec) {
  auto& r = registry();
  auto it = r.find(spec.name);
  if (it == r.end()) {
    std::vector<std::string> known;
    for (const auto& [name, entry] : r) known.push_back(name);
    std::string msg =
        "unknown distribution '" + spec.name + "' (known: " + detail::join(known) + ")";
    if (const std::string near = detail::suggestion(spec.name, known); !near.empty()) {
      msg += "; did you mean '" + near + "'?";
    }
    throw InputError(msg);
  }
  return it->second.make(bind_params("distribution", it->second.info.params, spec));
}

std::unique_ptr<Distribution> make_distribution(std::string_view spec_text) {
  return make_distribution(parse_spec(spec_text));
}

}  // namespace klest
