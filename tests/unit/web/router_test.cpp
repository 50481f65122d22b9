// The router in process, without a server: route matching by path segments, method refusal, the
// gates that run before a handler (no session: the login; a bad CSRF token: refused), the one 503
// mapping, the pool a route runs on, and typed form reads.
#include <gtest/gtest.h>

#include "core/common/ports.hpp"
#include "web/router.hpp"

namespace mina::web {
namespace {

/// A session is "live" when the cookie says so; the CSRF token is "good".
class FakeGate final : public Gatekeeper {
   public:
    std::variant<Authed, Response> login(Request& req, PoolKind where) override {
        last_where = where;
        if (req.cookie("mina_session") != "live") return Response::redirect("/logga-in");
        Authed a;
        a.viewer.session.csrf_token = "good";
        a.lang = "sv";
        return a;
    }
    [[nodiscard]] bool csrf_ok(const Authed& a, std::string_view token) const override {
        return token == a.viewer.session.csrf_token;
    }
    Response error_page(const Request&, int status, std::string_view key) override {
        return Response::text(status, std::string(key));
    }
    PoolKind last_where = PoolKind::hash;
};

Request request(std::string method, std::string path, std::string body = {}, bool session = true) {
    Request r;
    r.method = std::move(method);
    const auto q = path.find('?');
    r.path = path.substr(0, q);
    if (q != std::string::npos) r.query = path.substr(q + 1);
    r.body = std::move(body);
    if (session) r.headers.emplace_back("cookie", "mina_session=live");
    return r;
}

class RouterTest : public ::testing::Test {
   public:
    Response page(Request&) {
        ++calls;
        return Response::text(200, "page");
    }
    Response api(Request&, const Segments& s) {
        ++calls;
        return Response::text(200, "school " + std::string(s.get("code")));
    }
    Response viewer(Request&, Authed& a) {
        ++calls;
        return Response::text(200, "hello " + a.lang);
    }
    Response posted(Request&, Authed&, Form& f) {
        ++calls;
        return Response::text(200, "x=" + f.get("x"));
    }
    Response down(Request&) { throw ports::Unavailable("the database is away"); }

