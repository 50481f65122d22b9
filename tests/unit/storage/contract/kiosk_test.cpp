// The kiosk's ports on every store: one-time passwords, kiosk flows, password history.
#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "unit/storage/contract/contract.hpp"

namespace mina::contract {
namespace {

TEST_P(KioskContract, OtpsKioskFlowsAndPasswordHistory) {
    auto* store = store_.get();
    auto tx = store->begin(TxMode::write);
    const auto id = tx->accounts().add(person("ab1001", "Karin", "Lindh", "k@example.se"), kT);
    auto& o = tx->otps();
    EXPECT_EQ(o.count_wrong(id), 0) << "no one-time password: nothing counted";
    o.put({id, "otp1", OtpKind::first, kT, kT + 3600s, 0});
    EXPECT_EQ(o.count_wrong(id), 1);
    EXPECT_EQ(o.count_wrong(id), 2);
    o.put({id, "otp2", OtpKind::reset, kT + 1s, kT + 7200s, 0});
    const auto otp = o.find(id);
    ASSERT_TRUE(otp.has_value());
    EXPECT_EQ(otp->hash, "otp2") << "replaced";
    EXPECT_EQ(otp->kind, OtpKind::reset);
    EXPECT_EQ(otp->wrong_count, 0);
    EXPECT_EQ(otp->expires_at, kT + 7200s);
    o.remove(id);
    EXPECT_FALSE(o.find(id).has_value());

    auto& f = tx->kiosk_flows();
    f.create({"f1", FlowKind::forgot, FlowStage::start, std::nullopt, "c1", "ABCD", kT + 60s, kT, kT + 900s});
    f.create({"f2", FlowKind::sign_in, FlowStage::start, id, "c2", "", kT, kT, kT - 1s});
    auto flow = f.find("f1");
    ASSERT_TRUE(flow.has_value());
    EXPECT_FALSE(flow->person.has_value());
    EXPECT_EQ(flow->kind, FlowKind::forgot);
    EXPECT_EQ(flow->captcha_answer, "ABCD");
    flow->stage = FlowStage::otp;
    flow->person = id;
    flow->captcha_answer = "";
    f.update(*flow);
    EXPECT_EQ(f.find("f1")->stage, FlowStage::otp);
    EXPECT_EQ(f.find("f1")->person, id);
    EXPECT_EQ(f.find("f2")->person, id);
    EXPECT_EQ(f.remove_expired(kT), 1);
    f.remove("f1");
    EXPECT_FALSE(f.find("f1").has_value());

    auto& h = tx->password_history();
    for (const char* hash : {"a", "b", "c"}) h.add(id, hash, kT);
    EXPECT_EQ(h.last(id, 2), (std::vector<std::string>{"c", "b"})) << "newest first";
    EXPECT_TRUE(h.last(PersonId{999}, 5).empty());
}

// Issue [7] §9: of several flows that compared the same one-time password, exactly one consumes it.
TEST_P(KioskContract, AOneTimePasswordIsConsumedByExactlyOneOfManyConcurrentFlows) {
    auto* store = store_.get();
    PersonId id;
    {
        auto tx = store->begin(TxMode::write);
        id = tx->accounts().add(person("ab1001", "Karin", "Lindh", "k@example.se"), kT);
        tx->otps().put({id, "otp1", OtpKind::reset, kT, kT + 900s, 0});
        EXPECT_FALSE(tx->otps().consume(id, "otp0", kT)) << "not the one compared";
        EXPECT_FALSE(tx->otps().consume(id, "otp1", kT + 900s)) << "expired";
        tx->commit();
    }
    constexpr int kThreads = 20;
    std::atomic<int> won{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&] {
            auto tx = store->begin(TxMode::write);
            if (tx->otps().consume(id, "otp1", kT)) ++won;
            tx->commit();
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(won.load(), 1);
    {
        auto tx = store->begin(TxMode::write);
        EXPECT_FALSE(tx->otps().consume(id, "otp1", kT)) << "used";
        tx->commit();
    }
    auto tx = store->begin(TxMode::read);
    EXPECT_FALSE(tx->otps().find(id).has_value());
}

}  // namespace
}  // namespace mina::contract
