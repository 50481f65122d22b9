// The PostgreSQL store: the second factor's records ([12]). The same port, statement for statement,
// as src/storage/sqlite/factors.cpp.
#include "storage/sql/factors.hpp"
#include "storage/postgres/repositories.hpp"
#include "storage/sql/dollars.hpp"

namespace mina::storage::postgres {
namespace {

using sql::Dollars;

constexpr Dollars kTotpFind{sql::kTotpFind};
constexpr Dollars kTotpSet{sql::kTotpSet};
constexpr Dollars kTotpUse{sql::kTotpUse};
constexpr Dollars kTotpRemove{sql::kTotpRemove};
constexpr Dollars kRecoveryClear{sql::kRecoveryClear};
constexpr Dollars kRecoveryAdd{sql::kRecoveryAdd};
constexpr Dollars kRecoveryUse{sql::kRecoveryUse};
constexpr Dollars kRecoveryLeft{sql::kRecoveryLeft};
constexpr Dollars kPasskeysOf{sql::kPasskeysOf};
constexpr Dollars kPasskeyFind{sql::kPasskeyFind};
constexpr Dollars kPasskeyAdd{sql::kPasskeyAdd};
constexpr Dollars kPasskeyUse{sql::kPasskeyUse};
constexpr Dollars kPasskeyRemove{sql::kPasskeyRemove};
constexpr Dollars kPasskeysRemoveAll{sql::kPasskeysRemoveAll};
constexpr Dollars kStepsRemoveAll{sql::kStepsRemoveAll};
constexpr Dollars kStepAdd{sql::kStepAdd};
constexpr Dollars kStepFind{sql::kStepFind};
constexpr Dollars kStepRemove{sql::kStepRemove};
constexpr Dollars kChallengeAdd{sql::kChallengeAdd};
constexpr Dollars kChallengeTake{sql::kChallengeTake};
constexpr Dollars kSweepSteps{sql::kSweepSteps};
constexpr Dollars kSweepChallenges{sql::kSweepChallenges};

Passkey read_passkey(const Row& r) {
    Passkey p;
    p.id = r.text(0);
    p.person = PersonId{r.integer(1)};
    p.name = r.text(2);
    p.algorithm = static_cast<int>(r.integer(3));
    p.public_key = r.text(4);
    p.sign_count = static_cast<std::uint32_t>(r.integer(5));
    p.backup_eligible = r.integer(6) != 0;
    p.created_at = r.time(7);
    p.last_used_at = r.maybe_time(8);
    return p;
}

class PgFactors final : public ports::Factors {
   public:
    explicit PgFactors(Transaction& tx) : tx_(tx) {}

    std::optional<TotpFactor> totp(PersonId id) override {
        return read_first<TotpFactor>(exec(tx_, kTotpFind, id), [](const Row& r) {
            return TotpFactor{PersonId{r.integer(0)}, r.text(1), r.integer(2), r.time(3)};
        });
    }
    void set_totp(const TotpFactor& f) override {
        exec(tx_, kTotpSet, f.person, f.sealed_secret, f.last_step, f.created_at);
    }
    bool use_totp_step(PersonId id, std::int64_t step) override {
        return exec(tx_, kTotpUse, id, step).affected() == 1;
    }
    void set_recovery_codes(PersonId id, const std::vector<std::string>& digests, Timestamp now) override {
        exec(tx_, kRecoveryClear, id);
        for (const auto& d : digests) exec(tx_, kRecoveryAdd, id, d, now);
    }
    bool use_recovery_code(PersonId id, const std::string& digest, Timestamp now) override {
        return exec(tx_, kRecoveryUse, id, digest, now).affected() == 1;
    }
    int recovery_codes_left(PersonId id) override {
        auto result = exec(tx_, kRecoveryLeft, id);
        return result.empty() ? 0 : static_cast<int>(result.row(0).integer(0));
    }
    std::vector<Passkey> passkeys(PersonId id) override {
        return read_all<Passkey>(exec(tx_, kPasskeysOf, id), read_passkey);
    }
    std::optional<Passkey> passkey(const std::string& id) override {
        return read_first<Passkey>(exec(tx_, kPasskeyFind, id), read_passkey);
    }
    bool add_passkey(const Passkey& p) override {
        return exec(tx_, kPasskeyAdd, p.id, p.person, p.name, p.algorithm, p.public_key, std::int64_t{p.sign_count},
                    std::int64_t{p.backup_eligible ? 1 : 0}, p.created_at)
                   .affected() == 1;
    }
    bool use_passkey(const std::string& id, std::uint32_t seen, std::uint32_t count, Timestamp now) override {
        return exec(tx_, kPasskeyUse, id, std::int64_t{seen}, std::int64_t{count}, now).affected() == 1;
    }
    bool remove_passkey(PersonId person, const std::string& id) override {
        return exec(tx_, kPasskeyRemove, person, id).affected() == 1;
    }
    void remove_totp(PersonId id) override { exec(tx_, kTotpRemove, id); }
    int remove_all(PersonId id) override {
        const int apps = exec(tx_, kTotpRemove, id).affected();
        const int keys = exec(tx_, kPasskeysRemoveAll, id).affected();
        exec(tx_, kRecoveryClear, id);
        exec(tx_, kStepsRemoveAll, id);
        return apps + keys;
    }
    void add_step(const LoginStep& s) override {
        exec(tx_, kStepAdd, s.id_hash, s.person, std::string_view(s.stage == StepStage::enrol ? "enrol" : "verify"),
             s.nudge_password ? 1 : 0, s.created_at, s.expires_at);
    }
    std::optional<LoginStep> step(const std::string& id_hash) override {
        return read_first<LoginStep>(exec(tx_, kStepFind, id_hash), [](const Row& r) {
            return LoginStep{r.text(0),
                             PersonId{r.integer(1)},
                             r.text(2) == "enrol" ? StepStage::enrol : StepStage::verify,
                             r.integer(3) != 0,
                             r.time(4),
                             r.time(5)};
        });
    }
    void remove_step(const std::string& id_hash) override { exec(tx_, kStepRemove, id_hash); }
    void add_challenge(const WebAuthnChallenge& c) override {
        exec(tx_, kChallengeAdd, c.digest, c.purpose, c.bound_to, c.expires_at);
    }
    std::optional<WebAuthnChallenge> take_challenge(const std::string& digest, Timestamp now) override {
        return read_first<WebAuthnChallenge>(exec(tx_, kChallengeTake, digest, now), [](const Row& r) {
            return WebAuthnChallenge{r.text(0), r.text(1), r.text(2), r.time(3)};
        });
    }
    int sweep(Timestamp now) override {
        return exec(tx_, kSweepSteps, now).affected() + exec(tx_, kSweepChallenges, now).affected();
    }

   private:
    Transaction& tx_;
};

}  // namespace

std::unique_ptr<ports::Factors> make_factors(Transaction& tx) { return std::make_unique<PgFactors>(tx); }

}  // namespace mina::storage::postgres
