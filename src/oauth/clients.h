#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/failure_limiter.h"
#include "base/clock.h"
#include "base/result.h"
#include "base/worker_pool.h"
#include "http/address.h"
#include "store/database.h"

namespace taskwire::oauth {

// Which redirect URIs a client may use, at registration and at authorization alike:
//  - loopback http (127.0.0.1, localhost, [::1]) on any port (RFC 8252 §7.3);
//  - https URLs;
//  - the private-use schemes of known desktop clients (cursor, vscode, vscode-insiders, claude)
//    and any the operator adds (oauth.redirect_schemes).
// Never a fragment, user info, whitespace or control characters, or quote and angle brackets.
class RedirectPolicy {
 public:
  explicit RedirectPolicy(std::vector<std::string> extra_schemes = {});

  // InvalidArgument saying why `uri` is not acceptable.
  base::Result<void> Check(std::string_view uri) const;

  // Whether `requested` is one of `registered`: exactly, or for loopback http URIs with any port.
  static bool Matches(const std::vector<std::string>& registered, std::string_view requested);

 private:
  std::vector<std::string> schemes_;
};

enum class ClientKind {
  kRegistered,  // added by an operator (taskwire client add)
  kDynamic,     // registered itself (RFC 7591)
  kMetadata,    // its client_id is the https URL of its metadata document
};

std::string_view ClientKindName(ClientKind kind);

struct Client {
  std::string client_id;
  ClientKind kind = ClientKind::kDynamic;
  std::string name;
  std::vector<std::string> redirect_uris;
  bool confidential = false;  // has a secret and must present it at the token endpoint
  std::string secret_hash;    // SHA-256 hex of the secret
  std::string created_at;
  int64_t grants = 0;  // live grants (List only)
};

struct NewClient {
  std::string name;
  std::vector<std::string> redirect_uris;
  bool confidential = false;
};

// The registered clients (operator-added and dynamically registered). Blocking; thread-safe.
class ClientStore {
 public:
  ClientStore(store::Database& database, const base::Clock& clock, const RedirectPolicy& redirects)
      : database_(database), clock_(clock), redirects_(redirects) {}

  // Adds a client and returns it with its secret ("" for a public client). InvalidArgument for a
  // bad name or redirect URI.
  base::Result<std::pair<Client, std::string>> Add(const NewClient& client, ClientKind kind);
  // NotFound for an unknown id.
  base::Result<Client> Find(std::string_view client_id);
  base::Result<std::vector<Client>> List();
  // Removes a client and revokes every grant it holds. NotFound for an unknown id.
  base::Result<void> Remove(std::string_view client_id);
  // Deletes dynamically registered clients older than `age` that no person ever granted
  // anything; how many.
  base::Result<int64_t> CollectUnused(std::chrono::seconds age);

  // The secret matches the client's (constant time).
  static bool SecretMatches(const Client& client, std::string_view secret);

