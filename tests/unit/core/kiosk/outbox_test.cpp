// The outbox's and the print queue's claims (issue [7]): kiosk mail first, a lease as short as the
// SMTP exchange allows, and letters made once each, or waiting for their school's postal address.
#include "core/kiosk/outbox.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "core/idm/admin.hpp"
#include "core/kiosk/mailer.hpp"
#include "unit/fakes.hpp"

namespace mina {
namespace {

class OutboxTest : public ::testing::Test {
   protected:
    void SetUp() override {
        admin::Service a(*store_, hasher_, tokens_, policy_);
        ASSERT_TRUE(std::holds_alternative<admin::Done>(
            a.add_school({SchoolCode{"S1"}, "Skolan", SchoolForm::komvux, "Box 1\n211 22 Malmö"}, who_, clock_.now())));
        ASSERT_TRUE(std::holds_alternative<admin::Done>(
            a.add_school({SchoolCode{"S2"}, "Utan adress", SchoolForm::komvux}, who_, clock_.now())));
        user_ = std::get<Username>(a.add_person("Karin", "Lindh", "karin.lindh@example.se", who_, clock_.now()));
        auto tx = store_->begin(ports::TxMode::read);
        person_ = *tx->accounts().find(user_);
    }
    std::int64_t enqueue(MailKind kind, Timestamp due) {
        auto tx = store_->begin(ports::TxMode::write);
        const auto id = tx->outbox().enqueue(outbox::to(person_, kind, due, clock_.now()));
        tx->commit();
        return id;
    }
    std::int64_t letter(const char* school) {
        auto tx = store_->begin(ports::TxMode::write);
        const auto id = tx->letters().queue(person_.id, SchoolCode{school}, GrantedBy::school_admin, clock_.now());
        tx->commit();
        return id;
    }
    std::optional<LetterRow> find_letter(std::int64_t id) {
        auto tx = store_->begin(ports::TxMode::read);
        return tx->letters().find(id);
    }
    PolicyConfig policy_;
    test::FakeClock clock_;
    test::CountingHasher hasher_;
    crypto::SodiumTokens tokens_;
    std::unique_ptr<ports::Store> store_ = test::memory_store();
    const admin::Actor who_{"test", "local"};
    Username user_;
    Person person_;
};

TEST_F(OutboxTest, KioskMailIsClaimedBeforeOlderMail) {
    const auto now = clock_.now();
    const auto changed = enqueue(MailKind::password_changed, now - Seconds{300});
    const auto reminder = enqueue(MailKind::expiry_reminder, now - Seconds{200});
    const auto first = enqueue(MailKind::otp_first, now - Seconds{100});
    const auto later = enqueue(MailKind::otp_reset, now + Seconds{60});  // not due yet: waits
    const auto reset = enqueue(MailKind::otp_reset, now);
    mailer::Service mailer(*store_, hasher_, tokens_, policy_);
    std::vector<std::int64_t> order;
    while (auto c = mailer.next(now)) {
        order.push_back(c->mail.id);
        mailer.sent(c->mail, now, "250 ok");
    }
    EXPECT_EQ(order, (std::vector<std::int64_t>{reset, changed, reminder, first}))
        << "the one-time password someone waits for at the kiosk first, then the oldest due";
    (void)later;
}

// With several senders, a person's mails with one-time passwords go one at a time: each makes a new
// password that replaces the one before, so the mail that arrives last must carry the one that works.
TEST_F(OutboxTest, APersonsOneTimePasswordMailsAreSentOneAtATimeInOrder) {
    const auto now = clock_.now();
    const auto one = enqueue(MailKind::otp_reset, now - Seconds{2});
    const auto two = enqueue(MailKind::otp_reset, now - Seconds{1});
    const auto changed = enqueue(MailKind::password_changed, now);
    mailer::Service mailer(*store_, hasher_, tokens_, policy_);
    const auto a = mailer.next(now);
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(a->mail.id, one);
    const auto b = mailer.next(now);  // another sender, while the first is still in its exchange
    ASSERT_TRUE(b.has_value());
    EXPECT_EQ(b->mail.id, changed) << "not the second one-time password while the first is being sent";
    EXPECT_FALSE(mailer.next(now).has_value());
    mailer.sent(a->mail, now, "250 ok");
    const auto c = mailer.next(now);
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->mail.id, two) << "then the next, whose password replaces the first one's";
}

TEST_F(OutboxTest, TheLeaseIsTheExchangesTimeoutPlusAShortMargin) {
    static_assert(mailer::lease_for(Seconds{30}) == Seconds{50});
    EXPECT_GE(mailer::lease_for(Seconds{5}), Seconds{5} + Seconds{10}) << "the exchange and the making of the mail";
    EXPECT_LT(mailer::lease_for(Seconds{30}), Seconds{120}) << "shorter than the old fixed 2 minutes";

    // A worker that dies inside the exchange: another sends the mail once the lease is over, with a
    // new one-time password that replaces the first.
    enqueue(MailKind::otp_reset, clock_.now());
    mailer::Service mailer(*store_, hasher_, tokens_, policy_, mailer::lease_for(Seconds{5}));
    const auto first = mailer.next(clock_.now());
    ASSERT_TRUE(first.has_value());
    clock_.advance(mailer::lease_for(Seconds{5}) - Seconds{1});
    EXPECT_FALSE(mailer.next(clock_.now()).has_value()) << "held while the exchange may still run";
    clock_.advance(Seconds{1});
    const auto again = mailer.next(clock_.now());
    ASSERT_TRUE(again.has_value()) << "sent again as soon as the lease is over";
    EXPECT_EQ(again->mail.id, first->mail.id);
    EXPECT_EQ(again->mail.attempts, 2);
    EXPECT_NE(again->otp, first->otp);
    auto tx = store_->begin(ports::TxMode::read);
    EXPECT_EQ(tx->otps().find(person_.id)->hash, "plain$" + outbox::canonical_otp(again->otp))
        << "only the latest works";
}

TEST_F(OutboxTest, ALetterIsClaimedOnceAndMadeWithoutAStaleError) {
    const auto id = letter("S1");
    mailer::Service a(*store_, hasher_, tokens_, policy_);
    mailer::Service b(*store_, hasher_, tokens_, policy_);  // a second server on the same database
    const auto job = a.next_letter(clock_.now());
    ASSERT_TRUE(job.has_value());
    EXPECT_EQ(job->letter.id, id);
    EXPECT_EQ(job->school.postal_address, "Box 1\n211 22 Malmö");
    EXPECT_FALSE(b.next_letter(clock_.now()).has_value()) << "held by the first";
    a.letter_failed(id, "disk full", clock_.now());
    EXPECT_EQ(find_letter(id)->last_error, "disk full");
    EXPECT_FALSE(b.next_letter(clock_.now() + Seconds{10}).has_value()) << "not again at every poll";
    const auto retry = b.next_letter(clock_.now() + mailer::kLetterRetry);
    ASSERT_TRUE(retry.has_value());
    b.letter_rendered(id, "/tmp/x.pdf", clock_.now());
    a.letter_failed(id, "too late", clock_.now());  // a server that lost its lease
    const auto made = find_letter(id);
    EXPECT_EQ(made->status, LetterStatus::rendered);
    EXPECT_EQ(made->last_error, "");
    EXPECT_FALSE(a.next_letter(clock_.now() + Seconds{3600}).has_value());
}

TEST_F(OutboxTest, ALetterForASchoolWithoutAnAddressWaitsAndIsSaidOnceThenMadeWhenTheAddressIsSet) {
    const auto id = letter("S2");
    mailer::Service mailer(*store_, hasher_, tokens_, policy_);
    EXPECT_FALSE(mailer.next_letter(clock_.now()).has_value()) << "nothing to put in the window";
    EXPECT_TRUE(find_letter(id)->address_missing);
    EXPECT_EQ(find_letter(id)->last_error, "") << "waiting is not an error";
    const auto waiting = mailer.newly_waiting_letters(clock_.now());
    ASSERT_EQ(waiting.size(), 1u);
    EXPECT_EQ(waiting[0].letter.id, id);
    EXPECT_EQ(waiting[0].school.code.value(), "S2");
    for (int tick = 1; tick <= 3; ++tick) {
        EXPECT_TRUE(mailer.newly_waiting_letters(clock_.now() + Seconds{10 * tick}).empty()) << "said once";
        EXPECT_FALSE(mailer.next_letter(clock_.now() + Seconds{10 * tick}).has_value());
    }
    {
        auto tx = store_->begin(ports::TxMode::write);
        tx->schools().set_postal_address(SchoolCode{"S2"}, "Box 2\n222 22 Lund");
        tx->commit();
    }
    EXPECT_FALSE(find_letter(id)->address_missing);
    const auto job = mailer.next_letter(clock_.now());
    ASSERT_TRUE(job.has_value()) << "made as soon as the address is set";
    EXPECT_EQ(job->letter.id, id);
    EXPECT_EQ(job->school.postal_address, "Box 2\n222 22 Lund");
}

}  // namespace
}  // namespace mina
