#include "cli/user_commands.h"

#include <cstdio>
#include <iostream>

#include "auth/password.h"
#include "cli/confirmation.h"
#include "cli/exit_codes.h"
#include "server/app.h"

namespace taskwire::cli {

using server::kExitFailure;
using server::kExitOk;

namespace {

struct ChosenPassword {
  std::string plain;
  std::string hash;
  bool generated = false;  // made up here, so it must be shown once
};

// The first line of standard input with `from_stdin`, else a generated password; hashed.
base::Result<ChosenPassword> ChoosePassword(bool from_stdin) {
  ChosenPassword chosen;
  chosen.generated = !from_stdin;
  if (chosen.generated) {
    chosen.plain = auth::GeneratePassword();
  } else {
    if (!std::getline(std::cin, chosen.plain)) {
      return base::Error::InvalidArgument("--password-stdin: nothing on standard input");
    }
    if (!chosen.plain.empty() && chosen.plain.back() == '\r') chosen.plain.pop_back();
  }
  auto hash = auth::HashPassword(chosen.plain);
  if (!hash) return std::move(hash).error();
  chosen.hash = std::move(*hash);
  return chosen;
}

// Prints a generated password alone on standard output (for scripts), `what` on standard error.
void ReportPassword(const ChosenPassword& chosen, const std::string& what) {
  if (chosen.generated) {
    std::fprintf(stderr, "%s. The password, shown only now:\n", what.c_str());
    std::printf("%s\n", chosen.plain.c_str());
  } else {
    std::fprintf(stderr, "%s.\n", what.c_str());
  }
}

}  // namespace

int RunUserAdd(const AppOpener& open_app, const std::string& name, bool admin,
               bool password_stdin) {
  if (auto valid = tasks::ValidateUserName(name); !valid) return Fail(valid.error());
  auto password = ChoosePassword(password_stdin);
  if (!password) return Fail(password.error());
  auto app = open_app(/*migrate=*/true);
  if (!app) return Fail(app.error());
  auto user = (*app)->users().Create(name, password->hash, admin);
  if (!user) return Fail(user.error());
  ReportPassword(*password, std::string("Created ") + (admin ? "administrator '" : "user '") +
                                user->name + "'");
  return kExitOk;
}

int RunUserList(const AppOpener& open_app) {
  auto app = open_app(/*migrate=*/true);
  if (!app) return Fail(app.error());
  auto users = (*app)->users().List();
  if (!users) return Fail(users.error());
  std::printf("%-6s %-24s %-6s %s\n", "ID", "NAME", "ADMIN", "CREATED");
  for (const auto& user : *users) {
    std::printf("%-6lld %-24s %-6s %s\n", static_cast<long long>(user.id), user.name.c_str(),
                user.is_admin ? "yes" : "no", user.created_at.c_str());
  }
  return kExitOk;
}

int RunUserPasswd(const AppOpener& open_app, const std::string& name, bool password_stdin) {
  // An unknown user is said before a password is asked for.
  auto app = open_app(/*migrate=*/true);
  if (!app) return Fail(app.error());
  if (auto user = (*app)->users().Find(name); !user) return Fail(user.error());
  auto password = ChoosePassword(password_stdin);
  if (!password) return Fail(password.error());
  // Whoever signed in with the old password in a browser is signed out with it.
  if (auto set = (*app)->sessions().SetPassword(name, password->hash); !set) {
    return Fail(set.error());
  }
  ReportPassword(*password,
                 "Changed the password of '" + name + "' and signed them out of every browser");
  return kExitOk;
}

int RunUserSignout(const AppOpener& open_app, const std::string& name) {
  auto app = open_app(/*migrate=*/true);
  if (!app) return Fail(app.error());
  auto ended = (*app)->sessions().SignOutEverywhere(name);
  if (!ended) return Fail(ended.error());
  std::fprintf(stderr, "Signed '%s' out of every browser (%lld session%s ended).\n", name.c_str(),
               static_cast<long long>(*ended), *ended == 1 ? "" : "s");
  return kExitOk;
}

int RunUserDelete(const AppOpener& open_app, const std::string& name, bool yes) {
  auto app = open_app(/*migrate=*/true);
  if (!app) return Fail(app.error());
  if (auto user = (*app)->users().Find(name); !user) return Fail(user.error());
  auto confirmed = ConfirmDeletion("the user '" + name + "'", name, yes);
  if (!confirmed) return Fail(confirmed.error());
  if (!*confirmed) {
    std::fprintf(stderr, "taskwire: not confirmed; '%s' was not deleted\n", name.c_str());
    return kExitFailure;
  }
  if (auto deleted = (*app)->users().Delete(name); !deleted) return Fail(deleted.error());
  if (auto raised = (*app)->revocations().Raise(); !raised) {
    std::fprintf(stderr,
                 "taskwire: warning: %s; a running server refuses the user's keys within "
                 "a minute instead of at once\n",
                 raised.error().message().c_str());
  }
  std::fprintf(stderr,
               "Deleted '%s': they left every organization and their keys no longer work. "
               "Their name stays on the history they made.\n",
               name.c_str());
  return kExitOk;
}

}  // namespace taskwire::cli
