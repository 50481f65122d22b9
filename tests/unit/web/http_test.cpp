#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <optional>
#include <string>
#include <utility>

#include "web/http.hpp"
#include "web/views.hpp"

namespace mina::web {
namespace {

TEST(AccessLog, WritesThePathWithoutQueryAndNoPersonalNumber) {
    EXPECT_EQ(loggable_target("/start"), "/start");
    EXPECT_EQ(loggable_target("/tjanster/studeranderapportering?personnummer=19821105-9954&sida=2"),
              "/tjanster/studeranderapportering?...");
    EXPECT_EQ(loggable_target("/identity-manager/sok?q=anna%40example.se"), "/identity-manager/sok?...");
    EXPECT_EQ(loggable_target("/?"), "/?...");
    // A personal number in the path, in any form, is not written; short numbers (ids, school codes) are.
    for (const char* n : {"198211059954", "8211059954", "821105-9954", "19821105-9954", "821105+9954", "821105%2B9954",
                          "821105%2d9954", "821105%209954", "821105 9954"}) {
        const std::string t = std::string("/x/") + n + "/y";
        EXPECT_EQ(loggable_target(t), "/x/*/y") << n;
        EXPECT_EQ(loggable_target(std::string("/") + n), "/*") << n;
    }
    EXPECT_EQ(loggable_target("/api/v1/schools/12345678/reports"), "/api/v1/schools/12345678/reports");
    EXPECT_EQ(loggable_target("/static/app-2026-12-07.css"), "/static/app-2026-12-07.css");
    EXPECT_EQ(loggable_target("/a/123456789"), "/a/123456789");
    EXPECT_EQ(loggable_target("/a/1-"), "/a/1-");
    EXPECT_EQ(loggable_target("/a/821105--9954"), "/a/821105--9954");
}

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
    EXPECT_NE(
        en.find("<p>You have no permission for any service at this school. Contact the school&apos;s authorization "
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

TEST(ResponseHeaders, RefusesControlCharactersInEveryNameAndValue) {
    EXPECT_TRUE(valid_header_name("Content-Security-Policy"));
    EXPECT_FALSE(valid_header_name(""));
    EXPECT_FALSE(valid_header_name("X-A B"));
    EXPECT_FALSE(valid_header_name("X-A:"));
    EXPECT_FALSE(valid_header_name("X-A\r\nSet-Cookie"));
    EXPECT_TRUE(valid_header_value("/identity-manager/skola?kod=DEMO1&m=ny"));
    EXPECT_TRUE(valid_header_value("a\tb, \xC3\xA5"));  // a tab and obs-text (UTF-8) are allowed
    for (const std::string& bad :
         {std::string("a\rb"), std::string("a\nb"), std::string("a\0b", 3), std::string("a\x7F"), std::string("a\x01")})
        EXPECT_FALSE(valid_header_value(bad)) << "byte " << static_cast<int>(bad[1]);

    Response ok = Response::redirect("/start");
    ok.header("Set-Cookie", "mina_session=x; Path=/");
    EXPECT_FALSE(unsafe_header(ok));
    // What a handler could pass from a form field: the response is not written (the server answers 500).
    Response split = Response::redirect("/identity-manager/skola?kod=X\r\nSet-Cookie: evil=1");
    EXPECT_EQ(unsafe_header(split), std::optional<std::string>("Location"));
    Response bad_name;
    bad_name.header("X-Evil\r\nSet-Cookie", "1");
    EXPECT_EQ(unsafe_header(bad_name), std::optional<std::string>("X-Evil??Set-Cookie"));  // shown without CR/LF
    Response bad_type;
    bad_type.content_type = "text/html\r\nX-Injected: 1";
    EXPECT_EQ(unsafe_header(bad_type), std::optional<std::string>("Content-Type"));
}

TEST(Base64, TheVectorsOfRfc4648) {
    const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                           {"f", "Zg=="},
                                                           {"fo", "Zm8="},
                                                           {"foo", "Zm9v"},
                                                           {"foob", "Zm9vYg=="},
                                                           {"fooba", "Zm9vYmE="},
                                                           {"foobar", "Zm9vYmFy"}};
    for (const auto& [bytes, text] : vectors) {
        EXPECT_EQ(base64_encode(bytes), text) << bytes;
        EXPECT_EQ(base64_decode(text), std::optional<std::string>(bytes)) << text;
    }
}

TEST(Base64, CarriesEveryByteBackAsItWas) {
    // A Windows-1252 file (å ä ö as single bytes), line breaks of both kinds, NUL and 0xFF.
    std::string bytes =
        "namn;ort\r\n\xE5sa \xD6"
        "berg;V\xE4xj\xF6\n";
    for (int b = 0; b < 256; ++b) bytes += static_cast<char>(b);
    const std::string text = base64_encode(bytes);
    EXPECT_EQ(text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="),
              std::string::npos);
    EXPECT_EQ(base64_decode(text), bytes);
}

TEST(Base64, RefusesWhatEncodeNeverWrites) {
    for (const char* bad :
         {"Zg=", "Zm9", "Z===", "====", "Zg==Zg==", "Zm=v", "Zh==", "Zm9=", "Zm8\r\n", "Zm 8", "Zm8_", "Zm8-"})
        EXPECT_EQ(base64_decode(bad), std::nullopt) << bad;
}

TEST(UrlEncode, LeavesNoControlCharacterForALocation) {
    EXPECT_EQ(url_encode("DEMO1\r\nSet-Cookie: a=b"), "DEMO1%0D%0ASet-Cookie%3A%20a%3Db");
    EXPECT_TRUE(valid_header_value("/x?kod=" + url_encode(std::string("\0\r\n\x7F", 4))));
}

TEST(UrlEncode, KeepsTheUnreservedCharactersAndEncodesTheRestAsFormsReadThem) {
    EXPECT_EQ(url_encode("AZaz09-._~"), "AZaz09-._~");
    EXPECT_EQ(url_encode("Malmö latin&sv=1+2/3?#%"), "Malm%C3%B6%20latin%26sv%3D1%2B2%2F3%3F%23%25");
    EXPECT_EQ(url_encode(""), "");
    // What a redirect writes, the next request's form reads back as it was.
    const std::string typed = "Åsa & Öberg + co/?=%";
    const auto back = Form::parse("q=" + url_encode(typed));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->get("q"), typed);
}

TEST(ValidUtf8, IsTextWithoutControlCharactersButTabAndLineBreaks) {
    EXPECT_TRUE(valid_utf8("rad ett\r\nrad två\tslut"));
    EXPECT_FALSE(
        valid_utf8("a\x1B"
                   "b"));
    EXPECT_FALSE(valid_utf8(std::string("a\0b", 3)));
    EXPECT_FALSE(valid_utf8("\xED\xA0\x80"));
}

}  // namespace
}  // namespace mina::web

