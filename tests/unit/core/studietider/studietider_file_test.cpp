// The school's file and the public search words of Studietider och utbildningar (issue [5] §4–§5):
// pure functions, without a store.
#include <gtest/gtest.h>

#include "core/studietider/file.hpp"
#include "core/studietider/public_search.hpp"
#include "core/studietider/rules.hpp"

namespace mina::studietider {
namespace {

using Words = std::vector<std::string>;

Date day(std::string_view text) { return parse_date(text).value(); }
const Date kToday = day("2026-09-01");
constexpr const char* kHeader =
    "Utbildningskod;Utbildningens namn;Nivå;Poängtyp;Omfattning;Distans;Uppdragsutbildning;Studietid;Första dag;"
    "Sista dag;Poäng;Studietakt;Lov;Status\n";

file::Plan plan_of(const std::string& text, const file::Current& now = {}) {
    auto p = file::plan(text, now, kToday);
    EXPECT_TRUE(std::holds_alternative<file::Plan>(p));
    return std::holds_alternative<file::Plan>(p) ? std::get<file::Plan>(p) : file::Plan{};
}

TEST(SearchWords, LowerCaseFoldedAndSplitAtEverythingElse) {
    EXPECT_EQ(search_words("Malmö universitet"), (Words{"malmo", "universitet"}));
    EXPECT_EQ(search_words("ÅÄÖ åäö ÉÜ æ ß"), (Words{"aao", "eu", "ae", "ss"}));  // each word once
    EXPECT_EQ(search_words("SJK-2026/HT"), (Words{"sjk", "2026", "ht"}));
    EXPECT_EQ(search_words("Ekonomi – grund, 7,5 hp"), (Words{"ekonomi", "grund", "7", "5", "hp"}));
    EXPECT_EQ(search_words("a×b"), (Words{"a", "b"}));
    EXPECT_EQ(search_words("  "), Words{});
    EXPECT_EQ(search_words("Łódź"), (Words{"Łodź"}));  // outside Latin-1: kept as it is, case and all
}

TEST(SearchWords, BytesThatAreNotUtf8SeparateWords) {
    EXPECT_EQ(search_words("ab\xC3"
                           "cd"),
              (Words{"ab", "cd"}));  // a lead byte without its continuation
    EXPECT_EQ(search_words("ab\x80"
                           "cd"),
              (Words{"ab", "cd"}));
    EXPECT_EQ(search_words("ab\xE2\x82"), (Words{"ab"}));  // cut short at the end
}

TEST(SearchWords, LongWordsAreCutAtACharacterBoundary) {
    const std::string long_word = std::string(39, 'a') + "ö";  // folded: 40 bytes, the most a word keeps
    EXPECT_EQ(search_words(long_word), (Words{std::string(39, 'a') + "o"}));
    const std::string polish = std::string(39, 'a') + "\xC5\x82";  // ł is not folded: 41 bytes, cut before it
    EXPECT_EQ(search_words(polish), (Words{std::string(39, 'a')}));
}

TEST(SearchWords, IndexWordsAreSortedAndUnique) {
    EXPECT_EQ(index_words("DEMO1", "Demoskolan", "SJK-1", "Sjuksköterska, Demo"),
              (Words{"1", "demo", "demo1", "demoskolan", "sjk", "sjukskoterska"}));
}

TEST(SearchWords, APrefixRangeHoldsEveryLongerWord) {
    const std::string end = prefix_end("sjuk");
    for (const char* w : {"sjuk", "sjukskoterska", "sjukz", "sjuk\xC5\x82"}) {
        EXPECT_LE(std::string("sjuk"), w);
        EXPECT_LT(std::string(w), end) << w;
    }
    EXPECT_GE(std::string("sjul"), end);
}

TEST(SchoolFile, PlansEveryRowAndWritesWhatItReads) {
    const auto plan = plan_of(std::string(kHeader) +
                              "A1;Ett;eftergymnasial;hp;30;nej;nej;HT2026;2026-08-31;2027-01-17;30;;;publicerad\n"
                              "A1;Ett;eftergymnasial;hp;30;nej;nej;VT2027;2027-01-18;2027-06-06;30;;;\n"
                              "B1;Två;gymnasieniva;ingen;;ja;nej;;;;;;;\n");
    ASSERT_EQ(plan.rows.size(), 3u);
    EXPECT_TRUE(plan.savable());
    EXPECT_TRUE(plan.rows[0].education_added && plan.rows[0].period_added && plan.rows[0].period_published);
    EXPECT_FALSE(plan.rows[1].education_added);
    EXPECT_TRUE(plan.rows[1].period_added && !plan.rows[1].period_published);
    EXPECT_FALSE(plan.rows[2].period.has_value());
    EXPECT_EQ(plan.count(file::RowFate::added), 3);
    EXPECT_EQ(plan.rows[2].education.unit, CreditUnit::none);
    EXPECT_TRUE(plan.rows[2].education.distance);
}

file::Current saved_state() {
    file::Current now;
    Education e;
    e.id = 7;
    e.school = SchoolCode{"S1"};
    e.code = "A1";
    e.name = "Ett";
    e.total_credits = Credits{3000};
    now.educations.push_back(e);
    StudyPeriod p;
    p.id = 70;
    p.education = 7;
    p.input = {"HT2026", day("2026-08-31"), day("2027-01-17"), Credits{3000}, std::nullopt, {}};
    p.published_version = 1;
    p.changed = false;
    now.periods.push_back(p);
    return now;
}

TEST(SchoolFile, WhatIsWrittenReadsBackUnchanged) {
    const auto now = saved_state();
    const std::string text = file::write(now);
    EXPECT_EQ(text.substr(0, 3), "\xEF\xBB\xBF");
    EXPECT_NE(text.find("\r\nA1;Ett;eftergymnasial;hp;30;nej;nej;HT2026;2026-08-31;2027-01-17;30;;;publicerad\r\n"),
              std::string::npos)
        << text;
    const auto plan = plan_of(text.substr(3), now);
    ASSERT_EQ(plan.rows.size(), 1u);
    EXPECT_EQ(plan.rows[0].fate, file::RowFate::unchanged);
    EXPECT_FALSE(plan.savable());
}

TEST(SchoolFile, TheFingerprintChangesWithTheSavedState) {
    auto now = saved_state();
    const std::string text = file::write(now).substr(3);
    const auto before = plan_of(text, now).fingerprint;
    EXPECT_EQ(plan_of(text, now).fingerprint, before);
    now.periods[0].updated_at = now.periods[0].updated_at + std::chrono::seconds(1);
    EXPECT_NE(plan_of(text, now).fingerprint, before);
}

TEST(SchoolFile, AChangedPublishedPeriodIsChangedAndPublishedAgain) {
    const auto now = saved_state();
    const auto plan = plan_of(
        std::string(kHeader) + "A1;Ett;eftergymnasial;hp;30;nej;nej;HT2026;2026-08-31;2027-01-17;15;;;publicerad\n",
        now);
    ASSERT_EQ(plan.rows.size(), 1u);
    EXPECT_EQ(plan.rows[0].fate, file::RowFate::changed);
    EXPECT_TRUE(plan.rows[0].period_changed && plan.rows[0].period_published);
    EXPECT_EQ(plan.rows[0].period_id, 70);
}

TEST(SchoolFile, RefusesWhatCannotBeRead) {
    const auto missing = file::plan("Kod;Namn\nA;B\n", {}, kToday);
    ASSERT_TRUE(std::holds_alternative<file::FileRefused>(missing));
    EXPECT_EQ(std::get<file::FileRefused>(missing).missing,
              (std::vector<file::Column>{file::Column::level, file::Column::unit, file::Column::total}));
    EXPECT_EQ(std::get<file::FileRefused>(file::plan(kHeader, {}, kToday)).problem, file::FileProblem::empty);
    EXPECT_EQ(std::get<file::FileRefused>(file::plan(std::string(kHeader) + "\"A;B\n", {}, kToday)).problem,
              file::FileProblem::unreadable);
    const auto plan = plan_of(std::string(kHeader) + "A1;Ett;eftergymnasial;hp;30;kanske;nej;;;;;;;\n");
    ASSERT_EQ(plan.rows.size(), 1u);
    ASSERT_EQ(plan.rows[0].issues.size(), 1u);
    EXPECT_EQ(std::get<file::BadValue>(plan.rows[0].issues[0]).column, file::Column::distance);
    EXPECT_FALSE(plan.savable());
}

TEST(SchoolFile, ARowWithMoreCreditsThanTheEducationIsRefused) {  // issue [9] item 3
    const auto plan =
        plan_of(std::string(kHeader) +
                "K1;Kurs;gymnasieniva;komvux-poang;100;nej;nej;HT2026;2026-08-31;2027-01-17;400;;;publicerad\n"
                "K1;Kurs;gymnasieniva;komvux-poang;100;nej;nej;VT2027;2027-01-18;2027-06-06;100;;;\n");
    ASSERT_EQ(plan.rows.size(), 2u);
    EXPECT_FALSE(plan.savable());
    EXPECT_EQ(plan.rows[0].fate, file::RowFate::refused);
    ASSERT_EQ(plan.rows[0].issues.size(), 1u);
    const auto* e = std::get_if<PeriodError>(&plan.rows[0].issues[0]);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->problem, PeriodProblem::credits_exceed_total);
    EXPECT_EQ(e->credits, parse_credits("400"));
    EXPECT_EQ(e->total, parse_credits("100"));
    EXPECT_NE(plan.rows[1].fate, file::RowFate::refused);
}

TEST(SchoolFile, AContractEducationsRowsAreMarked) {  // issue [9] item 2
    const auto plan = plan_of(std::string(kHeader) +
                              "U1;Uppdrag;eftergymnasial;hp;30;nej;ja;HT2026;2026-08-31;2027-01-17;30;;;publicerad\n");
    ASSERT_EQ(plan.rows.size(), 1u);
    EXPECT_TRUE(plan.savable());
    EXPECT_EQ(plan.rows[0].marks, std::vector{PeriodMark::contract_education});
}

TEST(SchoolFile, ReadsSpreadsheetSpellings) {
    const auto plan = plan_of(
        "KOD;UTBILDNING;NIVÅ;POÄNGTYP;OMFATTNING;STUDIETID;FÖRSTA DAG;SISTA DAG;POÄNG;STUDIETAKT;LOV\n"
        "'-A;Ett;Eftergymnasial nivå;YH-poäng;1\xC2\xA0"
        "500,5;HT2026;2026-08-31;2027-01-17;100;;2026-12-21 – 2027-01-06\n"
        "B;Två;gymnasienivå;ingen;;HT2026;2026-08-31;2027-01-17;;75 %;\n");
    ASSERT_EQ(plan.rows.size(), 2u);
    EXPECT_TRUE(plan.rows[0].issues.empty());
    EXPECT_EQ(plan.rows[0].education.code, "-A");
    EXPECT_EQ(plan.rows[0].education.level, Level::eftergymnasial);
    EXPECT_EQ(plan.rows[0].education.unit, CreditUnit::yh);
    EXPECT_EQ(plan.rows[0].education.total_credits, Credits{150050});
    ASSERT_EQ(plan.rows[0].period->breaks.size(), 1u);
    EXPECT_EQ(plan.rows[0].period->breaks[0].first, day("2026-12-21"));
    EXPECT_TRUE(plan.rows[1].issues.empty());
    EXPECT_EQ(plan.rows[1].period->pace, Pace::three_quarters);
}

}  // namespace
}  // namespace mina::studietider

