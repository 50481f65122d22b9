// The second factor's storage on every store (issue [12], ports::Factors): an app's secret replaced,
// its time steps taken once and only forward (also when several try at once); recovery codes used
// once each; passkeys found by id, their counter moved by compare-and-set (a clone's use loses);
// login steps and WebAuthn challenges (taken once, not after they expire) swept; a reset removes all.
#include <thread>
#include <vector>

#include "unit/storage/contract/contract.hpp"

namespace mina::contract {
namespace {

PersonId seed(ports::Store& store, const char* username = "ab1001") {
    auto tx = store.begin(TxMode::write);
    const auto id =
        tx->accounts().add(person(username, "Karin", "Lindh", (std::string(username) + "@example.se").c_str()), kT);
    tx->commit();
    return id;
}

Passkey key(const std::string& id, PersonId owner, std::uint32_t count = 0) {
    return Passkey{id, owner, "Nyckel " + id, -7, "pk-" + id, count, false, kT, std::nullopt};
}

TEST_P(FactorsContract, AnAppsSecretIsReplacedAndItsStepsTakenOnceAndForward) {
    const auto karin = seed(store());
    auto tx = write();
    EXPECT_FALSE(tx->factors().totp(karin));
    tx->factors().set_totp({karin, "sealed-1", 100, kT});
    EXPECT_EQ(tx->factors().totp(karin)->sealed_secret, "sealed-1");
    EXPECT_FALSE(tx->factors().use_totp_step(karin, 100)) << "the enrolment's step is spent";
    EXPECT_FALSE(tx->factors().use_totp_step(karin, 99)) << "never backwards";
    EXPECT_TRUE(tx->factors().use_totp_step(karin, 101));
    EXPECT_FALSE(tx->factors().use_totp_step(karin, 101)) << "once";
    tx->factors().set_totp({karin, "sealed-2", 5, kT + 1s});
    const auto app = tx->factors().totp(karin);
    EXPECT_EQ(app->sealed_secret, "sealed-2");
    EXPECT_EQ(app->last_step, 5);
    EXPECT_EQ(app->created_at, kT + 1s);
    tx->factors().remove_totp(karin);
    EXPECT_FALSE(tx->factors().totp(karin));
}

TEST_P(FactorsContract, ATimeStepIsTakenByOneOfManyAtOnce) {
    const auto karin = seed(store());
    {
        auto tx = write();
        tx->factors().set_totp({karin, "sealed", 0, kT});
        tx->commit();
    }
    constexpr int kThreads = 8;
    std::vector<int> won(kThreads, 0);
    std::vector<std::thread> threads;
    auto* s = store_.get();
    for (int i = 0; i < kThreads; ++i)
        threads.emplace_back([&, i] {
            auto tx = s->begin(TxMode::write);
            won[static_cast<std::size_t>(i)] = tx->factors().use_totp_step(karin, 42) ? 1 : 0;
            tx->commit();
        });
    for (auto& t : threads) t.join();
    int winners = 0;
    for (int w : won) winners += w;
    EXPECT_EQ(winners, 1);
}

TEST_P(FactorsContract, RecoveryCodesAreReplacedAndEachUsedOnceByItsOwner) {
    const auto karin = seed(store());
    const auto bo = seed(store(), "bo2002");
    auto tx = write();
    tx->factors().set_recovery_codes(karin, {"d1", "d2", "d3"}, kT);
    EXPECT_EQ(tx->factors().recovery_codes_left(karin), 3);
    EXPECT_FALSE(tx->factors().use_recovery_code(bo, "d1", kT)) << "another's code";
    EXPECT_TRUE(tx->factors().use_recovery_code(karin, "d2", kT));
    EXPECT_FALSE(tx->factors().use_recovery_code(karin, "d2", kT)) << "once";
    EXPECT_EQ(tx->factors().recovery_codes_left(karin), 2);
    tx->factors().set_recovery_codes(karin, {"e1"}, kT + 1s);
    EXPECT_FALSE(tx->factors().use_recovery_code(karin, "d1", kT)) << "the old ones stop working";
    EXPECT_EQ(tx->factors().recovery_codes_left(karin), 1);
}

TEST_P(FactorsContract, PasskeysAreFoundListedAndTheirCounterMovedByCompareAndSet) {
    const auto karin = seed(store());
    const auto bo = seed(store(), "bo2002");
    auto tx = write();
    EXPECT_TRUE(tx->factors().add_passkey(key("k2", karin, 7)));
    EXPECT_TRUE(tx->factors().add_passkey(key("k1", karin)));
    EXPECT_FALSE(tx->factors().add_passkey(key("k1", bo))) << "an id is one key's";
    auto later = key("k3", karin);
    later.created_at = kT + 1s;
    later.backup_eligible = true;
    EXPECT_TRUE(tx->factors().add_passkey(later));
    const auto list = tx->factors().passkeys(karin);
    ASSERT_EQ(list.size(), 3U);
    EXPECT_EQ(list[0].id, "k1");  // by when added, then id
    EXPECT_EQ(list[1].id, "k2");
    EXPECT_EQ(list[2].id, "k3");
    EXPECT_TRUE(list[2].backup_eligible);
    const auto found = tx->factors().passkey("k2");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->person, karin);
    EXPECT_EQ(found->algorithm, -7);
    EXPECT_EQ(found->public_key, "pk-k2");
    EXPECT_EQ(found->sign_count, 7U);
    EXPECT_FALSE(found->last_used_at);
    EXPECT_TRUE(tx->factors().use_passkey("k2", 7, 8, kT + 5s));
    EXPECT_FALSE(tx->factors().use_passkey("k2", 7, 9, kT + 6s)) << "a use that saw the old counter loses";
    EXPECT_EQ(tx->factors().passkey("k2")->sign_count, 8U);
    EXPECT_EQ(tx->factors().passkey("k2")->last_used_at, kT + 5s);
    // The largest counter a key can say.
    EXPECT_TRUE(tx->factors().use_passkey("k2", 8, 4294967295U, kT + 7s));
    EXPECT_EQ(tx->factors().passkey("k2")->sign_count, 4294967295U);
    EXPECT_FALSE(tx->factors().remove_passkey(bo, "k1")) << "only its owner's";
    EXPECT_TRUE(tx->factors().remove_passkey(karin, "k1"));
    EXPECT_FALSE(tx->factors().passkey("k1"));
}

TEST_P(FactorsContract, StepsAndChallengesLiveUntilTheyExpireAndAChallengeIsTakenOnce) {
    const auto karin = seed(store());
    auto tx = write();
    tx->factors().add_step({"s1", karin, StepStage::enrol, true, kT, kT + 10min});
    const auto s = tx->factors().step("s1");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->stage, StepStage::enrol);
    EXPECT_TRUE(s->nudge_password);
    EXPECT_EQ(s->expires_at, kT + 10min);
    tx->factors().add_challenge({"c1", "login", "", kT + 5min});
    tx->factors().add_challenge({"c2", "step", "s1", kT + 5min});
    EXPECT_FALSE(tx->factors().take_challenge("c1", kT + 5min)) << "expired";
    const auto c = tx->factors().take_challenge("c2", kT);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->purpose, "step");
    EXPECT_EQ(c->bound_to, "s1");
    EXPECT_FALSE(tx->factors().take_challenge("c2", kT)) << "once";
    tx->factors().add_challenge({"c3", "add", "x", kT + 5min});
    EXPECT_EQ(tx->factors().sweep(kT + 10min), 3) << "the step, and the two challenges left";
    EXPECT_FALSE(tx->factors().step("s1"));
    tx->factors().add_step({"s2", karin, StepStage::verify, false, kT, kT + 10min});
    tx->factors().remove_step("s2");
    EXPECT_FALSE(tx->factors().step("s2"));
}

TEST_P(FactorsContract, AResetRemovesEverythingOfThePersonsAndNothingOfOthers) {
    const auto karin = seed(store());
    const auto bo = seed(store(), "bo2002");
    auto tx = write();
    tx->factors().set_totp({karin, "sealed", 0, kT});
    EXPECT_TRUE(tx->factors().add_passkey(key("k1", karin)));
    EXPECT_TRUE(tx->factors().add_passkey(key("k2", karin)));
    EXPECT_TRUE(tx->factors().add_passkey(key("b1", bo)));
    tx->factors().set_recovery_codes(karin, {"d1"}, kT);
    tx->factors().add_step({"s1", karin, StepStage::verify, false, kT, kT + 10min});
    EXPECT_EQ(tx->factors().remove_all(karin), 3) << "an app and two passkeys";
    EXPECT_FALSE(tx->factors().totp(karin));
    EXPECT_TRUE(tx->factors().passkeys(karin).empty());
    EXPECT_EQ(tx->factors().recovery_codes_left(karin), 0);
    EXPECT_FALSE(tx->factors().step("s1"));
    EXPECT_TRUE(tx->factors().passkey("b1"));
}

}  // namespace
}  // namespace mina::contract
