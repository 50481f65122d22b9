#include "core/oidc/ports.hpp"

#include "core/common/names.hpp"

namespace mina::oidc {

namespace {

constexpr names::Table<Alg, 2> kAlgs{{{Alg::rs256, "RS256"}, {Alg::es256, "ES256"}}};

}  // namespace

std::string_view alg_name(Alg a) { return names::name_of(kAlgs, a); }
std::optional<Alg> alg_from(std::string_view name) { return names::lookup(kAlgs, name); }

}  // namespace mina::oidc
