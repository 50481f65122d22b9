// Mail (the outbox) and letters on every store: claims, leases, order, retries.
#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "unit/storage/contract/contract.hpp"

namespace mina::contract {
namespace {

TEST_P(OutboxContract, OutboxRoundTrip) {
    auto* store = store_.get();
    auto tx = store->begin(TxMode::write);
    const auto id = tx->accounts().add(person("ab1001", "Karin", "Lindh", "k@example.se"), kT);
    auto& o = tx->outbox();
    const auto later = o.enqueue(mail_to(id, MailKind::otp_first, kT + 60s));
    const auto first = o.enqueue(mail_to(id, MailKind::otp_reset, kT));
    auto anonymous = mail_to(id, MailKind::account_locked, kT);
    anonymous.person.reset();
    const auto second = o.enqueue(anonymous);
    EXPECT_LT(later, first);
    EXPECT_EQ(o.count_pending(id, MailKind::otp_first), 1);
    EXPECT_EQ(o.count_since(id, MailKind::otp_reset, kT), 1);
    EXPECT_EQ(o.count_since(id, MailKind::otp_reset, kT + 1s), 0);

    auto claimed = o.claim(kT, kT + 30s);
    ASSERT_TRUE(claimed.has_value());
    EXPECT_EQ(claimed->id, first) << "the oldest due";
    EXPECT_EQ(claimed->attempts, 1);
    EXPECT_EQ(claimed->params, "14");
    claimed = o.claim(kT, kT + 30s);
    ASSERT_TRUE(claimed.has_value());
    EXPECT_EQ(claimed->id, second);
    EXPECT_FALSE(claimed->person.has_value());
    EXPECT_FALSE(o.claim(kT, kT + 30s).has_value()) << "the rest is held or not yet due";
    EXPECT_EQ(o.claim(kT + 30s, kT + 60s)->id, first) << "the lease ran out";
    o.mark_sent(first, kT + 31s, "250 ok");
    o.retry_at(second, kT + 90s, "421 busy");
    o.mark_failed(later, "550 no such user");
    const auto all = o.list(std::nullopt, 10);
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].id, second) << "newest first";
    EXPECT_EQ(all[0].last_error, "421 busy");
    EXPECT_EQ(all[0].not_before, kT + 90s);
    EXPECT_EQ(all[1].status, MailStatus::sent);
    EXPECT_EQ(all[1].sent_at, kT + 31s);
    EXPECT_EQ(all[1].attempts, 2);
    EXPECT_FALSE(all[2].sent_at.has_value());
    const auto failed = o.list(MailStatus::failed, 10);
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_EQ(failed[0].id, later);
    EXPECT_EQ(o.retry_failed(first, kT), 0) << "only failed mail";
    EXPECT_EQ(o.retry_failed(later, kT + 100s), 1);
    EXPECT_EQ(o.retry_failed(std::nullopt, kT), 0);
    EXPECT_EQ(o.list(MailStatus::pending, 10).size(), 2u);
    EXPECT_EQ(o.list(std::nullopt, 1).size(), 1u);
}

