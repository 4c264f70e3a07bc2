// The in-memory table of legacy sessions: per-subject caps, least recently used first out,
// expiry.
#include "mcp/sessions.h"

#include <algorithm>

namespace taskwire::mcp {

std::shared_ptr<Session> MemorySessionTable::Find(std::string_view id, std::string_view subject) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(std::string(id));
  if (it == sessions_.end()) return nullptr;
  std::shared_ptr<Session> session = it->second;
  std::lock_guard session_lock(session->mutex);
  const base::SteadyTime now = clock_.Steady();
  if (session->subject != subject || Expired(*session, now)) return nullptr;
  session->last_used = now;
  session->used = true;
  return session;
}

bool MemorySessionTable::Add(std::shared_ptr<Session> session) {
  std::lock_guard lock(mutex_);
  if (!MakeRoom(session->subject)) return false;
  sessions_.emplace(session->id, session);
  by_subject_[session->subject].push_back(std::move(session));
  return true;
}

void MemorySessionTable::Drop(const std::shared_ptr<Session>& session) {
  std::lock_guard lock(mutex_);
  DropLocked(session);
}

std::vector<std::shared_ptr<Session>> MemorySessionTable::All() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<Session>> all;
  all.reserve(sessions_.size());
  for (const auto& [id, session] : sessions_) all.push_back(session);
  return all;
}

size_t MemorySessionTable::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

bool MemorySessionTable::Expired(const Session& session, base::SteadyTime now) const {
  return now - session.last_used > (session.used ? limits_.idle_timeout : limits_.unused_timeout);
}

bool MemorySessionTable::MakeRoom(const std::string& subject) {
  const base::SteadyTime now = clock_.Steady();
  if (auto owned = by_subject_.find(subject); owned != by_subject_.end()) {
    std::vector<std::pair<base::SteadyTime, std::shared_ptr<Session>>> live;
    std::vector<std::shared_ptr<Session>> gone;
    for (const auto& session : owned->second) {
      std::lock_guard lock(session->mutex);
      if (Expired(*session, now)) {
        gone.push_back(session);
      } else {
        live.emplace_back(session->last_used, session);
      }
    }
    // At the cap, the subject's least recently used sessions go; its client meets a 404 and
    // initializes again (MCP 2025-11-25 transports, "Session Management").
    std::sort(live.begin(), live.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    const size_t keep = std::max<size_t>(limits_.max_per_subject, 1) - 1;  // and the new one
    for (size_t i = 0; i + keep < live.size(); ++i) gone.push_back(live[i].second);
    for (const auto& session : gone) DropLocked(session);
  }
  if (sessions_.size() < limits_.max_sessions) return true;
  std::vector<std::shared_ptr<Session>> expired;
  for (const auto& [id, session] : sessions_) {
    std::lock_guard lock(session->mutex);
    if (Expired(*session, now)) expired.push_back(session);
  }
  for (const auto& session : expired) DropLocked(session);
  return sessions_.size() < limits_.max_sessions;
}

void MemorySessionTable::DropLocked(const std::shared_ptr<Session>& session) {
  sessions_.erase(session->id);
  if (auto owned = by_subject_.find(session->subject); owned != by_subject_.end()) {
    std::erase(owned->second, session);
    if (owned->second.empty()) by_subject_.erase(owned);
  }
  std::lock_guard lock(session->mutex);
  if (session->get_stream) session->get_stream->Close();
  session->pending_inputs.clear();  // a waiting call holds the session: let both go
}

}  // namespace taskwire::mcp
