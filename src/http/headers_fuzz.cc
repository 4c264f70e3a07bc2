// Fuzzes our own parsing of untrusted header and URL text: Host and Origin (DNS-rebinding
// guard), percent-encoding, query strings, listen addresses, both base64 forms, durations and
// timestamps. Input: a selector byte, then the text.

#include <cstdint>
#include <string>
#include <string_view>

#include "base/base64url.h"
#include "base/clock.h"
#include "base/duration.h"
#include "http/host_guard.h"
#include "http/server.h"

using namespace taskwire;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const http::HostGuard kGuard(
      {.hosts = {"localhost", "127.0.0.1", "[::1]", "tasks.example.com"},
       .origins = {"https://claude.ai"}});
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 6) {
    case 0: {
      // "host\norigin"
      const size_t newline = text.find('\n');
      http::Request request;
      request.headers.Add("Host", std::string(text.substr(0, newline)));
      if (newline != std::string_view::npos) {
        request.headers.Add("Origin", std::string(text.substr(newline + 1)));
      }
      (void)kGuard.Check(request);
      break;
    }
    case 1:
      (void)http::HostWithoutPort(text);
      (void)http::OriginOf(text);
      break;
    case 2: {
      (void)http::PercentDecode(text, true);
      http::Request request;
      request.query = std::string(text);
      (void)request.QueryParam("status");
      break;
    }
    case 3:
      (void)http::ParseListenAddress(text);
      break;
    case 4:
      (void)base::Base64Decode(text);
      (void)base::Base64UrlDecode(text);
      break;
    default:
      (void)base::ParseDuration(text);
      (void)base::ParseIso8601(text);
  }
  return 0;
}
