#pragma once

#include <string_view>

namespace taskwire::base {

// A file compiled into the binary by cmake/TaskwireEmbed.cmake.
struct EmbeddedFile {
  std::string_view path;  // relative to the folder it was embedded from, e.g. "0001_users.sql"
  std::string_view data;
};

}  // namespace taskwire::base
