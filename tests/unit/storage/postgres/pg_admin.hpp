// What the PostgreSQL tests do behind the store's back: an administrator's connection, and a
// throwaway database for each test on the server that MINA_TEST_POSTGRES_URL names.
#pragma once

#include <libpq-fe.h>

#include <random>
#include <sstream>
#include <stdexcept>
#include <string>

namespace mina::pgtest {

inline constexpr const char* kHowToStart =
    "MINA_TEST_POSTGRES_URL is not set. These tests need a PostgreSQL server they may create databases on: "
    "start one with `scripts/pg.sh start` and export the URL it prints, e.g. "
    "MINA_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:55432/postgres";

/// A connection of the test's own, for what the store does not do: creating databases, looking
/// behind its back, breaking its connections.
class Admin {
   public:
    explicit Admin(const std::string& url) : c_(PQconnectdb(url.c_str())) {
        if (PQstatus(c_) != CONNECTION_OK) {
            const std::string reason = PQerrorMessage(c_);
            PQfinish(c_);
            throw std::runtime_error("admin connection: " + reason);
        }
    }
    ~Admin() { PQfinish(c_); }
    Admin(const Admin&) = delete;
    Admin& operator=(const Admin&) = delete;

    /// The first column of the first row, "" without one; throws when the statement fails.
    std::string value(const std::string& sql) {
        PGresult* r = PQexec(c_, sql.c_str());
        const auto status = PQresultStatus(r);
        std::string out = status == PGRES_TUPLES_OK && PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
        const std::string error = PQresultErrorMessage(r);
        PQclear(r);
        if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) throw std::runtime_error(sql + ": " + error);
        return out;
    }
    bool succeeds(const std::string& sql) {
        try {
            value(sql);
            return true;
        } catch (const std::runtime_error&) {
            return false;
        }
    }

   private:
    PGconn* c_;
};

/// The admin URL with another database: a URI gets a new path, a key=value string a dbname.
inline std::string with_database(const std::string& url, const std::string& db) {
    const auto scheme = url.find("://");
    if (scheme == std::string::npos) return url + " dbname=" + db;
    const auto path = url.find_first_of("/?", scheme + 3);
    if (path == std::string::npos) return url + "/" + db;
    const auto query = url.find('?', path);
    return url.substr(0, path) + "/" + db + (query == std::string::npos ? "" : url.substr(query));
}

inline std::string random_suffix() {
    std::random_device rd;
    std::ostringstream s;
    s << std::hex << rd() << rd();
    return s.str();
}

}  // namespace mina::pgtest
