#include <gtest/gtest.h>

#include "core/common/fingerprint.hpp"

namespace mina {
namespace {

// FNV-1a 64 as its authors publish it (offset basis 14695981039346656037, prime 1099511628211):
// a plan fingerprint had a mistyped basis (one digit short) before there was one copy.
TEST(Fingerprint, IsFnv1a64WithItsPublishedParameters) {
    EXPECT_EQ(Fingerprint::kOffsetBasis, 14695981039346656037ULL);
    EXPECT_EQ(Fingerprint::kOffsetBasis, 0xcbf29ce484222325ULL);
    EXPECT_EQ(Fingerprint::kPrime, 1099511628211ULL);
    EXPECT_EQ(Fingerprint::fnv1a(""), 0xcbf29ce484222325ULL);
    EXPECT_EQ(Fingerprint::fnv1a("a"), 0xaf63dc4c8601ec8cULL);
    EXPECT_EQ(Fingerprint::fnv1a("foobar"), 0x85944171f73967e8ULL);
    EXPECT_EQ(Fingerprint{}.value(), Fingerprint::kOffsetBasis);
}

TEST(Fingerprint, EachPartEndsInASeparator) {
    Fingerprint fp;
    fp.add("a");
    EXPECT_EQ(fp.value(), Fingerprint::fnv1a("a\xFF"));
    EXPECT_EQ(Fingerprint{}.add("ab").add("c").hex(), Fingerprint{}.add("ab").add("c").hex());
    EXPECT_NE(Fingerprint{}.add("ab").add("c").hex(), Fingerprint{}.add("a").add("bc").hex());
    EXPECT_NE(Fingerprint{}.add("a").hex(), Fingerprint{}.add("a").add("").hex());
}

TEST(Fingerprint, ANumberCountsAsItsDigits) {
    EXPECT_EQ(Fingerprint{}.add(std::int64_t{-42}).hex(), Fingerprint{}.add("-42").hex());
}

TEST(Fingerprint, HexIsSixteenLowerCaseDigits) {
    EXPECT_EQ(Fingerprint{}.hex(), "cbf29ce484222325");
    const std::string h = Fingerprint{}.add("plan").hex();
    EXPECT_EQ(h.size(), 16U);
    EXPECT_EQ(h.find_first_not_of("0123456789abcdef"), std::string::npos);
}

}  // namespace
}  // namespace mina
