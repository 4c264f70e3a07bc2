#pragma once

#include <chrono>
#include <functional>
#include <string_view>

#include "base/result.h"
#include "http/message.h"

namespace taskwire::http {

struct ClientResponse {
  int status = 0;
  Headers headers;
};

// Sends one request on a connection of its own to an http:// or https:// URL (certificates are
// checked against the system's trust store, and the host name against the certificate) and
// streams the answer: `on_response` gets the status and headers, then `on_body` each piece of
// the body as it arrives, so a text/event-stream is seen live. `on_body` returns false to stop
// reading. `on_sent`, when given, runs once the request is written (or failed to be), so callers
// can keep requests in order while their answers overlap. Blocking; Unavailable naming the URL
// when the server cannot be reached or the answer breaks off, InvalidArgument for a URL that is
// not http(s).
base::Result<void> Fetch(Method method, std::string_view url, const Headers& headers,
                         std::string_view body,
                         const std::function<void(const ClientResponse&)>& on_response,
                         const std::function<bool(std::string_view)>& on_body,
                         const std::function<void()>& on_sent = {});

}  // namespace taskwire::http
