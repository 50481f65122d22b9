// The OpenID Provider's storage on every store (issue [11], core/oidc/ports.hpp): clients with their
// lists in order, signing keys retired and removed, pending requests, codes used once (also when
// several try at once) and revoked on a second use, subjects made once, the sweep and client
// assertions seen once. Expired items are not found.
#include <set>
#include <thread>
#include <vector>

#include "unit/storage/contract/contract.hpp"

namespace mina::contract {
namespace {

oidc::Client client(const std::string& id) {
    oidc::Client c;
    c.id = id;
    c.name = "Tjänst " + id;
    c.secret_digest = "digest-of-" + id;
    c.redirect_uris = {"https://b.example.se/cb", "https://a.example.se/cb", "http://127.0.0.1:8080/cb"};
    c.post_logout_redirect_uris = {"https://b.example.se/ut", "https://a.example.se/ut"};
    c.jwks = R"({"keys":[]})";
    c.initiate_login_uri = "https://a.example.se/login";
    c.id_token_alg = oidc::Alg::es256;
    c.created_at = kT;
    return c;
}

/// A person and the client "semafor", committed.
PersonId seed(ports::Store& store) {
    auto tx = store.begin(TxMode::write);
    const auto id = tx->accounts().add(person("ab1001", "Karin", "Lindh", "k@example.se"), kT);
    EXPECT_TRUE(tx->oidc_clients().add(client("semafor")));
    tx->commit();
    return id;
}

TEST_P(OidcContract, ClientsAddedFoundListedByIdAndRemoved) {
    auto tx = write();
    auto& c = tx->oidc_clients();
    EXPECT_TRUE(c.add(client("semafor")));
    EXPECT_FALSE(c.add(client("semafor"))) << "the id is taken";
    auto pub = client("app.mobil-1");
    pub.is_public = true;
    pub.secret_digest.clear();
    pub.post_logout_redirect_uris.clear();
    pub.jwks.clear();
    pub.initiate_login_uri.clear();
    pub.id_token_alg = oidc::Alg::rs256;
    EXPECT_TRUE(c.add(pub));
    EXPECT_EQ(c.find("semafor"), client("semafor")) << "every field, the lists in their order";
    EXPECT_EQ(c.find("app.mobil-1"), pub) << "empty lists stay empty";
    EXPECT_EQ(c.find("SEMAFOR"), std::nullopt) << "ids are matched exactly";
    const auto all = c.list();
    ASSERT_EQ(all.size(), 2U);
    EXPECT_EQ(all[0].id, "app.mobil-1");
    EXPECT_EQ(all[1].id, "semafor");
    EXPECT_TRUE(c.set_secret("semafor", "new-digest"));
    EXPECT_EQ(c.find("semafor")->secret_digest, "new-digest");
    EXPECT_FALSE(c.set_secret("okand", "x"));
    EXPECT_TRUE(c.remove("semafor"));
    EXPECT_FALSE(c.remove("semafor"));
    EXPECT_EQ(c.find("semafor"), std::nullopt);
    tx->commit();
    EXPECT_EQ(read()->oidc_clients().list(), std::vector<oidc::Client>{pub});
}

TEST_P(OidcContract, SigningKeysNewestFirstRetiredPerAlgorithmAndRemoved) {
    auto tx = write();
    auto& k = tx->oidc_keys();
    k.add({"rsa-old", oidc::Alg::rs256, R"({"kty":"RSA"})", "sealed-1", kT, std::nullopt});
    k.add({"ec-old", oidc::Alg::es256, R"({"kty":"EC"})", "sealed-2", kT + 1s, std::nullopt});
    k.add({"rsa-new", oidc::Alg::rs256, R"({"kty":"RSA","n":"x"})", "sealed-3", kT + 2s, std::nullopt});
    auto keys = k.list();
    ASSERT_EQ(keys.size(), 3U);
    EXPECT_EQ(keys[0].kid, "rsa-new");
    EXPECT_EQ(keys[1], (oidc::SigningKey{"ec-old", oidc::Alg::es256, R"({"kty":"EC"})", "sealed-2", kT + 1s, {}}));
    EXPECT_EQ(keys[2].kid, "rsa-old");
    EXPECT_EQ(k.current(oidc::Alg::rs256), keys[0]) << "the newest signs";
    EXPECT_EQ(k.current(oidc::Alg::es256), keys[1]);
    EXPECT_EQ(k.retire(oidc::Alg::rs256, kT + 10s), 2);
    EXPECT_EQ(k.current(oidc::Alg::rs256), std::nullopt) << "a retired key never signs";
    EXPECT_EQ(k.current(oidc::Alg::es256), keys[1]);
    EXPECT_EQ(k.retire(oidc::Alg::rs256, kT + 20s), 0) << "retired once";
    keys = k.list();
    EXPECT_EQ(keys[0].retired_at, kT + 10s);
    EXPECT_EQ(keys[1].retired_at, std::nullopt) << "the other algorithm's key is not touched";
    EXPECT_EQ(k.remove_retired(kT + 10s), 0) << "retired at, not before";
    EXPECT_EQ(k.remove_retired(kT + 11s), 2);
    keys = k.list();
    ASSERT_EQ(keys.size(), 1U);
    EXPECT_EQ(keys[0].kid, "ec-old");
}

TEST_P(OidcContract, PendingRequestsFoundUntilTheyExpire) {
    seed(store());
    auto tx = write();
    auto& p = tx->oidc_pending();
    const oidc::PendingRequest r{"pending-1", "semafor", "response_type=code&client_id=semafor&state=x%20y",
                                 kT - 5s,     kT,        kT + 30min};
    p.add(r);
    EXPECT_EQ(p.find("pending-1", kT + 29min), r);
    EXPECT_EQ(p.find("pending-1", kT + 30min), std::nullopt) << "expired";
    EXPECT_EQ(p.find("pending-2", kT), std::nullopt);
    p.remove("pending-1");
    EXPECT_EQ(p.find("pending-1", kT), std::nullopt);
}

TEST_P(OidcContract, CodeUsedOnceRevokedOnASecondUse) {
    seed(store());
    auto tx = write();
    auto& c = tx->oidc_codes();
    EXPECT_FALSE(c.live("code-1")) << "never used: its tokens cannot exist";
    EXPECT_TRUE(c.first_use("code-1", "semafor", kT + 360s));
    EXPECT_TRUE(c.live("code-1"));
    EXPECT_FALSE(c.first_use("code-1", "semafor", kT + 999s)) << "a second use";
    EXPECT_TRUE(c.live("code-1")) << "first_use alone revokes nothing";
    EXPECT_TRUE(c.revoke("code-1"));
    EXPECT_FALSE(c.live("code-1"));
    EXPECT_FALSE(c.revoke("code-2")) << "unknown";
    EXPECT_TRUE(c.first_use("code-2", "semafor", kT + 360s));
    EXPECT_TRUE(c.live("code-2")) << "another code";
}

TEST_P(OidcContract, CodeUsedOnceWhenManyTryAtOnce) {
    seed(store());
    constexpr int kThreads = 8;
    std::vector<int> won(kThreads, 0);
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    auto* store = store_.get();
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&, i] {
            auto tx = store->begin(TxMode::write);
            won[static_cast<std::size_t>(i)] = tx->oidc_codes().first_use("code-1", "semafor", kT + 360s) ? 1 : 0;
            tx->commit();
        });
    }
    for (auto& t : threads) t.join();
    int winners = 0;
    for (const int w : won) winners += w;
    EXPECT_EQ(winners, 1) << "one use, however many at once";
}

