// The hashing pool: results come back to the right caller, never more than N hashes at a time,
// and a failure inside reaches the caller.
#include "crypto/hashing_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

namespace mina {
namespace {

/// Records how many calls run at once; "hash" is the password reversed.
class SlowHasher final : public ports::PasswordHasher {
   public:
    std::string hash(std::string_view pw) override {
        enter();
        if (pw == "boom") {
            leave();
            throw std::runtime_error("out of memory");
        }
        std::string out(pw.rbegin(), pw.rend());
        leave();
        return out;
    }
    bool verify(const std::string& hash, std::string_view pw) override {
        enter();
        const bool ok = hash == std::string(pw.rbegin(), pw.rend());
        leave();
        return ok;
    }
    void verify_dummy(std::string_view) override {
        enter();
        leave();
        ++dummies;
    }
    std::atomic<int> running{0};
    std::atomic<int> most{0};
    std::atomic<int> dummies{0};

   private:
    void enter() {
        const int now = ++running;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    void leave() { --running; }
};

TEST(HashingPool, EveryCallerGetsItsOwnAnswerAndAtMostNRunAtOnce) {
    SlowHasher inner;
    crypto::HashingPool pool(inner, 2);
    std::vector<std::thread> callers;
    std::atomic<int> right{0};
    for (int i = 0; i < 12; ++i) {
        callers.emplace_back([&, i] {
            const std::string pw = "password-" + std::to_string(i);
            const std::string h = pool.hash(pw);
            if (h == std::string(pw.rbegin(), pw.rend()) && pool.verify(h, pw) && !pool.verify(h, "other")) ++right;
        });
    }
    for (auto& t : callers) t.join();
    EXPECT_EQ(right.load(), 12);
    EXPECT_EQ(inner.most.load(), 2);
}

TEST(HashingPool, AFailureReachesTheCallerAndThePoolGoesOn) {
    SlowHasher inner;
    crypto::HashingPool pool(inner, 1);
    EXPECT_THROW((void)pool.hash("boom"), std::runtime_error);
    pool.verify_dummy("x");
    EXPECT_EQ(inner.dummies.load(), 1);
    EXPECT_EQ(pool.hash("ab"), "ba");
}

}  // namespace
}  // namespace mina
