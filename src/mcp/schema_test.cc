#include "mcp/schema.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace taskwire::mcp {
namespace {

Schema TaskArguments() {
  return Schema::Object()
      .Property("title", Schema::String().MinLength(1).MaxLength(5), Schema::Required::kYes)
      .Property("status", Schema::String().Enum({"TODO", "DONE"}))
      .Property("limit", Schema::Integer().Minimum(1).Maximum(50))
      .Property("labels", Schema::Array(Schema::String()).MaxItems(2))
      .Property("parentId", Schema::Integer().Nullable());
}

std::optional<std::string> Check(const Schema& schema, std::string_view json) {
  return schema.Validate(boost::json::parse(json), "arguments");
}

TEST(Schema, BuildsTheJsonSchemaItValidates) {
  EXPECT_EQ(json::serialize(TaskArguments().json()),
            R"({"type":"object","additionalProperties":false,"properties":{)"
            R"("title":{"type":"string","minLength":1,"maxLength":5},)"
            R"("status":{"type":"string","enum":["TODO","DONE"]},)"
            R"("limit":{"type":"integer","minimum":1,"maximum":50},)"
            R"("labels":{"type":"array","items":{"type":"string"},"maxItems":2},)"
            R"("parentId":{"type":["integer","null"]}},"required":["title"]})");
}

TEST(Schema, AcceptsConformingArguments) {
  EXPECT_EQ(Check(TaskArguments(), R"({"title":"a"})"), std::nullopt);
  EXPECT_EQ(Check(TaskArguments(),
                  R"({"title":"abc","status":"DONE","limit":50,"labels":["x"],"parentId":null})"),
            std::nullopt);
  EXPECT_EQ(Check(TaskArguments(), R"({"title":"a","limit":3.0})"),
            std::nullopt);  // 3.0 is an integer
}

TEST(Schema, NamesTheFieldThatIsWrong) {
  const Schema schema = TaskArguments();
  EXPECT_EQ(*Check(schema, R"({})"), "arguments.title is required");
  EXPECT_EQ(*Check(schema, R"({"title":7})"), "arguments.title must be a string, not an integer");
  EXPECT_EQ(*Check(schema, R"({"title":""})"), "arguments.title must have at least 1 characters");
  EXPECT_EQ(*Check(schema, R"({"title":"abcdef"})"),
            "arguments.title must have at most 5 characters");
  EXPECT_EQ(*Check(schema, R"({"title":"a","status":"LATER"})"),
            R"(arguments.status must be one of "TODO", "DONE")");
  EXPECT_EQ(*Check(schema, R"({"title":"a","limit":0})"), "arguments.limit must be at least 1");
  EXPECT_EQ(*Check(schema, R"({"title":"a","limit":1.5})"),
            "arguments.limit must be an integer, not a number");
  EXPECT_EQ(*Check(schema, R"({"title":"a","labels":["x",2]})"),
            "arguments.labels[1] must be a string, not an integer");
  EXPECT_EQ(*Check(schema, R"({"title":"a","labels":["x","y","z"]})"),
            "arguments.labels must have at most 2 items");
  EXPECT_EQ(*Check(schema, R"({"title":"a","owner":"x"})"),
            "arguments.owner is not a known field (known: title, status, limit, labels, parentId)");
  EXPECT_EQ(*Check(schema, R"([1])"), "arguments must be an object, not an array");
}

TEST(Schema, AnIntegerBeyondInt64IsOutOfRangeNamingTheFieldAndTheRange) {
  const Schema schema = Schema::Object()
                            .Property("taskId", Schema::Integer().Minimum(1))
                            .Property("offset", Schema::Integer())
                            .Property("parentId", Schema::Integer().Minimum(1).Nullable())
                            .Property("limit", Schema::Integer().Minimum(1).Maximum(50))
                            .Property("ratio", Schema::Number());
  const std::string task_range =
      "arguments.taskId must be an integer from 1 to 9223372036854775807";
  // 2^70 (read as a double), 2^64 - 1 (as uint64), 2^63 (the first uint64 past int64), 1e30.
  for (const char* huge : {"1180591620717411303424", "18446744073709551615", "9223372036854775808",
                           "1e30", "9223372036854775808.0"}) {
    EXPECT_EQ(Check(schema, std::string(R"({"taskId":)") + huge + "}"), task_range) << huge;
  }
  const std::string any_range =
      "arguments.offset must be an integer from -9223372036854775808 to 9223372036854775807";
  for (const char* huge : {"-1180591620717411303424", "-1e30", "1e30", "9223372036854775808"}) {
    EXPECT_EQ(Check(schema, std::string(R"({"offset":)") + huge + "}"), any_range) << huge;
  }
  // Digits just below int64 arrive as the double -2^63, which int64 holds: refused all the same,
  // since a double that large cannot tell which integer was sent.
  EXPECT_EQ(Check(schema, R"({"offset":-9223372036854775809})"),
            any_range + ", in plain digits beyond 2^53 (no fraction or exponent)");
  EXPECT_EQ(Check(schema, R"({"offset":9007199254740992.0})"),
            any_range + ", in plain digits beyond 2^53 (no fraction or exponent)");
  EXPECT_EQ(Check(schema, R"({"offset":9007199254740991.0})"), std::nullopt);
  EXPECT_EQ(Check(schema, R"({"parentId":1e30})"),
            "arguments.parentId must be an integer from 1 to 9223372036854775807");
  EXPECT_EQ(Check(schema, R"({"limit":1e30})"), "arguments.limit must be an integer from 1 to 50");
  // The edges of int64 are integers like any other; a "number" may be as large as it likes.
  EXPECT_EQ(Check(schema, R"({"taskId":9223372036854775807})"), std::nullopt);
  EXPECT_EQ(Check(schema, R"({"offset":-9223372036854775808})"), std::nullopt);
  EXPECT_EQ(Check(schema, R"({"parentId":null})"), std::nullopt);
  EXPECT_EQ(Check(schema, R"({"ratio":1e30})"), std::nullopt);
  // Inside a list, the item is named.
  EXPECT_EQ(Schema::Array(Schema::Integer()).Validate(boost::json::parse("[1, 1e30]"), "ids"),
            "ids[1] must be an integer from -9223372036854775808 to 9223372036854775807");
}

TEST(Schema, CountsCharactersNotBytes) {
  const Schema schema = Schema::String().MaxLength(3);
  EXPECT_EQ(schema.Validate(json::value("ééé"), "x"), std::nullopt);
  EXPECT_TRUE(schema.Validate(json::value("éééé"), "x").has_value());
}

TEST(Schema, RawSchemasAreShownVerbatimAndCheckedWhereUnderstood) {
  const auto raw = boost::json::parse(
      R"({"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",)"
      R"("properties":{"a":{"type":"string"}},"if":{"x":1},"additionalProperties":false})");
  const Schema schema = Schema::Raw(raw.as_object());
  EXPECT_EQ(json::value(schema.json()), raw);
  EXPECT_EQ(schema.Validate(boost::json::parse(R"({"a":"x"})"), "arguments"), std::nullopt);
  EXPECT_TRUE(schema.Validate(boost::json::parse(R"({"b":1})"), "arguments").has_value());
}

TEST(Schema, AnyOfAndOneOfNeedAMatch) {
  const auto raw = boost::json::parse(R"({"anyOf":[{"type":"string"},{"type":"integer"}]})");
  EXPECT_EQ(ValidateAgainst(raw.as_object(), json::value(1), "v"), std::nullopt);
  EXPECT_TRUE(ValidateAgainst(raw.as_object(), json::value(true), "v").has_value());
  const auto one_of = boost::json::parse(R"({"oneOf":[{"type":"integer"},{"type":"number"}]})");
  EXPECT_TRUE(ValidateAgainst(one_of.as_object(), json::value(1), "v").has_value());  // both match
  EXPECT_EQ(ValidateAgainst(one_of.as_object(), json::value(1.5), "v"), std::nullopt);
}

std::optional<std::string> CheckText(std::string_view schema) {
  return CheckSchema(boost::json::parse(schema).as_object(), "params");
}

TEST(CheckSchema, AcceptsWhatValidateAgainstEnforcesAndAnnotations) {
  EXPECT_EQ(CheckText(R"({"$schema":"https://json-schema.org/draft/2020-12/schema",
      "type":"object","title":"t","description":"d","$comment":"c","additionalProperties":false,
      "required":["env"],"properties":{
        "env":{"enum":["staging","prod"],"default":"staging","examples":["prod"]},
        "token":{"type":"string","writeOnly":true,"minLength":8,"maxLength":64},
        "count":{"type":["integer","null"],"minimum":1,"maximum":9.5,"deprecated":false},
        "tags":{"type":"array","items":{"type":"string"},"minItems":0,"maxItems":3,
                "uniqueItems":true,"readOnly":false},
        "mode":{"anyOf":[{"const":"a"},{"type":"integer"}]},
        "pick":{"oneOf":[{"type":"string"},{"type":"boolean"}]},
        "extra":{"type":"object","additionalProperties":{"type":"string"}}}})"),
            std::nullopt);
  EXPECT_EQ(CheckText("{}"), std::nullopt);
}

