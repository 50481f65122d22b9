// `mina admin migrate-data`: moves an installation from SQLite to PostgreSQL, row for row.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mina::storage {

struct CopiedTable {
    std::string table;
    std::int64_t rows = 0;
};

/// Copies every row of every table of the SQLite database at `sqlite_path` (read in one snapshot)
/// into the PostgreSQL database at `pg_url`, in one transaction: the target's schema is migrated
/// first and must then be at the source's version, and every table must be empty. Afterwards the
/// counts on both sides are compared and the identity sequences continue after the copied ids.
/// Throws std::runtime_error with the reason; on any failure nothing is left in the target.
std::vector<CopiedTable> copy_sqlite_to_postgres(const std::string& sqlite_path, const std::string& pg_url);

}  // namespace mina::storage
