#include "auth/scopes.h"

#include <algorithm>

namespace taskwire::auth {

bool IsGrantable(std::string_view scope) {
  return std::find(std::begin(kGrantableScopes), std::end(kGrantableScopes), scope) !=
         std::end(kGrantableScopes);
}

base::Result<std::set<std::string>> ParseScopes(std::string_view text) {
  std::set<std::string> scopes;
  size_t i = 0;
  while (i < text.size()) {
    const size_t end = text.find_first_of(", ", i);
    const std::string_view word = text.substr(i, end == std::string_view::npos ? end : end - i);
    i = end == std::string_view::npos ? text.size() : end + 1;
    if (word.empty()) continue;
    if (word == "all") {
      scopes.insert(std::begin(kGrantableScopes), std::end(kGrantableScopes));
    } else if (word == "read") {
      scopes.insert(std::begin(kReadScopes), std::end(kReadScopes));
    } else if (std::find(std::begin(kAllScopes), std::end(kAllScopes), word) !=
               std::end(kAllScopes)) {
      scopes.emplace(word);
    } else {
      std::string known;
      for (std::string_view scope : kAllScopes)
        known += (known.empty() ? "" : ", ") + std::string(scope);
      return base::Error::InvalidArgument("unknown scope '" + std::string(word) + "'; known: " +
                                          known + " (or 'all': every one but keys:manage; 'read')");
    }
  }
  if (scopes.empty()) return base::Error::InvalidArgument("no scopes given");
  return scopes;
}

std::set<std::string> ExpandScopes(const std::set<std::string>& scopes) {
  std::set<std::string> expanded = scopes;
  if (expanded.contains(std::string(kScopeTasksAdmin))) expanded.emplace(kScopeTasksWrite);
  if (expanded.contains(std::string(kScopeTasksWrite))) expanded.emplace(kScopeTasksRead);
  if (expanded.contains(std::string(kScopeJobsRun))) expanded.emplace(kScopeJobsRead);
  return expanded;
}

std::string JoinScopes(const std::set<std::string>& scopes) {
  std::string joined;
  for (const std::string& scope : scopes) {
    if (!joined.empty()) joined += ' ';
    joined += scope;
  }
  return joined;
}

}  // namespace taskwire::auth
