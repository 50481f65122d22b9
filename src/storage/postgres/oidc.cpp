// The PostgreSQL store: the OpenID Provider's clients, signing keys, pending requests, the codes
// exchanged, subjects and its sweep (issue [11]). The same ports, statement for statement, as
// src/storage/sqlite/oidc.cpp.
#include <chrono>

#include "storage/postgres/repositories.hpp"
#include "storage/sql/dollars.hpp"
#include "storage/sql/oidc.hpp"

namespace mina::storage::postgres {
namespace {

using sql::Dollars;
using sql::lines_joined;
using sql::lines_of;

constexpr Dollars kAddClient{sql::kOidcAddClient};
constexpr Dollars kFindClient{sql::kOidcFindClient};
constexpr Dollars kListClients{sql::kOidcListClients};
constexpr Dollars kRemoveClient{sql::kOidcRemoveClient};
constexpr Dollars kSetSecret{sql::kOidcSetSecret};
constexpr Dollars kAddKey{sql::kOidcAddKey};
constexpr Dollars kListKeys{sql::kOidcListKeys};
constexpr Dollars kCurrentKey{sql::kOidcCurrentKey};
constexpr Dollars kRetireKeys{sql::kOidcRetireKeys};
constexpr Dollars kRemoveRetiredKeys{sql::kOidcRemoveRetiredKeys};
constexpr Dollars kAddPending{sql::kOidcAddPending};
constexpr Dollars kFindPending{sql::kOidcFindPending};
constexpr Dollars kRemovePending{sql::kOidcRemovePending};
constexpr Dollars kUseCode{sql::kOidcUseCode};
constexpr Dollars kRevokeCode{sql::kOidcRevokeCode};
constexpr Dollars kCodeLive{sql::kOidcCodeLive};
constexpr Dollars kAddSubject{sql::kOidcAddSubject};
constexpr Dollars kSubjectOf{sql::kOidcSubjectOf};
constexpr Dollars kSweepPending{sql::kOidcSweepPending};
constexpr Dollars kSweepAssertions{sql::kOidcSweepAssertions};
constexpr Dollars kSweepCodes{sql::kOidcSweepCodes};
constexpr Dollars kAddAssertion{sql::kOidcAddAssertion};

oidc::Client read_client(const Row& r) {
    oidc::Client c;
    c.id = r.text(0);
    c.name = r.text(1);
    c.secret_digest = r.text(2);
    c.is_public = r.integer(3) != 0;
    c.redirect_uris = lines_of(r.text(4));
    c.post_logout_redirect_uris = lines_of(r.text(5));
    c.jwks = r.text(6);
    c.initiate_login_uri = r.text(7);
    c.id_token_alg = oidc::alg_from(r.text(8)).value_or(oidc::Alg::rs256);
    c.created_at = r.time(9);
    return c;
}

class PgClients final : public oidc::Clients {
   public:
    explicit PgClients(Transaction& tx) : tx_(tx) {}
    bool add(const oidc::Client& c) override {
        return exec(tx_, kAddClient, c.id, c.name, c.secret_digest, std::int64_t{c.is_public ? 1 : 0},
                    lines_joined(c.redirect_uris), lines_joined(c.post_logout_redirect_uris), c.jwks,
                    c.initiate_login_uri, oidc::alg_name(c.id_token_alg), c.created_at)
                   .affected() == 1;
    }
    std::optional<oidc::Client> find(std::string_view id) override {
        return read_first<oidc::Client>(exec(tx_, kFindClient, id), read_client);
    }
    std::vector<oidc::Client> list() override { return read_all<oidc::Client>(exec(tx_, kListClients), read_client); }
    bool remove(std::string_view id) override { return exec(tx_, kRemoveClient, id).affected() == 1; }
    bool set_secret(std::string_view id, const std::string& secret_digest) override {
        return exec(tx_, kSetSecret, id, secret_digest).affected() == 1;
    }

