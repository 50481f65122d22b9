// Sessions (with the viewer read in one statement) and the client throttle, on every store.
#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "unit/storage/contract/contract.hpp"

namespace mina::contract {
namespace {

TEST_P(SessionsContract, SessionsRoundTrip) {
    auto* store = store_.get();
    auto tx = store->begin(TxMode::write);
    const auto id = tx->accounts().add(person("ab1001", "Karin", "Lindh", "k@example.se"), kT);
    auto& s = tx->sessions();
    s.create({"h1", id, "csrf1", kT, kT, "", true});
    s.create({"h2", id, "csrf2", kT - 3600s, kT - 3600s, "S1", false});
    s.create({"h3", id, "csrf3", kT, kT - 100s, "", false});
    const auto one = s.find("h1");
    ASSERT_TRUE(one.has_value());
    EXPECT_EQ(one->person, id);
    EXPECT_EQ(one->csrf_token, "csrf1");
    EXPECT_TRUE(one->nudge_password);
    EXPECT_EQ(one->created_at, kT);
    EXPECT_FALSE(s.find("nope").has_value());
    const auto both = s.find_with_person("h2");
    ASSERT_TRUE(both.has_value());
    EXPECT_EQ(both->first.school, "S1");
    EXPECT_FALSE(both->first.nudge_password);
    EXPECT_EQ(both->second.username.value(), "ab1001");
    const auto seen = s.view("h2");
    ASSERT_TRUE(seen.has_value());
    EXPECT_EQ(seen->session.csrf_token, "csrf2");
    EXPECT_EQ(seen->session.created_at, kT - 3600s);
    EXPECT_EQ(seen->person.id, id);
    EXPECT_TRUE(seen->access.schools.empty()) << "no grants";
    EXPECT_FALSE(seen->access.agency_admin);
    EXPECT_FALSE(s.view("nope").has_value());
    s.touch("h1", kT + 10s);
    s.set_school("h1", "S2");
    EXPECT_EQ(s.find("h1")->last_seen_at, kT + 10s);
    EXPECT_EQ(s.find("h1")->school, "S2");
    EXPECT_EQ(s.remove_expired(kT - 50s, kT - 1800s), 2) << "h2 (too old) and h3 (idle)";
    s.create({"h4", id, "csrf4", kT, kT, "", false});
    EXPECT_EQ(s.remove_all_of(id, "h4"), 1) << "every session but the one kept";
    s.remove("h4");
    EXPECT_FALSE(s.find("h4").has_value());
}

TEST_P(SessionsContract, ViewIsTheSessionItsPersonAndAccessInOneRead) {
    auto* store = store_.get();
    PersonId karin;
    PersonId per;
    {
        auto tx = store->begin(TxMode::write);
        tx->schools().add({SchoolCode{"S2"}, "Beta", SchoolForm::komvux, "Box 2", "Kim", "08-2"}, kT);
        tx->schools().add({SchoolCode{"S1"}, "Alfa", SchoolForm::hogskola}, kT);
        tx->schools().add({SchoolCode{"S3"}, "Alfa", SchoolForm::folkhogskola}, kT);
        karin = tx->accounts().add(person("ab1001", "Karin", "Lindh", "k@example.se"), kT);
        per = tx->accounts().add(person("ab1002", "Per", "Berg", "p@example.se"), kT);
        auto& g = tx->grants();
        g.add({karin, SchoolCode{"S2"}, Role::studietider}, kT, "t");
        g.add({karin, SchoolCode{"S2"}, Role::studeranderapportering}, kT, "t");
        g.add({karin, SchoolCode{"S3"}, Role::school_admin}, kT, "t");
        g.add({karin, SchoolCode{"S1"}, Role::studietider}, kT, "t");
        g.add({karin, std::nullopt, Role::agency_admin}, kT, "t");
        g.add({per, std::nullopt, Role::agency_admin}, kT, "t");
        tx->sessions().create({"hk", karin, "csrf-k", kT, kT + 5s, "S2", true});
        tx->sessions().create({"hp", per, "csrf-p", kT, kT, "", false});
        tx->commit();
    }
    auto tx = store->begin(TxMode::read);
    const auto k = tx->sessions().view("hk");
    ASSERT_TRUE(k.has_value());
    EXPECT_EQ(k->session.id_hash, "hk");
    EXPECT_EQ(k->session.school, "S2");
    EXPECT_EQ(k->session.last_seen_at, kT + 5s);
    EXPECT_TRUE(k->session.nudge_password);
    EXPECT_EQ(k->person.username.value(), "ab1001");
    EXPECT_EQ(k->person.display_name(), "Karin Lindh");
    EXPECT_TRUE(k->access.agency_admin);
    ASSERT_EQ(k->access.schools.size(), 3u);
    EXPECT_EQ(k->access.schools[0].school.code.value(), "S1") << "by name, then code";
    EXPECT_EQ(k->access.schools[1].school.code.value(), "S3");
    EXPECT_EQ(k->access.schools[1].school.form, SchoolForm::folkhogskola);
    EXPECT_EQ(k->access.schools[2].school.name, "Beta");
    EXPECT_EQ(k->access.schools[2].roles, (std::vector<Role>{Role::studeranderapportering, Role::studietider}));
    const auto p = tx->sessions().view("hp");
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->person.id, per);
    EXPECT_TRUE(p->access.agency_admin) << "an agency-wide grant only";
    EXPECT_TRUE(p->access.schools.empty());

    // The same answer as the two reads it replaces.
    for (const char* hash : {"hk", "hp"}) {
        const auto v = tx->sessions().view(hash);
        const auto both = tx->sessions().find_with_person(hash);
        ASSERT_TRUE(v && both);
        const auto access = tx->grants().access(both->first.person);
        EXPECT_EQ(v->session.csrf_token, both->first.csrf_token);
        EXPECT_EQ(v->person.email, both->second.email);
        EXPECT_EQ(v->access.agency_admin, access.agency_admin);
        ASSERT_EQ(v->access.schools.size(), access.schools.size());
        for (std::size_t i = 0; i < access.schools.size(); ++i) {
            EXPECT_EQ(v->access.schools[i].school.code, access.schools[i].school.code);
            EXPECT_EQ(v->access.schools[i].school.name, access.schools[i].school.name);
            EXPECT_EQ(v->access.schools[i].roles, access.schools[i].roles);
        }
    }
    EXPECT_FALSE(tx->sessions().view("nope").has_value());
}

TEST_P(SessionsContract, ThrottleForgetsOutsideTheWindow) {
    auto* store = store_.get();
    auto tx = store->begin(TxMode::write);
    auto& t = tx->throttle();
    EXPECT_EQ(t.get("10.0.0.1", kT).failures, 0);
    t.record_failure("10.0.0.1", kT, kT - 60s);
    t.record_failure("10.0.0.1", kT + 1s, kT - 60s);
    auto state = t.get("10.0.0.1", kT - 60s);
    EXPECT_EQ(state.failures, 2);
    EXPECT_EQ(state.last_failure, kT + 1s);
    EXPECT_EQ(t.get("10.0.0.1", kT + 2s).failures, 0) << "older than the window";
    t.record_failure("10.0.0.1", kT + 100s, kT + 50s);
    EXPECT_EQ(t.get("10.0.0.1", kT + 50s).failures, 1) << "the count starts again";
}

}  // namespace
}  // namespace mina::contract
