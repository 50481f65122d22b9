// A statement written once for both stores (storage/sql/*.hpp), with SQLite's numbered placeholders
// ?1, ?2, …, as PostgreSQL reads it: $1, $2, …, translated at compile time. Only a '?' followed by a
// digit is a placeholder; the shared statements hold no other '?' and no '$'.
#pragma once

#include <cstddef>

namespace mina::storage::sql {

template <std::size_t N>
struct Dollars {
    char text[N]{};
    consteval explicit Dollars(const char (&sql)[N]) {
        for (std::size_t i = 0; i < N; ++i)
            text[i] = sql[i] == '?' && i + 1 < N && sql[i + 1] >= '0' && sql[i + 1] <= '9' ? '$' : sql[i];
    }
    // NOLINTNEXTLINE(google-explicit-constructor): a statement is passed where libpq's text is wanted
    constexpr operator const char*() const { return text; }
};

}  // namespace mina::storage::sql