TEST(CheckSchema, RefusesKeywordsNobodyChecksNamingThem) {
  for (const char* keyword : {"pattern", "format", "$ref", "allOf", "not", "if", "exclusiveMinimum",
                              "multipleOf", "patternProperties", "minProperties", "contains",
                              "dependentRequired", "x-mcp-header", "secret"}) {
    const std::string schema = std::string(R"({"properties":{"env":{")") + keyword + R"(":1}}})";
    const auto problem = CheckText(schema);
    ASSERT_TRUE(problem.has_value()) << keyword;
    EXPECT_TRUE(problem->starts_with(std::string("params.properties.env.") + keyword +
                                     " is not checked by Taskwire"))
        << *problem;
  }
  // Under every place a schema nests.
  EXPECT_TRUE(CheckText(R"({"items":{"pattern":"x"}})")->starts_with("params.items.pattern "));
  EXPECT_TRUE(
      CheckText(R"({"anyOf":[{},{"format":"email"}]})")->starts_with("params.anyOf[1].format "));
  EXPECT_TRUE(CheckText(R"({"additionalProperties":{"not":{}}})")
                  ->starts_with("params.additionalProperties.not "));
  EXPECT_TRUE(CheckText(R"({"$schema":"http://json-schema.org/draft-07/schema#"})")
                  ->starts_with("params.$schema must be"));
  EXPECT_TRUE(CheckText(R"({"items":{"$schema":"https://json-schema.org/draft/2020-12/schema"}})")
                  ->starts_with("params.items.$schema is not checked"));
}

TEST(CheckSchema, RefusesValuesTheValidatorCannotUse) {
  EXPECT_EQ(CheckText(R"({"type":"text"})"),
            "params.type must be string, integer, number, boolean, object, array or null, or a "
            "list of them");
  EXPECT_TRUE(CheckText(R"({"type":[]})").has_value());
  EXPECT_TRUE(CheckText(R"({"type":["string",1]})").has_value());
  EXPECT_EQ(CheckText(R"({"maxLength":-1})"),
            "params.maxLength must be a whole number of at least 0");
  EXPECT_TRUE(CheckText(R"({"minItems":1.5})").has_value());
  EXPECT_TRUE(CheckText(R"({"minLength":"3"})").has_value());
  EXPECT_EQ(CheckText(R"({"maximum":"9"})"), "params.maximum must be a number");
  EXPECT_EQ(CheckText(R"({"enum":[]})"), "params.enum must be a list of the allowed values");
  EXPECT_TRUE(CheckText(R"({"enum":"a"})").has_value());
  EXPECT_EQ(CheckText(R"({"uniqueItems":1})"), "params.uniqueItems must be true or false");
  EXPECT_EQ(CheckText(R"({"items":[{}]})"), "params.items must be a schema (a table)");
  EXPECT_EQ(CheckText(R"({"properties":{"a":1}})"),
            "params.properties.a must be a schema (a table)");
  EXPECT_EQ(CheckText(R"({"properties":[]})"), "params.properties must be a table of schemas");
  EXPECT_EQ(CheckText(R"({"required":["a",2]})"),
            "params.required must be a list of property names");
  EXPECT_TRUE(CheckText(R"({"additionalProperties":"no"})").has_value());
  EXPECT_EQ(CheckText(R"({"anyOf":[]})"), "params.anyOf must be a list of schemas");
  EXPECT_EQ(CheckText(R"({"oneOf":[1]})"), "params.oneOf[0] must be a schema (a table)");
  EXPECT_EQ(CheckText(R"({"description":3})"), "params.description must be a string");
  EXPECT_EQ(CheckText(R"({"writeOnly":"yes"})"), "params.writeOnly must be true or false");
  EXPECT_EQ(CheckText(R"({"examples":{}})"), "params.examples must be a list");
}

TEST(CheckSchema, ADefaultMustPassItsOwnSchema) {
  EXPECT_EQ(CheckText(R"({"properties":{"env":{"enum":["a","b"],"default":"c"}}})"),
            R"(params.properties.env.default must be one of "a", "b")");
  EXPECT_EQ(CheckText(R"({"properties":{"n":{"type":"integer","default":2}}})"), std::nullopt);
}

}  // namespace
}  // namespace taskwire::mcp
