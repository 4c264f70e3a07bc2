#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace taskwire::base {

// Appends `text` to `out` as the inside of a JSON string (quotes not included): escapes quotes,
// backslashes and control characters, and replaces invalid UTF-8 with U+FFFD.
void AppendJsonEscaped(std::string& out, std::string_view text);

// Writes one JSON object as text, member by member, with no tree in between. Used where a tree
// would only be built to be serialized: audit records and event data, and the answers of the
// hot reads (get_task, list_tasks), written straight into the string that becomes the response.
//
//   JsonWriter().Int("id", 7).BeginArray("tags").String("a").EndArray().Finish()
//     == R"({"id":7,"tags":["a"]})"
//
// Members (with a key) go into the innermost open object, elements (without) into the innermost
// open array; mixing them up, or leaving containers open at Finish, is a bug the writer does not
// check.
class JsonWriter {
 public:
  JsonWriter() : open_{false} { out_ += '{'; }

  JsonWriter& String(std::string_view key, std::string_view value) {
    return Key(key).String(value);
  }
  JsonWriter& Int(std::string_view key, int64_t value) { return Key(key).Int(value); }
  JsonWriter& Bool(std::string_view key, bool value) { return Key(key).Bool(value); }
  JsonWriter& Null(std::string_view key) { return Key(key).Null(); }
  // `json` must be one valid JSON value; it is copied as it is.
  JsonWriter& Raw(std::string_view key, std::string_view json) { return Key(key).Raw(json); }
  JsonWriter& OptionalString(std::string_view key, const std::optional<std::string>& value) {
    return value ? String(key, *value) : Null(key);
  }
  JsonWriter& OptionalInt(std::string_view key, const std::optional<int64_t>& value) {
    return value ? Int(key, *value) : Null(key);
  }
  JsonWriter& Ints(std::string_view key, const std::vector<int64_t>& values);
  JsonWriter& Strings(std::string_view key, const std::vector<std::string>& values);
  JsonWriter& BeginObject(std::string_view key) { return Key(key).BeginObject(); }
  JsonWriter& BeginArray(std::string_view key) { return Key(key).BeginArray(); }

  // Elements of the innermost open array.
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  JsonWriter& Raw(std::string_view json);
  JsonWriter& BeginObject();
  JsonWriter& BeginArray();

  JsonWriter& EndObject() { return Close('}'); }
  JsonWriter& EndArray() { return Close(']'); }

  // True while the outer object has no member.
  bool empty() const { return out_.size() == 1; }
  // Closes the outer object and returns the text; the writer is spent.
  std::string Finish() &&;
  std::string Finish() & { return std::move(*this).Finish(); }

  // Room for `bytes` more, when the caller can tell.
  void Reserve(size_t bytes) { out_.reserve(out_.size() + bytes); }

 private:
  JsonWriter& Key(std::string_view key);
  void Separate();
  JsonWriter& Close(char bracket);

  std::string out_;
  std::vector<bool> open_;  // per open container: whether it has a member or element yet
  bool after_key_ = false;  // a key was written; its value comes next
};

}  // namespace taskwire::base
