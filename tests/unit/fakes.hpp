// Test doubles for the ports that cannot be made fast: time and hashing. Storage is real (SQLite).
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "core/common/ports.hpp"
#include "crypto/sodium.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace mina::test {

class FakeClock final : public Clock {
   public:
    explicit FakeClock(Timestamp t = from_unix(1'800'000'000)) : now_(t) {}
    [[nodiscard]] Timestamp now() const override { return now_; }
    void advance(Seconds d) { now_ += d; }
    void set(Timestamp t) { now_ = t; }

   private:
    Timestamp now_;
};

/// Counts comparisons; "hash" is the password with a prefix, so tests run in microseconds.
class CountingHasher final : public ports::PasswordHasher {
   public:
    std::string hash(std::string_view pw) override { return "plain$" + std::string(pw); }
    bool verify(const std::string& hash, std::string_view pw) override {
        ++verifies;
        if (delay.count() > 0) std::this_thread::sleep_for(delay);  // let comparisons overlap, as real hashes do
        return hash == "plain$" + std::string(pw);
    }
    void verify_dummy(std::string_view) override { ++dummies; }
    std::chrono::milliseconds delay{0};
    std::atomic<int> verifies{0};
    std::atomic<int> dummies{0};
};

inline std::unique_ptr<ports::Store> memory_store() {
    storage::SqliteOptions o;
    o.path = ":memory:";
    auto s = storage::open_sqlite(o);
    s->migrate();
    return s;
}

}  // namespace mina::test
