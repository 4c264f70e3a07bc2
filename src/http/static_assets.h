#pragma once

#include <span>
#include <string>
#include <unordered_map>

#include "base/embedded.h"
#include "http/responder.h"

namespace taskwire::http {

// Serves files compiled into the binary, with a Content-Type from the file's extension, a strong
// ETag, revalidation (If-None-Match -> 304) and a short public cache lifetime. Immutable after
// construction; safe from any thread.
class StaticAssets {
 public:
  explicit StaticAssets(std::span<const base::EmbeddedFile> files);

  // Serves the file named by the route's "*" parameter ("/static/*"), or 404.
  void Serve(const Request& request, Responder responder) const;

  // The response for the file at `path` ("style.css"), or 404.
  Response Get(std::string_view path, const Request& request) const;

 private:
  struct Asset {
    std::string_view data;
    std::string content_type;
    std::string etag;
  };
  std::unordered_map<std::string, Asset> assets_;
};

// "text/css; charset=utf-8" for "a/b.css"; application/octet-stream when unknown.
std::string ContentTypeForPath(std::string_view path);

}  // namespace taskwire::http
