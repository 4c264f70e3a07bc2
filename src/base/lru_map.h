#pragma once

#include <cstddef>
#include <functional>
#include <list>
#include <unordered_map>
#include <utility>

namespace taskwire::base {

// A map of at most `capacity` entries that, when full, makes room for a new key by dropping the
// least recently used entry, one at a time: a table that tracks clients never forgets everyone
// at once, so filling it cannot reset what it knows about the clients that are still active.
// "Used" is Insert() and Touch(); Find() does not reorder. Not thread-safe: callers lock.
template <typename Key, typename Value, typename Hash = std::hash<Key>>
class LruMap {
 public:
  explicit LruMap(size_t capacity) : capacity_(capacity > 0 ? capacity : 1) {}

  // The value of `key`, or null; leaves the order alone.
  Value* Find(const Key& key) {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &it->second->second;
  }
  // The value of `key`, now the most recently used, or null.
  Value* Touch(const Key& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    order_.splice(order_.end(), order_, it->second);
    return &it->second->second;
  }
  // Sets `key` to `value` as the most recently used entry; a new key in a full map first drops
  // the least recently used one.
  Value& Insert(const Key& key, Value value) {
    if (Value* found = Touch(key)) {
      *found = std::move(value);
      return *found;
    }
    if (index_.size() >= capacity_) EraseOldest();
    order_.emplace_back(key, std::move(value));
    index_.emplace(key, std::prev(order_.end()));
    return order_.back().second;
  }
  void Erase(const Key& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return;
    order_.erase(it->second);
    index_.erase(it);
  }
  // The least recently used entry, or null when empty.
  std::pair<const Key, Value>* Oldest() { return order_.empty() ? nullptr : &order_.front(); }
  void EraseOldest() {
    if (order_.empty()) return;
    index_.erase(order_.front().first);
    order_.pop_front();
  }
  size_t size() const { return index_.size(); }
  size_t capacity() const { return capacity_; }

 private:
  const size_t capacity_;
  std::list<std::pair<const Key, Value>> order_;  // least recently used first
  std::unordered_map<Key, typename std::list<std::pair<const Key, Value>>::iterator, Hash> index_;
};

}  // namespace taskwire::base
