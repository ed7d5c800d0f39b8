// Fuzz target: the journal reader of `klest run` resumes, klest::read_journal, for a plan of 50
// items, 2 estimators and 1 interval method, and the experiment hash 0123456789abcdef (the
// seeds use it). Whatever
// the bytes, it throws klest::Error or returns; on return, the items it restored are within the
// plan, counted right, hold no NaN estimate, and written back as blocks read back to the same.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "experiment/journal.hpp"
#include "fuzz.hpp"

namespace {

constexpr std::size_t items = 50, estimators = 2, intervals = 1;
const std::string hash = "0123456789abcdef";

bool same(const klest::EstimateRecord& a, const klest::EstimateRecord& b) {
  if (a.intervals.size() != b.intervals.size()) return false;
  for (std::size_t j = 0; j < a.intervals.size(); ++j) {
    const auto &x = a.intervals[j], &y = b.intervals[j];
    if (x.ok != y.ok || (x.ok && (x.lo != y.lo || x.hi != y.hi)) || x.error != y.error) return false;
  }
  return a.ok == b.ok && (a.ok ? a.value == b.value : true) && a.seconds == b.seconds &&
         a.diagnostics == b.diagnostics && a.error == b.error;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  klest::fuzz::expect_only_klest_errors([&] {
    std::vector<klest::EstimateRecord> results(items * estimators);
    std::vector<char> done(items, 0);
    const klest::JournalRead read =
        klest::read_journal(text, "journal.txt", hash, estimators, intervals, results, done);
    std::size_t restored = 0;
    std::string again = klest::journal_header(hash);
    for (std::size_t i = 0; i < items; ++i) {
      if (!done[i]) continue;
      ++restored;
      for (std::size_t e = 0; e < estimators; ++e) {
        const auto& r = results[i * estimators + e];
        if (r.ok && std::isnan(r.value)) klest::fuzz::finding("a NaN estimate was restored");
        if (!(r.seconds >= 0)) klest::fuzz::finding("a negative or NaN time was restored");
      }
      again += klest::journal_block(i, &results[i * estimators], estimators);
    }
    if (restored != read.complete) klest::fuzz::finding("the count of restored items is wrong");
    // What was restored, written back as a journal, reads back whole and without damage, as
    // long as the messages it carries have no line breaks (the harness replaces them).
    std::vector<klest::EstimateRecord> results2(items * estimators);
    std::vector<char> done2(items, 0);
    const klest::JournalRead read2 =
        klest::read_journal(again, "journal.txt", hash, estimators, intervals, results2, done2);
    if (read2.complete != restored || done2 != done) {
      klest::fuzz::finding("restored blocks written back do not read back");
    }
    for (std::size_t k = 0; k < results.size(); ++k) {
      if (done[k / estimators] && !same(results[k], results2[k])) {
        klest::fuzz::finding("a restored block written back reads back different");
      }
    }
  });
  return 0;
}
