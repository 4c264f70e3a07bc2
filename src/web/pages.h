#pragma once

#include <span>
#include <string>

#include "base/embedded.h"

namespace taskwire::web {

// Files served under /static/ (style.css, favicon.svg).
std::span<const base::EmbeddedFile> AssetFiles();

struct HomeView {
  std::string version;
  std::string address;  // the web address people use
  std::string storage;  // where the data lives
  int schema_version = 0;
  bool ready = false;
  std::string reason;  // why not ready
};

// The home page. Every value is HTML-escaped.
std::string RenderHome(const HomeView& view);

}  // namespace taskwire::web
