// The SQLite store: the audit trail. The same ports, statement for statement, as
// src/storage/postgres/audit.cpp.
#include "storage/sql/audit.hpp"
#include "storage/sqlite/repositories.hpp"

namespace mina::storage::sqlite {
namespace {

using namespace sql;  // the statements both stores share (storage/sql/audit.hpp)

class SqliteAudit final : public ports::Audit {
   public:
    explicit SqliteAudit(Connection& c) : c_(c) {}

    void append(const AuditEvent& e) override {
        Query q(c_, kAppendAudit);
        q.bind(1, e.at).bind(2, e.actor).bind(3, e.address).bind(4, e.kind.code()).bind(5, e.subject);
        q.bind(6, e.school).bind(7, e.detail);
        q.run();
    }
    std::vector<AuditEntry> query(const AuditFilter& f) override {
        Query q(c_, kQueryAudit);
        q.bind(1, f.person).bind(2, f.school).bind(3, f.kind);
        q.bind(4, f.from ? to_unix(*f.from) : std::numeric_limits<std::int64_t>::min());
        q.bind(5, f.to ? to_unix(*f.to) : std::numeric_limits<std::int64_t>::max());
        q.bind(6, f.before_id > 0 ? f.before_id : std::numeric_limits<std::int64_t>::max());
        q.bind(7, std::int64_t{f.limit});
        std::vector<AuditEntry> out;
        while (q.step())
            out.push_back({q.integer(0), AuditRecord{from_unix(q.integer(1)), q.text(2), q.text(3), q.text(4),
                                                     q.text(5), q.text(6), q.text(7)}});
        return out;
    }
    std::vector<std::string> kinds() override {
        Query q(c_, kAuditKinds);
        std::vector<std::string> out;
        while (q.step()) out.push_back(q.text(0));
        return out;
    }

   private:
    Connection& c_;
};

}  // namespace

std::unique_ptr<ports::Audit> make_audit(Connection& c) { return std::make_unique<SqliteAudit>(c); }

}  // namespace mina::storage::sqlite
