#include "store/database.h"

namespace taskwire::store {

bool Row::IsNull(size_t column) const {
  CHECK(column < cells_.size());
  return std::holds_alternative<std::nullptr_t>(cells_[column]);
}

int64_t Row::Int(size_t column) const {
  CHECK(column < cells_.size());
  if (const auto* v = std::get_if<int64_t>(&cells_[column])) return *v;
  if (const auto* d = std::get_if<double>(&cells_[column])) return static_cast<int64_t>(*d);
  if (const auto* s = std::get_if<std::string>(&cells_[column])) {
    try {
      return std::stoll(*s);
    } catch (...) {
      return 0;
    }
  }
  return 0;
}

double Row::Double(size_t column) const {
  CHECK(column < cells_.size());
  if (const auto* d = std::get_if<double>(&cells_[column])) return *d;
  if (const auto* v = std::get_if<int64_t>(&cells_[column])) return static_cast<double>(*v);
  return 0;
}

std::string Row::Text(size_t column) const {
  CHECK(column < cells_.size());
  if (const auto* s = std::get_if<std::string>(&cells_[column])) return *s;
  if (const auto* v = std::get_if<int64_t>(&cells_[column])) return std::to_string(*v);
  if (const auto* d = std::get_if<double>(&cells_[column])) return std::to_string(*d);
  return {};
}

std::optional<int64_t> Row::OptionalInt(size_t column) const {
  if (IsNull(column)) return std::nullopt;
  return Int(column);
}

std::optional<std::string> Row::OptionalText(size_t column) const {
  if (IsNull(column)) return std::nullopt;
  return Text(column);
}

std::string Row::TakeText(size_t column) {
  CHECK(column < cells_.size());
  if (auto* s = std::get_if<std::string>(&cells_[column])) return std::move(*s);
  return Text(column);
}

std::optional<std::string> Row::TakeOptionalText(size_t column) {
  if (IsNull(column)) return std::nullopt;
  return TakeText(column);
}

}  // namespace taskwire::store
