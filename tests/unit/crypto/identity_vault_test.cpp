// Personal identity numbers at rest (issue [6] §1): sealed so that a copy of the database shows
// nothing, found by a keyed hash, and only with the right key.
#include "crypto/identity_vault.hpp"

#include <gtest/gtest.h>

#include "crypto/sodium.hpp"

namespace mina::crypto {
namespace {

IdentityVault vault(const std::string& key) {
    init();
    auto v = IdentityVault::from_hex(key);
    EXPECT_TRUE(v.has_value());
    return v.value_or(*IdentityVault::from_hex(std::string(64, '0')));
}

TEST(IdentityVault, SealsSoThatEqualNumbersLookDifferentAndOpensOnlyWithItsKey) {
    const auto key = IdentityVault::new_key_hex();
    ASSERT_EQ(key.size(), 64u);
    const auto v = vault(key);
    const auto a = v.seal("198211059954");
    const auto b = v.seal("198211059954");
    EXPECT_NE(a, b) << "a random nonce each time";
    EXPECT_EQ(a.find("198211059954"), std::string::npos);
    EXPECT_EQ(v.open(a), "198211059954");
    EXPECT_EQ(v.open(b), "198211059954");
    const auto other = vault(IdentityVault::new_key_hex());
    EXPECT_FALSE(other.open(a).has_value()) << "another key opens nothing";
    std::string changed = a;
    changed.back() = changed.back() == '0' ? '1' : '0';
    EXPECT_FALSE(v.open(changed).has_value()) << "a changed seal opens nothing";
    EXPECT_FALSE(v.open("zz").has_value());
    EXPECT_FALSE(v.open("").has_value());
}

TEST(IdentityVault, TheLookupHashFindsExactlyOneNumberWithOneKey) {
    const auto key = IdentityVault::new_key_hex();
    const auto v = vault(key);
    EXPECT_EQ(v.lookup_hash("198211059954"), vault(key).lookup_hash("198211059954")) << "the same with the same key";
    EXPECT_NE(v.lookup_hash("198211059954"), v.lookup_hash("198211059955"));
    EXPECT_NE(v.lookup_hash("198211059954"), vault(IdentityVault::new_key_hex()).lookup_hash("198211059954"));
    EXPECT_EQ(v.lookup_hash("198211059954").size(), 64u);
}

// Issue [7] §15: what the audit log keeps of a username that matches no account.
TEST(IdentityVault, APseudonymIsShortKeyedAndTheSameForTheSameText) {
    const auto key = IdentityVault::new_key_hex();
    const auto v = vault(key);
    const std::string typed = "hemligt-lösen-2026!";
    const auto name = v.pseudonym(typed);
    ASSERT_EQ(name.size(), 16u);
    EXPECT_EQ(name.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_EQ(vault(key).pseudonym(typed), name) << "repeated tries of one text show as one name";
    EXPECT_NE(v.pseudonym("hemligt-lösen-2027!"), name);
    EXPECT_NE(vault(IdentityVault::new_key_hex()).pseudonym(typed), name) << "keyed: another key, another name";
    EXPECT_NE(v.lookup_hash(typed).substr(0, 16), name) << "a key of its own, not the personal numbers' key";
    EXPECT_EQ(v.pseudonym("").size(), 16u);
}

TEST(IdentityVault, TheKeyIsSixtyFourHexDigits) {
    init();
    EXPECT_FALSE(IdentityVault::from_hex("").has_value());
    EXPECT_FALSE(IdentityVault::from_hex(std::string(63, 'a')).has_value());
    EXPECT_FALSE(IdentityVault::from_hex(std::string(66, 'a')).has_value());
    EXPECT_FALSE(IdentityVault::from_hex(std::string(63, 'a') + "g").has_value());
    EXPECT_TRUE(IdentityVault::from_hex(std::string(64, 'A')).has_value());
}

}  // namespace
}  // namespace mina::crypto