   protected:
    FakeGate gate;
    Router router{gate};
    int calls = 0;
};

TEST_F(RouterTest, MatchesLiteralPathsAndCapturesSegments) {
    router.add("GET", "/start", this, &RouterTest::page);
    router.add("*", "/api/v1/schools/{code}/reports", this, &RouterTest::api);
    auto r = request("GET", "/start");
    EXPECT_EQ(router.handle(r).body, "page");
    r = request("POST", "/api/v1/schools/12345678/reports");
    EXPECT_EQ(router.handle(r).body, "school 12345678");
    for (const char* path : {"/api/v1/schools//reports", "/api/v1/schools/a/b/reports", "/api/v1/schools/a", "/start/",
                             "/star", "/start/x", ""}) {
        r = request("GET", path);
        EXPECT_EQ(router.handle(r).status, 404) << path;
    }
    EXPECT_EQ(calls, 2);
}

TEST_F(RouterTest, RefusesAnotherMethodWithAllowAndAnswersHeadAsGet) {
    router.add("GET", "/anpassa", this, &RouterTest::viewer);
    router.add("POST", "/anpassa", this, &RouterTest::posted);
    router.add("POST", "/logga-ut", this, &RouterTest::posted);
    auto r = request("DELETE", "/anpassa");
    auto res = router.handle(r);
    EXPECT_EQ(res.status, 405);
    ASSERT_EQ(res.headers.size(), 1u);
    EXPECT_EQ(res.headers[0], (std::pair<std::string, std::string>{"Allow", "GET, POST"}));
    r = request("GET", "/logga-ut");
    EXPECT_EQ(router.handle(r).status, 405);
    r = request("HEAD", "/anpassa");
    EXPECT_EQ(router.handle(r).body, "hello sv");
    EXPECT_EQ(calls, 1);
}

TEST_F(RouterTest, WithoutASessionTheHandlerIsNotCalledAndTheBrowserGoesToTheLogin) {
    router.add("GET", "/anpassa", this, &RouterTest::viewer);
    router.add("POST", "/anpassa", this, &RouterTest::posted);
    auto r = request("GET", "/anpassa", {}, false);
    auto res = router.handle(r);
    EXPECT_EQ(res.status, 303);
    r = request("POST", "/anpassa", "csrf=good&x=1", false);
    EXPECT_EQ(router.handle(r).status, 303);
    EXPECT_EQ(calls, 0);
}

TEST_F(RouterTest, AFormWithoutTheSessionsCsrfTokenIsRefused) {
    router.add("POST", "/anpassa", this, &RouterTest::posted);
    for (const char* body : {"x=1", "csrf=bad&x=1", "csrf=&x=1"}) {
        auto r = request("POST", "/anpassa", body);
        auto res = router.handle(r);
        EXPECT_EQ(res.status, 403) << body;
        EXPECT_EQ(res.body, "error_403_csrf");
    }
    auto r = request("POST", "/anpassa", "csrf=good&x=%ZZ");
    EXPECT_EQ(router.handle(r).status, 400) << "a malformed form";
    EXPECT_EQ(calls, 0);
    r = request("POST", "/anpassa", "csrf=good&x=1");
    EXPECT_EQ(router.handle(r).body, "x=1");
}

TEST_F(RouterTest, AGetsFormIsItsQueryAndNeedsNoCsrfToken) {
    router.add("GET", "/lista", this, &RouterTest::posted);
    auto r = request("GET", "/lista?x=2");
    EXPECT_EQ(router.handle(r).body, "x=2");
}

TEST_F(RouterTest, AScriptsCallIsRefusedWithABareStatus) {
    router.add("POST", "/session/forlang", this, &RouterTest::posted).for_script();
    auto r = request("POST", "/session/forlang", "csrf=good", false);
    auto res = router.handle(r);
    EXPECT_EQ(res.status, 401);
    EXPECT_EQ(res.body, "");
    r = request("POST", "/session/forlang", "csrf=bad");
    EXPECT_EQ(router.handle(r).status, 403);
}

TEST_F(RouterTest, TheDatabaseAwayIsOne503ForEveryRouteInItsOwnFormat) {
    router.add("GET", "/sida", this, &RouterTest::down);
    router.add("POST", "/api", this, &RouterTest::down).for_program();
    auto r = request("GET", "/sida");
    auto res = router.handle(r);
    EXPECT_EQ(res.status, 503);
    EXPECT_EQ(res.body, "error_503_database");
    r = request("POST", "/api");
    res = router.handle(r);
    EXPECT_EQ(res.status, 503);
    EXPECT_EQ(res.content_type, "application/json; charset=utf-8");
    EXPECT_EQ(res.body, "{\"error\":\"database unavailable\"}");
    for (const auto* resp : {&res})
        EXPECT_NE(std::find(resp->headers.begin(), resp->headers.end(),
                            std::pair<std::string, std::string>{"Retry-After", "5"}),
                  resp->headers.end());
}

TEST_F(RouterTest, RoutesRunOnTheWorkPoolUnlessTheyOptInToTheIoThread) {
    router.add("GET", "/sida", this, &RouterTest::page);
    router.add("GET", "/start", this, &RouterTest::viewer).on_io();
    router.add("POST", "/logga-in", this, &RouterTest::page).on_hash();
    EXPECT_EQ(router.pool_for(request("GET", "/sida")), PoolKind::work);
    EXPECT_EQ(router.pool_for(request("GET", "/start")), PoolKind::io);
    EXPECT_EQ(router.pool_for(request("HEAD", "/start")), PoolKind::io);
    EXPECT_EQ(router.pool_for(request("POST", "/logga-in")), PoolKind::hash);
    EXPECT_EQ(router.pool_for(request("GET", "/finns-inte")), PoolKind::io) << "a 404 is quick";
    // The gate learns where it runs: on the I/O thread, the session's writes are queued.
    auto r = request("GET", "/start");
    (void)router.handle(r);
    EXPECT_EQ(gate.last_where, PoolKind::io);
}

TEST_F(RouterTest, UploadsAreTheRoutesThatTakeAFile) {
    router.add("POST", "/fil", this, &RouterTest::posted).large();
    router.add("POST", "/form", this, &RouterTest::posted);
    router.add("*", "/api/v1/schools/{code}/reports", this, &RouterTest::api).large();
    EXPECT_TRUE(router.is_upload("/fil"));
    EXPECT_TRUE(router.is_upload("/fil?x=1"));
    EXPECT_TRUE(router.is_upload("/api/v1/schools/A1/reports"));
    EXPECT_FALSE(router.is_upload("/form"));
    EXPECT_FALSE(router.is_upload("/api/v1/schools//reports"));
}

TEST(FormInteger, ReadsAWholeNumberOrNothing) {
    auto f = *Form::parse("a=42&b=&c=4x&d=+1&e=%201&f=-7&g=9223372036854775807&h=9223372036854775808&i=0012");
    EXPECT_EQ(integer(f, "a"), 42);
    EXPECT_EQ(integer(f, "b"), std::nullopt);
    EXPECT_EQ(integer(f, "c"), std::nullopt);
    EXPECT_EQ(integer(f, "d"), std::nullopt);
    EXPECT_EQ(integer(f, "e"), std::nullopt);
    EXPECT_EQ(integer(f, "f"), -7);
    EXPECT_EQ(integer(f, "g"), 9223372036854775807);
    EXPECT_EQ(integer(f, "h"), std::nullopt);
    EXPECT_EQ(integer(f, "i"), 12);
    EXPECT_EQ(integer(f, "missing"), std::nullopt);
}

}  // namespace
}  // namespace mina::web
