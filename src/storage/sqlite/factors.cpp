// The SQLite store: the second factor's records ([12]). The same port, statement for statement, as
// src/storage/postgres/factors.cpp.
#include "storage/sql/factors.hpp"
#include "storage/sqlite/repositories.hpp"

namespace mina::storage::sqlite {
namespace {

using namespace sql;  // the statements both stores share (storage/sql/factors.hpp)

Passkey read_passkey(const Query& q) {
    Passkey p;
    p.id = q.text(0);
    p.person = PersonId{q.integer(1)};
    p.name = q.text(2);
    p.algorithm = static_cast<int>(q.integer(3));
    p.public_key = q.text(4);
    p.sign_count = static_cast<std::uint32_t>(q.integer(5));
    p.backup_eligible = q.integer(6) != 0;
    p.created_at = from_unix(q.integer(7));
    if (!q.is_null(8)) p.last_used_at = from_unix(q.integer(8));
    return p;
}

class SqliteFactors final : public ports::Factors {
   public:
    explicit SqliteFactors(Connection& c) : c_(c) {}

    std::optional<TotpFactor> totp(PersonId id) override {
        Query q(c_, kTotpFind);
        q.bind(1, id.value());
        if (!q.step()) return std::nullopt;
        return TotpFactor{PersonId{q.integer(0)}, q.text(1), q.integer(2), from_unix(q.integer(3))};
    }
    void set_totp(const TotpFactor& f) override {
        Query q(c_, kTotpSet);
        q.bind(1, f.person.value()).bind(2, f.sealed_secret).bind(3, f.last_step).bind(4, f.created_at);
        q.run();
    }
    bool use_totp_step(PersonId id, std::int64_t step) override { return changed(kTotpUse, id.value(), step); }
    void set_recovery_codes(PersonId id, const std::vector<std::string>& digests, Timestamp now) override {
        run(kRecoveryClear, id.value());
        for (const auto& d : digests) {
            Query q(c_, kRecoveryAdd);
            q.bind(1, id.value()).bind(2, d).bind(3, now);
            q.run();
        }
    }
    bool use_recovery_code(PersonId id, const std::string& digest, Timestamp now) override {
        Query q(c_, kRecoveryUse);
        q.bind(1, id.value()).bind(2, digest).bind(3, now);
        q.run();
        return q.changes() == 1;
    }
    int recovery_codes_left(PersonId id) override {
        Query q(c_, kRecoveryLeft);
        q.bind(1, id.value());
        return q.step() ? static_cast<int>(q.integer(0)) : 0;
    }
    std::vector<Passkey> passkeys(PersonId id) override {
        Query q(c_, kPasskeysOf);
        q.bind(1, id.value());
        std::vector<Passkey> out;
        while (q.step()) out.push_back(read_passkey(q));
        return out;
    }
    std::optional<Passkey> passkey(const std::string& id) override {
        Query q(c_, kPasskeyFind);
        q.bind(1, id);
        if (!q.step()) return std::nullopt;
        return read_passkey(q);
    }
    bool add_passkey(const Passkey& p) override {
        Query q(c_, kPasskeyAdd);
        q.bind(1, p.id).bind(2, p.person.value()).bind(3, p.name).bind(4, std::int64_t{p.algorithm});
        q.bind(5, p.public_key).bind(6, std::int64_t{p.sign_count}).bind(7, std::int64_t{p.backup_eligible ? 1 : 0});
        q.bind(8, p.created_at);
        q.run();
        return q.changes() == 1;
    }
    bool use_passkey(const std::string& id, std::uint32_t seen, std::uint32_t count, Timestamp now) override {
        Query q(c_, kPasskeyUse);
        q.bind(1, id).bind(2, std::int64_t{seen}).bind(3, std::int64_t{count}).bind(4, now);
        q.run();
        return q.changes() == 1;
    }
    bool remove_passkey(PersonId person, const std::string& id) override {
        Query q(c_, kPasskeyRemove);
        q.bind(1, person.value()).bind(2, id);
        q.run();
        return q.changes() == 1;
    }
    void remove_totp(PersonId id) override { run(kTotpRemove, id.value()); }
    int remove_all(PersonId id) override {
        const int apps = run(kTotpRemove, id.value());
        const int keys = run(kPasskeysRemoveAll, id.value());
        run(kRecoveryClear, id.value());
        run(kStepsRemoveAll, id.value());
        return apps + keys;
    }
    void add_step(const LoginStep& s) override {
        Query q(c_, kStepAdd);
        q.bind(1, s.id_hash).bind(2, s.person.value()).bind(3, s.stage == StepStage::enrol ? "enrol" : "verify");
        q.bind(4, std::int64_t{s.nudge_password ? 1 : 0}).bind(5, s.created_at).bind(6, s.expires_at);
        q.run();
    }
    std::optional<LoginStep> step(const std::string& id_hash) override {
        Query q(c_, kStepFind);
        q.bind(1, id_hash);
        if (!q.step()) return std::nullopt;
        return LoginStep{
            q.text(0),         PersonId{q.integer(1)},  q.text(2) == "enrol" ? StepStage::enrol : StepStage::verify,
            q.integer(3) != 0, from_unix(q.integer(4)), from_unix(q.integer(5))};
    }
    void remove_step(const std::string& id_hash) override {
        Query q(c_, kStepRemove);
        q.bind(1, id_hash);
        q.run();
    }
    void add_challenge(const WebAuthnChallenge& c) override {
        Query q(c_, kChallengeAdd);
        q.bind(1, c.digest).bind(2, c.purpose).bind(3, c.bound_to).bind(4, c.expires_at);
        q.run();
    }
    std::optional<WebAuthnChallenge> take_challenge(const std::string& digest, Timestamp now) override {
        Query q(c_, kChallengeTake);
        q.bind(1, digest).bind(2, now);
        if (!q.step()) return std::nullopt;
        WebAuthnChallenge c{q.text(0), q.text(1), q.text(2), from_unix(q.integer(3))};
        q.run();
        return c;
    }
    int sweep(Timestamp now) override {
        Query steps(c_, kSweepSteps);
        steps.bind(1, now);
        steps.run();
        const int n = steps.changes();
        Query challenges(c_, kSweepChallenges);
        challenges.bind(1, now);
        challenges.run();
        return n + challenges.changes();
    }

   private:
    int run(const char* sql, std::int64_t id) {
        Query q(c_, sql);
        q.bind(1, id);
        q.run();
        return q.changes();
    }
    bool changed(const char* sql, std::int64_t a, std::int64_t b) {
        Query q(c_, sql);
        q.bind(1, a).bind(2, b);
        q.run();
        return q.changes() == 1;
    }
    Connection& c_;
};

}  // namespace

std::unique_ptr<ports::Factors> make_factors(Connection& c) { return std::make_unique<SqliteFactors>(c); }

}  // namespace mina::storage::sqlite