TEST_P(OidcContract, SubjectMadeOnceAndKept) {
    const auto karin = seed(store());
    PersonId bo;
    {
        auto tx = write();
        bo = tx->accounts().add(person("ab1002", "Bo", "Berg", "b@example.se"), kT);
        EXPECT_EQ(tx->oidc_subjects().subject_of(karin, "sub-karin"), "sub-karin");
        EXPECT_EQ(tx->oidc_subjects().subject_of(karin, "sub-other"), "sub-karin") << "kept, never changed";
        EXPECT_EQ(tx->oidc_subjects().subject_of(bo, "sub-bo"), "sub-bo");
        tx->commit();
    }
    {
        // Userinfo reads it in a read-only transaction (PostgreSQL refuses any INSERT there).
        auto tx = store().begin(ports::TxMode::read);
        EXPECT_EQ(tx->oidc_subjects().find(karin), "sub-karin");
        EXPECT_EQ(tx->oidc_subjects().find(PersonId{bo.value() + 1000}), std::nullopt);
    }
    auto tx = write();
    EXPECT_EQ(tx->oidc_subjects().subject_of(karin, "sub-third"), "sub-karin");
    EXPECT_THROW((void)tx->oidc_subjects().subject_of(PersonId{bo.value() + 1000}, "sub-bo"), std::exception)
        << "a subject is never reused";
}

