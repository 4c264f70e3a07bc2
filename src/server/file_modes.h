#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/log.h"
#include "base/result.h"

namespace taskwire::server {

// Every file Taskwire creates is its owner's alone (docs/security.md, "Files on disk"): the
// database and its -wal and -shm, backups, the secrets key, the revocation signal.

// Sets the process umask to 077, so that whatever this process creates from now on (SQLite's
// files, backups, sockets) is 0600 and its folders 0700. Called at start-up by the command line.
void UsePrivateFileModes();

// What group or others may do with `path` ("mode 0755: group and others can read it"), or
// nullopt when only its owner may reach it or it does not exist.
std::optional<std::string> Exposure(const std::string& path);

// Creates `path` empty with mode 0600 when it does not exist (never following a symlink there).
// Unavailable naming the path when it cannot.
base::Result<void> CreatePrivateFile(const std::string& path);

// Sets an existing file that group or others may reach to 0600. Returns its old mode when it
// changed it, nullopt when there was nothing to do (or no file); Unavailable naming the path when
// chmod fails.
base::Result<std::optional<unsigned>> TightenFile(const std::string& path);

// The SQLite database at `path`, created 0600 when missing, and it, its -wal and its -shm
// tightened to 0600 (SQLite creates -wal and -shm with the database's mode). Each change is
// logged (store.file_mode_tightened). ":memory:" is left alone.
base::Result<void> SecureDatabaseFiles(const std::string& path, base::Logger& logger);

// One warning per place group or others may reach: the data dir, the database, the secrets key.
std::vector<std::string> ExposureWarnings(const std::string& data_dir, const std::string& database,
                                          const std::string& secrets_key);

}  // namespace taskwire::server
