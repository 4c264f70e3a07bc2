#include "oauth/clients.h"

#include <algorithm>
#include <boost/json.hpp>

#include "base/random.h"
#include "base/sha256.h"
#include "http/client.h"
#include "oauth/uri.h"

namespace taskwire::oauth {

namespace {

constexpr size_t kMaxRedirectUris = 10;
constexpr size_t kMaxUriLength = 2000;

// Private-use schemes (RFC 8252 §7.1) of desktop clients people connect: Cursor, VS Code and
// VS Code Insiders, and Claude Desktop.
constexpr std::string_view kKnownSchemes[] = {"cursor", "vscode", "vscode-insiders", "claude"};

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) {
    if (!out.empty()) out += '\n';
    out += line;
  }
  return out;
}

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    out.emplace_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return out;
}

base::Result<void> CheckName(std::string_view name) {
  if (name.empty() || name.size() > 200 || std::any_of(name.begin(), name.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20;
      })) {
    return base::Error::InvalidArgument("a client name is 1 to 200 characters on one line");
  }
  return {};
}

Client ClientFromRow(const store::Row& row) {
  Client client;
  client.client_id = row.Text(0);
  client.kind = row.Text(1) == "registered" ? ClientKind::kRegistered : ClientKind::kDynamic;
  client.name = row.Text(2);
  client.redirect_uris = SplitLines(row.Text(3));
  client.secret_hash = row.Text(4);
  client.confidential = !row.IsNull(4);
  client.created_at = row.Text(5);
  return client;
}

constexpr std::string_view kClientColumns =
    "client_id, kind, name, redirect_uris, secret_hash, created_at";

// max-age of a Cache-Control value, or nullopt (also for no-store/no-cache).
std::optional<std::chrono::seconds> MaxAge(std::string_view cache_control) {
  if (cache_control.find("no-store") != std::string_view::npos ||
      cache_control.find("no-cache") != std::string_view::npos) {
    return std::chrono::seconds(0);
  }
  const size_t at = cache_control.find("max-age=");
  if (at == std::string_view::npos) return std::nullopt;
  int64_t seconds = 0;
  for (size_t i = at + 8;
       i < cache_control.size() && std::isdigit(static_cast<unsigned char>(cache_control[i]));
       ++i) {
    seconds = std::min<int64_t>(seconds * 10 + (cache_control[i] - '0'), 365LL * 86400);
  }
  return std::chrono::seconds(seconds);
}

}  // namespace

std::string_view ClientKindName(ClientKind kind) {
  switch (kind) {
    case ClientKind::kRegistered:
      return "registered";
    case ClientKind::kDynamic:
      return "dynamic";
    case ClientKind::kMetadata:
      return "metadata";
  }
  return "dynamic";
}

RedirectPolicy::RedirectPolicy(std::vector<std::string> extra_schemes) {
  for (std::string_view scheme : kKnownSchemes) schemes_.emplace_back(scheme);
  for (auto& scheme : extra_schemes) {
    std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    schemes_.push_back(std::move(scheme));
  }
}

