// The SQLite store: the statistics page's counts ([10] item 6), each one GROUP BY. The same ports,
// statement for statement, as src/storage/postgres/statistics.cpp.
#include "storage/sql/statistics.hpp"
#include "storage/sqlite/repositories.hpp"

namespace mina::storage::sqlite {
namespace {

using namespace sql;  // the statements both stores share (storage/sql/statistics.hpp)

std::vector<ports::BucketCount> buckets(Query& q) {
    std::vector<ports::BucketCount> out;
    while (q.step()) out.push_back({q.integer(0), q.integer(1)});
    return out;
}

class SqliteStatistics final : public ports::Statistics {
   public:
    explicit SqliteStatistics(Connection& c) : c_(c) {}

    std::vector<ports::BucketCount> reports_received(const std::string& school, Timestamp from, Timestamp to,
                                                     std::int64_t size) override {
        Query q(c_, school.empty() ? kReportsReceived : kReportsReceivedAt);
        q.bind(1, from).bind(2, to).bind(3, size);
        if (!school.empty()) q.bind(4, school);
        return buckets(q);
    }
    std::vector<ports::BucketCount> audit_events(std::string_view kind, const std::string& school, Timestamp from,
                                                 Timestamp to, std::int64_t size) override {
        Query q(c_, school.empty() ? kAuditCounts : kAuditCountsAt);
        q.bind(1, kind).bind(2, from).bind(3, to).bind(4, size);
        if (!school.empty()) q.bind(5, school);
        return buckets(q);
    }
    std::vector<ports::StateCount> mail_states(const std::string& school, Timestamp from, Timestamp to) override {
        Query q(c_, school.empty() ? kMailStates : kMailStatesAt);
        q.bind(1, from).bind(2, to);
        if (!school.empty()) q.bind(3, school);
        std::vector<ports::StateCount> out;
        while (q.step()) {
            const auto st = q.text(0);
            out.push_back({st == "sent"     ? MailStatus::sent
                           : st == "failed" ? MailStatus::failed
                                            : MailStatus::pending,
                           q.integer(1)});
        }
        return out;
    }

   private:
    Connection& c_;
};

}  // namespace

std::unique_ptr<ports::Statistics> make_statistics(Connection& c) { return std::make_unique<SqliteStatistics>(c); }

}  // namespace mina::storage::sqlite
