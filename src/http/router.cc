#include "http/router.h"

#include <algorithm>

namespace taskwire::http {

namespace {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> segments;
  if (path.starts_with('/')) path.remove_prefix(1);
  while (true) {
    const size_t slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

bool IsPlaceholder(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// How specific a route is: literal segments first, so "/tasks/new" beats "/tasks/{id}".
int Specificity(const std::vector<std::string>& segments) {
  int score = 0;
  for (const auto& segment : segments) {
    score = score * 3 + (segment == "*" ? 0 : IsPlaceholder(segment) ? 1 : 2);
  }
  return score;
}

}  // namespace

void Router::Add(Method method, std::string_view pattern, Handler handler) {
  Route route{method, {}, std::move(handler)};
  for (std::string_view segment : SplitPath(pattern)) route.segments.emplace_back(segment);
  routes_.push_back(std::move(route));
  std::stable_sort(routes_.begin(), routes_.end(), [](const Route& a, const Route& b) {
    if (a.segments.size() != b.segments.size()) return a.segments.size() > b.segments.size();
    return Specificity(a.segments) > Specificity(b.segments);
  });
}

bool Router::Match(const Route& route, const std::vector<std::string_view>& segments,
                   Request& request) {
  const bool wildcard = !route.segments.empty() && route.segments.back() == "*";
  const size_t fixed = route.segments.size() - (wildcard ? 1 : 0);
  if (wildcard ? segments.size() < fixed : segments.size() != fixed) return false;
  std::vector<std::pair<std::string, std::string>> params;
  for (size_t i = 0; i < fixed; ++i) {
    const std::string& pattern = route.segments[i];
    if (IsPlaceholder(pattern)) {
      auto value = PercentDecode(segments[i]);
      if (!value || value->empty()) return false;
      params.emplace_back(pattern.substr(1, pattern.size() - 2), std::move(*value));
    } else if (pattern != segments[i]) {
      return false;
    }
  }
  if (wildcard) {
    std::string rest;
    for (size_t i = fixed; i < segments.size(); ++i) {
      if (i > fixed) rest += '/';
      rest += segments[i];
    }
    params.emplace_back("*", std::move(rest));
  }
  request.params = std::move(params);
  return true;
}

void Router::Handle(Request& request, Responder responder) const {
  const auto segments = SplitPath(request.path);
  const Method wanted = request.method == Method::kHead ? Method::kGet : request.method;
  std::string allow;
  for (const Route& route : routes_) {
    if (!Match(route, segments, request)) continue;
    if (route.method == wanted) {
      route.handler(request, std::move(responder));
      return;
    }
    const std::string_view name = MethodName(route.method);
    if (allow.find(name) == std::string::npos) {
      if (!allow.empty()) allow += ", ";
      allow += name;
      if (route.method == Method::kGet) allow += ", HEAD";
    }
  }
  request.params.clear();
  if (!allow.empty()) {
    Response response = Response::JsonError(
        405, "method_not_allowed",
        std::string(MethodName(request.method)) + " is not allowed here; allowed: " + allow);
    response.headers.Add("Allow", allow);
    responder.Send(std::move(response));
    return;
  }
  responder.Send(Response::JsonError(404, "not_found", "no such path: " + request.path));
}

}  // namespace taskwire::http
