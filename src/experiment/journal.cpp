// The journal of a run: writing blocks and checking them on resume (journal.hpp).

#include "experiment/journal.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "detail/text.hpp"
#include "klest/error.hpp"
#include "klest/spec.hpp"

namespace klest {

namespace {

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t t = line.find('\t', start);
    out.push_back(line.substr(start, t == std::string_view::npos ? std::string_view::npos : t - start));
    if (t == std::string_view::npos) break;
    start = t + 1;
  }
  return out;
}

bool parse_count(std::string_view s, std::size_t& out) {
  if (s.empty() || s.size() > 19) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return std::from_chars(s.data(), s.data() + s.size(), out).ec == std::errc();
}

// A number as format_number writes it: finite, or "inf" / "-inf". NaN is never written.
bool parse_value(std::string_view s, double& out) {
  if (s == "inf" || s == "-inf") {
    out = s == "inf" ? INFINITY : -INFINITY;
    return true;
  }
  if (s.empty()) return false;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size() && std::isfinite(out);
}

// The block being read: its lines so far and the first fault found in it.
struct Block {
  std::size_t line = 0;  // of its first line
  bool has_item = false;
  std::size_t item = 0;
  std::string text;
  std::vector<EstimateRecord> records;
  std::string fault;

  void clear() { *this = Block{}; }
  bool empty() const { return text.empty(); }
  void set_fault(std::string f) {
    if (fault.empty()) fault = std::move(f);
  }
  void set_item(std::size_t i) {
    if (!has_item) {
      has_item = true;
      item = i;
    } else if (item != i) {
      set_fault(fmt::format("its lines name items {} and {}", item, i));
    }
  }
};

}  // namespace

std::string journal_header(const std::string& hash) {
  return fmt::format("{}\t{}\n", journal_magic, hash);
}

std::string journal_block(std::size_t item, const EstimateRecord* records, std::size_t count) {
  std::string out;
  for (std::size_t e = 0; e < count; ++e) {
    const EstimateRecord& r = records[e];
    out += fmt::format("e\t{}\t{}\t{}\t{}\t{}\t{}\n", item, r.ok ? "ok" : "error",
                       r.ok ? format_number(r.value) : "", format_number(r.seconds),
                       r.diagnostics, r.error);
    for (std::size_t j = 0; j < r.intervals.size(); ++j) {
      const IntervalRecord& iv = r.intervals[j];
      out += fmt::format("i\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n", item, e, j, iv.ok ? "ok" : "error",
                         iv.ok ? format_number(iv.lo) : "", iv.ok ? format_number(iv.hi) : "",
                         iv.error);
    }
  }
  out += fmt::format("done\t{}\t{}\t", item, count);
  out += detail::fnv1a_hex(out);
  out += '\n';
  return out;
}

