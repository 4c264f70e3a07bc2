#pragma once

#include <string>
#include <vector>

#include "http/responder.h"

namespace taskwire::http {

// Maps a method and a path to a handler. Patterns are literal segments and {name} placeholders
// ("/api/v1/tasks/{id}"); a last segment "*" matches the rest of the path (Param("*")).
// Literal routes win over placeholders. HEAD is served by the GET handler; a known path with
// another method answers 405 with Allow; anything else 404. Routes are added before serving;
// Handle is then safe to call from any thread.
class Router {
 public:
  void Add(Method method, std::string_view pattern, Handler handler);
  void Handle(Request& request, Responder responder) const;

 private:
  struct Route {
    Method method;
    std::vector<std::string> segments;
    Handler handler;
  };
  // True and fills request.params when `route` matches `segments`.
  static bool Match(const Route& route, const std::vector<std::string_view>& segments,
                    Request& request);

  std::vector<Route> routes_;
};

}  // namespace taskwire::http
