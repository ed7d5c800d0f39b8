#pragma once
// The klest error family. Every message names the input at fault: the file and line for data,
// the key and the allowed values for specs and parameters.

#include <stdexcept>
#include <string>

namespace klest {

/// Base of every error klest throws on purpose.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Bad data or parameter values: a NaN in a sample, a dimension mismatch, k out of range.
class InputError : public Error {
 public:
  using Error::Error;
};

/// Bad configuration: malformed spec strings, unknown names, unreadable or malformed files.
class ConfigError : public Error {
 public:
  using Error::Error;
};

}  // namespace klest
