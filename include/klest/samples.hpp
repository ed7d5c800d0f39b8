#pragma once
// Sample sets: n rows of dimension d, row-major and contiguous, plus readers and writers for
// the file formats klest accepts (CSV-like text and NumPy .npy).

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "klest/limits.hpp"

namespace klest {

/// The kind of values: real-valued with a density (continuous), integer-valued with a mass
/// function (discrete), or either (what some estimators accept).
enum class Support { continuous, discrete, any };
std::string_view to_string(Support s);

/// A non-owning view of n rows of dimension d, row-major and contiguous. Cheap to copy.
class SampleView {
 public:
  SampleView() = default;
  SampleView(const double* data, std::size_t rows, std::size_t dim)
      : data_(data), rows_(rows), dim_(dim) {}

  std::size_t rows() const { return rows_; }
  std::size_t dim() const { return dim_; }
  bool empty() const { return rows_ == 0; }
  std::span<const double> row(std::size_t i) const { return {data_ + i * dim_, dim_}; }
  std::span<const double> values() const { return {data_, rows_ * dim_}; }
  const double* data() const { return data_; }

 private:
  const double* data_ = nullptr;
  std::size_t rows_ = 0;
  std::size_t dim_ = 0;
};

/// An owning sample set. Values are not checked here; `check_finite` does that.
class Samples {
 public:
  Samples() = default;
  /// Takes `values` as `rows` rows of `dim` columns. Throws InputError if the sizes disagree
  /// or if dim is 0 while rows is not.
  Samples(std::vector<double> values, std::size_t rows, std::size_t dim);
  /// An all-zero sample set of the given shape.
  Samples(std::size_t rows, std::size_t dim);
  /// A copy of the rows of a view.
  explicit Samples(SampleView v)
      : values_(v.values().begin(), v.values().end()), rows_(v.rows()), dim_(v.dim()) {}

  std::size_t rows() const { return rows_; }
  std::size_t dim() const { return dim_; }
  bool empty() const { return rows_ == 0; }
  std::span<const double> row(std::size_t i) const { return {values_.data() + i * dim_, dim_}; }
  std::span<double> row(std::size_t i) { return {values_.data() + i * dim_, dim_}; }
  std::span<const double> values() const { return values_; }
  std::span<double> values() { return values_; }
  SampleView view() const { return {values_.data(), rows_, dim_}; }
  operator SampleView() const { return view(); }  // NOLINT: a Samples is usable as a view

 private:
  std::vector<double> values_;
  std::size_t rows_ = 0;
  std::size_t dim_ = 0;
};

/// "100x2": the shape as it appears in messages.
std::string shape_string(SampleView s);

/// Throws InputError naming `what` (e.g. "sample from p"), the row and the column (both
/// 1-based) of the first value that is NaN or infinite.
void check_finite(SampleView s, const std::string& what);

/// Reads a sample file, choosing the format by extension: `.npy` is NumPy's format
/// (float64, float32 or integer, C order, 1-D or 2-D; a 1-D array is n rows of dimension 1);
/// anything else is text: one row per line, columns separated by commas, tabs or white space
/// (one separator per file), `#` starts a comment, blank lines are skipped, and an optional
/// first line of column names is recognised by containing a non-number and no field that
/// starts like a number (a digit, or a sign or point before one): a first data row with a
/// typo ('1d3', '0x1p3') is reported, not taken as a header.
/// Throws InputError naming the file, line and column for missing files, non-numeric or
/// non-finite cells, ragged rows, empty files and malformed headers.
Samples read_samples(const std::filesystem::path& path);

/// The text reader on its own; `name` is used in messages in place of a file name.
Samples parse_csv(std::string_view text, const std::string& name);
/// The .npy reader on its own; `name` is used in messages in place of a file name.
Samples parse_npy(std::string_view bytes, const std::string& name);

/// Writes `s` as little-endian float64 .npy (shape (n, d)). Throws InputError on I/O failure,
/// and before writing anything when a value is not finite (klest could not read it back).
void write_npy(const std::filesystem::path& path, SampleView s);
/// Writes `s` as comma-separated text, one row per line, every value in shortest round-trip
/// form, so that reading it back gives identical doubles. Throws InputError on I/O failure,
/// and before writing anything when a value is not finite.
void write_csv(const std::filesystem::path& path, SampleView s);

/// Reads a whole regular file as bytes. Throws InputError naming the file if it cannot be read,
/// is not a regular file (a FIFO, a device: they may block or never end) or holds more than
/// `max_bytes`.
std::string read_file(const std::filesystem::path& path,
                      std::uint64_t max_bytes = max_sample_file_bytes);

}  // namespace klest
