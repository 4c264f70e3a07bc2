#pragma once

#include <string>

#include "base/result.h"

namespace taskwire::cli {

// Whether deleting `what` (such as "the user 'ada'") goes ahead: with `yes`, at once; on a
// terminal, when the person types `name` at the prompt; off a terminal without `yes`,
// InvalidArgument (exit 2), so that a script never deletes by accident.
base::Result<bool> ConfirmDeletion(const std::string& what, const std::string& name, bool yes);

}  // namespace taskwire::cli
