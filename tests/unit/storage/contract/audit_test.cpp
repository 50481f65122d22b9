// The audit trail on every store: filters, order, paging, kinds.
#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "unit/storage/contract/contract.hpp"

namespace mina::contract {
namespace {

/// Audit filters, field by field (designated initializers would leave fields GCC asks for).
AuditFilter by(std::string person, std::string school, std::string kind) {
    AuditFilter f;
    f.person = std::move(person);
    f.school = std::move(school);
    f.kind = std::move(kind);
    return f;
}
AuditFilter between(std::optional<Timestamp> from, std::optional<Timestamp> to) {
    AuditFilter f;
    f.from = from;
    f.to = to;
    return f;
}
AuditFilter page(AuditFilter f, std::int64_t before_id, int limit) {
    f.before_id = before_id;
    f.limit = limit;
    return f;
}

TEST_P(AuditContract, AuditFilters) {
    auto* store = store_.get();
    auto tx = store->begin(TxMode::write);
    auto& a = tx->audit();
    // Only kinds of audit::kKinds compile; otp.send_braked begins with "otp.send" but is not of it.
    a.append({kT, "anonymous", "10.0.0.1", "login.failed", "ab1001", "", ""});
    a.append({kT + 1s, "ab1001", "10.0.0.1", "login.success", "ab1001", "", ""});
    a.append({kT + 2s, "ab9999", "10.0.0.2", "grant.added", "ab1002", "S1", "studietider"});
    a.append({kT + 3s, "ab9999", "10.0.0.2", "otp.send_braked", "ab1002", "S1", ""});
    auto ids = [&](const AuditFilter& f) {
        std::vector<std::int64_t> out;
        for (const auto& e : a.query(f)) out.push_back(e.id);
        return out;
    };
    EXPECT_EQ(ids({}), (std::vector<std::int64_t>{4, 3, 2, 1})) << "newest first";
    EXPECT_EQ(ids(by("ab1001", "", "")), (std::vector<std::int64_t>{2, 1}));
    EXPECT_EQ(ids(by("ab9999", "", "")), (std::vector<std::int64_t>{4, 3})) << "as the actor";
    EXPECT_EQ(ids(by("", "S1", "")), (std::vector<std::int64_t>{4, 3}));
    EXPECT_EQ(ids(by("", "", "login")), (std::vector<std::int64_t>{2, 1})) << "a family";
    EXPECT_EQ(ids(by("", "", "otp.send")), (std::vector<std::int64_t>{})) << "a family, not a prefix";
    EXPECT_EQ(ids(by("", "", "otp")), (std::vector<std::int64_t>{4}));
    EXPECT_EQ(ids(by("", "", "login.success")), (std::vector<std::int64_t>{2}));
    EXPECT_EQ(ids(between(kT + 1s, kT + 3s)), (std::vector<std::int64_t>{3, 2}));
    EXPECT_EQ(ids(page({}, 3, 1)), (std::vector<std::int64_t>{2}));
    const auto entry = a.query(by("", "", "grant.added"));
    ASSERT_EQ(entry.size(), 1u);
    EXPECT_EQ(entry[0].event.detail, "studietider");
    EXPECT_EQ(entry[0].event.address, "10.0.0.2");
    EXPECT_EQ(entry[0].event.at, kT + 2s);
    EXPECT_EQ(a.kinds(), (std::vector<std::string>{"grant.added", "login.failed", "login.success", "otp.send_braked"}));
}

}  // namespace
}  // namespace mina::contract
