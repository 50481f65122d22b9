// The SQLite store: the OpenID Provider's clients, signing keys, pending requests, the codes
// exchanged, subjects and its sweep (issue [11]). The same ports, statement for statement, as
// src/storage/postgres/oidc.cpp.
#include <chrono>

#include "storage/sql/oidc.hpp"
#include "storage/sqlite/repositories.hpp"

namespace mina::storage::sqlite {
namespace {

using namespace sql;  // the statements both stores share (storage/sql/oidc.hpp)

std::optional<Timestamp> maybe_time(const Query& q, int col) {
    if (q.is_null(col)) return std::nullopt;
    return from_unix(q.integer(col));
}

Query& bind_maybe(Query& q, int i, const std::optional<Timestamp>& t) { return t ? q.bind(i, *t) : q.bind_null(i); }

oidc::SigningKey read_key(const Query& q) {
    return {q.text(0),
            oidc::alg_from(q.text(1)).value_or(oidc::Alg::rs256),
            q.text(2),
            q.text(3),
            from_unix(q.integer(4)),
            maybe_time(q, 5)};
}

oidc::Client read_client(const Query& q) {
    oidc::Client c;
    c.id = q.text(0);
    c.name = q.text(1);
    c.secret_digest = q.text(2);
    c.is_public = q.integer(3) != 0;
    c.redirect_uris = lines_of(q.text(4));
    c.post_logout_redirect_uris = lines_of(q.text(5));
    c.jwks = q.text(6);
    c.initiate_login_uri = q.text(7);
    c.id_token_alg = oidc::alg_from(q.text(8)).value_or(oidc::Alg::rs256);
    c.created_at = from_unix(q.integer(9));
    return c;
}

class SqliteClients final : public oidc::Clients {
   public:
    explicit SqliteClients(Connection& c) : c_(c) {}
    bool add(const oidc::Client& c) override {
        Query q(c_, kOidcAddClient);
        q.bind(1, c.id).bind(2, c.name).bind(3, c.secret_digest).bind(4, std::int64_t{c.is_public ? 1 : 0});
        q.bind(5, lines_joined(c.redirect_uris)).bind(6, lines_joined(c.post_logout_redirect_uris)).bind(7, c.jwks);
        q.bind(8, c.initiate_login_uri).bind(9, oidc::alg_name(c.id_token_alg)).bind(10, c.created_at);
        q.run();
        return q.changes() == 1;
    }
    std::optional<oidc::Client> find(std::string_view id) override {
        Query q(c_, kOidcFindClient);
        q.bind(1, id);
        if (!q.step()) return std::nullopt;
        return read_client(q);
    }
    std::vector<oidc::Client> list() override {
        Query q(c_, kOidcListClients);
        std::vector<oidc::Client> out;
        while (q.step()) out.push_back(read_client(q));
        return out;
    }
    bool remove(std::string_view id) override {
        Query q(c_, kOidcRemoveClient);
        q.bind(1, id).run();
        return q.changes() == 1;
    }
    bool set_secret(std::string_view id, const std::string& secret_digest) override {
        Query q(c_, kOidcSetSecret);
        q.bind(1, id).bind(2, secret_digest).run();
        return q.changes() == 1;
    }

   private:
    Connection& c_;
};

class SqliteSigningKeys final : public oidc::SigningKeys {
   public:
    explicit SqliteSigningKeys(Connection& c) : c_(c) {}
    void add(const oidc::SigningKey& k) override {
        Query q(c_, kOidcAddKey);
        q.bind(1, k.kid)
            .bind(2, oidc::alg_name(k.alg))
            .bind(3, k.public_jwk)
            .bind(4, k.sealed_private)
            .bind(5, k.created_at);
        bind_maybe(q, 6, k.retired_at).run();
    }
    std::vector<oidc::SigningKey> list() override {
        Query q(c_, kOidcListKeys);
        std::vector<oidc::SigningKey> out;
        while (q.step()) out.push_back(read_key(q));
        return out;
    }
    std::optional<oidc::SigningKey> current(oidc::Alg alg) override {
        Query q(c_, kOidcCurrentKey);
        q.bind(1, oidc::alg_name(alg));
        if (!q.step()) return std::nullopt;
        return read_key(q);
    }
    int retire(oidc::Alg alg, Timestamp at) override {
        Query q(c_, kOidcRetireKeys);
        q.bind(1, oidc::alg_name(alg)).bind(2, at).run();
        return q.changes();
    }
    int remove_retired(Timestamp before) override {
        Query q(c_, kOidcRemoveRetiredKeys);
        q.bind(1, before).run();
        return q.changes();
    }

