// The statistics page's counts on every store ([10] item 6): buckets by time, the range's ends, an
// event of no school counted where its subject holds a grant, mail by state per school.
#include <map>
#include <vector>

#include "unit/storage/contract/contract.hpp"

namespace mina::contract {
namespace {

using Buckets = std::vector<std::pair<std::int64_t, std::int64_t>>;
Buckets pairs(const std::vector<ports::BucketCount>& b) {
    Buckets out;
    for (const auto& x : b) out.emplace_back(x.bucket, x.count);
    return out;
}

TEST_P(StatisticsContract, AuditEventsCountedByBucketAndBySchool) {
    auto tx = store_->begin(TxMode::write);
    tx->schools().add({SchoolCode{"S1"}, "Alfa", SchoolForm::komvux}, kT);
    tx->schools().add({SchoolCode{"S2"}, "Beta", SchoolForm::komvux}, kT);
    const auto anna = tx->accounts().add(person("ab1001", "Anna", "A", "a@example.se"), kT);
    const auto bo = tx->accounts().add(person("ab1002", "Bo", "B", "b@example.se"), kT);
    tx->grants().add({anna, SchoolCode{"S1"}, Role::school_admin}, kT, "t");
    tx->grants().add({bo, SchoolCode{"S2"}, Role::studietider}, kT, "t");
    tx->grants().add({bo, SchoolCode{"S1"}, Role::studietider}, kT, "t");
    auto& a = tx->audit();
    const std::int64_t t0 = to_unix(kT);  // 1'800'000'000: a multiple of 900
    a.append({kT, "ab1001", "10.0.0.1", "login.success", "ab1001", "", ""});
    a.append({kT + 899s, "ab1002", "10.0.0.1", "login.success", "ab1002", "", ""});
    a.append({kT + 900s, "ab1002", "10.0.0.1", "login.success", "ab1002", "", ""});
    a.append({kT + 901s, "ab1001", "10.0.0.1", "login.failed", "ab1001", "", ""});    // another kind
    a.append({kT + 1000s, "x", "10.0.0.1", "login.success", "ab9999", "S2", ""});     // written for S2
    a.append({kT + 5000s, "ab1001", "10.0.0.1", "login.success", "ab1001", "", ""});  // beyond `to`
    auto& s = tx->statistics();
    EXPECT_EQ(pairs(s.audit_events("login.success", "", kT, kT + 5000s, 900)),
              (Buckets{{t0 / 900, 2}, {t0 / 900 + 1, 2}}))
        << "from included, to not";
    EXPECT_EQ(pairs(s.audit_events("login.success", "S1", kT, kT + 5000s, 900)),
              (Buckets{{t0 / 900, 2}, {t0 / 900 + 1, 1}}))
        << "Anna and Bo hold grants at S1";
    EXPECT_EQ(pairs(s.audit_events("login.success", "S2", kT, kT + 5000s, 900)),
              (Buckets{{t0 / 900, 1}, {t0 / 900 + 1, 2}}))
        << "Bo, and the event written for S2";
    EXPECT_TRUE(s.audit_events("account.locked", "", kT, kT + 5000s, 900).empty());
    EXPECT_TRUE(s.reports_received("", kT, kT + 5000s, 900).empty());
    EXPECT_TRUE(s.reports_received("S1", kT, kT + 5000s, 900).empty());
}

TEST_P(StatisticsContract, MailByStateAndSchool) {
    auto tx = store_->begin(TxMode::write);
    tx->schools().add({SchoolCode{"S1"}, "Alfa", SchoolForm::komvux}, kT);
    const auto anna = tx->accounts().add(person("ab1001", "Anna", "A", "a@example.se"), kT);
    const auto bo = tx->accounts().add(person("ab1002", "Bo", "B", "b@example.se"), kT);
    tx->grants().add({anna, SchoolCode{"S1"}, Role::studietider}, kT, "t");
    auto& o = tx->outbox();
    const auto sent = o.enqueue(mail_to(anna, MailKind::otp_reset, kT));
    (void)o.enqueue(mail_to(anna, MailKind::otp_first, kT + 60s));
    const auto failed = o.enqueue(mail_to(bo, MailKind::otp_reset, kT));
    o.mark_sent(sent, kT + 1s, "250 ok");
    o.mark_failed(failed, "550 no such user");
    const auto states = [&](const std::string& school, Timestamp from, Timestamp to) {
        std::map<MailStatus, std::int64_t> out;
        for (const auto& x : tx->statistics().mail_states(school, from, to)) out[x.status] += x.count;
        return out;
    };
    const auto now = kT;  // mail_to queues at kT
    EXPECT_EQ(
        states("", now - 10s, now + 10s),
        (std::map<MailStatus, std::int64_t>{{MailStatus::pending, 1}, {MailStatus::sent, 1}, {MailStatus::failed, 1}}));
    EXPECT_EQ(states("S1", now - 10s, now + 10s),
              (std::map<MailStatus, std::int64_t>{{MailStatus::pending, 1}, {MailStatus::sent, 1}}))
        << "Bo holds no grant at S1";
    EXPECT_TRUE(states("", now + 10s, now + 20s).empty());
}

}  // namespace
}  // namespace mina::contract
