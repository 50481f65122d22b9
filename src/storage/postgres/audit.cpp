// The PostgreSQL store: the audit trail. The same ports, statement for statement, as
// src/storage/sqlite/audit.cpp.
#include "storage/sql/audit.hpp"
#include "storage/postgres/repositories.hpp"
#include "storage/sql/dollars.hpp"

namespace mina::storage::postgres {
namespace {

using sql::Dollars;

// ---- SQL, in named constants: never assembled from input ----

constexpr Dollars kQueryAudit{sql::kQueryAudit};
constexpr Dollars kAuditKinds{sql::kAuditKinds};
constexpr Dollars kAppendAudit{sql::kAppendAudit};

class PgAudit final : public ports::Audit {
   public:
    explicit PgAudit(Transaction& c) : c_(c) {}
    void append(const AuditEvent& e) override {
        exec(c_, kAppendAudit, e.at, e.actor, e.address, e.kind.code(), e.subject, e.school, e.detail);
    }
    std::vector<AuditEntry> query(const AuditFilter& f) override {
        constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
        constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
        auto result = exec(c_, kQueryAudit, f.person, f.school, f.kind, f.from ? to_unix(*f.from) : kMin,
                           f.to ? to_unix(*f.to) : kMax, f.before_id > 0 ? f.before_id : kMax, f.limit);
        return read_all<AuditEntry>(result, [](const Row& r) {
            return AuditEntry{r.integer(0),
                              AuditRecord{r.time(1), r.text(2), r.text(3), r.text(4), r.text(5), r.text(6), r.text(7)}};
        });
    }
    std::vector<std::string> kinds() override {
        return read_all<std::string>(exec(c_, kAuditKinds), [](const Row& r) { return r.text(0); });
    }

   private:
    Transaction& c_;
};

}  // namespace

std::unique_ptr<ports::Audit> make_audit(Transaction& tx) { return std::make_unique<PgAudit>(tx); }

}  // namespace mina::storage::postgres
