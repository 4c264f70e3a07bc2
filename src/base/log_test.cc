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
  EXPECT_NE(line.find(R"("v":"a\"b\\c\n\u0001)"
                      "\xEF\xBF\xBD"
                      "\xc3\xa9\"}"),
            std::string::npos)
      << line;
}

TEST(Logger, TextFormatReadsAsOneLine) {
  FixedClock clock;
  Logger logger(LogLevel::kInfo, LogFormat::kText, stderr, clock);
  EXPECT_EQ(logger.Format(LogLevel::kError, "store.failed", {{"path", "/x"}, {"n", 2}}),
            "2023-11-14T22:13:20.000Z ERROR store.failed path=/x n=2");
}

TEST(Logger, TextFormatQuotesValuesThatCouldForgeAFieldOrARecord) {
  FixedClock clock;
  Logger logger(LogLevel::kInfo, LogFormat::kText, stderr, clock);
  const auto line = [&](std::string_view value) {
    return logger.Format(LogLevel::kWarn, "e", {{"v", value}, {"n", 1}});
  };
  const std::string prefix = "2023-11-14T22:13:20.000Z WARN e ";
  // A space and "key=value": without quotes this reads as a second field user=admin.
  EXPECT_EQ(line("x user=admin"), prefix + R"(v="x user=admin" n=1)");
  EXPECT_EQ(line("a=b"), prefix + R"(v="a=b" n=1)");
  // A newline would start a forged record of its own.
  EXPECT_EQ(line("x\n2023-11-14T22:13:21.000Z ERROR forged user=admin"),
            prefix + R"(v="x\n2023-11-14T22:13:21.000Z ERROR forged user=admin" n=1)");
  EXPECT_EQ(line("a\r\tb"), prefix + R"(v="a\r\tb" n=1)");
  // Quotes and backslashes inside are escaped, so the quoted value ends where it should.
  EXPECT_EQ(line(R"(say "hi" n=2)"), prefix + R"(v="say \"hi\" n=2" n=1)");
  EXPECT_EQ(line(R"(C:\dir)"), prefix + R"(v="C:\\dir" n=1)");
  EXPECT_EQ(line(""), prefix + R"(v="" n=1)");
  // Other control bytes, DEL and bytes that are not UTF-8 as \xHH; invisible code points
  // (a C1 control, a right-to-left override) as \uHHHH; printable UTF-8 as it is.
  EXPECT_EQ(line(std::string_view("a\x01\x7f\xff", 4)), prefix + R"(v="a\x01\x7F\xFF" n=1)");
  EXPECT_EQ(line("\xc2\x85\xe2\x80\xaetxt"), prefix + R"(v="\u0085\u202Etxt" n=1)");
  EXPECT_EQ(line("caf\xc3\xa9"), prefix + "v=caf\xc3\xa9 n=1");
  EXPECT_EQ(line(std::string_view("nul\0x", 5)), prefix + R"(v="nul\x00x" n=1)");
  // Plain values stay bare.
  EXPECT_EQ(line("/api/v1/tasks?limit=5"), prefix + R"(v="/api/v1/tasks?limit=5" n=1)");
  EXPECT_EQ(line("127.0.0.1:8080"), prefix + "v=127.0.0.1:8080 n=1");
}

TEST(Logger, TextFormatQuotesKeysAndEventsToo) {
  FixedClock clock;
  Logger logger(LogLevel::kInfo, LogFormat::kText, stderr, clock);
  EXPECT_EQ(logger.Format(LogLevel::kInfo, "a b", {{"k=v", "x"}}),
            R"(2023-11-14T22:13:20.000Z INFO "a b" "k=v"=x)");
}

TEST(Logger, JsonFormatStaysOneJsonObjectWhateverTheValues) {
  FixedClock clock;
  Logger logger(LogLevel::kInfo, LogFormat::kJson, stderr, clock);
  const std::string line =
      logger.Format(LogLevel::kInfo, "e", {{"v", "x\n{\"forged\":1} user=admin\r\x7f\\"}});
  EXPECT_EQ(line, R"({"time":"2023-11-14T22:13:20.000Z","level":"info","event":"e",)"
                  R"("v":"x\n{\"forged\":1} user=admin\r\u007f\\"})");
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