   private:
    Transaction& tx_;
};

oidc::SigningKey key_of(const Row& r) {
    return {r.text(0),      oidc::alg_from(r.text(1)).value_or(oidc::Alg::rs256), r.text(2), r.text(3), r.time(4),
            r.maybe_time(5)};
}

class PgSigningKeys final : public oidc::SigningKeys {
   public:
    explicit PgSigningKeys(Transaction& tx) : tx_(tx) {}
    void add(const oidc::SigningKey& k) override {
        exec(tx_, kAddKey, k.kid, oidc::alg_name(k.alg), k.public_jwk, k.sealed_private, k.created_at, k.retired_at);
    }
    std::vector<oidc::SigningKey> list() override { return read_all<oidc::SigningKey>(exec(tx_, kListKeys), key_of); }
    std::optional<oidc::SigningKey> current(oidc::Alg alg) override {
        return read_first<oidc::SigningKey>(exec(tx_, kCurrentKey, oidc::alg_name(alg)), key_of);
    }
    int retire(oidc::Alg alg, Timestamp at) override {
        return exec(tx_, kRetireKeys, oidc::alg_name(alg), at).affected();
    }
    int remove_retired(Timestamp before) override { return exec(tx_, kRemoveRetiredKeys, before).affected(); }

   private:
    Transaction& tx_;
};

class PgPending final : public oidc::PendingRequests {
   public:
    explicit PgPending(Transaction& tx) : tx_(tx) {}
    void add(const oidc::PendingRequest& r) override {
        exec(tx_, kAddPending, r.id_digest, r.client_id, r.query, r.login_after, r.created_at, r.expires_at);
    }
    std::optional<oidc::PendingRequest> find(std::string_view id_digest, Timestamp now) override {
        return read_first<oidc::PendingRequest>(exec(tx_, kFindPending, id_digest, now), [](const Row& r) {
            return oidc::PendingRequest{r.text(0), r.text(1), r.text(2), r.time(3), r.time(4), r.time(5)};
        });
    }
    void remove(std::string_view id_digest) override { exec(tx_, kRemovePending, id_digest); }

   private:
    Transaction& tx_;
};

class PgCodes final : public oidc::Codes {
   public:
    explicit PgCodes(Transaction& tx) : tx_(tx) {}
    bool first_use(std::string_view id, std::string_view client_id, Timestamp keep_until) override {
        return exec(tx_, kUseCode, id, client_id, keep_until).affected() == 1;
    }
    bool revoke(std::string_view id) override { return exec(tx_, kRevokeCode, id).affected() == 1; }
    bool live(std::string_view id) override {
        auto result = exec(tx_, kCodeLive, id);
        return !result.empty() && result.row(0).integer(0) == 0;
    }

   private:
    Transaction& tx_;
};

class PgSubjects final : public oidc::Subjects {
   public:
    explicit PgSubjects(Transaction& tx) : tx_(tx) {}
    std::string subject_of(PersonId person, const std::string& fresh) override {
        exec(tx_, kAddSubject, person, fresh);
        auto result = exec(tx_, kSubjectOf, person);
        if (result.empty()) throw std::runtime_error("oidc: no subject for the person (the fresh one was taken)");
        return result.row(0).text(0);
    }
    std::optional<std::string> find(PersonId person) override {
        auto result = exec(tx_, kSubjectOf, person);
        if (result.empty()) return std::nullopt;
        return result.row(0).text(0);
    }

   private:
    Transaction& tx_;
};

class PgSweep final : public oidc::Sweep {
   public:
    explicit PgSweep(Transaction& tx) : tx_(tx) {}
    int remove_expired(Timestamp now) override {
        return exec(tx_, kSweepPending, now).affected() + exec(tx_, kSweepCodes, now).affected() +
               exec(tx_, kSweepAssertions, now).affected();
    }
    bool first_use_of_assertion(std::string_view client_id, std::string_view jti, Timestamp expires_at) override {
        return exec(tx_, kAddAssertion, client_id, jti, expires_at).affected() == 1;
    }

   private:
    Transaction& tx_;
};

}  // namespace

std::unique_ptr<oidc::Clients> make_oidc_clients(Transaction& tx) { return std::make_unique<PgClients>(tx); }
std::unique_ptr<oidc::SigningKeys> make_oidc_keys(Transaction& tx) { return std::make_unique<PgSigningKeys>(tx); }
std::unique_ptr<oidc::PendingRequests> make_oidc_pending(Transaction& tx) { return std::make_unique<PgPending>(tx); }
std::unique_ptr<oidc::Codes> make_oidc_codes(Transaction& tx) { return std::make_unique<PgCodes>(tx); }
std::unique_ptr<oidc::Subjects> make_oidc_subjects(Transaction& tx) { return std::make_unique<PgSubjects>(tx); }
std::unique_ptr<oidc::Sweep> make_oidc_sweep(Transaction& tx) { return std::make_unique<PgSweep>(tx); }

}  // namespace mina::storage::postgres
