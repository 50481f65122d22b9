// The PostgreSQL store: the statistics page's counts ([10] item 6), each one GROUP BY. The same
// ports, statement for statement, as src/storage/sqlite/statistics.cpp.
#include "storage/sql/statistics.hpp"
#include "storage/postgres/repositories.hpp"
#include "storage/sql/dollars.hpp"

namespace mina::storage::postgres {
namespace {

using sql::Dollars;

constexpr Dollars kReportsReceived{sql::kReportsReceived};
constexpr Dollars kReportsReceivedAt{sql::kReportsReceivedAt};
constexpr Dollars kAuditCounts{sql::kAuditCounts};
constexpr Dollars kAuditCountsAt{sql::kAuditCountsAt};
constexpr Dollars kMailStates{sql::kMailStates};
constexpr Dollars kMailStatesAt{sql::kMailStatesAt};

std::vector<ports::BucketCount> buckets(const pg::Result& result) {
    return read_all<ports::BucketCount>(result, [](const Row& r) {
        return ports::BucketCount{r.integer(0), r.integer(1)};
    });
}

class PgStatistics final : public ports::Statistics {
   public:
    explicit PgStatistics(Transaction& c) : c_(c) {}

    std::vector<ports::BucketCount> reports_received(const std::string& school, Timestamp from, Timestamp to,
                                                     std::int64_t size) override {
        if (school.empty()) return buckets(exec(c_, kReportsReceived, to_unix(from), to_unix(to), size));
        return buckets(exec(c_, kReportsReceivedAt, to_unix(from), to_unix(to), size, school));
    }
    std::vector<ports::BucketCount> audit_events(std::string_view kind, const std::string& school, Timestamp from,
                                                 Timestamp to, std::int64_t size) override {
        const std::string k(kind);
        if (school.empty()) return buckets(exec(c_, kAuditCounts, k, to_unix(from), to_unix(to), size));
        return buckets(exec(c_, kAuditCountsAt, k, to_unix(from), to_unix(to), size, school));
    }
    std::vector<ports::StateCount> mail_states(const std::string& school, Timestamp from, Timestamp to) override {
        auto result = school.empty() ? exec(c_, kMailStates, to_unix(from), to_unix(to))
                                     : exec(c_, kMailStatesAt, to_unix(from), to_unix(to), school);
        return read_all<ports::StateCount>(result, [](const Row& r) {
            const auto st = r.text(0);
            return ports::StateCount{st == "sent"     ? MailStatus::sent
                                     : st == "failed" ? MailStatus::failed
                                                      : MailStatus::pending,
                                     r.integer(1)};
        });
    }

   private:
    Transaction& c_;
};

}  // namespace

std::unique_ptr<ports::Statistics> make_statistics(Transaction& tx) { return std::make_unique<PgStatistics>(tx); }

}  // namespace mina::storage::postgres
