#include "jobs/output.h"

#include <gtest/gtest.h>

#include <map>

namespace taskwire::jobs {
namespace {

// Everything a capture would store, applied as the database applies a batch.
struct Stored {
  std::map<int64_t, std::string> pieces;
  int64_t total = 0;
  void Apply(OutputCapture::Batch batch, int64_t head_limit) {
    for (auto& piece : batch.pieces) pieces[piece.position] = std::move(piece.data);
    for (auto it = pieces.begin(); it != pieces.end();) {
      const int64_t end = it->first + static_cast<int64_t>(it->second.size());
      if (it->first >= head_limit && end <= batch.tail_start) {
        it = pieces.erase(it);
      } else if (it->first >= head_limit && it->first < batch.tail_start) {
        std::string rest = it->second.substr(static_cast<size_t>(batch.tail_start - it->first));
        it = pieces.erase(it);
        pieces[batch.tail_start] = std::move(rest);
      } else {
        ++it;
      }
    }
    total = batch.total;
  }
  std::string Text() const {
    std::string text;
    for (const auto& [position, data] : pieces) text += data;
    return text;
  }
  size_t Bytes() const { return Text().size(); }
};

TEST(OutputCapture, KeepsEverythingUpToTheLimit) {
  OutputCapture capture(100, {});
  Stored stored;
  capture.Append("hello ");
  capture.Append("world\n");
  stored.Apply(capture.Take(), capture.head_limit());
  EXPECT_EQ(stored.Text(), "hello world\n");
  EXPECT_EQ(stored.total, 12);
  EXPECT_TRUE(capture.Take().empty());
}

TEST(OutputCapture, BeyondTheLimitKeepsTheHeadAndTheNewestTail) {
  OutputCapture capture(10, {});
  Stored stored;
  std::string all;
  for (int i = 0; i < 30; ++i) {
    const std::string chunk = std::to_string(i % 10) + "ab";
    all += chunk;
    capture.Append(chunk);
    if (i % 4 == 0) stored.Apply(capture.Take(), capture.head_limit());  // flushed now and then
  }
  stored.Apply(capture.Take(), capture.head_limit());
  EXPECT_EQ(stored.total, 90);
  EXPECT_EQ(stored.Text(), all.substr(0, 5) + all.substr(all.size() - 5));
  EXPECT_EQ(stored.pieces.begin()->first, 0);
  EXPECT_EQ(stored.pieces.lower_bound(5)->first, 85);  // the tail starts 5 bytes before the end
  EXPECT_LE(capture.pending(), 10u);
}

TEST(OutputCapture, AFloodBetweenTakesIsBoundedInMemory) {
  OutputCapture capture(1000, {});
  const std::string chunk(64 * 1024, 'x');
  for (int i = 0; i < 100; ++i) capture.Append(chunk);
  EXPECT_LE(capture.pending(), 1000u);
  auto batch = capture.Take();
  EXPECT_EQ(batch.total, 100 * 64 * 1024);
  ASSERT_EQ(batch.pieces.size(), 2u);
  EXPECT_EQ(batch.pieces[0].data.size(), 500u);
  EXPECT_EQ(batch.pieces[1].position, batch.total - 500);
  EXPECT_EQ(batch.tail_start, batch.total - 500);
}

TEST(OutputCapture, SecretsAreRedactedEvenAcrossChunks) {
  OutputCapture capture(1000, {"hunter2", "", "s3"});
  capture.Append("token=hun");
  capture.Append("ter2 and s");
  capture.Append("3; hunter2hunter2");
  capture.Finish();
  Stored stored;
  stored.Apply(capture.Take(), capture.head_limit());
  EXPECT_EQ(stored.Text(), "token=[redacted] and [redacted]; [redacted][redacted]");
  // A secret's start held back at the end is released as it is.
  OutputCapture tail(1000, {"hunter2"});
  tail.Append("ends with hunt");
  Stored partial;
  partial.Apply(tail.Take(), tail.head_limit());
  EXPECT_EQ(partial.Text(), "ends wit");  // " hunt" could start the secret
  tail.Finish();
  partial.Apply(tail.Take(), tail.head_limit());
  EXPECT_EQ(partial.Text(), "ends with hunt");
}

TEST(OutputCapture, ProgressLinesAreRead) {
  OutputCapture secret(1000, {"pw"});
  secret.Append("starting\n::progress 1/4 copying pw files\n");
  secret.Append("more");  // releases the newline held back (it could have started a secret)
  EXPECT_EQ(secret.Take().progress, (Progress{1, 4, "copying [redacted] files"}));
  OutputCapture capture(1000, {});
  capture.Append("::prog");
  EXPECT_FALSE(capture.Take().progress.has_value());
  capture.Append("ress 3/4\r\n");
  auto batch = capture.Take();
  ASSERT_TRUE(batch.progress.has_value());
  EXPECT_EQ(*batch.progress, (Progress{3, 4, ""}));
  capture.Append("::progress 3/4\n");  // unchanged: nothing to write
  EXPECT_FALSE(capture.Take().progress.has_value());
  capture.Append("::progress 4/4 done");  // the last line needs no newline
  capture.Finish();
  EXPECT_EQ(capture.Take().progress, (Progress{4, 4, "done"}));
  EXPECT_EQ(capture.progress(), (Progress{4, 4, "done"}));
}

TEST(OutputCapture, AFailedWriteIsTakenAgain) {
  OutputCapture capture(10, {});
  capture.Append("abc");
  auto failed = capture.Take();
  capture.Append("defghijk");
  capture.Restore(std::move(failed));
  Stored stored;
  stored.Apply(capture.Take(), capture.head_limit());
  EXPECT_EQ(stored.Text(), "abcdeghijk");
  EXPECT_EQ(stored.total, 11);
}

TEST(ParseProgressLine, ReadsOnlyTheDocumentedForm) {
  EXPECT_EQ(ParseProgressLine("::progress 2/10 two of ten"), (Progress{2, 10, "two of ten"}));
  EXPECT_EQ(ParseProgressLine("::progress 0/0"), (Progress{0, 0, ""}));
  for (const char* line : {"::progress", "::progress x/1", "::progress 1/", "::progress 1-2",
                           "::progress -1/2", "::progress 1/2x", " ::progress 1/2", "progress 1/2",
                           "::progress 99999999999999999999/1"}) {
    EXPECT_EQ(ParseProgressLine(line), std::nullopt) << line;
  }
  EXPECT_EQ(ParseProgressLine("::progress 1/2 " + std::string(600, 'm'))->message.size(), 500u);
}

TEST(CompleteUtf8Prefix, DoesNotEndInsideASequence) {
  EXPECT_EQ(CompleteUtf8Prefix("abc"), 3u);
  EXPECT_EQ(CompleteUtf8Prefix("a\xc3\xa9"), 3u);  // é, whole
  EXPECT_EQ(CompleteUtf8Prefix("a\xc3"), 1u);
  EXPECT_EQ(CompleteUtf8Prefix("a\xe2\x82"), 1u);      // € cut
  EXPECT_EQ(CompleteUtf8Prefix("a\xf0\x9f\x98"), 1u);  // an emoji cut
  EXPECT_EQ(CompleteUtf8Prefix("a\xf0\x9f\x98\x80"), 5u);
  EXPECT_EQ(CompleteUtf8Prefix("\x80\x80"), 2u);  // not UTF-8 at all: left as it is
  EXPECT_EQ(CompleteUtf8Prefix(""), 0u);
}

}  // namespace
}  // namespace taskwire::jobs
