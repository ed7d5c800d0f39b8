#pragma once
// Internal to the harness: the journal of a run (journal.txt in the output folder), from which
// an interrupted run resumes.
//
// Format (version 2): a header line "klest-journal 2<TAB><hash of the experiment text>", then
// one block per finished work item, written with a single append:
//   e<TAB>item<TAB>ok|error<TAB>value<TAB>seconds<TAB>diagnostics<TAB>error   (one per estimator)
//   i<TAB>item<TAB>estimator<TAB>method<TAB>ok|error<TAB>lo<TAB>hi<TAB>error   (after its estimate,
//                                                            one per interval method, in order)
//   done<TAB>item<TAB>estimators<TAB>checksum
// The checksum is FNV-1a 64 of the block's text up to and including the tab before it. On
// resume every block is checked: every line parses, values are numbers or +-inf (never NaN),
// the item is within the plan and the same on every line, the counts of estimates and of
// intervals match, the checksum
// matches, and no item has two different blocks. A block that fails is reported and its item
// recomputed; a block cut short at the end of the file is what a kill leaves and is dropped
// quietly.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "experiment/writers.hpp"

namespace klest {

inline constexpr std::string_view journal_magic = "klest-journal 2";

/// The header line of a journal for an experiment text with this hash.
std::string journal_header(const std::string& hash);

/// The journal block of one finished work item: one line per estimate, one per interval and a
/// closing line.
std::string journal_block(std::size_t item, const EstimateRecord* records, std::size_t count);

struct JournalRead {
  std::size_t complete = 0;          // items restored
  std::vector<std::string> damage;   // one message per damaged block, naming its line and item
};

/// Restores the finished blocks of journal `text` (`name` for messages) into `results` (items x
/// estimators, plan order, each with `intervals` intervals) and `done` (one flag per item, all 0
/// on entry). Throws ConfigError when the header is not a klest journal of this version or
/// names another experiment text.
JournalRead read_journal(std::string_view text, const std::string& name, const std::string& hash,
                         std::size_t estimators, std::size_t intervals,
                         std::vector<EstimateRecord>& results, std::vector<char>& done);

}  // namespace klest
