#include "detail/components.hpp"

#include "klest/error.hpp"

namespace klest::detail {

std::unique_ptr<Distribution> make_component(const Spec& spec, const std::string& context) {
  try {
    return make_distribution(spec);
  } catch (const InputError& e) {
    throw InputError(context + e.what());
  } catch (const ConfigError& e) {
    throw ConfigError(context + e.what());
  }
}

}  // namespace klest::detail
