#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "web/reports_api.hpp"

namespace mina::web {
namespace {

std::string worded(const std::string& code) { return "<" + code + ">"; }

TEST(ReportsApiAnswer, HasTheCountsThenEachRowsFateInOrder) {
    reports::Plan plan;
    reports::RowPlan saved;
    saved.line = 1;
    saved.event.id = 42;
    reports::RowPlan duplicate;
    duplicate.line = 2;
    duplicate.duplicate = true;
    reports::RowPlan refused;
    refused.line = 3;
    refused.problems.push_back({"datum", reports::Problem::day_bad, ""});
    refused.problems.push_back({"orsak", reports::Problem::kind_missing, "say \"why\"\n"});
    reports::RowPlan unsaved;  // accepted, not saved (validate only): no "report"
    unsaved.line = 4;
    plan.rows = {saved, duplicate, refused, unsaved};
    plan.accepted = 2;
    plan.refused = 1;
    plan.duplicates = 1;
    const std::string out = api_answer_json(plan, 7, SubmissionState::partly_saved, 1, worded);
    // The members in the order docs/API.md shows them.
    EXPECT_EQ(out.substr(0, out.find("\"results\"")),
              "{\"submission\":7,\"state\":\"" + std::string(to_string(SubmissionState::partly_saved)) +
                  "\",\"rows\":4,\"accepted\":2,\"refused\":1,\"duplicates\":1,\"saved\":1,");
    EXPECT_NE(out.find("{\"row\":1,\"fate\":\"accepted\",\"report\":42}"), std::string::npos) << out;
    EXPECT_NE(out.find("{\"row\":2,\"fate\":\"duplicate\"}"), std::string::npos) << out;
    EXPECT_NE(out.find("{\"row\":4,\"fate\":\"accepted\"}]}"), std::string::npos) << out;
    const auto doc = boost::json::parse(out);  // valid JSON, with the text escaped
    const auto& rows = doc.at("results").as_array();
    ASSERT_EQ(rows.size(), 4U);
    const auto& errors = rows[2].at("errors").as_array();
    ASSERT_EQ(errors.size(), 2U);
    EXPECT_EQ(errors[0].at("field").as_string(), "datum");
    EXPECT_EQ(errors[0].at("code").as_string(), "problem.day_bad");
    EXPECT_EQ(errors[0].at("message").as_string(), "<problem.day_bad>");
    EXPECT_EQ(errors[1].at("code").as_string(), "problem.kind_missing|say \"why\"\n");
    EXPECT_FALSE(rows[2].as_object().contains("report"));
}

TEST(ReportsApiAnswer, AnEmptyPlanHasNoResults) {
    const std::string out = api_answer_json({}, 1, SubmissionState::nothing_saved, 0, worded);
    EXPECT_EQ(out.substr(out.find("\"results\"")), "\"results\":[]}");
    EXPECT_NO_THROW((void)boost::json::parse(out));
}

}  // namespace
}  // namespace mina::web
