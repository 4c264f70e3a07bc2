#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jobs/run.h"

namespace taskwire::jobs {

// A run's output on its way to the database, as it arrives: every secret's value replaced by
// "[redacted]", progress lines read, and what is kept bounded by the run's output limit. Up to the
// limit everything is kept; beyond it the first half (the head) and the newest bytes (the tail,
// the other half) are, so memory and storage stay within the limit however much a process
// writes. Positions count the bytes after redaction. Not thread-safe (jobs::Runs guards it).
class OutputCapture {
 public:
  struct Piece {
    int64_t position = 0;  // of its first byte, in everything written
    std::string data;
  };
  // What to write since the last Take.
  struct Batch {
    std::vector<Piece> pieces;  // in position order
    int64_t total = 0;          // everything written so far, kept or not
    // Stored pieces at or past the head (head_limit()) that end at or before this are dropped,
    // and one that crosses it keeps only its bytes from here.
    int64_t tail_start = 0;
    std::optional<Progress> progress;  // the newest, when it changed
    bool empty() const { return pieces.empty() && !progress; }
  };

  // `limit`: the bytes kept (jobs.max_output, at least 2). `secrets`: values to redact.
  OutputCapture(int64_t limit, std::vector<std::string> secrets);

  void Append(std::string_view bytes);
  // The end of the output: what was held back (the start of a possible secret) is released.
  void Finish();

  Batch Take();
  // Puts back a batch whose write failed, to be taken again with what came since.
  void Restore(Batch batch);

  size_t pending() const { return head_.size() + tail_.size(); }
  int64_t head_limit() const { return head_limit_; }
  int64_t total() const { return total_; }
  const std::optional<Progress>& progress() const { return progress_; }

 private:
  void Keep(std::string_view text);
  void ReadLines(std::string_view text);

  const int64_t head_limit_;
  const int64_t tail_limit_;
  const std::vector<std::string> secrets_;
  size_t longest_secret_ = 0;
  std::string held_;  // raw bytes that may start a secret
  std::string line_;  // the line read so far, for progress; capped
  bool line_too_long_ = false;
  int64_t total_ = 0;
  int64_t head_start_ = 0;  // of head_
  std::string head_;        // not taken yet, below head_limit_
  int64_t tail_start_ = 0;  // of tail_
  std::string tail_;        // not taken yet, the newest at most tail_limit_ bytes
  std::optional<Progress> progress_;
  bool progress_changed_ = false;
};

// "::progress DONE/TOTAL message" (the message optional): the progress it reports, or nullopt
// for any other line.
std::optional<Progress> ParseProgressLine(std::string_view line);

// How many bytes of `text` to keep so that it does not end inside a UTF-8 sequence: text.size()
// unless its last one to three bytes begin a sequence they do not complete.
size_t CompleteUtf8Prefix(std::string_view text);

}  // namespace taskwire::jobs
