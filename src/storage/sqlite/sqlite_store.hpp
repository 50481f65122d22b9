// The embedded default store: SQLite in WAL mode (SPEC §5 `database.url = sqlite:…`).
#pragma once

#include <memory>
#include <string>

#include "core/common/ports.hpp"

namespace mina::storage {

struct SqliteOptions {
    std::string path;              // a file, or ":memory:" for tests (one shared connection)
    bool synchronous_full = true;  // an acknowledged commit survives a power cut
    int busy_timeout_ms = 5000;
    int pool_size = 8;
    /// Keep the viewers read by pages after login while the database has not changed (a file in WAL
    /// mode only; sqlite_viewers.hpp).
    bool view_cache = false;
};

/// Opens (creating if needed) the database; throws std::runtime_error with the reason on failure.
std::unique_ptr<ports::Store> open_sqlite(const SqliteOptions& opts);

}  // namespace mina::storage