namespace mina::studietider {
namespace {

SearchEntry entry(std::int64_t id, std::string school, std::string name, std::vector<std::string> terms = {"HT2026"},
                  std::string code = "") {
    return {id,
            "S" + std::to_string(id % 7),
            std::move(school),
            code.empty() ? "E" + std::to_string(id) : code,
            std::move(name),
            false,
            std::move(terms)};
}

std::vector<std::int64_t> ids(const SearchIndex& index, std::string_view text, std::string_view term = "",
                              std::size_t offset = 0, std::size_t limit = 10) {
    return index.find(search_words(text), term, offset, limit).ids;
}

TEST(SearchIndex, FindsEveryWordByItsBeginningInOrderOfSchoolAndName) {
    SearchIndex index;
    index.put(entry(1, "Malmö universitet", "Sjuksköterskeprogrammet"));
    index.put(entry(2, "Lunds universitet", "Sjuksköterskeprogrammet"));
    index.put(entry(3, "Malmö universitet", "Ekonomi A"));
    index.put(entry(4, "Malmö universitet", "Sjukgymnastik"));
    EXPECT_EQ(ids(index, "sjuk"), (std::vector<std::int64_t>{2, 4, 1}));  // Lunds … then Malmö by name
    EXPECT_EQ(ids(index, "malmo sjuk"), (std::vector<std::int64_t>{4, 1}));
    EXPECT_EQ(ids(index, "MALMÖ SJUKSKÖTERSKE"), (std::vector<std::int64_t>{1}));
    EXPECT_EQ(ids(index, "universitet"), (std::vector<std::int64_t>{2, 3, 4, 1}));
    EXPECT_TRUE(ids(index, "kotersk").empty()) << "from the beginning of a word only";
    EXPECT_TRUE(ids(index, "malmo lund").empty()) << "every word";
    EXPECT_EQ(ids(index, "e3"), (std::vector<std::int64_t>{3})) << "the education's code";
}

TEST(SearchIndex, PagesAndCounts) {
    SearchIndex index;
    for (int i = 1; i <= 25; ++i)
        index.put(entry(i, "Skolan", "Kurs " + std::string(i < 10 ? "0" : "") + std::to_string(i)));
    const auto first = index.find(search_words("kurs"), "", 0, 10);
    EXPECT_EQ(first.hits, 25u);
    EXPECT_TRUE(first.more);
    EXPECT_EQ(first.ids.front(), 1);
    const auto last = index.find(search_words("kurs"), "", 20, 10);
    EXPECT_EQ(last.ids, (std::vector<std::int64_t>{21, 22, 23, 24, 25}));
    EXPECT_FALSE(last.more);
    EXPECT_TRUE(index.find(search_words("kurs"), "", 30, 10).ids.empty());
}

TEST(SearchIndex, TermsWithdrawnAndChangedEducations) {
    SearchIndex index;
    index.put(entry(1, "Skolan", "Ekonomi", {"HT2026", "VT2027"}));
    index.put(entry(2, "Skolan", "Ekonomi B", {"VT2027"}));
    index.put(entry(3, "Skolan", "Ekonomi C", {}));  // nothing published: not found
    EXPECT_EQ(ids(index, "ekonomi"), (std::vector<std::int64_t>{1, 2}));
    EXPECT_EQ(ids(index, "ekonomi", "ht2026"), (std::vector<std::int64_t>{1}));
    EXPECT_EQ(ids(index, "ekonomi", "VT2027"), (std::vector<std::int64_t>{1, 2}));
    EXPECT_TRUE(ids(index, "ekonomi", "HT2031").empty());
    auto renamed = entry(1, "Nya skolan", "Företagsekonomi", {"HT2026"});
    index.put(renamed);
    EXPECT_EQ(ids(index, "ekonomi"), (std::vector<std::int64_t>{2}));
    EXPECT_EQ(ids(index, "foretags"), (std::vector<std::int64_t>{1}));
    EXPECT_EQ(ids(index, "skolan"), (std::vector<std::int64_t>{1, 2})) << "Nya skolan sorts before Skolan";
    renamed.withdrawn = true;
    index.put(renamed);
    EXPECT_TRUE(ids(index, "foretags").empty());
    index.remove(2);
    EXPECT_EQ(index.size(), 0u);
    EXPECT_TRUE(ids(index, "skolan").empty());
    index.put(entry(9, "Sista skolan", "Ekonomi"));  // a freed slot is used again
    EXPECT_EQ(ids(index, "ekonomi"), (std::vector<std::int64_t>{9}));
}

TEST(SearchIndex, EducationsChangedManyTimesAreStillFoundByEveryWord) {
    SearchIndex index;
    for (int round = 0; round < 4; ++round)  // each round replaces every entry: the old words' keys die
        for (int i = 1; i <= 400; ++i)
            index.put(entry(
                i, "Skola " + std::to_string(i % 20),
                "Kurs " + std::string(1, static_cast<char>('a' + round)) + "runda Långaordet" + std::to_string(i)));
    EXPECT_EQ(index.size(), 400u);
    EXPECT_EQ(index.find(search_words("kurs drunda"), "", 0, 10).hits, 400u) << "the last round's names";
    EXPECT_EQ(index.find(search_words("kurs crunda"), "", 0, 10).hits, 0u);
    EXPECT_EQ(index.find(search_words("kurs dr"), "", 0, 10).hits, 400u);
    // A prefix longer than 8 bytes, checked against the words themselves.
    // By school name ("Skola 10" holds 170, …, "Skola 17" holds 17 and 177), ten a page.
    EXPECT_EQ(ids(index, "kurs langaordet17"),
              (std::vector<std::int64_t>{170, 171, 172, 173, 174, 175, 176, 17, 177, 178}));
    // Skola 11 holds 11, 31, 51, …, 391; of them 11 and 111 have a word beginning "langaordet11".
    EXPECT_EQ(ids(index, "skola 11 langaordet11"), (std::vector<std::int64_t>{11, 111}));
}

TEST(SearchIndex, AShortPrefixThatBeginsManyWordsStillNarrows) {
    SearchIndex index;
    for (int i = 1; i <= 300; ++i)
        index.put(entry(i, "Skola " + std::to_string(i), "Engelska " + std::to_string(i % 10), {"HT2026"}));
    const auto page = index.find(search_words("engelska 6"), "HT2026", 0, 100);
    // "6" begins the names' number 6 (30 educations) and the schools' numbers 6 and 60–69 (11, two
    // of them with the name's 6 too).
    EXPECT_EQ(page.hits, 39u);
    for (const auto id : page.ids) EXPECT_TRUE(id % 10 == 6 || std::to_string(id).starts_with("6")) << id;
}

}  // namespace
}  // namespace mina::studietider
