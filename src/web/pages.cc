#include "web/pages.h"

#include <kainjow/mustache.hpp>

#include "base/check.h"

namespace taskwire::web {

std::span<const base::EmbeddedFile> TemplateFiles();  // generated

namespace {

std::string_view Template(std::string_view name) {
  for (const auto& file : TemplateFiles()) {
    if (file.path == name) return file.data;
  }
  CHECK(false && "template not embedded");
  return {};
}

}  // namespace

std::string RenderHome(const HomeView& view) {
  kainjow::mustache::mustache page{std::string(Template("home.html"))};
  kainjow::mustache::data data;
  data.set("version", view.version);
  data.set("address", view.address);
  data.set("storage", view.storage);
  data.set("schema_version", std::to_string(view.schema_version));
  data.set("ready", view.ready);
  data.set("reason", view.reason);
  return page.render(data);
}

}  // namespace taskwire::web
