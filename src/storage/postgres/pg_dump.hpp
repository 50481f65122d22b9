// The PostgreSQL store's backup: pg_dump in its custom format, run without a shell.
#pragma once

#include <string>

namespace mina::storage::pg {

/// Writes a dump of the database at `url` to `path` (which must not exist; a failed dump leaves
/// nothing there). The password goes to pg_dump in its environment, not on its command line, where
/// every local user could read it. Throws std::runtime_error with pg_dump's own message.
void dump(const std::string& url, const std::string& path);

}  // namespace mina::storage::pg
