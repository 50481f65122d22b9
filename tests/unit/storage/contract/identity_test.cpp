// The identity ports on every store: Accounts, Schools, Grants (with Access and at_school).
#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "unit/storage/contract/contract.hpp"

namespace mina::contract {
namespace {

TEST_P(IdentityContract, AccountsRoundTrip) {
    auto* store = store_.get();
    auto tx = store->begin(TxMode::write);
    auto& a = tx->accounts();
    const auto id = a.add(person("ab1001", "Karin", "Lindh", "Karin.Lindh@Example.se"), kT);
    EXPECT_GT(id.value(), 0);
    EXPECT_EQ(a.find(Username{"ab1001"})->id, id);
    EXPECT_EQ(a.find(id)->email, "Karin.Lindh@Example.se");
    EXPECT_EQ(a.find_by_email("karin.lindh@EXAMPLE.SE")->id, id) << "email lookup ignores case";
    EXPECT_FALSE(a.find(Username{"AB1001"}).has_value()) << "usernames are exact";
    EXPECT_TRUE(a.username_taken(Username{"ab1001"}));
    EXPECT_FALSE(a.username_taken(Username{"ab1002"}));
    tx->commit();

    tx = store->begin(TxMode::write);
    EXPECT_THROW((void)tx->accounts().add(person("ab1002", "K", "L", "KARIN.LINDH@example.se"), kT), std::runtime_error)
        << "one person per email, any case";
    tx.reset();

    tx = store->begin(TxMode::write);
    auto& b = tx->accounts();
    const auto cred = b.credential(id);
    ASSERT_TRUE(cred.has_value());
    EXPECT_EQ(cred->password_hash, "");
    EXPECT_FALSE(cred->password_set_at.has_value());
    EXPECT_FALSE(b.credential(PersonId{999}).has_value());
    b.set_password(id, "h1", kT);
    EXPECT_EQ(b.credential(id)->password_set_at, kT);
    EXPECT_FALSE(b.locked_until(id).has_value());
    EXPECT_EQ(b.failed_count(id), 0);
    EXPECT_FALSE(b.unlock(id)) << "nothing to unlock";
    b.lock(id, kT + 60s);
    EXPECT_EQ(b.locked_until(id), kT + 60s);
    EXPECT_TRUE(b.unlock(id));
    EXPECT_FALSE(b.locked_until(id).has_value());
    b.set_preferences(id, "en", "S1");
    EXPECT_EQ(b.find(id)->lang, "en");
    EXPECT_EQ(b.find(id)->default_school, "S1");
    b.record_success(id, kT);
    tx->commit();
}

TEST_P(IdentityContract, ReserveAttemptCountsLocksAndStartsAgainAfterTheLock) {
    auto* store = store_.get();
    auto tx = store->begin(TxMode::write);
    auto& a = tx->accounts();
    const auto id = a.add(person("ab1001", "Karin", "Lindh", "k@example.se"), kT);
    const auto until = kT + 30min;
    EXPECT_EQ(a.reserve_attempt(id, kT, 3, until), 1);
    EXPECT_EQ(a.reserve_attempt(id, kT, 3, until), 2);
    EXPECT_FALSE(a.locked_until(id).has_value());
    EXPECT_EQ(a.reserve_attempt(id, kT, 3, until), 3) << "the attempt that reaches the count";
    EXPECT_EQ(a.locked_until(id), until) << "locks in the same statement";
    EXPECT_EQ(a.reserve_attempt(id, kT + 1s, 3, until), std::nullopt) << "no attempt while locked";
    EXPECT_EQ(a.failed_count(id), 3);
    EXPECT_EQ(a.reserve_attempt(id, until, 3, until + 30min), 1) << "after the lock the count starts again";
    EXPECT_FALSE(a.locked_until(id).has_value());
    a.record_success(id, until);
    EXPECT_EQ(a.failed_count(id), 0);
    EXPECT_EQ(a.reserve_attempt(PersonId{999}, kT, 3, until), std::nullopt) << "no such person";
}

TEST_P(IdentityContract, AReleasedAttemptGivesItsCountAndItsLockBack) {
    auto tx = write();
    auto& a = tx->accounts();
    const auto id = a.add(person("ab1001", "Karin", "Lindh", "k@example.se"), kT);
    const auto until = kT + 30min;
    EXPECT_EQ(a.reserve_attempt(id, kT, 3, until), 1);
    EXPECT_EQ(a.reserve_attempt(id, kT, 3, until), 2);
    a.release_attempt(id);  // the second was a right password with a second step to follow ([12])
    EXPECT_EQ(a.failed_count(id), 1);
    EXPECT_EQ(a.reserve_attempt(id, kT, 3, until), 2);
    EXPECT_EQ(a.reserve_attempt(id, kT, 3, until), 3);
    ASSERT_EQ(a.locked_until(id), until);
    a.release_attempt(id);  // the attempt that locked was the right password: no lock after all
    EXPECT_FALSE(a.locked_until(id).has_value());
    EXPECT_EQ(a.failed_count(id), 2);
    a.release_attempt(id);
    a.release_attempt(id);
    a.release_attempt(id);
    EXPECT_EQ(a.failed_count(id), 0) << "never below nothing";
}

TEST_P(IdentityContract, ReminderCandidatesAndSearch) {
    auto* store = store_.get();
    auto tx = store->begin(TxMode::write);
    auto& a = tx->accounts();
    const auto p1 = a.add(person("ab1001", "Karin", "Lindh", "karin@example.se"), kT);
    const auto p2 = a.add(person("ab1002", "Per", "Berg", "per%x@example.se"), kT);
    const auto p3 = a.add(person("ab1003", "Pia", "Berg", "pia@example.se"), kT);
    a.set_password(p1, "h", kT - 300s);
    a.set_password(p2, "h", kT - 200s);
    a.set_password(p3, "h", kT - 10s);
    a.set_reminded(p2, 14);
    const auto due = a.reminder_candidates(kT - 100s, kT - 250s, 10);
    ASSERT_EQ(due.size(), 1u);
    EXPECT_EQ(due[0].person.id, p2);
    EXPECT_EQ(due[0].password_set_at, kT - 200s);
    EXPECT_EQ(due[0].reminded_days, 14);
    a.set_password(p2, "h2", kT - 200s);
    EXPECT_EQ(a.reminder_candidates(kT - 100s, kT - 250s, 10)[0].reminded_days, 0) << "a new password: none sent";

    auto names = [&](std::string_view text) {
        std::vector<std::string> out;
        for (const auto& p : a.search(text, 10)) out.push_back(p.username.value());
        return out;
    };
    EXPECT_EQ(names("berg"), (std::vector<std::string>{"ab1002", "ab1003"})) << "by last name, first name";
    EXPECT_EQ(names("AB1001"), (std::vector<std::string>{"ab1001"}));
    EXPECT_EQ(names("%"), (std::vector<std::string>{"ab1002"})) << "LIKE's wildcards are plain text";
    EXPECT_EQ(names("r_x"), (std::vector<std::string>{}));
    EXPECT_EQ(names("PIA B"), (std::vector<std::string>{"ab1003"}));
    EXPECT_EQ(a.search("", 2).size(), 2u);
}

TEST_P(IdentityContract, SchoolsGrantsAndAccess) {
    auto* store = store_.get();
    auto tx = store->begin(TxMode::write);
    auto& s = tx->schools();
    EXPECT_TRUE(s.add({SchoolCode{"S2"}, "Beta", SchoolForm::komvux, "Box 2", "Kim", "08-2"}, kT));
    EXPECT_TRUE(s.add({SchoolCode{"S1"}, "Alfa", SchoolForm::hogskola}, kT));
    EXPECT_FALSE(s.add({SchoolCode{"S1"}, "Igen", SchoolForm::hogskola}, kT)) << "the code is taken";
    const auto s2 = s.find(SchoolCode{"S2"});
    ASSERT_TRUE(s2.has_value());
    EXPECT_EQ(s2->postal_address, "Box 2");
    EXPECT_EQ(s2->contact_phone, "08-2");
    s.set_postal_address(SchoolCode{"S1"}, "Box 1\n111 11 Ort");
    EXPECT_EQ(s.find(SchoolCode{"S1"})->postal_address, "Box 1\n111 11 Ort");
    EXPECT_TRUE(s.update({SchoolCode{"S1"}, "Alfaskolan", SchoolForm::komvux, "Box 1", "Ada", "08-1"}));
    EXPECT_FALSE(s.update({SchoolCode{"S9"}, "Ingen", SchoolForm::komvux}));
    const auto all = s.all();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].name, "Alfaskolan");
    EXPECT_EQ(all[0].form, SchoolForm::komvux);