namespace mina::web {
namespace {

// [9] item 4: on the JSON API every error is JSON, whoever answers it.
TEST(ApiErrors, AnErrorOnAnApiPathIsJsonWithItsTextOrASentenceForItsStatus) {
    Response plain = Response::text(413, "Förfrågan är för stor. / The request is too large.\n");
    plain.header("Connection", "close");
    api_errors_as_json("/api/v1/schools/DEMO1/reports", plain);
    EXPECT_EQ(plain.status, 413);
    EXPECT_EQ(plain.content_type, "application/json; charset=utf-8");
    EXPECT_EQ(plain.body, R"({"error":"Förfrågan är för stor. / The request is too large."})");
    EXPECT_EQ(plain.headers.size(), 2u) << "no-store, and the Connection header kept";

    Response page;  // the router's HTML 404 page
    page.status = 404;
    page.body = "<!doctype html><title>Sidan finns inte</title>";
    api_errors_as_json("/api/v1/nothing", page);
    EXPECT_EQ(page.content_type, "application/json; charset=utf-8");
    EXPECT_EQ(page.body, R"({"error":"Adressen finns inte. / No such address."})");
}

TEST(ApiErrors, LeavesPagesSuccessesAndJsonAlone) {
    Response page;
    page.status = 404;
    page.body = "<p>x</p>";
    api_errors_as_json("/tjanster/studietider", page);
    EXPECT_EQ(page.body, "<p>x</p>");
    Response ok = Response::text(200, "ok\n");
    api_errors_as_json("/api/v1/utbildningar", ok);
    EXPECT_EQ(ok.body, "ok\n");
    Response json = Response::json_error(422, "x");
    api_errors_as_json("/api/v1/schools/A/reports", json);
    EXPECT_EQ(json.body, R"({"error":"x"})");
}

}  // namespace
}  // namespace mina::web

namespace mina::web {
namespace {

TEST(OriginOf, AnHttpOrHttpsUrlsSchemeHostAndPort) {
    EXPECT_EQ(origin_of("https://service.example/callback?x=1"), "https://service.example");
    EXPECT_EQ(origin_of("http://127.0.0.1:4711/cb"), "http://127.0.0.1:4711");
    EXPECT_EQ(origin_of("http://[::1]:8080/"), "http://[::1]:8080");
    // Nothing that could widen or break a CSP source list.
    EXPECT_FALSE(origin_of("javascript:alert(1)"));
    EXPECT_FALSE(origin_of("/relative"));
    EXPECT_FALSE(origin_of("https://a.example;script-src/x"));
    EXPECT_FALSE(origin_of("https://a%20b.example/"));
    EXPECT_FALSE(origin_of("ftp://files.example/"));
}

}  // namespace
}  // namespace mina::web