   private:
    Connection& c_;
};

class SqlitePending final : public oidc::PendingRequests {
   public:
    explicit SqlitePending(Connection& c) : c_(c) {}
    void add(const oidc::PendingRequest& r) override {
        Query q(c_, kOidcAddPending);
        q.bind(1, r.id_digest).bind(2, r.client_id).bind(3, r.query).bind(4, r.login_after);
        q.bind(5, r.created_at).bind(6, r.expires_at).run();
    }
    std::optional<oidc::PendingRequest> find(std::string_view id_digest, Timestamp now) override {
        Query q(c_, kOidcFindPending);
        q.bind(1, id_digest).bind(2, now);
        if (!q.step()) return std::nullopt;
        return oidc::PendingRequest{
            q.text(0), q.text(1), q.text(2), from_unix(q.integer(3)), from_unix(q.integer(4)), from_unix(q.integer(5))};
    }
    void remove(std::string_view id_digest) override { Query(c_, kOidcRemovePending).bind(1, id_digest).run(); }

   private:
    Connection& c_;
};

class SqliteCodes final : public oidc::Codes {
   public:
    explicit SqliteCodes(Connection& c) : c_(c) {}
    bool first_use(std::string_view id, std::string_view client_id, Timestamp keep_until) override {
        Query q(c_, kOidcUseCode);
        q.bind(1, id).bind(2, client_id).bind(3, keep_until).run();
        return q.changes() == 1;
    }
    bool revoke(std::string_view id) override {
        Query q(c_, kOidcRevokeCode);
        q.bind(1, id).run();
        return q.changes() == 1;
    }
    bool live(std::string_view id) override {
        Query q(c_, kOidcCodeLive);
        q.bind(1, id);
        return q.step() && q.integer(0) == 0;
    }

   private:
    Connection& c_;
};

class SqliteSubjects final : public oidc::Subjects {
   public:
    explicit SqliteSubjects(Connection& c) : c_(c) {}
    std::string subject_of(PersonId person, const std::string& fresh) override {
        Query(c_, kOidcAddSubject).bind(1, person.value()).bind(2, fresh).run();
        Query q(c_, kOidcSubjectOf);
        q.bind(1, person.value());
        if (!q.step()) throw std::runtime_error("oidc: no subject for the person (the fresh one was taken)");
        return q.text(0);
    }
    std::optional<std::string> find(PersonId person) override {
        Query q(c_, kOidcSubjectOf);
        q.bind(1, person.value());
        if (!q.step()) return std::nullopt;
        return q.text(0);
    }

   private:
    Connection& c_;
};

class SqliteSweep final : public oidc::Sweep {
   public:
    explicit SqliteSweep(Connection& c) : c_(c) {}
    int remove_expired(Timestamp now) override {
        int gone = 0;
        for (const char* sql : {kOidcSweepPending, kOidcSweepCodes, kOidcSweepAssertions}) {
            Query q(c_, sql);
            q.bind(1, now).run();
            gone += q.changes();
        }
        return gone;
    }
    bool first_use_of_assertion(std::string_view client_id, std::string_view jti, Timestamp expires_at) override {
        Query q(c_, kOidcAddAssertion);
        q.bind(1, client_id).bind(2, jti).bind(3, expires_at).run();
        return q.changes() == 1;
    }

   private:
    Connection& c_;
};

}  // namespace

std::unique_ptr<oidc::Clients> make_oidc_clients(Connection& c) { return std::make_unique<SqliteClients>(c); }
std::unique_ptr<oidc::SigningKeys> make_oidc_keys(Connection& c) { return std::make_unique<SqliteSigningKeys>(c); }
std::unique_ptr<oidc::PendingRequests> make_oidc_pending(Connection& c) { return std::make_unique<SqlitePending>(c); }
std::unique_ptr<oidc::Codes> make_oidc_codes(Connection& c) { return std::make_unique<SqliteCodes>(c); }
std::unique_ptr<oidc::Subjects> make_oidc_subjects(Connection& c) { return std::make_unique<SqliteSubjects>(c); }
std::unique_ptr<oidc::Sweep> make_oidc_sweep(Connection& c) { return std::make_unique<SqliteSweep>(c); }

}  // namespace mina::storage::sqlite