    const auto id = tx->accounts().add(person("ab1001", "Karin", "Lindh", "k@example.se"), kT);
    auto& g = tx->grants();
    EXPECT_TRUE(g.add({id, SchoolCode{"S2"}, Role::studietider}, kT, "t"));
    EXPECT_FALSE(g.add({id, SchoolCode{"S2"}, Role::studietider}, kT, "t")) << "already held";
    EXPECT_TRUE(g.add({id, SchoolCode{"S1"}, Role::school_admin}, kT, "t"));
    EXPECT_TRUE(g.add({id, SchoolCode{"S2"}, Role::studeranderapportering}, kT, "t"));
    EXPECT_TRUE(g.add({id, std::nullopt, Role::agency_admin}, kT, "t"));
    EXPECT_FALSE(g.add({id, std::nullopt, Role::agency_admin}, kT, "t")) << "agency-wide, already held";
    EXPECT_EQ(g.of(id).size(), 4u);
    const auto access = g.access(id);
    EXPECT_TRUE(access.agency_admin);
    ASSERT_EQ(access.schools.size(), 2u);
    EXPECT_EQ(access.schools[0].school.code.value(), "S1") << "by school name";
    EXPECT_EQ(access.schools[1].roles, (std::vector<Role>{Role::studeranderapportering, Role::studietider}));
    EXPECT_TRUE(g.remove(id, SchoolCode{"S2"}, Role::studietider));
    EXPECT_FALSE(g.remove(id, SchoolCode{"S2"}, Role::studietider)) << "no longer held";
    tx->commit();
}

