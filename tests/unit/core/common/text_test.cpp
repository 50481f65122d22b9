#include <gtest/gtest.h>

#include <string>

#include "core/common/text.hpp"

namespace mina::text {
namespace {

TEST(Text, IsUtf8TakesWellFormedTextAndControlCharacters) {
    EXPECT_TRUE(is_utf8(""));
    EXPECT_TRUE(is_utf8("Åsa Öberg, Malmö"));
    EXPECT_TRUE(is_utf8("\xE2\x82\xAC"));              // € (three bytes)
    EXPECT_TRUE(is_utf8("\xF0\x9F\x98\x80"));          // U+1F600 (four bytes)
    EXPECT_TRUE(is_utf8("\xF4\x8F\xBF\xBF"));          // U+10FFFF, the last
    EXPECT_TRUE(is_utf8(std::string("a\0b\r\n", 5)));  // control characters are UTF-8 too
}

TEST(Text, IsUtf8RefusesWhatRfc3629Forbids) {
    EXPECT_FALSE(is_utf8("\xC0\xAF"));              // overlong '/'
    EXPECT_FALSE(is_utf8("\xE0\x80\xAF"));          // overlong, three bytes
    EXPECT_FALSE(is_utf8("\xF0\x80\x80\xAF"));      // overlong, four bytes
    EXPECT_FALSE(is_utf8("\xED\xA0\x80"));          // a surrogate (U+D800)
    EXPECT_FALSE(is_utf8("\xF4\x90\x80\x80"));      // above U+10FFFF
    EXPECT_FALSE(is_utf8("\x80"));                  // a continuation byte first
    EXPECT_FALSE(is_utf8("\xC3"));                  // cut short
    EXPECT_FALSE(is_utf8("\xE2\x82"));              // cut short
    EXPECT_FALSE(is_utf8("\xC3\x28"));              // not a continuation byte
    EXPECT_FALSE(is_utf8("\xF8\x88\x80\x80\x80"));  // five bytes
    EXPECT_FALSE(is_utf8("Malm\xF6"));              // Latin-1
}

TEST(Text, HasControlCharsSeesC0AndDelButWhatIsAllowed) {
    EXPECT_FALSE(has_control_chars("Åsa Öberg"));
    EXPECT_TRUE(has_control_chars("a\tb"));
    EXPECT_TRUE(has_control_chars("a\x7F"));
    EXPECT_TRUE(has_control_chars(std::string("a\0", 2)));
    EXPECT_FALSE(has_control_chars("a\tb\r\n", "\t\r\n"));
    EXPECT_TRUE(has_control_chars("a\tb\x1B", "\t\r\n"));
}

TEST(Text, LowerAsciiLowersOnlyAToZ) {
    EXPECT_EQ(lower_ascii("Anna.SVENSSON@Skola.SE"), "anna.svensson@skola.se");
    EXPECT_EQ(lower_ascii("ÅSA Ö"), "Åsa Ö");  // UTF-8 bytes as they are
    EXPECT_EQ(lower_ascii("[@`{"), "[@`{");    // the neighbours of A–Z and a–z
    EXPECT_EQ(lower_ascii(""), "");
}

TEST(Text, TrimTakesBlanksFromBothEnds) {
    EXPECT_EQ(trim("  a b \t"), "a b");
    EXPECT_EQ(trim(" \t "), "");
    EXPECT_EQ(trim(""), "");
    EXPECT_EQ(trim("\r\na\r\n"), "\r\na\r\n");  // by default spaces and tabs only
    EXPECT_EQ(trim("\r\n a \r\n", " \t\r\n"), "a");
    EXPECT_EQ(trim_view("  x  "), "x");
}

}  // namespace
}  // namespace mina::text
