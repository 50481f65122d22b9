// One contract for every store: each port's suite is written once, against ports::Store, and
// instantiated for each backend (sqlite_backend.cpp in mina_unit_tests; postgres_backend.cpp, as
// Pg/..., in mina_pg_tests, labelled postgres). Each test gets a fresh, migrated store of its own.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "core/common/ports.hpp"

namespace mina::contract {

using namespace std::chrono_literals;
using ports::TxMode;

inline const Timestamp kT = from_unix(1'800'000'000);

/// A throwaway database of one backend: opened fresh and migrated, removed with the object.
class Backend {
   public:
    virtual ~Backend() = default;
    /// A store on the database (a second call: another store on the same database, as a second
    /// server would have).
    [[nodiscard]] virtual std::unique_ptr<ports::Store> open() = 0;
};

/// A backend by name: `make` creates its database, or fails the test saying why it cannot.
struct BackendKind {
    std::string name;
    std::function<std::unique_ptr<Backend>()> make;
};

/// Shown in the test's name as ctest lists it (`# GetParam() = sqlite`).
inline void PrintTo(const BackendKind& k, std::ostream* os) { *os << k.name; }

class StoreContract : public ::testing::TestWithParam<BackendKind> {
   protected:
    void SetUp() override {
        backend_ = GetParam().make();
        ASSERT_TRUE(backend_) << GetParam().name << ": no database to test on";
        store_ = backend_->open();
        store_->migrate();
    }
    void TearDown() override {
        store_.reset();
        backend_.reset();
    }
    ports::Store& store() { return *store_; }
    std::unique_ptr<ports::Unit> write() { return store_->begin(TxMode::write); }
    std::unique_ptr<ports::Unit> read() { return store_->begin(TxMode::read); }

    std::unique_ptr<Backend> backend_;
    std::unique_ptr<ports::Store> store_;
};

// One fixture per port or area, so that the test names say which port they hold to its promise.
class IdentityContract : public StoreContract {};  // accounts, schools, grants
class SessionsContract : public StoreContract {};  // sessions and the client throttle
class KioskContract : public StoreContract {};     // one-time passwords, kiosk flows, password history
class OutboxContract : public StoreContract {};    // mail and letters
class AuditContract : public StoreContract {};
class TransactionContract : public StoreContract {};  // Unit: commit, rollback, concurrency
class StudietiderContract : public StoreContract {};  // educations, periods, versions, contacts, search
class ReportsContract : public StoreContract {};      // students, enrollments, events, submissions, keys
class StatisticsContract : public StoreContract {};   // counts by time bucket ([10] item 6)
class OidcContract : public StoreContract {};         // the OpenID Provider (issue [11])
class FactorsContract : public StoreContract {};      // the second factor and passkeys (issue [12])

Person person(const char* username, const char* first, const char* last, const char* email);
OutboxMail mail_to(PersonId id, MailKind kind, Timestamp due);

}  // namespace mina::contract

/// Instantiates every contract suite for one backend: PREFIX names the instantiation (the tests are
/// PREFIX/IdentityContract.Name/backend).
#define MINA_STORE_CONTRACTS(PREFIX, KIND)                                                                    \
    namespace mina::contract {                                                                                \
    inline std::string PREFIX##_name(const ::testing::TestParamInfo<BackendKind>& i) { return i.param.name; } \
    INSTANTIATE_TEST_SUITE_P(PREFIX, IdentityContract, ::testing::Values(KIND), PREFIX##_name);               \
    INSTANTIATE_TEST_SUITE_P(PREFIX, SessionsContract, ::testing::Values(KIND), PREFIX##_name);               \
    INSTANTIATE_TEST_SUITE_P(PREFIX, KioskContract, ::testing::Values(KIND), PREFIX##_name);                  \
    INSTANTIATE_TEST_SUITE_P(PREFIX, OutboxContract, ::testing::Values(KIND), PREFIX##_name);                 \
    INSTANTIATE_TEST_SUITE_P(PREFIX, AuditContract, ::testing::Values(KIND), PREFIX##_name);                  \
    INSTANTIATE_TEST_SUITE_P(PREFIX, TransactionContract, ::testing::Values(KIND), PREFIX##_name);            \
    INSTANTIATE_TEST_SUITE_P(PREFIX, StudietiderContract, ::testing::Values(KIND), PREFIX##_name);            \
    INSTANTIATE_TEST_SUITE_P(PREFIX, ReportsContract, ::testing::Values(KIND), PREFIX##_name);                \
    INSTANTIATE_TEST_SUITE_P(PREFIX, StatisticsContract, ::testing::Values(KIND), PREFIX##_name);             \
    INSTANTIATE_TEST_SUITE_P(PREFIX, OidcContract, ::testing::Values(KIND), PREFIX##_name);                   \
    INSTANTIATE_TEST_SUITE_P(PREFIX, FactorsContract, ::testing::Values(KIND), PREFIX##_name);                \
    }
