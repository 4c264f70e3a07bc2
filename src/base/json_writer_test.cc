#include "base/json_writer.h"

#include <gtest/gtest.h>

namespace taskwire::base {
namespace {

std::string Escaped(std::string_view text) {
  std::string out;
  AppendJsonEscaped(out, text);
  return out;
}

TEST(AppendJsonEscaped, CopiesPlainTextAndEscapesTheRest) {
  EXPECT_EQ(Escaped("plain text, 100% ASCII"), "plain text, 100% ASCII");
  EXPECT_EQ(Escaped("a\"b\\c"), R"(a\"b\\c)");
  EXPECT_EQ(Escaped("\n\r\t"), R"(\n\r\t)");
  EXPECT_EQ(Escaped(std::string_view("\x01\x1f\x7f", 3)), R"(\u0001\u001f\u007f)");
  EXPECT_EQ(Escaped(std::string_view("\0", 1)), R"(\u0000)");
  EXPECT_EQ(Escaped("caf\xc3\xa9 \xe2\x9c\x93"), "caf\xc3\xa9 \xe2\x9c\x93");  // valid UTF-8 stays
  EXPECT_EQ(Escaped("bad \xc3 end"), "bad \xEF\xBF\xBD end");                  // cut sequence
  EXPECT_EQ(Escaped("\xed\xa0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
  EXPECT_EQ(Escaped(""), "");
  EXPECT_EQ(Escaped("\b\f"), R"(\u0008\u000c)");
}

TEST(AppendJsonEscaped, GrowsForEscapesAnywhereInLongText) {
  // Every byte escaped (six for one), and invalid bytes (three for one), past the room made for
  // plain text; appended after what `out` already holds.
  std::string controls(5000, '\x01');
  std::string out = "prefix:";
  AppendJsonEscaped(out, controls);
  EXPECT_EQ(out.size(), 7 + 6 * controls.size());
  EXPECT_EQ(out.substr(0, 13), "prefix:\\u0001");
  std::string invalid(3000, '\xff');
  out.clear();
  AppendJsonEscaped(out, invalid + "end");
  EXPECT_EQ(out.size(), 3 * invalid.size() + 3);
  EXPECT_EQ(out.substr(out.size() - 6),
            "\xEF\xBF\xBD"
            "end");
  std::string mixed;
  for (int i = 0; i < 2000; ++i) mixed += "\"q\" caf\xc3\xa9 \n";
  out.clear();
  AppendJsonEscaped(out, mixed);
  std::string expected;
  for (int i = 0; i < 2000; ++i) expected += "\\\"q\\\" caf\xc3\xa9 \\n";
  EXPECT_EQ(out, expected);
}

TEST(AppendJsonEscaped, FindsTheOneSpecialByteAtEveryPositionOfALongRun) {
  for (const char special : {'"', '\\', '\x01', '\x1f', '\x7f', '\n'}) {
    for (size_t at = 0; at < 24; ++at) {
      std::string text(24, 'a');
      text[at] = special;
      const std::string out = Escaped(text);
      EXPECT_EQ(out.substr(0, at), std::string(at, 'a'));
      EXPECT_EQ(out[at], '\\') << "byte " << int(special) << " at " << at;
      EXPECT_EQ(out.size(), 23 + (special == '"' || special == '\\' || special == '\n' ? 2u : 6u));
    }
  }
  std::string high(24, 'a');
  high[13] = '\xc3';  // a cut UTF-8 sequence in the middle of a run
  EXPECT_EQ(Escaped(high), std::string(13, 'a') + "\xEF\xBF\xBD" + std::string(10, 'a'));
}

TEST(JsonWriter, WritesMembersInOrder) {
  JsonWriter writer;
  EXPECT_TRUE(writer.empty());
  writer.String("s", "x\"y")
      .Int("i", -42)
      .Bool("t", true)
      .Bool("f", false)
      .Null("n")
      .Raw("r", R"({"a":[1]})");
  EXPECT_FALSE(writer.empty());
  EXPECT_EQ(writer.Finish(), R"({"s":"x\"y","i":-42,"t":true,"f":false,"n":null,"r":{"a":[1]}})");
}

TEST(JsonWriter, NestsObjectsAndArrays) {
  std::string text = JsonWriter()
                         .BeginArray("tasks")
                         .BeginObject()
                         .Int("id", 1)
                         .Strings("owners", {"ada", "bob"})
                         .EndObject()
                         .BeginObject()
                         .Int("id", 2)
                         .Strings("owners", {})
                         .BeginObject("parent")
                         .EndObject()
                         .EndObject()
                         .EndArray()
                         .Ints("ids", {3, 4})
                         .BeginArray("mixed")
                         .String("a")
                         .Int(5)
                         .Null()
                         .Bool(true)
                         .Raw("[]")
                         .BeginArray()
                         .EndArray()
                         .EndArray()
                         .Finish();
  EXPECT_EQ(text, R"({"tasks":[{"id":1,"owners":["ada","bob"]},{"id":2,"owners":[],"parent":{}}],)"
                  R"("ids":[3,4],"mixed":["a",5,null,true,[],[]]})");
}

TEST(JsonWriter, OptionalsAreValuesOrNull) {
  // Named, not temporaries: GCC's -Wmaybe-uninitialized misreads empty temporaries at -O1.
  const std::optional<std::string> text = "x";
  const std::optional<std::string> no_text;
  const std::optional<int64_t> number = 7;
  const std::optional<int64_t> no_number;
  EXPECT_EQ(JsonWriter()
                .OptionalString("a", text)
                .OptionalString("b", no_text)
                .OptionalInt("c", number)
                .OptionalInt("d", no_number)
                .Finish(),
            R"({"a":"x","b":null,"c":7,"d":null})");
}

TEST(JsonWriter, EscapesKeysToo) {
  EXPECT_EQ(JsonWriter().Int("a\"b", 1).Finish(), R"({"a\"b":1})");
  EXPECT_EQ(JsonWriter().Finish(), "{}");
}

}  // namespace
}  // namespace taskwire::base