TEST_P(OutboxContract, LettersRoundTrip) {
    auto* store = store_.get();
    auto tx = store->begin(TxMode::write);
    tx->schools().add({SchoolCode{"S1"}, "Alfa", SchoolForm::komvux, "Box 1\n211 22 Malmö"}, kT);
    tx->schools().add({SchoolCode{"S2"}, "Beta", SchoolForm::komvux}, kT);  // no postal address yet
    const auto id = tx->accounts().add(person("ab1001", "Karin", "Lindh", "k@example.se"), kT);
    auto& l = tx->letters();
    const auto a = l.queue(id, SchoolCode{"S1"}, GrantedBy::agency, kT);
    const auto b = l.queue(id, SchoolCode{"S1"}, GrantedBy::school_admin, kT + 1s);
    const auto w = l.queue(id, SchoolCode{"S2"}, GrantedBy::school_admin, kT + 2s);
    auto claimed = l.claim(kT, kT + 60s);
    ASSERT_TRUE(claimed.has_value());
    EXPECT_EQ(claimed->id, a) << "oldest first";
    EXPECT_EQ(claimed->granted_by, GrantedBy::agency) << "the letter says who gave the access";
    claimed = l.claim(kT, kT + 60s);
    ASSERT_TRUE(claimed.has_value());
    EXPECT_EQ(claimed->id, b);
    EXPECT_EQ(claimed->granted_by, GrantedBy::school_admin);
    EXPECT_EQ(l.find(a)->granted_by, GrantedBy::agency);
    EXPECT_FALSE(l.claim(kT, kT + 60s).has_value()) << "the rest is held, or waits for its school's address";
    EXPECT_TRUE(l.find(w)->address_missing);
    EXPECT_FALSE(l.find(a)->address_missing);
    const auto waiting = l.newly_waiting(kT);
    ASSERT_EQ(waiting.size(), 1u);
    EXPECT_EQ(waiting[0].id, w);
    EXPECT_TRUE(waiting[0].address_missing);
    EXPECT_TRUE(l.newly_waiting(kT + 10s).empty()) << "found waiting once";
    EXPECT_FALSE(l.mark_posted(a, kT)) << "not rendered yet";
    l.render_failed(b, "no font", kT + 300s);
    l.rendered(a, "/letters/a.pdf", kT + 5s);
    l.render_failed(a, "a late error from elsewhere", kT + 300s);
    const auto done = l.find(a);
    ASSERT_TRUE(done.has_value());
    EXPECT_EQ(done->status, LetterStatus::rendered);
    EXPECT_EQ(done->path, "/letters/a.pdf");
    EXPECT_EQ(done->last_error, "") << "a letter that was made keeps no error";
    EXPECT_EQ(done->rendered_at, kT + 5s);
    EXPECT_FALSE(done->posted_at.has_value());
    EXPECT_EQ(l.find(b)->last_error, "no font");
    EXPECT_FALSE(l.claim(kT + 100s, kT + 160s).has_value()) << "a failed letter is tried again later";
    claimed = l.claim(kT + 300s, kT + 360s);
    ASSERT_TRUE(claimed.has_value());
    EXPECT_EQ(claimed->id, b);
    tx->schools().set_postal_address(SchoolCode{"S2"}, "Box 2\n222 22 Lund");
    EXPECT_FALSE(l.find(w)->address_missing);
    claimed = l.claim(kT + 300s, kT + 360s);
    ASSERT_TRUE(claimed.has_value());
    EXPECT_EQ(claimed->id, w) << "made once the address is set";
    EXPECT_TRUE(l.mark_posted(a, kT + 9s));
    EXPECT_FALSE(l.mark_posted(a, kT + 9s)) << "posted once";
    EXPECT_EQ(l.find(a)->posted_at, kT + 9s);
    EXPECT_EQ(l.list(std::nullopt, 10)[0].id, w) << "newest first";
    EXPECT_EQ(l.list(LetterStatus::posted, 10).size(), 1u);
    EXPECT_FALSE(l.find(999).has_value());
}

// The agency's desk ([10] item 3): each count in one statement, the locked accounts the lock ending
// last first, only those locked at `now`.
TEST_P(OutboxContract, TheDesksCounts) {
    auto* store = store_.get();
    auto tx = store->begin(TxMode::write);
    EXPECT_EQ(tx->schools().count(), 0);
    EXPECT_EQ(tx->letters().count_unposted(), 0);
    EXPECT_EQ(tx->outbox().count(MailStatus::failed), 0);
    EXPECT_EQ(tx->accounts().count_locked(kT), 0);
    tx->schools().add({SchoolCode{"S1"}, "Alfa", SchoolForm::komvux, "Box 1\n211 22 Malmö"}, kT);
    tx->schools().add({SchoolCode{"S2"}, "Beta", SchoolForm::komvux}, kT);
    EXPECT_EQ(tx->schools().count(), 2);
    const auto karin = tx->accounts().add(person("ab1001", "Karin", "Lindh", "k@example.se"), kT);
    const auto olle = tx->accounts().add(person("ab1002", "Olle", "Berg", "o@example.se"), kT);
    const auto eva = tx->accounts().add(person("ab1003", "Eva", "Ek", "e@example.se"), kT);
    auto& l = tx->letters();
    const auto a = l.queue(karin, SchoolCode{"S1"}, GrantedBy::agency, kT);
    l.queue(olle, SchoolCode{"S1"}, GrantedBy::agency, kT);
    EXPECT_EQ(l.count_unposted(), 2);
    l.rendered(a, "/letters/a.pdf", kT);
    EXPECT_EQ(l.count_unposted(), 2) << "made, not yet posted";
    EXPECT_TRUE(l.mark_posted(a, kT));
    EXPECT_EQ(l.count_unposted(), 1);
    auto& o = tx->outbox();
    const auto m1 = o.enqueue(mail_to(karin, MailKind::otp_first, kT));
    const auto m2 = o.enqueue(mail_to(olle, MailKind::otp_first, kT));
    o.enqueue(mail_to(eva, MailKind::otp_first, kT));
    o.mark_failed(m1, "550");
    o.mark_failed(m2, "550");
    EXPECT_EQ(o.count(MailStatus::failed), 2);
    EXPECT_EQ(o.count(MailStatus::pending), 1);
    auto& acc = tx->accounts();
    acc.lock(karin, kT + 60s);
    acc.lock(olle, kT + 600s);
    acc.lock(eva, kT - 1s);  // a lock that has run out
    EXPECT_EQ(acc.count_locked(kT), 2);
    const auto locked = acc.locked(kT, 10);
    ASSERT_EQ(locked.size(), 2u);
    EXPECT_EQ(locked[0].person.id, olle) << "the lock ending last first";
    EXPECT_EQ(locked[0].until, kT + 600s);
    EXPECT_EQ(locked[1].person.username.value(), "ab1001");
    EXPECT_EQ(acc.locked(kT, 1).size(), 1u);
    EXPECT_EQ(acc.count_locked(kT + 60s), 1) << "locked until then, not at it";
}

