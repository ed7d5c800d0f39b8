#pragma once
// Building the component distributions of composite families (mixture, product, affine).

#include <memory>
#include <string>

#include "klest/distribution.hpp"

namespace klest::detail {

/// make_distribution(spec), with `context` (e.g. "distribution 'mixture': component 2: ") put
/// in front of the message of any InputError or ConfigError it throws, so that an error inside
/// a nested spec names where it sits. The error keeps its class.
std::unique_ptr<Distribution> make_component(const Spec& spec, const std::string& context);

}  // namespace klest::detail