JournalRead read_journal(std::string_view text, const std::string& name, const std::string& hash,
                         std::size_t estimators, std::size_t intervals,
                         std::vector<EstimateRecord>& results, std::vector<char>& done) {
  JournalRead out;
  const std::size_t items = done.size();
  const std::size_t first_end = text.find('\n');
  const std::string_view first = text.substr(0, first_end);
  const auto head = split_tabs(first);
  if (head.size() != 2 || head[0] != journal_magic) {
    const bool older = head.size() == 2 && head[0].starts_with("klest-journal ");
    throw ConfigError(fmt::format("{}: {}; use --force to start over", name,
                                  older ? "a journal of another klest version (" +
                                              std::string(head[0]) + ", this one reads " +
                                              std::string(journal_magic) + ")"
                                        : std::string("not a klest journal")));
  }
  if (head[1] != hash) {
    throw ConfigError(fmt::format(
        "{} holds results of a different experiment text (hash {}, this file has {}); "
        "use --force to start over",
        name, head[1], hash));
  }
  if (first_end == std::string_view::npos) return out;

  std::map<std::size_t, std::string> accepted;  // item -> checksum of the block restored
  std::vector<char> conflicted(items, 0);
  const auto report = [&](const Block& b, const std::string& fault) {
    out.damage.push_back(
        b.has_item && b.item < items
            ? fmt::format("{}:{}: the block of item {} is damaged ({}); it is recomputed", name,
                          b.line, b.item, fault)
            : fmt::format("{}:{}: a damaged block ({}) is ignored", name, b.line, fault));
  };

  Block block;
  std::size_t line_no = 1;
  std::size_t pos = first_end + 1;
  while (pos < text.size()) {
    ++line_no;
    std::size_t end = text.find('\n', pos);
    const bool cut = end == std::string_view::npos;  // no newline: the file ends mid-line
    if (cut) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (cut) break;  // the last line, cut short by a kill: its block is dropped below
    const auto f = split_tabs(line);
    if (f[0] == "e") {
      std::size_t item = 0;
      const bool item_ok = f.size() >= 2 && parse_count(f[1], item);
      // An estimate line naming another item than the open block: that block never ended.
      if (!block.empty() && item_ok && block.has_item && item != block.item) {
        report(block, "it has no 'done' line");
        block.clear();
      }
      if (block.empty()) block.line = line_no;
      block.text += line;
      block.text += '\n';
      if (f.size() != 7) {
        block.set_fault(fmt::format("line {} has {} fields, but an estimate line has 7", line_no,
                                    f.size()));
        continue;
      }
      if (!item_ok || item >= items) {
        block.set_fault(fmt::format("line {} names item '{}', but the plan has items 0 to {}",
                                    line_no, detail::escape_controls(f[1]), items - 1));
        continue;
      }
      block.set_item(item);
      EstimateRecord r;
      r.ok = f[2] == "ok";
      if (!r.ok && f[2] != "error") {
        block.set_fault(fmt::format("line {}: status '{}'", line_no, detail::escape_controls(f[2])));
      }
      if (r.ok ? !parse_value(f[3], r.value) : !f[3].empty()) {
        block.set_fault(fmt::format("line {}: estimate '{}' is not a number or +-inf", line_no,
                                    detail::escape_controls(f[3])));
      }
      if (!r.ok) r.value = NAN;
      if (!parse_value(f[4], r.seconds) || !(r.seconds >= 0) || std::isinf(r.seconds)) {
        block.set_fault(fmt::format("line {}: time '{}' is not a number of seconds", line_no,
                                    detail::escape_controls(f[4])));
      }
      r.diagnostics = std::string(f[5]);
      r.error = std::string(f[6]);
      block.records.push_back(std::move(r));
      continue;
    }
    if (f[0] == "i") {
      // An interval of the block's latest estimate, its method index in order.
      if (block.empty()) block.line = line_no;
      block.text += line;
      block.text += '\n';
      std::size_t item = 0, e = 0, j = 0;
      if (f.size() != 8 || !parse_count(f[1], item) || !parse_count(f[2], e) ||
          !parse_count(f[3], j)) {
        block.set_fault(fmt::format("line {} is not an interval line", line_no));
        continue;
      }
      block.set_item(item);
      if (block.records.empty() || e + 1 != block.records.size() ||
          j != block.records.back().intervals.size() || j >= intervals) {
        block.set_fault(fmt::format("line {}: interval {} of estimate {} is out of order", line_no,
                                    j, e));
        continue;
      }
      IntervalRecord iv;
      iv.ok = f[4] == "ok";
      if (!iv.ok && f[4] != "error") {
        block.set_fault(fmt::format("line {}: status '{}'", line_no, detail::escape_controls(f[4])));
      }
      if (iv.ok ? !parse_value(f[5], iv.lo) || !parse_value(f[6], iv.hi)
                : !f[5].empty() || !f[6].empty()) {
        block.set_fault(fmt::format("line {}: interval bounds are not numbers or +-inf", line_no));
      }
      iv.error = std::string(f[7]);
      block.records.back().intervals.push_back(std::move(iv));
      continue;
    }
    if (f[0] == "done") {
      if (block.empty()) block.line = line_no;
      std::size_t item = 0, count = 0;
      if (f.size() != 4 || !parse_count(f[1], item) || !parse_count(f[2], count)) {
        report(block, fmt::format("its 'done' line {} is malformed", line_no));
        block.clear();
        continue;
      }
      const std::string expected =
          detail::fnv1a_hex(block.text + fmt::format("done\t{}\t{}\t", f[1], f[2]));
      block.set_item(item);
      if (item >= items) {
        block.set_fault(fmt::format("item {} is outside the plan (items 0 to {})", item, items - 1));
      } else if (count != estimators || block.records.size() != estimators) {
        block.set_fault(fmt::format("it has {} estimate lines and says {}, but the experiment "
                                    "has {} estimators",
                                    block.records.size(), count, estimators));
      } else if (std::any_of(block.records.begin(), block.records.end(),
                             [&](const EstimateRecord& r) { return r.intervals.size() != intervals; })) {
        block.set_fault(fmt::format("its estimates do not have {} intervals each", intervals));
      } else if (f[3] != expected) {
        block.set_fault("its checksum does not match its text");
      }
      if (!block.fault.empty()) {
        report(block, block.fault);
      } else if (conflicted[item]) {
        // Already found twice with different results: recomputed, whatever else is found.
      } else if (const auto it = accepted.find(item); it != accepted.end()) {
        if (it->second != f[3]) {
          report(block, fmt::format("item {} has another, different block before it", item));
          conflicted[item] = 1;
          done[item] = 0;
          --out.complete;
        }
        // An identical second block changes nothing.
      } else {
        for (std::size_t e = 0; e < estimators; ++e) {
          results[item * estimators + e] = std::move(block.records[e]);
        }
        done[item] = 1;
        accepted.emplace(item, std::string(f[3]));
        ++out.complete;
      }
      block.clear();
      continue;
    }
    // Neither an estimate line nor a 'done' line.
    if (block.empty()) block.line = line_no;
    block.text += line;
    block.text += '\n';
    block.set_fault(fmt::format("line {} is not a journal line", line_no));
  }
  // A last block without its 'done' line is what a kill during an append leaves: dropped
  // quietly, and its item recomputed.
  return out;
}

}  // namespace klest