TEST_P(OutboxContract, KioskMailIsClaimedFirst) {
    auto* store = store_.get();
    auto tx = store->begin(TxMode::write);
    const auto id = tx->accounts().add(person("ab1001", "Karin", "Lindh", "k@example.se"), kT);
    auto& o = tx->outbox();
    const auto changed = o.enqueue(mail_to(id, MailKind::password_changed, kT - 30s));
    const auto first = o.enqueue(mail_to(id, MailKind::otp_first, kT - 20s));
    const auto reset = o.enqueue(mail_to(id, MailKind::otp_reset, kT));
    std::vector<std::int64_t> order;
    while (auto m = o.claim(kT, kT + 50s)) {
        order.push_back(m->id);
        o.mark_sent(m->id, kT, "250 ok");
    }
    EXPECT_EQ(order, (std::vector<std::int64_t>{reset, changed, first}));
}

TEST_P(OutboxContract, APersonsOneTimePasswordMailsAreClaimedOneAtATime) {
    auto* store = store_.get();
    auto tx = store->begin(TxMode::write);
    const auto id = tx->accounts().add(person("ab1001", "Karin", "Lindh", "k@example.se"), kT);
    auto& o = tx->outbox();
    const auto one = o.enqueue(mail_to(id, MailKind::otp_reset, kT - 2s));
    const auto two = o.enqueue(mail_to(id, MailKind::otp_reset, kT - 1s));
    const auto changed = o.enqueue(mail_to(id, MailKind::password_changed, kT));
    const auto a = o.claim(kT, kT + 50s);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->id, one);
    const auto b = o.claim(kT, kT + 50s);
    ASSERT_TRUE(b);
    EXPECT_EQ(b->id, changed) << "not the second one-time password while the first is held";
    EXPECT_FALSE(o.claim(kT, kT + 50s));
    o.mark_sent(one, kT, "250 ok");
    const auto c = o.claim(kT, kT + 50s);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->id, two);
}

TEST_P(OutboxContract, TwoWorkersNeverClaimTheSameMail) {
    auto* store = store_.get();
    constexpr int kMails = 40;
    {
        auto tx = store->begin(TxMode::write);
        const auto id = tx->accounts().add(person("ab1001", "Karin", "Lindh", "k@example.se"), kT);
        for (int i = 0; i < kMails; ++i) tx->outbox().enqueue(mail_to(id, MailKind::password_changed, kT));
        tx->commit();
    }
    std::vector<std::int64_t> claimed[2];
    auto worker = [&](std::vector<std::int64_t>& mine) {
        for (;;) {
            auto tx = store->begin(TxMode::write);
            auto m = tx->outbox().claim(kT, kT + 60s);
            if (!m) return;
            mine.push_back(m->id);
            tx->commit();
        }
    };
    std::thread a(worker, std::ref(claimed[0]));
    std::thread b(worker, std::ref(claimed[1]));
    a.join();
    b.join();
    std::set<std::int64_t> all(claimed[0].begin(), claimed[0].end());
    all.insert(claimed[1].begin(), claimed[1].end());
    EXPECT_EQ(claimed[0].size() + claimed[1].size(), static_cast<std::size_t>(kMails)) << "none twice";
    EXPECT_EQ(all.size(), static_cast<std::size_t>(kMails)) << "every one";
    for (const auto& m : store->begin(TxMode::read)->outbox().list(std::nullopt, kMails)) EXPECT_EQ(m.attempts, 1);
}

}  // namespace
}  // namespace mina::contract
