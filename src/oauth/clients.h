#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
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

// Fetches Client ID Metadata Documents: the client_id is an https URL with a path, and the JSON
// document there names the client ("client_id" equal to the URL, "client_name",
// "redirect_uris"). Fetched with a size cap and a timeout, never from a private or reserved
// address unless the operator allows its range, following no redirects; documents are cached for
// what their Cache-Control allows, between 5 minutes and 24 hours. Blocking; thread-safe.
class MetadataDocuments {
 public:
  struct Options {
    std::vector<http::Cidr> private_ranges_allowed;  // oauth.metadata_allow_ranges
    std::chrono::milliseconds timeout{5000};
    size_t max_bytes = 32 * 1024;
  };

  MetadataDocuments(Options options, const RedirectPolicy& redirects, const base::Clock& clock)
      : options_(std::move(options)), redirects_(redirects), clock_(clock) {}

  // Whether `client_id` is a metadata-document URL (https, with a path), without fetching.
  static bool IsMetadataUrl(std::string_view client_id);
  // The client the document describes. InvalidArgument saying what is wrong with the document;
  // Unavailable when it cannot be fetched.
  base::Result<Client> Resolve(std::string_view url);

 private:
  base::Result<Client> Fetch(std::string_view url, std::chrono::seconds& max_age);

  struct Cached {
    Client client;
    base::WallTime until;
  };

  const Options options_;
  const RedirectPolicy& redirects_;
  const base::Clock& clock_;
  std::mutex mutex_;  // guards cache_
  std::map<std::string, Cached, std::less<>> cache_;
};

}  // namespace taskwire::oauth
