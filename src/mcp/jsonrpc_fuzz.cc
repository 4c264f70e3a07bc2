// Fuzzes the JSON-RPC decoder and schema validation of what it decodes.

#include <boost/json/serialize.hpp>
#include <cstdint>
#include <string_view>

#include "mcp/jsonrpc.h"
#include "mcp/schema.h"

using namespace taskwire::mcp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Schema kSchema =
      Schema::Object()
          .Property("title", Schema::String().MaxLength(500), Schema::Required::kYes)
          .Property("status", Schema::String().Enum({"TODO", "DONE"}))
          .Property("limit", Schema::Integer().Minimum(1).Maximum(50))
          .Property("labels", Schema::Array(Schema::String()).MaxItems(20))
          .AdditionalProperties(true);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = ParseMessage(text);
  if (auto* message = std::get_if<Message>(&parsed)) {
    (void)kSchema.Validate(message->params, "params");
    if (const json::value* arguments = message->params.if_contains("arguments")) {
      (void)kSchema.Validate(*arguments, "arguments");
    }
    (void)EncodeResult(message->id, message->params);
  } else {
    (void)EncodeError(std::get<ParseFailure>(parsed).id, std::get<ParseFailure>(parsed).error);
  }
  return 0;
}