TEST_P(IdentityContract, AtSchool) {
    auto* store = store_.get();
    auto tx = store->begin(TxMode::write);
    tx->schools().add({SchoolCode{"S1"}, "Alfa", SchoolForm::komvux}, kT);
    auto& a = tx->accounts();
    const auto p1 = a.add(person("ab1001", "Karin", "Lindh", "k@example.se"), kT);
    const auto p2 = a.add(person("ab1002", "Per", "Berg", "p@example.se"), kT);
    a.add(person("ab1003", "Ute", "Utan", "u@example.se"), kT);
    a.set_password(p1, "h", kT);
    a.lock(p1, kT + 60s);
    tx->grants().add({p1, SchoolCode{"S1"}, Role::studietider}, kT, "t");
    tx->grants().add({p1, SchoolCode{"S1"}, Role::school_admin}, kT, "t");
    tx->grants().add({p2, SchoolCode{"S1"}, Role::studietider}, kT, "t");
    tx->letters().queue(p2, SchoolCode{"S1"}, GrantedBy::school_admin, kT);
    OutboxMail m;
    m.kind = MailKind::otp_first;
    m.person = p2;
    m.recipient = "p@example.se";
    m.lang = "sv";
    m.not_before = kT;
    m.created_at = kT;
    const auto mail = tx->outbox().enqueue(m);
    tx->outbox().mark_failed(mail, "550");
    const auto people = a.at_school(SchoolCode{"S1"});
    ASSERT_EQ(people.size(), 2u);
    EXPECT_EQ(people[0].person.username.value(), "ab1002") << "by last name";
    EXPECT_FALSE(people[0].has_password);
    EXPECT_EQ(people[0].letter_status, "waiting") << "queued, and S1 has no postal address";
    EXPECT_EQ(people[0].otp_mail, "failed");
    EXPECT_EQ(people[1].roles, (std::vector<Role>{Role::studietider, Role::school_admin}));
    EXPECT_TRUE(people[1].has_password);
    EXPECT_EQ(people[1].password_set_at, kT);
    EXPECT_FALSE(people[1].last_login_at.has_value());
    EXPECT_EQ(people[1].locked_until, kT + 60s);
    EXPECT_EQ(people[1].letter_status, "");
    EXPECT_EQ(people[1].otp_mail, "");
}

}  // namespace
}  // namespace mina::contract
