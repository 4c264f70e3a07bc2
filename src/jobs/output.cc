#include "jobs/output.h"

#include <algorithm>
#include <charconv>

namespace taskwire::jobs {

namespace {

constexpr std::string_view kRedacted = "[redacted]";
constexpr size_t kMaxLine = 4096;    // a longer line is no progress line
constexpr size_t kMaxMessage = 500;  // a progress message is cut at this many bytes

}  // namespace

OutputCapture::OutputCapture(int64_t limit, std::vector<std::string> secrets)
    : head_limit_(std::max<int64_t>(limit, 2) / 2),
      tail_limit_(std::max<int64_t>(limit, 2) - std::max<int64_t>(limit, 2) / 2),
      secrets_([&secrets] {
        secrets.erase(std::remove(secrets.begin(), secrets.end(), std::string()), secrets.end());
        return std::move(secrets);
      }()) {
  for (const std::string& secret : secrets_)
    longest_secret_ = std::max(longest_secret_, secret.size());
}

void OutputCapture::Append(std::string_view bytes) {
  if (secrets_.empty()) {
    Keep(bytes);
    return;
  }
  held_.append(bytes);
  // A secret that starts before `limit` lies wholly inside held_; one that starts later may not
  // have arrived whole, so those bytes wait for the next call.
  const size_t limit = held_.size() - std::min(held_.size(), longest_secret_ - 1);
  std::string out;
  size_t i = 0;
  while (i < limit) {
    size_t found = std::string::npos;
    size_t length = 0;
    for (const std::string& secret : secrets_) {
      const size_t at = held_.find(secret, i);
      if (at < found || (at == found && secret.size() > length)) {
        found = at;
        length = secret.size();
      }
    }
    if (found >= limit) {
      out.append(held_, i, limit - i);
      i = limit;
      break;
    }
    out.append(held_, i, found - i);
    out.append(kRedacted);
    i = found + length;
  }
  held_.erase(0, i);
  Keep(out);
}

void OutputCapture::Finish() {
  if (!held_.empty()) {
    std::string rest;
    rest.swap(held_);
    const size_t longest = longest_secret_;
    longest_secret_ = 1;  // nothing more is coming: hold nothing back
    Append(rest);
    longest_secret_ = longest;
  }
  if (!line_.empty() && !line_too_long_) {
    if (auto progress = ParseProgressLine(line_); progress && progress != progress_) {
      progress_ = std::move(progress);
      progress_changed_ = true;
    }
  }
  line_.clear();
}

void OutputCapture::Keep(std::string_view text) {
  if (text.empty()) return;
  ReadLines(text);
  int64_t position = total_;
  total_ += static_cast<int64_t>(text.size());
  if (position < head_limit_) {
    const size_t n = static_cast<size_t>(
        std::min<int64_t>(head_limit_ - position, static_cast<int64_t>(text.size())));
    if (head_.empty()) head_start_ = position;
    head_.append(text.substr(0, n));
    text.remove_prefix(n);
    position += static_cast<int64_t>(n);
  }
  if (text.empty()) return;
  if (tail_.empty()) tail_start_ = position;
  tail_.append(text);
  if (tail_.size() > static_cast<size_t>(tail_limit_)) {
    const size_t drop = tail_.size() - static_cast<size_t>(tail_limit_);
    tail_.erase(0, drop);
    tail_start_ += static_cast<int64_t>(drop);
  }
}

void OutputCapture::ReadLines(std::string_view text) {
  while (!text.empty()) {
    const size_t newline = text.find('\n');
    const std::string_view part = text.substr(0, newline);
    if (!line_too_long_) {
      if (line_.size() + part.size() > kMaxLine) {
        line_too_long_ = true;
        line_.clear();
      } else {
        line_.append(part);
      }
    }
    if (newline == std::string_view::npos) return;
    if (!line_too_long_) {
      if (auto progress = ParseProgressLine(line_); progress && progress != progress_) {
        progress_ = std::move(progress);
        progress_changed_ = true;
      }
    }
    line_.clear();
    line_too_long_ = false;
    text.remove_prefix(newline + 1);
  }
}

OutputCapture::Batch OutputCapture::Take() {
  Batch batch;
  if (!head_.empty()) batch.pieces.push_back({head_start_, std::move(head_)});
  if (!tail_.empty()) batch.pieces.push_back({tail_start_, std::move(tail_)});
  head_.clear();
  tail_.clear();
  batch.total = total_;
  batch.tail_start = std::max(head_limit_, total_ - tail_limit_);
  if (progress_changed_) batch.progress = progress_;
  progress_changed_ = false;
  return batch;
}

void OutputCapture::Restore(Batch batch) {
  for (auto it = batch.pieces.rbegin(); it != batch.pieces.rend(); ++it) {
    Piece& piece = *it;
    if (piece.position < head_limit_) {
      // Head bytes come before whatever head bytes arrived since.
      head_.insert(0, piece.data);
      head_start_ = piece.position;
    } else {
      tail_.insert(0, piece.data);
      tail_start_ = piece.position;
    }
  }
  if (tail_.size() > static_cast<size_t>(tail_limit_)) {
    const size_t drop = tail_.size() - static_cast<size_t>(tail_limit_);
    tail_.erase(0, drop);
    tail_start_ += static_cast<int64_t>(drop);
  }
  if (batch.progress) progress_changed_ = true;
}

std::optional<Progress> ParseProgressLine(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  constexpr std::string_view kPrefix = "::progress ";
  if (!line.starts_with(kPrefix)) return std::nullopt;
  line.remove_prefix(kPrefix.size());
  Progress progress;
  const char* end = line.data() + line.size();
  auto [slash, done_error] = std::from_chars(line.data(), end, progress.done);
  if (done_error != std::errc() || slash == end || *slash != '/') return std::nullopt;
  auto [rest, total_error] = std::from_chars(slash + 1, end, progress.total);
  if (total_error != std::errc() || progress.done < 0 || progress.total < 0) return std::nullopt;
  if (rest != end) {
    if (*rest != ' ') return std::nullopt;
    std::string_view message(rest + 1, static_cast<size_t>(end - rest - 1));
    message = message.substr(0, CompleteUtf8Prefix(message.substr(0, kMaxMessage)));
    progress.message = std::string(message);
  }
  return progress;
}

size_t CompleteUtf8Prefix(std::string_view text) {
  // Look back over at most three continuation bytes for the lead byte of the last sequence.
  size_t i = text.size();
  size_t continuation = 0;
  while (i > 0 && continuation < 3 && (static_cast<unsigned char>(text[i - 1]) & 0xC0) == 0x80) {
    --i;
    ++continuation;
  }
  if (i == 0) return text.size();
  const auto lead = static_cast<unsigned char>(text[i - 1]);
  const size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  if (length > 1 && continuation + 1 < length) return i - 1;  // cut inside the sequence
  return text.size();
}

}  // namespace taskwire::jobs
