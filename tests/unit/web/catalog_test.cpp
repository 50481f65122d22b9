#include <gtest/gtest.h>

#include <stdexcept>

#include "web/views.hpp"

namespace mina::web {
namespace {

TEST(Catalog, ReadsKeysAndStringsWithTomlEscapes) {
    const auto cat = parse_catalog("t.toml",
                                   "# a comment\n"
                                   "greeting = \"Hej {name}!\"\n"
                                   "\n"
                                   "  indented = \"x\"\n"
                                   "quote = \"ett citattecken (\\\") och \\\\\"\n"
                                   "lines = \"Med vänliga hälsningar\\n{agency}\"\n"
                                   "mail_kind_otp-first = \"ett bindestreck i nyckeln\"\n");
    EXPECT_EQ(cat.size(), 5U);
    EXPECT_EQ(cat.at("greeting"), "Hej {name}!");
    EXPECT_EQ(cat.at("indented"), "x");
    EXPECT_EQ(cat.at("quote"), "ett citattecken (\") och \\");
    EXPECT_EQ(cat.at("lines"), "Med vänliga hälsningar\n{agency}");
    EXPECT_EQ(cat.at("mail_kind_otp-first"), "ett bindestreck i nyckeln");
}

TEST(Catalog, ALanguageIsItsFileAndItsParts) {
    const auto cats = read_catalogs({{"sv.toml", "a = \"ett\"\n"},
                                     {"sv.help.toml", "b = \"två\"\n"},
                                     {"en.toml", "a = \"one\"\n"},
                                     {"en.help.toml", "b = \"two\"\n"}});
    ASSERT_EQ(cats.size(), 2U);
    EXPECT_EQ(cats.at("sv").at("a"), "ett");
    EXPECT_EQ(cats.at("sv").at("b"), "två");
    EXPECT_EQ(cats.at("en").at("b"), "two");
    try {
        (void)read_catalogs({{"sv.toml", "a = \"ett\"\n"}, {"sv.help.toml", "a = \"igen\"\n"}});
        FAIL() << "a key in two files of a language";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "catalog sv.help.toml: a is also in another sv file");
    }
}

TEST(Catalog, ReadsMultiLineAndLiteralStrings) {
    const auto cat = parse_catalog("t.toml",
                                   "long = \"\"\"\n"
                                   "Första raden\n"
                                   "andra raden\"\"\"\n"
                                   "joined = \"\"\"\\\n"
                                   "   ett \\\n"
                                   "   två\"\"\"\n"
                                   "raw = 'C:\\mina\\{x}'\n");
    EXPECT_EQ(cat.at("long"), "Första raden\nandra raden");  // the first line break is dropped
    EXPECT_EQ(cat.at("joined"), "ett två");                  // a line-ending backslash joins
    EXPECT_EQ(cat.at("raw"), "C:\\mina\\{x}");
}

TEST(Catalog, RefusesWhatIsNotATableOfStringsAndNamesTheLine) {
    try {
        (void)parse_catalog("sv.toml", "a = \"x\"\nb = \"not closed\n");
        FAIL() << "no error";
    } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()).rfind("sv.toml:2: ", 0), 0U) << e.what();
    }
    EXPECT_THROW((void)parse_catalog("sv.toml", "a = \"x\"\na = \"y\"\n"), std::runtime_error);  // twice
    EXPECT_THROW((void)parse_catalog("sv.toml", "a = \"\\q\"\n"), std::runtime_error);           // no such escape
    try {
        (void)parse_catalog("en.toml", "a = \"x\"\ncount = 3\n");
        FAIL() << "no error";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "en.toml:2: count is not a string");
    }
    EXPECT_THROW((void)parse_catalog("en.toml", "[section]\na = \"x\"\n"), std::runtime_error);
}

TEST(Catalog, TheShippedCatalogsKeepTheirEscapes) {
    const Views v;
    EXPECT_EQ(v.t("sv", "mail_signature", {{"agency", "Skolverket"}}), "Med vänliga hälsningar\nSkolverket");
    EXPECT_NE(v.t("sv", "idm_import_unreadable").find("citattecken (\") saknar"), std::string::npos);
}

}  // namespace
}  // namespace mina::web
