#include "mcp/schema.h"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <cstdint>

#include "base/utf8.h"

namespace taskwire::mcp {

namespace {

std::string_view TypeName(const json::value& value) {
  switch (value.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
      return "an integer";
    case json::kind::double_:
      return "a number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "a value";
}

bool IsInteger(const json::value& value) {
  if (value.is_int64() || value.is_uint64()) return true;
  return value.is_double() && std::isfinite(value.as_double()) &&
         value.as_double() == std::trunc(value.as_double());
}

// A whole number that int64 cannot hold, or may not: JSON sets no limit, but every integer
// argument is read as int64, where it would wrap. Boost.JSON reads digits beyond int64 as uint64
// or as a double; a double beyond ±2^53 is inexact, so it may stand for digits beyond int64
// (-9223372036854775809 reads as -2^63) and is refused too. Digits within int64 read exactly.
bool BeyondInt64(const json::value& value) {
  if (value.is_uint64()) return value.as_uint64() > static_cast<uint64_t>(INT64_MAX);
  if (value.is_double()) return !(std::abs(value.as_double()) < 0x1p53);
  return false;
}

// Whether a "type" keyword (a name or a list of names) includes `name`.
bool Names(const json::value& type, std::string_view name) {
  if (type.is_string()) return type.as_string() == name;
  if (!type.is_array()) return false;
  const json::array& names = type.as_array();
  return std::find(names.begin(), names.end(), json::value(name)) != names.end();
}

// A bound of `schema` ("minimum" or "maximum") as text, or `otherwise`.
std::string Bound(const json::object& schema, std::string_view keyword, int64_t otherwise) {
  const json::value* bound = schema.if_contains(keyword);
  if (bound == nullptr || !bound->is_number()) return std::to_string(otherwise);
  if (bound->is_int64()) return std::to_string(bound->as_int64());
  return json::serialize(*bound);
}

double AsNumber(const json::value& value) {
  if (value.is_int64()) return static_cast<double>(value.as_int64());
  if (value.is_uint64()) return static_cast<double>(value.as_uint64());
  return value.as_double();
}

bool MatchesType(std::string_view type, const json::value& value) {
  if (type == "string") return value.is_string();
  if (type == "integer") return IsInteger(value);
  if (type == "number") return value.is_number();
  if (type == "boolean") return value.is_bool();
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "null") return value.is_null();
  return true;
}

std::string Article(std::string_view type) {
  if (type == "integer" || type == "array" || type == "object") return "an " + std::string(type);
  return "a " + std::string(type);
}

std::string Number(double value) {
  if (value == std::trunc(value) && std::abs(value) < 1e15) {
    return std::to_string(static_cast<int64_t>(value));
  }
  return json::serialize(json::value(value));
}

}  // namespace

std::optional<std::string> ValidateAgainst(const json::object& schema, const json::value& value,
                                           std::string_view path) {
  const std::string where(path);
  if (const json::value* type = schema.if_contains("type")) {
    bool matched = false;
    std::string wanted;
    if (type->is_string()) {
      matched = MatchesType(type->as_string(), value);
      wanted = Article(type->as_string());
    } else if (type->is_array()) {
      for (const json::value& each : type->as_array()) {
        if (!each.is_string()) continue;
        matched = matched || MatchesType(each.as_string(), value);
        if (!wanted.empty()) wanted += " or ";
        wanted += Article(each.as_string());
      }
    } else {
      matched = true;
    }
    if (!matched) return where + " must be " + wanted + ", not " + std::string(TypeName(value));
    // An integer beyond int64 would wrap when read: out of range, unless a "number" may hold it.
    if (BeyondInt64(value) && Names(*type, "integer") && !Names(*type, "number")) {
      // A double int64 could hold, but inexact: the digits, not the range, are the problem.
      const bool inexact =
          value.is_double() && value.as_double() >= -0x1p63 && value.as_double() < 0x1p63;
      return where + " must be an integer from " + Bound(schema, "minimum", INT64_MIN) + " to " +
             Bound(schema, "maximum", INT64_MAX) +
             (inexact ? ", in plain digits beyond 2^53 (no fraction or exponent)" : "");
    }
  }
  if (const json::value* allowed = schema.if_contains("enum"); allowed && allowed->is_array()) {
    bool found = false;
    std::string list;
    for (const json::value& each : allowed->as_array()) {
      found = found || each == value;
      if (!list.empty()) list += ", ";
      list += json::serialize(each);
    }
    if (!found) return where + " must be one of " + list;
  }
  if (const json::value* constant = schema.if_contains("const"); constant && *constant != value) {
    return where + " must be " + json::serialize(*constant);
  }
  if (value.is_string()) {
    const auto length = static_cast<int64_t>(base::CodePoints(value.as_string()));
    if (const json::value* min = schema.if_contains("minLength");
        min && min->is_number() && static_cast<double>(length) < AsNumber(*min)) {
      return where + " must have at least " + Number(AsNumber(*min)) + " characters";
    }
    if (const json::value* max = schema.if_contains("maxLength");
        max && max->is_number() && static_cast<double>(length) > AsNumber(*max)) {
      return where + " must have at most " + Number(AsNumber(*max)) + " characters";
    }
  }
  if (value.is_number()) {
    const double number = AsNumber(value);
    if (const json::value* min = schema.if_contains("minimum");
        min && min->is_number() && number < AsNumber(*min)) {
      return where + " must be at least " + Number(AsNumber(*min));
    }
    if (const json::value* max = schema.if_contains("maximum");
        max && max->is_number() && number > AsNumber(*max)) {
      return where + " must be at most " + Number(AsNumber(*max));
    }
  }
  if (value.is_array()) {
    const json::array& items = value.as_array();
    if (const json::value* min = schema.if_contains("minItems");
        min && min->is_number() && static_cast<double>(items.size()) < AsNumber(*min)) {
      return where + " must have at least " + Number(AsNumber(*min)) + " items";
    }
    if (const json::value* max = schema.if_contains("maxItems");
        max && max->is_number() && static_cast<double>(items.size()) > AsNumber(*max)) {
      return where + " must have at most " + Number(AsNumber(*max)) + " items";
    }
    if (const json::value* unique = schema.if_contains("uniqueItems");
        unique && unique->is_bool() && unique->as_bool()) {
      for (size_t i = 0; i < items.size(); ++i) {
        for (size_t j = i + 1; j < items.size(); ++j) {
          if (items[i] == items[j]) return where + " must not repeat " + json::serialize(items[i]);
        }
      }
    }
    if (const json::value* item_schema = schema.if_contains("items");
        item_schema && item_schema->is_object()) {
      for (size_t i = 0; i < items.size(); ++i) {
        if (auto problem = ValidateAgainst(item_schema->as_object(), items[i],
                                           where + "[" + std::to_string(i) + "]")) {
          return problem;
        }
      }
    }
  }
  if (value.is_object()) {
    const json::object& object = value.as_object();
    const json::object* properties = nullptr;
    if (const json::value* p = schema.if_contains("properties"); p && p->is_object()) {
      properties = &p->as_object();
    }
    if (const json::value* required = schema.if_contains("required");
        required && required->is_array()) {
      for (const json::value& name : required->as_array()) {
        if (name.is_string() && !object.contains(name.as_string())) {
          return where + "." + std::string(name.as_string()) + " is required";
        }
      }
    }
    for (const auto& [key, member] : object) {
      const json::value* member_schema = properties ? properties->if_contains(key) : nullptr;
      const std::string member_path = where + "." + std::string(key);
      if (member_schema != nullptr && member_schema->is_object()) {
        if (auto problem = ValidateAgainst(member_schema->as_object(), member, member_path)) {
          return problem;
        }
        continue;
      }
      if (const json::value* extra = schema.if_contains("additionalProperties")) {
        if (extra->is_bool() && !extra->as_bool()) {
          std::string known;
          if (properties != nullptr) {
            for (const auto& property : *properties) {
              if (!known.empty()) known += ", ";
              known += std::string(property.key());
            }
          }
          return member_path + " is not a known field" +
                 (known.empty() ? std::string() : " (known: " + known + ")");
        }
        if (extra->is_object()) {
          if (auto problem = ValidateAgainst(extra->as_object(), member, member_path))
            return problem;
        }
      }
    }
  }
  for (const char* keyword : {"anyOf", "oneOf"}) {
    const json::value* options = schema.if_contains(keyword);
    if (options == nullptr || !options->is_array()) continue;
    int matches = 0;
    std::optional<std::string> first_problem;
    for (const json::value& option : options->as_array()) {
      if (!option.is_object()) continue;
      auto problem = ValidateAgainst(option.as_object(), value, path);
      if (!problem) {
        ++matches;
      } else if (!first_problem) {
        first_problem = problem;
      }
    }
    if (matches == 0) return first_problem.value_or(where + " matches none of the allowed forms");
    if (std::string_view(keyword) == "oneOf" && matches > 1) {
      return where + " matches more than one of the allowed forms";
    }
  }
  return std::nullopt;
}

namespace {

// What CheckSchema lets through: every keyword ValidateAgainst enforces, and annotations.
enum class Keyword {
  kType,
  kList,
  kAny,
  kCount,
  kNumber,
  kBool,
  kSchema,
  kSchemas,
  kProperties,
  kNames,
  kBoolOrSchema,
  kText,
  kArray
};

const std::pair<std::string_view, Keyword> kKeywords[] = {
    {"type", Keyword::kType},
    {"enum", Keyword::kList},
    {"const", Keyword::kAny},
    {"minLength", Keyword::kCount},
    {"maxLength", Keyword::kCount},
    {"minimum", Keyword::kNumber},
    {"maximum", Keyword::kNumber},
    {"minItems", Keyword::kCount},
    {"maxItems", Keyword::kCount},
    {"uniqueItems", Keyword::kBool},
    {"items", Keyword::kSchema},
    {"properties", Keyword::kProperties},
    {"required", Keyword::kNames},
    {"additionalProperties", Keyword::kBoolOrSchema},
    {"anyOf", Keyword::kSchemas},
    {"oneOf", Keyword::kSchemas},
    // Annotations: they ask nothing of a value.
    {"title", Keyword::kText},
    {"description", Keyword::kText},
    {"$comment", Keyword::kText},
    {"default", Keyword::kAny},
    {"examples", Keyword::kArray},
    {"deprecated", Keyword::kBool},
    {"readOnly", Keyword::kBool},
    {"writeOnly", Keyword::kBool},
};

constexpr std::string_view kChecked =
    "type, enum, const, minLength, maxLength, minimum, maximum, minItems, maxItems, uniqueItems, "
    "items, properties, required, additionalProperties, anyOf, oneOf";

std::optional<std::string> CheckSubschema(const json::object& schema, const std::string& path,
                                          bool root) {
  for (const auto& [key, value] : schema) {
    const std::string where = path + "." + std::string(key);
    if (root && key == "$schema") {
      if (value != json::value("https://json-schema.org/draft/2020-12/schema")) {
        return where + " must be https://json-schema.org/draft/2020-12/schema, the dialect checked";
      }
      continue;
    }
    const auto* known = std::find_if(
        std::begin(kKeywords), std::end(kKeywords),
        [name = std::string_view(key)](const auto& entry) { return entry.first == name; });
    if (known == std::end(kKeywords)) {
      return where +
             " is not checked by Taskwire, so it may not be declared (the keywords "
             "checked are " +
             std::string(kChecked) + ")";
    }
    switch (known->second) {
      case Keyword::kType: {
        const auto named = [](const json::value& name) {
          return name == "string" || name == "integer" || name == "number" || name == "boolean" ||
                 name == "object" || name == "array" || name == "null";
        };
        const bool ok =
            named(value) || (value.is_array() && !value.as_array().empty() &&
                             std::all_of(value.as_array().begin(), value.as_array().end(), named));
        if (!ok) {
          return where +
                 " must be string, integer, number, boolean, object, array or null, or a "
                 "list of them";
        }
        break;
      }
      case Keyword::kList:
        if (!value.is_array() || value.as_array().empty()) {
          return where + " must be a list of the allowed values";
        }
        break;
      case Keyword::kAny:
        break;
      case Keyword::kCount:
        if (!IsInteger(value) || BeyondInt64(value) || AsNumber(value) < 0) {
          return where + " must be a whole number of at least 0";
        }
        break;
      case Keyword::kNumber:
        if (!value.is_number() || !std::isfinite(AsNumber(value))) {
          return where + " must be a number";
        }
        break;
      case Keyword::kBool:
        if (!value.is_bool()) return where + " must be true or false";
        break;
      case Keyword::kText:
        if (!value.is_string()) return where + " must be a string";
        break;
      case Keyword::kArray:
        if (!value.is_array()) return where + " must be a list";
        break;
      case Keyword::kSchema:
        if (!value.is_object()) return where + " must be a schema (a table)";
        if (auto problem = CheckSubschema(value.as_object(), where, false)) return problem;
        break;
      case Keyword::kBoolOrSchema:
        if (value.is_bool()) break;
        if (!value.is_object()) return where + " must be true, false or a schema (a table)";
        if (auto problem = CheckSubschema(value.as_object(), where, false)) return problem;
        break;
      case Keyword::kSchemas:
        if (!value.is_array() || value.as_array().empty()) {
          return where + " must be a list of schemas";
        }
        for (size_t i = 0; i < value.as_array().size(); ++i) {
          const json::value& option = value.as_array()[i];
          const std::string option_path = where + "[" + std::to_string(i) + "]";
          if (!option.is_object()) return option_path + " must be a schema (a table)";
          if (auto problem = CheckSubschema(option.as_object(), option_path, false)) {
            return problem;
          }
        }
        break;
      case Keyword::kProperties:
        if (!value.is_object()) return where + " must be a table of schemas";
        for (const auto& [name, property] : value.as_object()) {
          const std::string property_path = where + "." + std::string(name);
          if (!property.is_object()) return property_path + " must be a schema (a table)";
          if (auto problem = CheckSubschema(property.as_object(), property_path, false)) {
            return problem;
          }
        }
        break;
      case Keyword::kNames:
        if (!value.is_array() || !std::all_of(value.as_array().begin(), value.as_array().end(),
                                              [](const json::value& v) { return v.is_string(); })) {
          return where + " must be a list of property names";
        }
        break;
    }
  }
  // A default that its own schema refuses would be offered to clients as valid.
  if (const json::value* fallback = schema.if_contains("default")) {
    if (auto problem = ValidateAgainst(schema, *fallback, path + ".default")) return problem;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> CheckSchema(const json::object& schema, std::string_view path) {
  return CheckSubschema(schema, std::string(path), /*root=*/true);
}

Schema Schema::String() { return Schema(json::object{{"type", "string"}}); }
Schema Schema::Integer() { return Schema(json::object{{"type", "integer"}}); }
Schema Schema::Number() { return Schema(json::object{{"type", "number"}}); }
Schema Schema::Boolean() { return Schema(json::object{{"type", "boolean"}}); }
Schema Schema::Any() { return Schema(json::object{}); }
Schema Schema::Raw(json::object schema) { return Schema(std::move(schema)); }

Schema Schema::Array(Schema items) {
  return Schema(json::object{{"type", "array"}, {"items", std::move(items.schema_)}});
}

Schema Schema::Object() {
  return Schema(json::object{{"type", "object"}, {"additionalProperties", false}});
}

Schema& Schema::Title(std::string_view title) {
  schema_["title"] = title;
  return *this;
}
Schema& Schema::Description(std::string_view description) {
  schema_["description"] = description;
  return *this;
}
Schema& Schema::MinLength(int64_t length) {
  schema_["minLength"] = length;
  return *this;
}
Schema& Schema::MaxLength(int64_t length) {
  schema_["maxLength"] = length;
  return *this;
}
Schema& Schema::Minimum(double minimum) {
  schema_["minimum"] = minimum == std::trunc(minimum) ? json::value(static_cast<int64_t>(minimum))
                                                      : json::value(minimum);
  return *this;
}
Schema& Schema::Maximum(double maximum) {
  schema_["maximum"] = maximum == std::trunc(maximum) ? json::value(static_cast<int64_t>(maximum))
                                                      : json::value(maximum);
  return *this;
}
Schema& Schema::Enum(std::initializer_list<std::string_view> values) {
  json::array list;
  for (std::string_view value : values) list.emplace_back(value);
  schema_["enum"] = std::move(list);
  return *this;
}
Schema& Schema::Format(std::string_view format) {
  schema_["format"] = format;
  return *this;
}
Schema& Schema::Default(json::value value) {
  schema_["default"] = std::move(value);
  return *this;
}
Schema& Schema::MinItems(int64_t count) {
  schema_["minItems"] = count;
  return *this;
}
Schema& Schema::MaxItems(int64_t count) {
  schema_["maxItems"] = count;
  return *this;
}
Schema& Schema::Nullable() {
  if (json::value* type = schema_.if_contains("type"); type && type->is_string()) {
    *type = json::array{type->as_string(), "null"};
  }
  return *this;
}
Schema& Schema::Property(std::string_view name, Schema schema, Required required) {
  json::value& properties = schema_["properties"];
  if (!properties.is_object()) properties = json::object{};
  properties.as_object()[name] = std::move(schema.schema_);
  if (required == Required::kYes) {
    json::value& list = schema_["required"];
    if (!list.is_array()) list = json::array{};
    list.as_array().emplace_back(name);
  }
  return *this;
}
Schema& Schema::Header(std::string_view name) {
  schema_["x-mcp-header"] = name;
  return *this;
}

Schema& Schema::AdditionalProperties(bool allowed) {
  schema_["additionalProperties"] = allowed;
  return *this;
}

std::optional<std::string> Schema::Validate(const json::value& value, std::string_view path) const {
  return ValidateAgainst(schema_, value, path);
}

}  // namespace taskwire::mcp
