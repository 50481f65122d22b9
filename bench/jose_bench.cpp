// What signing an ID token and verifying a compact JWS cost (crypto::Jose, issue [11]): one
// operation on one thread, RS256 (RSA 2048) and ES256 (P-256), with a payload the size of an ID token
// with the profile, email and schools scopes. Signing is the OpenID Provider's work per authorization
// (one ID token per code exchanged); verifying, per client assertion (private_key_jwt) and per
// id_token_hint. Also: making a key (`mina admin oidc rotate-keys`, and the first start).
//
//   cmake --build build --target mina_bench_jose -j2 && build/bench/mina_bench_jose
#include <benchmark/benchmark.h>

#include <string>

#include "crypto/identity_vault.hpp"
#include "crypto/jose.hpp"
#include "crypto/sodium.hpp"

namespace {

using namespace mina;

// An ID token's claims with scope "openid profile email schools" (about 800 bytes).
const std::string kClaims =
    R"({"iss":"https://minatjanster.example.se","sub":"8f3c2a7b9d4e4f1a8b6c0d2e5f7a9b1c","aud":"semafor",)"
    R"("azp":"semafor","exp":1800000300,"iat":1800000000,"auth_time":1799999990,)"
    R"("nonce":"n-0S6_WzA2Mj-tc4pP2Kx7Yq","acr":"urn:mina:password","amr":["pwd"],)"
    R"("sid":"3b2f6c1d8e9a4b7c0d1e2f3a4b5c6d7e","name":"Anna Andersson","given_name":"Anna",)"
    R"("family_name":"Andersson","preferred_username":"anna.andersson","locale":"sv",)"
    R"("email":"anna.andersson@skolan.example.se","schools":[)"
    R"({"code":"DEMO1","name":"Demoskolan i Sundsvall","roles":["studeranderapportering","studietider","school-admin"]},)"
    R"({"code":"DEMO2","name":"Yrkeshögskolan Norr","roles":["studeranderapportering"]},)"
    R"({"code":"DEMO3","name":"Folkhögskolan Söder","roles":["studietider"]}],)"
    R"("school":"DEMO1"})";

const crypto::IdentityVault& vault() {
    static const auto v = [] {
        crypto::init();
        return *crypto::IdentityVault::from_hex(crypto::IdentityVault::new_key_hex());
    }();
    return v;
}

const crypto::Jose& jose() {
    static const crypto::Jose j(vault());
    return j;
}

const oidc::SigningKey& key(oidc::Alg alg) {
    static const auto rsa = jose().generate(oidc::Alg::rs256, "bench-rs256", from_unix(1'800'000'000));
    static const auto ec = jose().generate(oidc::Alg::es256, "bench-es256", from_unix(1'800'000'000));
    return alg == oidc::Alg::rs256 ? rsa : ec;
}

void Sign(benchmark::State& state, oidc::Alg alg) {
    const auto& k = key(alg);
    benchmark::DoNotOptimize(jose().sign(k, kClaims));  // the key opened once, as a server keeps it
    for (auto _ : state) benchmark::DoNotOptimize(jose().sign(k, kClaims));
    state.SetItemsProcessed(state.iterations());
    state.SetLabel(std::to_string(jose().sign(k, kClaims).size()) + " bytes");
}

void Verify(benchmark::State& state, oidc::Alg alg) {
    const auto token = jose().sign(key(alg), kClaims);
    const auto jwks = crypto::Jose::jwks({key(oidc::Alg::rs256), key(oidc::Alg::es256)});
    if (jose().verify(token, jwks) != kClaims) state.SkipWithError("the token does not verify");
    for (auto _ : state) benchmark::DoNotOptimize(jose().verify(token, jwks));
    state.SetItemsProcessed(state.iterations());
}

void Generate(benchmark::State& state, oidc::Alg alg) {
    int n = 0;
    for (auto _ : state)
        benchmark::DoNotOptimize(jose().generate(alg, "k" + std::to_string(n++), from_unix(1'800'000'000)));
    state.SetItemsProcessed(state.iterations());
}

}  // namespace

BENCHMARK_CAPTURE(Sign, RS256, mina::oidc::Alg::rs256)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(Sign, ES256, mina::oidc::Alg::es256)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(Verify, RS256, mina::oidc::Alg::rs256)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(Verify, ES256, mina::oidc::Alg::es256)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(Generate, RS256, mina::oidc::Alg::rs256)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(Generate, ES256, mina::oidc::Alg::es256)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
