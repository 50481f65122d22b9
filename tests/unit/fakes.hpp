// Test doubles for the ports that cannot be made fast: time and hashing. Storage is real (SQLite).
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

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

/// Passes everything to another store and writes down, in one list with the hasher's calls, how
/// each unit ended.
class RecordingStore final : public ports::Store {
   public:
    explicit RecordingStore(ports::Store& inner, std::vector<std::string>& log) : inner_(inner), log_(log) {}
    std::unique_ptr<ports::Unit> begin(ports::TxMode mode) override {
        return std::make_unique<Unit>(inner_.begin(mode), log_);
    }
    int migrate() override { return inner_.migrate(); }
    int schema_version() override { return inner_.schema_version(); }
    bool ping() override { return inner_.ping(); }
    void backup(const std::string& path) override { inner_.backup(path); }

   private:
    class Unit final : public ports::Unit {
       public:
        Unit(std::unique_ptr<ports::Unit> inner, std::vector<std::string>& log) : in_(std::move(inner)), log_(log) {}
        void commit() override {
            in_->commit();
            log_.emplace_back("commit");
        }
        void commit_unsynced() override {
            in_->commit_unsynced();
            log_.emplace_back("commit_unsynced");
        }
        ports::Accounts& accounts() override { return in_->accounts(); }
        ports::Schools& schools() override { return in_->schools(); }
        ports::Grants& grants() override { return in_->grants(); }
        ports::Sessions& sessions() override { return in_->sessions(); }
        ports::Factors& factors() override { return in_->factors(); }
        ports::Throttle& throttle() override { return in_->throttle(); }
        ports::Audit& audit() override { return in_->audit(); }
        ports::Otps& otps() override { return in_->otps(); }
        ports::KioskFlows& kiosk_flows() override { return in_->kiosk_flows(); }
        ports::PasswordHistory& password_history() override { return in_->password_history(); }
        ports::Outbox& outbox() override { return in_->outbox(); }
        ports::Letters& letters() override { return in_->letters(); }
        ports::Studietider& studietider() override { return in_->studietider(); }
        ports::Reports& reports() override { return in_->reports(); }
        ports::Statistics& statistics() override { return in_->statistics(); }
        oidc::Clients& oidc_clients() override { return in_->oidc_clients(); }
        oidc::SigningKeys& oidc_keys() override { return in_->oidc_keys(); }
        oidc::PendingRequests& oidc_pending() override { return in_->oidc_pending(); }
        oidc::Codes& oidc_codes() override { return in_->oidc_codes(); }
        oidc::Subjects& oidc_subjects() override { return in_->oidc_subjects(); }
        oidc::Sweep& oidc_sweep() override { return in_->oidc_sweep(); }

       private:
        std::unique_ptr<ports::Unit> in_;
        std::vector<std::string>& log_;
    };
    ports::Store& inner_;
    std::vector<std::string>& log_;
};

class LoggingHasher final : public ports::PasswordHasher {
   public:
    explicit LoggingHasher(std::vector<std::string>& log) : log_(log) {}
    std::string hash(std::string_view pw) override { return inner_.hash(pw); }
    bool verify(const std::string& hash, std::string_view pw) override {
        log_.emplace_back("verify");
        return inner_.verify(hash, pw);
    }
    void verify_dummy(std::string_view pw) override {
        log_.emplace_back("verify_dummy");
        inner_.verify_dummy(pw);
    }

   private:
    CountingHasher inner_;
    std::vector<std::string>& log_;
};

inline std::unique_ptr<ports::Store> memory_store() {
    storage::SqliteOptions o;
    o.path = ":memory:";
    auto s = storage::open_sqlite(o);
    s->migrate();
    return s;
}

}  // namespace mina::test