 private:
  store::Database& database_;
  const base::Clock& clock_;
  const RedirectPolicy& redirects_;
};

// The client a Client ID Metadata Document fetched from `url` describes: "client_id" equal to
// `url`, a "client_name", 1 to 10 "redirect_uris" that `redirects` allows, and a token endpoint
// auth method (singular, or the plural "token_endpoint_auth_methods_supported") of "none" or
// "private_key_jwt", both served as a public client; nothing named means "none". Everything else
// is ignored. InvalidArgument saying what is wrong.
base::Result<Client> ParseMetadataDocument(std::string_view url, std::string_view body,
                                           const RedirectPolicy& redirects);

// Fetches Client ID Metadata Documents: the client_id is an https URL with a path, and the JSON
// document there names the client ("client_id" equal to the URL, "client_name",
// "redirect_uris"). Fetched with a size cap and a timeout, never from a private or reserved
// address unless the operator allows its range, following no redirects; documents are cached for
// what their Cache-Control allows, between 5 minutes and 24 hours, and a failed fetch is
// remembered for `failure_ttl`. Unknown members and grant types are ignored; a document that
// offers private_key_jwt is taken as a public client (PKCE, no client authentication).
//
// A client_id is chosen by whoever sends the request, so fetching must never hold up anything
// else: fetches run on this object's own few threads (`fetch_threads`, at most
// `max_queued_fetches` waiting), concurrent requests for one URL share one fetch, and each source
// address and each target host may cause only so many fetches a minute. Thread-safe.
class MetadataDocuments {
 public:
  struct Options {
    std::vector<http::Cidr> private_ranges_allowed;  // oauth.metadata_allow_ranges
    std::string extra_ca_file;                       // oauth.metadata_ca_file ("" = none)
    std::chrono::milliseconds timeout{5000};
    size_t max_bytes = 32 * 1024;
    size_t fetch_threads = 2;
    size_t max_queued_fetches = 8;
    std::chrono::seconds failure_ttl{60};
    int64_t fetches_per_source = 10;  // a minute, per source address; 0 = no limit
    int64_t fetches_per_host = 30;    // a minute, per host fetched from; 0 = no limit
  };

  MetadataDocuments(Options options, const RedirectPolicy& redirects, const base::Clock& clock);
  ~MetadataDocuments();  // Shutdown
  MetadataDocuments(const MetadataDocuments&) = delete;
  MetadataDocuments& operator=(const MetadataDocuments&) = delete;

  // Whether `client_id` is a metadata-document URL (https, with a path), without fetching.
  static bool IsMetadataUrl(std::string_view client_id);

  // What is known of `url` without fetching: the client of a document fetched before, the error
  // of a fetch that failed less than `failure_ttl` ago, or nullopt.
  std::optional<base::Result<Client>> Cached(std::string_view url);

  // Called with the outcome of ResolveAsync. `retry_after` is positive when nothing was fetched
  // and the request may be tried again after it.
  using Done = std::function<void(base::Result<Client> client, std::chrono::seconds retry_after)>;
  // Resolves `url` for a request from `source` without blocking: from the cache at once (on the
  // caller's thread), otherwise `done` runs on a fetch thread when the fetch ends. At once, with a
  // retry_after: ResourceExhausted when `source` or the URL's host caused too many fetches this
  // minute, Unavailable when too many fetches are waiting already. Otherwise as Resolve.
  void ResolveAsync(const std::string& url, std::string_view source, Done done);

  // The client the document describes, fetched now on the caller's thread unless cached; the
  // outcome is cached. InvalidArgument saying what is wrong with the URL or the document;
  // Unavailable when it cannot be fetched. Blocking.
  base::Result<Client> Resolve(std::string_view url);

  // Stops fetching: waits for the running fetches (each ends within `timeout`), and answers the
  // queued ones Unavailable without fetching. Idempotent.
  void Shutdown();

 private:
  base::Result<Client> Fetch(std::string_view url, std::chrono::seconds& max_age);
  // Fetches `url` and caches the outcome. Blocking.
  base::Result<Client> FetchAndCache(std::string_view url);

  struct Entry {
    std::optional<Client> client;  // nullopt: the fetch failed with `error`
    base::Error error = base::Error::Internal("");
    base::WallTime until;
  };

  const Options options_;
  const RedirectPolicy& redirects_;
  const base::Clock& clock_;
  auth::FailureLimiter per_source_;  // fetches caused by each source address (an IPv6 /64)
  auth::FailureLimiter per_host_;    // fetches from each host
  std::mutex mutex_;                 // guards cache_, waiting_ and stopping_
  bool stopping_ = false;
  std::map<std::string, Entry, std::less<>> cache_;
  // The requests waiting for each URL being fetched.
  std::map<std::string, std::vector<Done>, std::less<>> waiting_;
  base::WorkerPool fetchers_;  // last: its threads stop before the members they use go
};

}  // namespace taskwire::oauth
