#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

#include "web/http.hpp"
#include "web/views.hpp"

namespace mina::web {
namespace {

TEST(Form, DecodesPercentAndPlus) {
    auto f = Form::parse("username=ba1021&password=r%C3%A4tt+l%C3%B6sen%26ord");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->get("username"), "ba1021");
    EXPECT_EQ(f->get("password"), "rätt lösen&ord");
    EXPECT_EQ(f->get("missing"), "");
}

TEST(Form, RefusesInvalidUtf8AndControlCharacters) {
    EXPECT_FALSE(Form::parse("username=%C3%28"));
    EXPECT_FALSE(Form::parse("username=%ED%A0%80"));  // a UTF-16 surrogate
    EXPECT_FALSE(Form::parse("username=a%00b"));
    EXPECT_FALSE(Form::parse("username=%zz"));
}

// Found by fuzz/form.cpp: Boost.URL 1.81's parse_query reads its argument up to a NUL. The text here
// ends where readable memory ends, so reading one byte past it is a crash even without ASan.
TEST(Form, ReadsNoFurtherThanTheTextItIsGiven) {
    const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    void* mem = mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(mem, MAP_FAILED);
    auto* bytes = static_cast<char*>(mem);
    ASSERT_EQ(mprotect(bytes + page, page, PROT_NONE), 0);
    constexpr std::string_view kText = "a=1&b=%C3%A5";
    char* at = bytes + page - kText.size();
    std::memcpy(at, kText.data(), kText.size());
    const auto f = Form::parse(std::string_view(at, kText.size()));
    ASSERT_TRUE(f);
    EXPECT_EQ(f->get("b"), "å");
    munmap(mem, 2 * page);
}

TEST(Utf8, AcceptsSwedishAndRejectsOverlongForms) {
    EXPECT_TRUE(valid_utf8("Åsa Öberg, Malmö"));
    EXPECT_FALSE(valid_utf8("\xC0\xAF"));
    EXPECT_FALSE(valid_utf8("\xF4\x90\x80\x80"));
}

TEST(Cookies, ParsesTheCookieHeader) {
    Request r;
    r.headers = {{"cookie", "a=1; mina_session=abc; b=2"}};
    EXPECT_EQ(r.cookie("mina_session"), "abc");
    EXPECT_EQ(r.cookie("c"), "");
    EXPECT_EQ(cookie_header("x", "y", true), "x=y; Path=/; SameSite=Lax; HttpOnly; Secure");
}

TEST(Language, SwedishByDefaultEnglishOnRequest) {
    Request r;
    EXPECT_EQ(pick_language(r, ""), "sv");
    r.headers = {{"accept-language", "en-GB,en;q=0.9,sv;q=0.8"}};
    EXPECT_EQ(pick_language(r, ""), "en");
    EXPECT_EQ(pick_language(r, "sv"), "sv") << "the choice in Anpassa wins";
    r.headers = {{"accept-language", "de-DE, fr"}};
    EXPECT_EQ(pick_language(r, ""), "sv");
}

TEST(Views, CatalogsAreCompleteAndPagesEscape) {
    Views v;  // throws if sv and en lack each other's keys
    EXPECT_EQ(v.t("sv", "login_button"), "Logga in");
    EXPECT_EQ(v.t("en", "login_button"), "Log in");
    Data d{Data::type::object};
    d.set("heading", "<script>alert(1)</script>");
    const std::string html = v.page("message", "sv", d);
    EXPECT_EQ(html.find("<script>alert"), std::string::npos);
    EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
}

// The catalog's words are written into each language's templates once (Views::translated); a
// page must read exactly as if each {{t.key}} were looked up and escaped when it is rendered.
TEST(Views, TheCatalogsWordsAreWrittenInEscapedAndInTheirLanguage) {
    Views v;
    Data d{Data::type::object};
    d.set("no_services", true);
    const std::string en = v.page("start", "en", d);
    EXPECT_NE(en.find("<p>You have no permission for any service at this school. Contact the school&apos;s permission "
                      "administrator if you need one.</p>"),
              std::string::npos)
        << "escaped as the renderer escapes a variable";
    EXPECT_EQ(en.find("{{"), std::string::npos);
    const std::string sv = v.page("start", "sv", d);
    EXPECT_NE(sv.find("<p>" + v.t("sv", "start_no_services") + "</p>"), std::string::npos) << "each language its own";
    EXPECT_EQ(v.page("start", "en", d), en) << "the same page twice";
    EXPECT_NE(v.page("start", "de", d).find(v.t("sv", "start_no_services")), std::string::npos)
        << "an unknown language reads Swedish";
}

}  // namespace
}  // namespace mina::web

namespace mina::web {
namespace {

TEST(Multipart, ReadsFieldsAndFiles) {
    const std::string body =
        "--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntoken\r\n"
        "--XyZ\r\nContent-Disposition: form-data; name=\"fil\"; filename=\"personer.csv\"\r\n"
        "Content-Type: text/csv\r\n\r\na;b\r\n--c;d\r\n\r\n"
        "--XyZ--\r\n";
    auto m = parse_multipart("multipart/form-data; boundary=XyZ", body);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->fields.get("csrf"), "token");
    ASSERT_EQ(m->files.count("fil"), 1u);
    EXPECT_EQ(m->files["fil"].filename, "personer.csv");
    EXPECT_EQ(m->files["fil"].data, "a;b\r\n--c;d\r\n") << "a line like the boundary is data unless it is the boundary";
    auto quoted = parse_multipart("Multipart/Form-Data; boundary=\"XyZ\"", body);
    ASSERT_TRUE(quoted);
    EXPECT_EQ(quoted->fields.get("csrf"), "token");
}

TEST(Multipart, RefusesWhatIsNotAWholeMultipartBody) {
    const std::string body = "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--XyZ--\r\n";
    EXPECT_FALSE(parse_multipart("application/x-www-form-urlencoded", body));
    EXPECT_FALSE(parse_multipart("multipart/form-data", body)) << "no boundary";
    EXPECT_FALSE(parse_multipart("multipart/form-data; boundary=Other", body));
    EXPECT_FALSE(parse_multipart("multipart/form-data; boundary=XyZ", body.substr(0, 40))) << "cut short";
    EXPECT_FALSE(parse_multipart("multipart/form-data; boundary=XyZ",
                                 "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\xC3\x28\r\n--XyZ--"))
        << "a text field that is not UTF-8";
    EXPECT_FALSE(parse_multipart("multipart/form-data; boundary=XyZ", "--XyZ\r\nX-Other: 1\r\n\r\nx\r\n--XyZ--"))
        << "a part without a name";
}

}  // namespace
}  // namespace mina::web