base::Result<void> RedirectPolicy::Check(std::string_view uri) const {
  if (uri.empty() || uri.size() > kMaxUriLength) {
    return base::Error::InvalidArgument("a redirect URI is 1 to 2000 characters");
  }
  for (char c : uri) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' || c == '`' ||
        c == '{' || c == '}' || c == '|' || c == '^') {
      return base::Error::InvalidArgument(
          "a redirect URI may not contain spaces, quotes, angle brackets or control characters");
    }
  }
  auto parsed = SplitUri(uri);
  if (!parsed) return base::Error::InvalidArgument("the redirect URI is not an absolute URI");
  if (parsed->has_fragment)
    return base::Error::InvalidArgument("a redirect URI may not have a fragment");
  if (parsed->has_userinfo)
    return base::Error::InvalidArgument("a redirect URI may not carry user info");
  const std::string& scheme = parsed->scheme;
  if (scheme == "https") {
    if (parsed->host.empty())
      return base::Error::InvalidArgument("an https redirect URI needs a host");
    return {};
  }
  if (scheme == "http") {
    if (parsed->IsLoopbackHttp()) return {};
    return base::Error::InvalidArgument(
        "an http redirect URI must be on loopback (127.0.0.1, localhost or [::1]); use https");
  }
  if (std::find(schemes_.begin(), schemes_.end(), scheme) != schemes_.end()) return {};
  return base::Error::InvalidArgument("redirect URIs with the scheme \"" + scheme +
                                      "\" are not allowed (oauth.redirect_schemes)");
}

bool RedirectPolicy::Matches(const std::vector<std::string>& registered,
                             std::string_view requested) {
  if (std::find(registered.begin(), registered.end(), requested) != registered.end()) return true;
  // Loopback redirects match on any port (RFC 8252 §7.3): native apps pick a free port per run.
  auto wanted = SplitUri(requested);
  if (!wanted || !wanted->IsLoopbackHttp() || wanted->has_fragment || wanted->has_userinfo)
    return false;
  for (const auto& uri : registered) {
    auto known = SplitUri(uri);
    if (known && known->IsLoopbackHttp() && known->host == wanted->host &&
        known->path == wanted->path && known->query == wanted->query) {
      return true;
    }
  }
  return false;
}

base::Result<std::pair<Client, std::string>> ClientStore::Add(const NewClient& spec,
                                                              ClientKind kind) {
  if (auto ok = CheckName(spec.name); !ok) return std::move(ok).error();
  if (spec.redirect_uris.empty() || spec.redirect_uris.size() > kMaxRedirectUris) {
    return base::Error::InvalidArgument("a client needs 1 to 10 redirect URIs");
  }
  for (const auto& uri : spec.redirect_uris) {
    if (auto ok = redirects_.Check(uri); !ok) {
      return base::Error::InvalidArgument(uri + ": " + ok.error().message());
    }
  }
  Client client;
  client.client_id = (kind == ClientKind::kRegistered ? "twc_" : "twd_") + base::RandomToken(16);
  client.kind = kind;
  client.name = spec.name;
  client.redirect_uris = spec.redirect_uris;
  client.confidential = spec.confidential;
  client.created_at = base::FormatIso8601(clock_.Now());
  std::string secret;
  std::optional<std::string> secret_hash;
  if (spec.confidential) {
    secret = "tws_" + base::RandomToken(32);
    client.secret_hash = base::ToHex(base::Sha256(secret));
    secret_hash = client.secret_hash;
  }
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  auto inserted = (*tx)->Execute(
      "INSERT INTO oauth_clients (client_id, kind, name, redirect_uris, secret_hash, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?)",
      {client.client_id, ClientKindName(kind), client.name, JoinLines(client.redirect_uris),
       secret_hash, client.created_at});
  if (!inserted) return std::move(inserted).error();
  if (auto ok = (*tx)->Commit(); !ok) return std::move(ok).error();
  return std::pair{std::move(client), std::move(secret)};
}

base::Result<Client> ClientStore::Find(std::string_view client_id) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto rows = (*tx)->Query(
      "SELECT " + std::string(kClientColumns) + " FROM oauth_clients WHERE client_id = ?",
      {client_id});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return base::Error::NotFound("client", client_id);
  return ClientFromRow(rows->front());
}

base::Result<std::vector<Client>> ClientStore::List() {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto rows = (*tx)->Query("SELECT " + std::string(kClientColumns) +
                           ", (SELECT count(*) FROM oauth_grants g WHERE g.client_id = c.client_id "
                           "AND g.revoked_at IS NULL) "
                           "FROM oauth_clients c ORDER BY created_at, client_id");
  if (!rows) return std::move(rows).error();
  std::vector<Client> clients;
  for (const auto& row : *rows) {
    clients.push_back(ClientFromRow(row));
    clients.back().grants = row.Int(6);
  }
  return clients;
}

base::Result<void> ClientStore::Remove(std::string_view client_id) {
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  auto removed = (*tx)->Execute("DELETE FROM oauth_clients WHERE client_id = ?", {client_id});
  if (!removed) return std::move(removed).error();
  if (*removed == 0) return base::Error::NotFound("client", client_id);
  const std::string now = base::FormatIso8601(clock_.Now());
  auto revoked = (*tx)->Execute(
      "UPDATE oauth_grants SET revoked_at = ? WHERE client_id = ? AND revoked_at IS NULL",
      {now, client_id});
  if (!revoked) return std::move(revoked).error();
  return (*tx)->Commit();
}

base::Result<int64_t> ClientStore::CollectUnused(std::chrono::seconds age) {
  const std::string cutoff = base::FormatIso8601(clock_.Now() - age);
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  auto removed = (*tx)->Execute(
      "DELETE FROM oauth_clients WHERE kind = 'dynamic' AND created_at < ? AND NOT EXISTS "
      "(SELECT 1 FROM oauth_grants g WHERE g.client_id = oauth_clients.client_id)",
      {cutoff});
  if (!removed) return std::move(removed).error();
  if (auto ok = (*tx)->Commit(); !ok) return std::move(ok).error();
  return *removed;
}

bool ClientStore::SecretMatches(const Client& client, std::string_view secret) {
  if (!client.confidential || secret.empty()) return false;
  return base::ConstantTimeEquals(base::ToHex(base::Sha256(secret)), client.secret_hash);
}

base::Result<Client> ParseMetadataDocument(std::string_view url, std::string_view body,
                                           const RedirectPolicy& redirects) {
  boost::system::error_code ec;
  const boost::json::value document = boost::json::parse(body, ec);
  if (ec || !document.is_object()) {
    return base::Error::InvalidArgument("the client metadata document is not a JSON object");
  }
  const auto& object = document.as_object();
  const auto text = [&object](std::string_view name) -> std::optional<std::string> {
    const auto* value = object.if_contains(name);
    if (value == nullptr || !value->is_string()) return std::nullopt;
    return std::string(value->as_string());
  };
  if (text("client_id") != std::string(url)) {
    return base::Error::InvalidArgument(
        "the client metadata document's client_id is not its own URL");
  }
  Client client;
  client.client_id = std::string(url);
  client.kind = ClientKind::kMetadata;
  client.name = text("client_name").value_or("");
  if (auto ok = CheckName(client.name); !ok) {
    return base::Error::InvalidArgument(
        "the client metadata document needs a client_name of 1 to 200 characters");
  }
  const auto* uris = object.if_contains("redirect_uris");
  if (uris == nullptr || !uris->is_array() || uris->as_array().empty() ||
      uris->as_array().size() > kMaxRedirectUris) {
    return base::Error::InvalidArgument("the client metadata document needs 1 to 10 redirect_uris");
  }
  for (const auto& uri : uris->as_array()) {
    if (!uri.is_string()) return base::Error::InvalidArgument("redirect_uris holds strings");
    std::string value(uri.as_string());
    if (auto ok = redirects.Check(value); !ok) {
      return base::Error::InvalidArgument(
          "the client metadata document lists a redirect URI that is not allowed: " +
          ok.error().message());
    }
    client.redirect_uris.push_back(std::move(value));
  }
  // How the client may authenticate at the token endpoint: the RFC 7591 member, and the plural
  // form ChatGPT sends (OpenID RP Metadata Choices). This server has no keys or secrets for such
  // clients: "none" is used, and so it is when private_key_jwt (RFC 7523) is offered, since PKCE
  // still binds the code to the client; a client_assertion at /oauth/token is then refused.
  std::vector<std::string> methods;
  if (auto method = text("token_endpoint_auth_method")) methods.push_back(*method);
  if (const auto* plural = object.if_contains("token_endpoint_auth_methods_supported");
      plural && plural->is_array()) {
    for (const auto& item : plural->as_array()) {
      if (item.is_string()) methods.emplace_back(item.as_string());
    }
  }
  const bool usable =
      methods.empty() || std::any_of(methods.begin(), methods.end(), [](const std::string& m) {
        return m == "none" || m == "private_key_jwt";
      });
  if (!usable) {
    return base::Error::InvalidArgument(
        "a metadata-document client authenticates with \"none\" (or offers \"private_key_jwt\") "
        "here, not \"" +
        methods.front() + "\"");
  }
  // Everything else (grant_types such as jwt-bearer, jwks_uri, logo_uri, ...) is ignored: the
  // client gets the authorization code flow, and this server never fetches URLs from the document.
  return client;
}

bool MetadataDocuments::IsMetadataUrl(std::string_view client_id) {
  if (!client_id.starts_with("https://")) return false;
  auto parsed = SplitUri(client_id);
  return parsed && parsed->scheme == "https" && !parsed->host.empty() && parsed->path.size() > 1 &&
         !parsed->has_fragment && !parsed->has_userinfo;
}

MetadataDocuments::MetadataDocuments(Options options, const RedirectPolicy& redirects,
                                     const base::Clock& clock)
    : options_(std::move(options)),
      redirects_(redirects),
      clock_(clock),
      per_source_(options_.fetches_per_source),
      per_host_(options_.fetches_per_host, 100'000, auth::FailureLimiter::Keys::kNames),
      fetchers_(std::max<size_t>(options_.fetch_threads, 1), options_.max_queued_fetches) {}

MetadataDocuments::~MetadataDocuments() { Shutdown(); }

void MetadataDocuments::Shutdown() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  fetchers_.Shutdown();
}

std::optional<base::Result<Client>> MetadataDocuments::Cached(std::string_view url) {
  const base::WallTime now = clock_.Now();
  std::lock_guard lock(mutex_);
  auto it = cache_.find(url);
  if (it == cache_.end()) return std::nullopt;
  if (it->second.until <= now) {
    cache_.erase(it);
    return std::nullopt;
  }
  if (it->second.client) return base::Result<Client>(*it->second.client);
  return base::Result<Client>(it->second.error);
}

void MetadataDocuments::ResolveAsync(const std::string& url, std::string_view source, Done done) {
  if (!IsMetadataUrl(url)) {
    return done(
        base::Error::InvalidArgument("a metadata-document client_id is an https URL with a path"),
        std::chrono::seconds(0));
  }
  if (auto cached = Cached(url)) return done(std::move(*cached), std::chrono::seconds(0));
  const std::string host = SplitUri(url)->host;
  const auto now = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  if (auto it = waiting_.find(url); it != waiting_.end()) {
    // Already being fetched: wait for that fetch rather than start another.
    it->second.push_back(std::move(done));
    return;
  }
  std::optional<std::chrono::seconds> wait = per_source_.Blocked(source, now);
  const char* who = "this address";
  if (!wait) {
    wait = per_host_.Blocked(host, now);
    who = "this client's host";
  }
  if (wait) {
    lock.unlock();
    return done(
        base::Error::ResourceExhausted(
            std::string("too many client metadata documents fetched for ") + who + " this minute"),
        std::max(*wait, std::chrono::seconds(1)));
  }
  waiting_[url].push_back(std::move(done));
  const bool queued = fetchers_.Post([this, url] {
    bool stopping = false;
    {
      std::lock_guard check(mutex_);
      stopping = stopping_;
    }
    auto client = stopping
                      ? base::Result<Client>(base::Error::Unavailable("the server is stopping"))
                      : FetchAndCache(url);
    std::vector<Done> waiters;
    {
      std::lock_guard fetched(mutex_);
      auto it = waiting_.find(url);
      if (it != waiting_.end()) {
        waiters = std::move(it->second);
        waiting_.erase(it);
      }
    }
    for (auto& waiter : waiters) waiter(client, std::chrono::seconds(0));
  });
  if (!queued) {
    Done refused = std::move(waiting_[url].back());
    waiting_.erase(url);
    lock.unlock();
    return refused(base::Error::Unavailable("too many client metadata documents are being fetched"),
                   std::chrono::seconds(1));
  }
  // Only fetches count, not the requests a cached document answered.
  per_source_.RecordFailure(source, now);
  per_host_.RecordFailure(host, now);
}

base::Result<Client> MetadataDocuments::Resolve(std::string_view url) {
  if (!IsMetadataUrl(url)) {
    return base::Error::InvalidArgument(
        "a metadata-document client_id is an https URL with a path");
  }
  if (auto cached = Cached(url)) return std::move(*cached);
  return FetchAndCache(url);
}

base::Result<Client> MetadataDocuments::FetchAndCache(std::string_view url) {
  const base::WallTime now = clock_.Now();
  std::chrono::seconds max_age{0};
  auto client = Fetch(url, max_age);
  Entry entry;
  if (client) {
    entry.client = *client;
    entry.until = now + std::clamp(max_age, std::chrono::seconds(300), std::chrono::seconds(86400));
  } else {
    // Negative caching: a URL that failed is not fetched again for a while, whoever asks.
    entry.error = client.error();
    entry.until = now + options_.failure_ttl;
  }
  std::lock_guard lock(mutex_);
  if (cache_.size() >= 10'000) {
    // Forget what has expired first; only if that is not enough, everything.
    std::erase_if(cache_, [now](const auto& item) { return item.second.until <= now; });
    if (cache_.size() >= 10'000) cache_.clear();
  }
  cache_.insert_or_assign(std::string(url), std::move(entry));
  return client;
}

base::Result<Client> MetadataDocuments::Fetch(std::string_view url, std::chrono::seconds& max_age) {
  http::FetchLimits limits;
  limits.timeout = options_.timeout;
  limits.max_body = options_.max_bytes;
  limits.extra_ca_file = options_.extra_ca_file;
  limits.allow_address = [this](const http::IpAddress& address) {
    return !http::IsPrivateOrReserved(address) ||
           http::AnyContains(options_.private_ranges_allowed, address);
  };
  http::Headers headers;
  headers.Add("Accept", "application/json");
  auto fetched = http::FetchBounded(url, headers, limits);
  if (!fetched) return std::move(fetched).error();
  if (fetched->status != 200) {
    return base::Error::Unavailable("the client metadata document at " + std::string(url) +
                                    " answered HTTP " + std::to_string(fetched->status) +
                                    " (redirects are not followed)");
  }
  auto client = ParseMetadataDocument(url, fetched->body, redirects_);
  if (!client) return client;
  const auto cache_control = fetched->headers.Get("Cache-Control");
  max_age = MaxAge(cache_control.value_or("")).value_or(std::chrono::seconds(3600));
  return client;
}

}  // namespace taskwire::oauth
