#include "http/static_assets.h"

#include <cstdio>

namespace taskwire::http {

namespace {

// FNV-1a, 64 bits: enough to tell versions of one file apart.
uint64_t Fingerprint(std::string_view data) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : data) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

}  // namespace

std::string ContentTypeForPath(std::string_view path) {
  const size_t dot = path.rfind('.');
  const std::string_view ext = dot == std::string_view::npos ? "" : path.substr(dot + 1);
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "js") return "text/javascript; charset=utf-8";
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  if (ext == "json") return "application/json";
  if (ext == "txt") return "text/plain; charset=utf-8";
  if (ext == "woff2") return "font/woff2";
  return "application/octet-stream";
}

StaticAssets::StaticAssets(std::span<const base::EmbeddedFile> files) {
  for (const base::EmbeddedFile& file : files) {
    char etag[24];
    std::snprintf(etag, sizeof etag, "\"%016llx\"",
                  static_cast<unsigned long long>(Fingerprint(file.data)));
    assets_.emplace(std::string(file.path), Asset{file.data, ContentTypeForPath(file.path), etag});
  }
}

Response StaticAssets::Get(std::string_view path, const Request& request) const {
  const auto it = assets_.find(std::string(path));
  if (it == assets_.end()) return Response::Text(404, "not found\n");
  const Asset& asset = it->second;
  Response response;
  response.headers.Add("ETag", asset.etag);
  response.headers.Add("Cache-Control", "public, max-age=300");
  if (auto match = request.headers.Get("If-None-Match");
      match && match->find(asset.etag) != std::string_view::npos) {
    response.status = 304;
    return response;
  }
  response.headers.Add("Content-Type", asset.content_type);
  response.headers.Add("X-Content-Type-Options", "nosniff");
  response.body = asset.data;
  return response;
}

void StaticAssets::Serve(const Request& request, Responder responder) const {
  responder.Send(Get(request.Param("*"), request));
}

}  // namespace taskwire::http
