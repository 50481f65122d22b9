// Personal identity and coordination numbers (issue [6] §1): the rules and test vectors of
// domain-csn.md §3, every form a person or a file types, the century rules, '+', coordination
// numbers, check digits and dates that do not exist.
#include "core/common/personnummer.hpp"

#include <gtest/gtest.h>

namespace mina::pnr {
namespace {

const Date kToday = Date::from_ymd(2026, 11, 29).value();

Number valid(std::string_view text, Date today = kToday) {
    auto r = parse(text, today);
    EXPECT_TRUE(std::holds_alternative<Number>(r)) << text << " refused: " << static_cast<int>(std::get<Problem>(r));
    return std::holds_alternative<Number>(r) ? std::get<Number>(r) : Number{};
}

Problem refused(std::string_view text, Date today = kToday) {
    auto r = parse(text, today);
    EXPECT_TRUE(std::holds_alternative<Problem>(r)) << text << " accepted as " << std::get<Number>(r).canonical;
    return std::holds_alternative<Problem>(r) ? std::get<Problem>(r) : Problem::empty;
}

TEST(Personnummer, TheResearchTestVectors) {
    for (const char* form : {"821105-9954", "198211059954", "19821105-9954", "8211059954", "  821105-9954 "}) {
        const auto n = valid(form);
        EXPECT_EQ(n.canonical, "198211059954") << form;
        EXPECT_EQ(n.kind, Kind::personnummer);
        EXPECT_EQ(to_string(n.date), "1982-11-05");
    }
    EXPECT_EQ(valid("090527+1474").canonical, "190905271474");
    EXPECT_EQ(valid("19090527+1474").canonical, "190905271474");
    EXPECT_EQ(valid("791221+9990").canonical, "187912219990");
    EXPECT_EQ(valid("187912219990").canonical, "187912219990");
    const auto samordning = valid("701063-2391");
    EXPECT_EQ(samordning.kind, Kind::samordningsnummer);
    EXPECT_EQ(samordning.canonical, "197010632391") << "stored as written: the day + 60";
    EXPECT_EQ(to_string(samordning.date), "1970-10-03");
    EXPECT_EQ(valid("570574-9959").kind, Kind::samordningsnummer);
    EXPECT_EQ(refused("150916-0006"), Problem::birth_number_000) << "although the check digit is right";
    EXPECT_EQ(refused("870704-9996"), Problem::check_digit);
    EXPECT_EQ(refused("390182-9913"), Problem::check_digit);
    EXPECT_EQ(refused("090527 1474"), Problem::bad_shape);
}

TEST(Personnummer, TheCheckDigitIsLuhnOverNineDigits) {
    EXPECT_EQ(check_digit("821105995"), 4);
    EXPECT_EQ(check_digit("701063239"), 1);
    // Every last digit but the right one is refused.
    for (char c = '0'; c <= '9'; ++c) {
        const std::string text = std::string("821105-995") + c;
        if (c == '4') EXPECT_TRUE(std::holds_alternative<Number>(parse(text, kToday)));
        else EXPECT_EQ(refused(text), Problem::check_digit) << text;
    }
}

TEST(Personnummer, TheCenturyOfATenDigitNumber) {
    // Without '+': the latest year with those two digits that is not after this year.
    EXPECT_EQ(valid("0001010024").date.year(), 2000);  // 000101-0024
    EXPECT_EQ(valid("260101-0024", kToday).date.year(), 2026);
    EXPECT_EQ(valid("270101-0023").date.year(), 1927) << "2027 is ahead of today: the century before";
    // With '+': a hundred years earlier.
    EXPECT_EQ(valid("260101+0024").date.year(), 1926);
    EXPECT_EQ(valid("270101+0023").date.year(), 1827);
    // A 12-digit number says its century; its separator changes nothing.
    EXPECT_EQ(valid("19260101+0024").date.year(), 1926);
    EXPECT_EQ(valid("20000101-0024").date.year(), 2000);
    EXPECT_EQ(refused("17991231-0000"), Problem::bad_century);
    EXPECT_EQ(refused("21000101-0008"), Problem::bad_century);
}

TEST(Personnummer, DatesThatDoNotExistOrHaveNotBeen) {
    EXPECT_EQ(refused("821305-9950"), Problem::bad_month);
    EXPECT_EQ(refused("820005-9951"), Problem::bad_month);
    EXPECT_EQ(refused("820230-9958"), Problem::bad_day) << "30 February";
    EXPECT_EQ(refused("820100-9958"), Problem::bad_day);
    EXPECT_EQ(refused("820132-9957"), Problem::bad_day);
    EXPECT_EQ(refused("820160-9957"), Problem::bad_day) << "neither a day nor a day + 60";
    EXPECT_EQ(refused("820192-9951"), Problem::bad_day);
    EXPECT_EQ(valid("000229-0021").date.year(), 2000) << "a leap day";
    EXPECT_EQ(refused("19000229-0002"), Problem::bad_day) << "1900 was no leap year";
    EXPECT_EQ(valid("820189-9955").kind, Kind::samordningsnummer) << "the 29th + 60";
    EXPECT_EQ(refused("20261130-0027"), Problem::in_the_future);
    EXPECT_EQ(valid("20261129-0020").date, kToday) << "born today";
}

TEST(Personnummer, ShapesThatAreNotNumbers) {
    EXPECT_EQ(refused(""), Problem::empty);
    EXPECT_EQ(refused("   "), Problem::empty);
    for (const char* text :
         {"821105-995", "82110599544", "1982110599544", "821105--9954", "821105_9954", "8211O5-9954", "821105-99S4",
          "821105-T954", "+8211059954", "821105-9954-", "19821105 9954", "١٩٨٢١١٠٥٩٩٥٤"})
        EXPECT_EQ(refused(text), Problem::bad_shape) << text;
}

TEST(Personnummer, ShownAndMasked) {
    const auto n = valid("198211059954");
    EXPECT_EQ(display(n, kToday), "821105-9954");
    EXPECT_EQ(masked(n, kToday), "821105-****");
    const auto old = valid("19260101-0024");
    EXPECT_EQ(display(old, kToday), "260101+0024") << "turned 100 this year";
    EXPECT_EQ(display(old, Date::from_ymd(2025, 12, 31).value()), "260101-0024");
    EXPECT_EQ(display(valid("701063-2391"), kToday), "701063-2391");
}

}  // namespace
}  // namespace mina::pnr
