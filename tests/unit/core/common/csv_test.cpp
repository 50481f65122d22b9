#include "core/common/csv.hpp"

#include <gtest/gtest.h>

namespace mina::csv {
namespace {

Table read(std::string_view text) {
    auto parsed = parse(text);
    EXPECT_TRUE(std::holds_alternative<Table>(parsed));
    return std::get<Table>(parsed);
}

TEST(Csv, FindsTheDelimiterFromTheFirstLine) {
    EXPECT_EQ(read("a;b;c\n1;2;3\n").delimiter, ';');
    EXPECT_EQ(read("a,b,c\n1,2,3\n").delimiter, ',');
    EXPECT_EQ(read("a\tb\tc\n").delimiter, '\t');
    // A comma inside a quoted field does not count.
    EXPECT_EQ(read("\"Ek, Kalle\";b\n").delimiter, ';');
}

TEST(Csv, ReadsQuotedFieldsWithDelimitersQuotesAndLineBreaks) {
    const auto t = read("namn;adress\r\n\"Kalle \"\"KG\"\" Ek\";\"Box 1\nStad; Sverige\"\r\nsist;x");
    ASSERT_EQ(t.rows.size(), 3u);
    EXPECT_EQ(t.rows[1].fields[0], "Kalle \"KG\" Ek");
    EXPECT_EQ(t.rows[1].fields[1], "Box 1\nStad; Sverige");
    EXPECT_EQ(t.rows[1].line, 2);
    EXPECT_EQ(t.rows[2].line, 4) << "the line break inside the quotes counts";
    EXPECT_EQ(t.rows[2].fields[1], "x") << "no line break at the end of the file";
}

TEST(Csv, LeavesOutBlankLinesButKeepsEmptyFields) {
    const auto t = read("a;b\n\n\r\n;\n1;\n");
    ASSERT_EQ(t.rows.size(), 3u);
    EXPECT_EQ(t.rows[1].fields.size(), 2u);
    EXPECT_EQ(t.rows[1].line, 4);
    EXPECT_EQ(t.rows[2].fields[1], "");
}

TEST(Csv, AnUnterminatedQuoteNamesItsLine) {
    auto parsed = parse("a;b\nc;\"open\nd;e\n");
    ASSERT_TRUE(std::holds_alternative<Unreadable>(parsed));
    EXPECT_EQ(std::get<Unreadable>(parsed).line, 2);
}

TEST(Csv, ReadsWindows1252AndDropsTheByteOrderMark) {
    EXPECT_EQ(to_utf8("\xEF\xBB\xBF"
                      "Åsa"),
              "Åsa");
    EXPECT_EQ(to_utf8("\xC5"
                      "sa \xD6"
                      "berg \x80 \x96"),
              "Åsa Öberg € –");
    EXPECT_EQ(to_utf8("Malmö"), "Malmö") << "valid UTF-8 stays as it is";
    EXPECT_TRUE(is_utf8(to_utf8("\x81\xFF")));
}

TEST(Csv, WritesFieldsThatReadBackAndKeepsFormulasText) {
    EXPECT_EQ(field("plain"), "plain");
    EXPECT_EQ(field("a;b"), "\"a;b\"");
    EXPECT_EQ(field("say \"hi\""), "\"say \"\"hi\"\"\"");
    EXPECT_EQ(field("=SUM(A1)"), "\"'=SUM(A1)\"");
    const auto t = read(field("a;\"b\"\nc") + ";" + field("x") + "\n");
    EXPECT_EQ(t.rows[0].fields[0], "a;\"b\"\nc");
}

TEST(Csv, NeutralisesEveryFormulaStartOwaspNames) {
    // = + - @, a TAB and a CR: a quote mark first, the cell quoted.
    EXPECT_EQ(field("+46 70"), "\"'+46 70\"");
    EXPECT_EQ(field("-1"), "\"'-1\"");
    EXPECT_EQ(field("@SUM(A1)"), "\"'@SUM(A1)\"");
    EXPECT_EQ(field("\t=1+1"), "\"'\t=1+1\"");
    EXPECT_EQ(field("\r=1+1"), "\"'\r=1+1\"");
    EXPECT_EQ(field("\t=1+1", '\t'), "\"'\t=1+1\"");
    // The fullwidth ＝ ＋ － ＠ (U+FF1D, U+FF0B, U+FF0D, U+FF20).
    for (const char* f : {"\xEF\xBC\x9D"
                          "1+1",
                          "\xEF\xBC\x8B"
                          "1",
                          "\xEF\xBC\x8D"
                          "1",
                          "\xEF\xBC\xA0"
                          "SUM(A1)"}) {
        EXPECT_TRUE(formula_start(f)) << f;
        EXPECT_EQ(field(f), "\"'" + std::string(f) + "\"") << f;
    }
    // Not formulas: text, the same signs later in the cell, other fullwidth letters.
    for (const char* f : {"", "a=1", "1-2", "x@y.se", "'", "\xEF\xBC\xA1", "\xEF\xBC", " =1"})
        EXPECT_FALSE(formula_start(f)) << f;
    EXPECT_EQ(field("a=1"), "a=1");
    EXPECT_EQ(field("\xEF\xBC\xA1"), "\xEF\xBC\xA1");
    // Written and read back: the cell as it was, without the guard.
    for (const char* f : {"=SUM(A1)", "\t=1", "\r=1",
                          "\xEF\xBC\x9D"
                          "1",
                          "@x", "-"}) {
        const auto t = read(field(f) + ";x\n");
        ASSERT_EQ(t.rows.size(), 1u) << f;
        EXPECT_EQ(without_formula_guard(t.rows[0].fields[0]), f);
    }
    EXPECT_EQ(without_formula_guard("'text"), "'text");
    EXPECT_EQ(without_formula_guard("'"), "'");
}

}  // namespace
}  // namespace mina::csv
