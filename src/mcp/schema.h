#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace taskwire::mcp {

namespace json = boost::json;

// A JSON Schema (2020-12) declared in C++. One declaration is both what tools/list shows and what
// incoming arguments are checked against, so the two cannot drift apart:
//
//   Schema::Object()
//       .Property("title", Schema::String().MinLength(1).MaxLength(500), Required::kYes)
//       .Property("status", Schema::String().Enum({"TODO", "DONE"}))
//
// Validate() understands the keywords the builder writes (type, properties, required,
// additionalProperties, enum, const, minLength, maxLength, minimum, maximum, items, minItems,
// maxItems, uniqueItems, anyOf, oneOf); other keywords of a Raw() schema are shown, not checked.
class Schema {
 public:
  enum class Required { kNo, kYes };

  static Schema String();
  static Schema Integer();
  static Schema Number();
  static Schema Boolean();
  static Schema Array(Schema items);
  // An object with no properties yet; additional properties are refused unless allowed.
  static Schema Object();
  // Any JSON value.
  static Schema Any();
  // A schema given verbatim, shown exactly as written.
  static Schema Raw(json::object schema);

  Schema& Title(std::string_view title);
  Schema& Description(std::string_view description);
  Schema& MinLength(int64_t length);
  Schema& MaxLength(int64_t length);
  Schema& Minimum(double minimum);
  Schema& Maximum(double maximum);
  Schema& Enum(std::initializer_list<std::string_view> values);
  Schema& Format(std::string_view format);
  Schema& Default(json::value value);
  Schema& MinItems(int64_t count);
  Schema& MaxItems(int64_t count);
  Schema& Nullable();  // also accept null
  Schema& Property(std::string_view name, Schema schema, Required required = Required::kNo);
  Schema& AdditionalProperties(bool allowed);
  // Mirrors this (string, integer or boolean) argument into the HTTP header Mcp-Param-<name>
  // on the 2026-07-28 wire ("x-mcp-header"), so intermediaries can route on it without reading
  // the body; the server checks the header matches the body. Never use it for secrets.
  Schema& Header(std::string_view name);

  const json::object& json() const { return schema_; }

  // nullopt when `value` conforms; otherwise one sentence naming the offending field, with
  // `path` ("arguments") as the name of the whole value: "arguments.title must be a string".
  std::optional<std::string> Validate(const json::value& value, std::string_view path) const;

 private:
  explicit Schema(json::object schema) : schema_(std::move(schema)) {}
  json::object schema_;
};

// The same checks on a plain schema object.
std::optional<std::string> ValidateAgainst(const json::object& schema, const json::value& value,
                                           std::string_view path);

// Whether ValidateAgainst checks everything `schema` asks of a value, for schemas written by
// people (a job's parameters): nullopt when it does, else one sentence naming the keyword by its
// path, `path` being the schema's own name ("params.properties.env.pattern is not checked ...").
// Refused: every keyword ValidateAgainst does not enforce (pattern, format, $ref, allOf, not,
// if, ...: a schema that promises a check nobody makes is worse than none), enforced keywords
// with a value it cannot use (a negative maxLength, an unknown type name), and a default that
// does not pass its own schema. Allowed besides the enforced keywords: the annotations title,
// description, default, examples, deprecated, readOnly, writeOnly and $comment, and $schema at
// the root when it names 2020-12.
std::optional<std::string> CheckSchema(const json::object& schema, std::string_view path);

}  // namespace taskwire::mcp