TEST_P(OidcContract, FirstAuthorizationsAtOnceGetOneSubject) {
    const auto karin = seed(store());
    constexpr int kThreads = 8;
    std::vector<std::string> got(kThreads);
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    auto* store = store_.get();
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&, i] {
            auto tx = store->begin(TxMode::write);
            got[static_cast<std::size_t>(i)] = tx->oidc_subjects().subject_of(karin, "fresh-" + std::to_string(i));
            tx->commit();
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(std::set<std::string>(got.begin(), got.end()).size(), 1U) << "every one the same subject";
}

TEST_P(OidcContract, SweepRemovesWhatExpired) {
    seed(store());
    auto tx = write();
    tx->oidc_pending().add({"p-old", "semafor", "q", kT, kT - 30min, kT});
    tx->oidc_pending().add({"p-new", "semafor", "q", kT, kT, kT + 1s});
    EXPECT_TRUE(tx->oidc_codes().first_use("c-old", "semafor", kT));          // its tokens have expired: gone
    EXPECT_TRUE(tx->oidc_codes().first_use("c-recent", "semafor", kT + 1s));  // its tokens live on: kept
    auto& s = tx->oidc_sweep();
    EXPECT_TRUE(s.first_use_of_assertion("semafor", "jti-old", kT));
    EXPECT_TRUE(s.first_use_of_assertion("semafor", "jti-new", kT + 1s));
    EXPECT_EQ(s.remove_expired(kT), 3) << "a pending request, a used code, an assertion";
    EXPECT_EQ(tx->oidc_pending().find("p-new", kT), (oidc::PendingRequest{"p-new", "semafor", "q", kT, kT, kT + 1s}));
    EXPECT_FALSE(tx->oidc_codes().live("c-old"));
    EXPECT_TRUE(tx->oidc_codes().live("c-recent"));
    EXPECT_FALSE(tx->oidc_codes().first_use("c-recent", "semafor", kT + 1s)) << "a replay is still known";
    EXPECT_FALSE(s.first_use_of_assertion("semafor", "jti-new", kT + 1s)) << "still remembered";
    EXPECT_TRUE(s.first_use_of_assertion("semafor", "jti-old", kT + 60s)) << "forgotten after it expired";
    EXPECT_EQ(s.remove_expired(kT), 0);
}

TEST_P(OidcContract, AssertionSeenOncePerClient) {
    seed(store());
    auto tx = write();
    EXPECT_TRUE(tx->oidc_clients().add(client("csn-order")));
    auto& s = tx->oidc_sweep();
    EXPECT_TRUE(s.first_use_of_assertion("semafor", "jti-1", kT + 60s));
    EXPECT_FALSE(s.first_use_of_assertion("semafor", "jti-1", kT + 60s));
    EXPECT_TRUE(s.first_use_of_assertion("csn-order", "jti-1", kT + 60s)) << "another client's jti";
}

TEST_P(OidcContract, RemovedClientTakesItsRequestsCodesAndAssertions) {
    const auto karin = seed(store());
    auto tx = write();
    tx->oidc_pending().add({"p", "semafor", "q", kT, kT, kT + 30min});
    EXPECT_TRUE(tx->oidc_codes().first_use("c", "semafor", kT + 360s));
    EXPECT_TRUE(tx->oidc_sweep().first_use_of_assertion("semafor", "j", kT + 60s));
    EXPECT_EQ(tx->oidc_subjects().subject_of(karin, "sub-karin"), "sub-karin");
    EXPECT_TRUE(tx->oidc_clients().remove("semafor"));
    EXPECT_EQ(tx->oidc_pending().find("p", kT), std::nullopt);
    EXPECT_FALSE(tx->oidc_codes().live("c")) << "and with it the tokens of the code";
    EXPECT_TRUE(tx->oidc_clients().add(client("semafor")));
    EXPECT_TRUE(tx->oidc_sweep().first_use_of_assertion("semafor", "j", kT + 60s)) << "the old one went";
    EXPECT_EQ(tx->oidc_subjects().subject_of(karin, "sub-new"), "sub-karin") << "the person's, not the client's";
}

}  // namespace
}  // namespace mina::contract
