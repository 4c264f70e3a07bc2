#pragma once

// The small helpers SQLite's rows files share (task_rows_sqlite.cc, task_rows_sqlite_records.cc):
// statements from parts, and rows turned into values.

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "store/database.h"

namespace taskwire::tasks::sqlite_rows {

// Statements are built once: the statement cache looks them up by their text.
inline std::string Sql(std::initializer_list<std::string_view> parts) {
  std::string sql;
  for (std::string_view part : parts) sql += part;
  return sql;
}

inline base::Result<void> Run(store::Transaction& tx, std::string_view sql,
                              std::initializer_list<store::Param> params) {
  auto changed = tx.Execute(sql, params);
  if (!changed) return std::move(changed).error();
  return base::Ok();
}

// One row (task_id, value) per value.
template <typename T>
base::Result<void> InsertEach(store::Transaction& tx, std::string_view sql, int64_t task_id,
                              const std::vector<T>& values) {
  for (const T& value : values) {
    if (auto ok = Run(tx, sql, {task_id, value}); !ok) return ok;
  }
  return base::Ok();
}

inline base::Result<std::vector<int64_t>> Ids(base::Result<store::Rows> rows) {
  if (!rows) return std::move(rows).error();
  std::vector<int64_t> ids;
  ids.reserve(rows->size());
  for (const store::Row& row : *rows) ids.push_back(row.Int(0));
  return ids;
}

template <typename T, typename From>
base::Result<std::vector<T>> All(base::Result<store::Rows> rows, From from) {
  if (!rows) return std::move(rows).error();
  std::vector<T> items;
  items.reserve(rows->size());
  for (const store::Row& row : *rows) items.push_back(from(row));
  return items;
}

template <typename T, typename From>
base::Result<std::optional<T>> First(base::Result<store::Rows> rows, From from) {
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<T>();
  return std::optional<T>(from(rows->front()));
}

}  // namespace taskwire::tasks::sqlite_rows
