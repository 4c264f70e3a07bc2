#include "base/log.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace taskwire::base {
namespace {

class FixedClock final : public Clock {
 public:
  WallTime Now() const override { return WallTime(std::chrono::seconds(1'700'000'000)); }
  SteadyTime Steady() const override { return {}; }
};

TEST(Logger, WritesOneJsonObjectPerRecord) {
  FixedClock clock;
  Logger logger(LogLevel::kInfo, LogFormat::kJson, stderr, clock);
  EXPECT_EQ(logger.Format(LogLevel::kWarn, "http.accept_failed",
                          {{"error", "too many files"}, {"count", 3}, {"ok", false}}),
            R"({"time":"2023-11-14T22:13:20.000Z","level":"warn","event":"http.accept_failed",)"
            R"("error":"too many files","count":3,"ok":false})");
}

TEST(Logger, EscapesQuotesControlCharactersAndBadUtf8) {
  FixedClock clock;
  Logger logger(LogLevel::kInfo, LogFormat::kJson, stderr, clock);
  const std::string line =
      logger.Format(LogLevel::kInfo, "e", {{"v", std::string_view("a\"b\\c\n\x01\xff\xc3\xa9")}});
  EXPECT_NE(line.find(R"("v":"a\"b\\c\n\u0001)" "\xEF\xBF\xBD" "\xc3\xa9\"}"), std::string::npos)
      << line;
}

TEST(Logger, TextFormatReadsAsOneLine) {
  FixedClock clock;
  Logger logger(LogLevel::kInfo, LogFormat::kText, stderr, clock);
  EXPECT_EQ(logger.Format(LogLevel::kError, "store.failed", {{"path", "/x"}, {"n", 2}}),
            "2023-11-14T22:13:20.000Z ERROR store.failed path=/x n=2");
}

TEST(Logger, DropsRecordsBelowItsLevel) {
  FixedClock clock;
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  Logger logger(LogLevel::kWarn, LogFormat::kJson, out, clock);
  logger.Info("quiet");
  logger.Error("loud");
  std::fflush(out);
  std::rewind(out);
  char buffer[512] = {};
  const size_t n = std::fread(buffer, 1, sizeof buffer - 1, out);
  std::fclose(out);
  const std::string written(buffer, n);
  EXPECT_EQ(written.find("quiet"), std::string::npos);
  EXPECT_NE(written.find("\"event\":\"loud\""), std::string::npos);
}

TEST(Logger, ParsesLevelsAndFormats) {
  EXPECT_EQ(*ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(*ParseLogLevel("error"), LogLevel::kError);
  EXPECT_FALSE(ParseLogLevel("verbose").has_value());
  EXPECT_EQ(*ParseLogFormat("text"), LogFormat::kText);
  EXPECT_FALSE(ParseLogFormat("xml").has_value());
}

}  // namespace
}  // namespace taskwire::base
