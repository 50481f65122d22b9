// The ports on PostgreSQL (SPEC §5 `database.url = postgresql://…`), for several servers sharing one
// database. Same schema and semantics as the SQLite store (the contract suites in
// tests/unit/storage/contract hold both to them); see pg_store.cpp for the differences.
#pragma once

#include <memory>
#include <string>

#include "core/common/ports.hpp"

namespace mina::storage {

struct PostgresOptions {
    std::string url;    // postgresql://user:pass@host:port/db?...
    int pool_size = 8;  // connections held at most
    int connect_timeout_s = 5;
    /// Keep viewers between requests (pg_view_cache.hpp): a connection of its own LISTENs.
    bool view_cache = false;
};

/// Checks the URL and opens the first connection at once: a bad URL throws std::runtime_error, an
/// unreachable server ports::Unavailable (a std::runtime_error), each with libpq's reason.
std::unique_ptr<ports::Store> open_postgres(const PostgresOptions& opts);

}  // namespace mina::storage
